"""Why a copy job failed, what fixes it, and whether a later attempt can help (pure)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backup_autopilot.models.alerts import Severity

if TYPE_CHECKING:
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


def copy_failure_event(event: CopyJobEvent) -> dict[str, Any] | None:
    """The ``Copy Failed`` detail for a FAILED/ABORTED copy job event, with its cause and fix."""
    detail = event.detail
    if detail.outcome not in {"FAILED", "ABORTED", "PARTIAL"}:
        return None
    cause = classify_failure(detail.status_message)
    destination = detail.destination_backup_vault_arn or "an unknown vault"
    source = event.resources[0] if event.resources else detail.resource_arn
    return {
        "severity": Severity.CRITICAL,
        "summary": f"copy of {source} to {destination} "
        f"{detail.outcome.lower()}: {detail.status_message or 'no message'}; fix: {FIXES[cause]}",
        "resource": detail.resource_arn,
        "copy_job_id": detail.copy_job_id,
        "cause": cause.value,
        "fix": FIXES[cause],
        "destination_vault_arn": detail.destination_backup_vault_arn,
        "dedupe_key": f"copy-failed:{detail.copy_job_id or event.id}",
    }
