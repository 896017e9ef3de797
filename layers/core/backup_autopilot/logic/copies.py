"""Where a completed backup must be copied, what must not be attempted, and why a copy failed.

Pure logic. Destinations come only from the stack's configuration; the ``backup-copy-to`` tag
can choose among them (or say ``none``) but can never name an arbitrary vault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ACCOUNT_REGION = re.compile(r"^(\d{12}):([a-z]{2}(?:-[a-z]+)+-\d)$")
#: types AWS Backup always fully manages (own recovery-point ARNs, encryption independent of the
#: source); DynamoDB joins them when advanced backup features are on
FULLY_MANAGED = frozenset({"S3", "EFS", "Timestream", "VirtualMachine", "CloudFormation"})


@dataclass(frozen=True, order=True)
class Destination:
    account: str
    region: str
    vault_arn: str

    @property
    def key(self) -> str:
        return f"{self.account}:{self.region}"


def vault_location(vault_arn: str) -> tuple[str, str] | None:
    """(account, region) of a backup vault ARN, or None when it is not one."""
    parts = vault_arn.split(":")
    if (
        len(parts) != 7
        or parts[0] != "arn"
        or parts[2] != "backup"
        or parts[5] != "backup-vault"
        or not parts[6]
    ):
        return None
    return parts[4], parts[3]


@dataclass(frozen=True)
class CopyTargets:
    destinations: tuple[Destination, ...]
    problems: tuple[str, ...] = ()


def resolve_destinations(
    tag_value: str | None,
    *,
    source_account: str,
    source_region: str,
    allowed: Mapping[str, Destination],
    defaults: Iterable[Destination],
) -> CopyTargets:
    """Destinations for one recovery point.

    ``allowed`` maps ``ACCOUNT:REGION`` to the stack's vault there; ``defaults`` apply when the
    resource has no ``backup-copy-to`` tag. Tag entries: ``none``, a Region (same account), or
    ``ACCOUNT:REGION``. Entries the stack does not allow are reported, never followed.
    """
    if tag_value is None or not tag_value.strip():
        chosen = sorted(set(defaults))
        return CopyTargets(
            tuple(d for d in chosen if (d.account, d.region) != (source_account, source_region))
        )
    entries = [e.strip() for e in tag_value.split(",") if e.strip()]
    if [e.lower() for e in entries] == ["none"]:
        return CopyTargets(())
    found: dict[str, Destination] = {}
    problems: list[str] = []
    for entry in entries:
        if entry.lower() == "none":
            problems.append("'none' cannot be combined with destinations")
            continue
        match = _ACCOUNT_REGION.match(entry)
        if match:
            key = f"{match.group(1)}:{match.group(2)}"
        elif _REGION.match(entry):
            key = f"{source_account}:{entry}"
        else:
            problems.append(f"'{entry}' is neither a Region nor ACCOUNT:REGION")
            continue
        if key == f"{source_account}:{source_region}":
            problems.append(f"'{entry}' is where the backup already is")
            continue
        destination = allowed.get(key)
        if destination is None:
            problems.append(
                f"'{entry}' is not a copy destination this stack allows ({', '.join(sorted(allowed))})"
            )
            continue
        found[key] = destination
    return CopyTargets(tuple(sorted(found.values())), tuple(problems))


class SkipReason(StrEnum):
    COLD = "cold-tier recovery points cannot be copied to another Region or account"
    AWS_MANAGED_KEY = (
        "recovery points encrypted with an AWS-managed key cannot be copied to another account "
        "(use a customer-managed key shared with the destination account)"
    )
    PLAN_COPIES = "the plan rule's own copy action already copies it there"
    NO_INTERMEDIATE_VAULT = (
        "a copy to another account AND another Region takes two hops for this resource type, and the "
        "stack has no vault of its own in that Region to go through (deploy dr/template.yaml there)"
    )
    DYNAMODB_NOT_ADVANCED = (
        "DynamoDB backups can be copied only with advanced DynamoDB backup features on "
        "(AWS Backup > Settings > Advanced features for Amazon DynamoDB backups)"
    )


def skip_reason(
    destination: Destination,
    *,
    source_account: str,
    storage_class: str,
    fully_managed: bool,
    aws_managed_key: bool,
    plan_copy_vaults: Iterable[str] = (),
    resource_type: str = "",
) -> SkipReason | None:
    """Why a copy to ``destination`` must not be attempted, or None."""
    if destination.vault_arn in set(plan_copy_vaults):
        return SkipReason.PLAN_COPIES
    if resource_type == "DynamoDB" and not fully_managed:
        return SkipReason.DYNAMODB_NOT_ADVANCED
    if storage_class.upper() == "COLD":
        return SkipReason.COLD
    cross_account = destination.account != source_account
    if cross_account and aws_managed_key and not fully_managed:
        return SkipReason.AWS_MANAGED_KEY
    return None


#: types AWS Backup copies to another account and Region in one action (fact sheet section 5);
#: for the others the sandbox and the stack go through the stack's own vault in that Region
#: first (whether every other type really needs it is UNVERIFIED: two hops always work)
ONE_HOP_TYPES = frozenset({"RDS", "Aurora"})


def needs_two_hops(
    destination: Destination, *, source_account: str, source_region: str, resource_type: str
) -> bool:
    """A copy to another account in another Region, for a type AWS does not copy so in one action."""
    return (
        destination.account != source_account
        and destination.region != source_region
        and resource_type not in ONE_HOP_TYPES
    )


class FailureCause(StrEnum):
    KMS = "kms-access"
    VAULT_POLICY = "vault-access-policy"
    COLD = "cold-storage"
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
    FailureCause.COLD: "copy before the lifecycle moves the point to cold storage",
    FailureCause.LIMIT: "AWS Backup's concurrency limit was reached; the sweep retries the copy later",
    FailureCause.OTHER: "read the status message; the sweep retries the copy on its next run",
}

_PATTERNS: tuple[tuple[FailureCause, re.Pattern[str]], ...] = (
    (FailureCause.VAULT_POLICY, re.compile(r"CopyIntoBackupVault|access policy|vault policy", re.I)),
    (
        FailureCause.KMS,
        re.compile(r"\bkms\b|key id|\bkey\b.*(access|denied|not accessible)|CreateGrant", re.I),
    ),
    (FailureCause.COLD, re.compile(r"cold", re.I)),
    (FailureCause.LIMIT, re.compile(r"limit|too many|concurren|throttl|rate exceeded", re.I)),
)


def classify_failure(status_message: str | None) -> FailureCause:
    text = status_message or ""
    for cause, pattern in _PATTERNS:
        if pattern.search(text):
            return cause
    return FailureCause.OTHER
