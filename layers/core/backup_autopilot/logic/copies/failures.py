"""Why a copy job failed, what fixes it, and whether a later attempt can help (pure)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backup_autopilot.models.severity import Severity

if TYPE_CHECKING:
    from backup_autopilot.logic.copies.service import CopyJobFacts
    from backup_autopilot.models.aws_events import CopyJobEvent


class FailureCause(StrEnum):
    KMS = "kms-access"
    VAULT_POLICY = "vault-access-policy"
    ACCESS_DENIED = "access-denied"
    COLD = "cold-storage"
    RETENTION = "vault-lock-retention"
    LIMIT = "limit"
    OTHER = "other"


#: failures a later attempt may fix; the others alert once and are not retried (no retry storm)
RETRYABLE = frozenset({FailureCause.LIMIT, FailureCause.OTHER})

FIXES: dict[FailureCause, str] = {
    FailureCause.KMS: (
        "let the backup role use the destination vault's KMS key (kms:CreateGrant, kms:GenerateDataKey, "
        "kms:Decrypt, kms:DescribeKey) and, across accounts, share the source key with the destination"
    ),
    FailureCause.VAULT_POLICY: (
        "allow backup:CopyIntoBackupVault for the source account in the destination vault's access policy "
        "(dr/template.yaml does this), and turn on cross-account backup in AWS Organizations"
    ),
    FailureCause.ACCESS_DENIED: (
        "AWS Backup was refused an action the copy needs (its message names it; 'list tags' is the one AWS "
        "documents): give the backup role that permission (for tags: backup:ListTags and tag:GetResources), "
        "and across accounts allow the source account in the destination vault's access policy"
    ),
    FailureCause.COLD: "copy before the lifecycle moves the point to cold storage",
    FailureCause.RETENTION: (
        "the copy's retention is outside the destination vault lock's minimum/maximum: make the stack's copy "
        "retention (CopyDeleteAfterDays, or the plan's) fit the DR vault's lock"
    ),
    FailureCause.LIMIT: "AWS Backup's concurrency limit was reached; the sweep retries the copy later",
    FailureCause.OTHER: "read the status message; the sweep retries the copy on its next run",
}

_PATTERNS: tuple[tuple[FailureCause, re.Pattern[str]], ...] = (
    (FailureCause.VAULT_POLICY, re.compile(r"CopyIntoBackupVault|access policy|vault policy", re.I)),
    (
        FailureCause.KMS,
        re.compile(r"\bkms\b|key id|\bkey\b.*(access|denied|not accessible)|CreateGrant", re.I),
    ),
    (FailureCause.ACCESS_DENIED, re.compile(r"access ?denied|not authori[sz]ed|unauthori[sz]ed", re.I)),
    (FailureCause.RETENTION, re.compile(r"retention|vault lock|locked", re.I)),
    (FailureCause.COLD, re.compile(r"cold", re.I)),
    (FailureCause.LIMIT, re.compile(r"limit|too many|concurren|throttl|rate exceeded", re.I)),
)


def classify_failure(status_message: str | None) -> FailureCause:
    """The cause of a copy failure, from AWS's status message.

    AWS documents one copy failure text ("Access denied exception while trying to list tags");
    the others are matched on the words AWS's error codes and KMS/IAM messages use, with ``other``
    (retried by the sweep) for what nothing matches.
    """
    text = status_message or ""
    for cause, pattern in _PATTERNS:
        if pattern.search(text):
            return cause
    return FailureCause.OTHER


COPY_FAILED = "Copy Failed"


#: copy states that are a failure to report
COPY_FAILURE_STATES = frozenset({"FAILED", "ABORTED", "PARTIAL"})


def lacks_job_facts(event: CopyJobEvent) -> bool:
    """A failure event without the fields the alert needs (the job must be read: DescribeCopyJob)."""
    detail = event.detail
    needed = (detail.copy_job_id, detail.resource_arn, detail.destination_backup_vault_arn)
    return detail.outcome in COPY_FAILURE_STATES and not (all(needed) and detail.status_message)


def copy_failure_event(event: CopyJobEvent, job: CopyJobFacts | None = None) -> dict[str, Any] | None:
    """The ``Copy Failed`` detail for a FAILED/ABORTED/PARTIAL copy job event, with its cause and fix.

    ``job`` (DescribeCopyJob's view) fills what the event lacks: AWS's events are not all complete.
    """
    detail = event.detail
    if detail.outcome not in COPY_FAILURE_STATES:
        return None
    resource = detail.resource_arn or (job.resource_arn if job else None)
    source = event.resources[0] if event.resources else (job and job.source_recovery_point_arn) or resource
    return _failure(
        outcome=detail.outcome,
        resource=resource,
        source=source,
        copy_job_id=detail.copy_job_id or (job.copy_job_id if job else None),
        vault=detail.destination_backup_vault_arn or (job.destination_backup_vault_arn if job else None),
        message=detail.status_message or (job.status_message if job else None),
        occurrence=event.id,
    )


def copy_job_failure(job: CopyJobFacts) -> dict[str, Any] | None:
    """The ``Copy Failed`` detail for a failed copy job as ListCopyJobs shows it (the hourly sweep:
    its event may never have arrived). Same detail, same dedupe key as the event path, so an alert
    already sent is not sent again."""
    if job.state not in COPY_FAILURE_STATES:
        return None
    return _failure(
        outcome=job.state,
        resource=job.resource_arn,
        source=job.source_recovery_point_arn or job.resource_arn,
        copy_job_id=job.copy_job_id,
        vault=job.destination_backup_vault_arn,
        message=job.status_message,
        occurrence=job.copy_job_id,
    )


def _failure(
    *,
    outcome: str,
    resource: str | None,
    source: str | None,
    copy_job_id: str | None,
    vault: str | None,
    message: str | None,
    occurrence: str,
) -> dict[str, Any]:
    cause = classify_failure(message)
    return {
        "severity": Severity.CRITICAL,
        "summary": f"copy of {source} to {vault or 'an unknown vault'} "
        f"{outcome.lower()}: {message or 'no message'}; fix: {FIXES[cause]}",
        "resource": resource,
        "copy_job_id": copy_job_id,
        "cause": cause.value,
        "fix": FIXES[cause],
        "status_message": message,
        "destination_vault_arn": vault,
        "dedupe_key": f"copy-failed:{copy_job_id or occurrence}",
    }
