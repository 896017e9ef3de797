"""Why an AWS Backup job failed and what to do about it, from its state and AWS's message (pure).

Copy failures have their own classifier (:mod:`backup_autopilot.logic.copies.failures`), shared
with copy_outcome's ``Copy Failed``; this one covers backup and restore jobs. A message nothing
matches is ``other``: the alert still carries AWS's own words.
"""

from __future__ import annotations

import re
from enum import StrEnum


class JobCause(StrEnum):
    KMS = "kms-access"
    ACCESS_DENIED = "access-denied"
    NOT_FOUND = "resource-gone"
    CONFLICT = "another-job-running"
    LIMIT = "limit"
    OTHER = "other"


_PATTERNS: tuple[tuple[JobCause, re.Pattern[str]], ...] = (
    (JobCause.KMS, re.compile(r"\bkms\b|key id|\bkey\b.*(access|denied|not accessible|disabled)", re.I)),
    (
        JobCause.ACCESS_DENIED,
        re.compile(r"access ?denied|not authori[sz]ed|unauthori[sz]ed|insufficient privileges", re.I),
    ),
    (JobCause.NOT_FOUND, re.compile(r"not found|does not exist|no longer exists|was deleted", re.I)),
    (JobCause.CONFLICT, re.compile(r"already in progress|another (backup )?job|in use|conflict", re.I)),
    (JobCause.LIMIT, re.compile(r"limit|quota|too many|concurren|throttl|rate exceeded", re.I)),
)

BACKUP_FIXES: dict[JobCause, str] = {
    JobCause.KMS: (
        "let the stack's backup role use the resource's KMS key (kms:CreateGrant, kms:Decrypt, "
        "kms:GenerateDataKey, kms:DescribeKey in the key policy)"
    ),
    JobCause.ACCESS_DENIED: (
        "give the stack's backup role (BackupServiceRole) the permission AWS names in the message; "
        "for a newly supported resource type, check the type is opted in (AWS Backup > Settings)"
    ),
    JobCause.NOT_FOUND: (
        "the resource is gone: if it was deleted on purpose, nothing to do (remove its backup-plan tag "
        "if it comes back under that name)"
    ),
    JobCause.CONFLICT: (
        "another job on the resource was running; the plan's next window runs the backup again and the "
        "hourly reconcile starts one when the resource is past its RPO"
    ),
    JobCause.LIMIT: (
        "an AWS Backup quota was reached; the next window or the hourly reconcile retries; ask for a quota "
        "increase (Service Quotas > AWS Backup) if it recurs"
    ),
    JobCause.OTHER: (
        "read AWS's message; the plan's next window retries, and the hourly reconcile starts a backup when "
        "the resource is past its RPO"
    ),
}

#: what the job's end state alone says to do (the message's cause, when it says more, wins)
STATE_FIXES: dict[str, str] = {
    "EXPIRED": (
        "the job did not start within its start window: widen the plan rule's start window, or look for "
        "long-running jobs on the same resource"
    ),
    "ABORTED": "the job was stopped (by a person or by AWS, see the message); the next window runs it again",
    "PARTIAL": "some items were not backed up (see the message): the recovery point is incomplete",
    "ISSUES": "the backup completed, but AWS reports a problem (see the message): check the recovery point",
}

RESTORE_FIX = (
    "read AWS's message; check the restore role and the restore settings (a target name that already "
    "exists, a subnet or security group that is missing)"
)


def classify_job_message(status_message: str | None) -> JobCause:
    text = status_message or ""
    for cause, pattern in _PATTERNS:
        if pattern.search(text):
            return cause
    return JobCause.OTHER


def backup_fix(state: str, status_message: str | None) -> tuple[JobCause, str]:
    """The cause and the fix of a backup job that ended ``state`` with ``status_message``."""
    cause = classify_job_message(status_message)
    if cause is JobCause.OTHER and state in STATE_FIXES:
        return cause, STATE_FIXES[state]
    return cause, BACKUP_FIXES[cause]
