"""What must not be attempted, and which copies take two hops (pure)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from backup_autopilot.logic.copies.destinations import Destination


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
    CONTINUOUS = (
        "continuous (point-in-time) recovery points cannot be copied with StartCopyJob; copies are made "
        "of the plan's snapshot backups (add a snapshot rule to the plan if it has none)"
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
    continuous: bool = False,
) -> SkipReason | None:
    """Why a copy to ``destination`` must not be attempted, or None."""
    if continuous:
        return SkipReason.CONTINUOUS
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
