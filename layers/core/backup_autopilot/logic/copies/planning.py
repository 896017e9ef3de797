"""From the facts of one completed backup to the copies it needs (pure; facts come from adapters)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec import Struct, field

from backup_autopilot.logic.copies.destinations import Destination, resolve_destinations
from backup_autopilot.logic.copies.eligibility import SkipReason, needs_two_hops, skip_reason
from backup_autopilot.logic.tokens import copy_token

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping


class RecoveryPointFacts(Struct, frozen=True):
    """What AWS says about the recovery point (DescribeRecoveryPoint), not what the event claims."""

    arn: str
    vault_name: str
    account: str
    region: str
    resource_arn: str
    resource_type: str
    status: str
    storage_class: str
    aws_managed_key: bool
    plan_copy_vaults: tuple[str, ...] = ()
    creation_date: dt.datetime | None = None
    #: a continuous (point-in-time) recovery point, which StartCopyJob does not copy
    continuous: bool = False
    #: days its copies are kept, when its plan overrides the source's retention (tag
    #: :data:`COPY_RETENTION_TAG`); None: a copy keeps the source's expiry
    copy_retention_days: int | None = None

    @property
    def fully_managed(self) -> bool:
        # AWS names recovery points of fully managed types arn:aws:backup:...:recovery-point:...
        return ":backup:" in self.arn and ":recovery-point:" in self.arn


#: a plan tag (and the recovery point tag of the plan's on-demand backups): how many days copies of
#: the plan's recovery points are kept; absent or 0, a copy keeps its source's retention
COPY_RETENTION_TAG = "backup-autopilot:copy-retention-days"


def retention_override(value: str | None) -> int | None:
    """The days a :data:`COPY_RETENTION_TAG` value asks copies to be kept; None (keep the source's
    retention) for an absent, empty, zero or malformed value: a typo never shortens a retention."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    days = int(text)
    return days if days > 0 else None


def is_continuous_arn(arn: str) -> bool:
    """AWS names continuous recovery points ``...:recovery-point:continuous:...`` (UNVERIFIED for
    every type: the adapter also asks the plan rule whether it makes continuous backups)."""
    return ":recovery-point:continuous:" in arn


class CopyOrder(Struct, frozen=True):
    destination: Destination
    token: str


class CopyPlan(Struct):
    orders: list[CopyOrder] = field(default_factory=list)
    skipped: list[tuple[Destination, SkipReason]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: (intermediate, final): copies that go on from the stack's own vault once the first hop lands
    chained: list[tuple[Destination, Destination]] = field(default_factory=list)


def plan_copies(
    point: RecoveryPointFacts,
    *,
    copy_to_tag: str | None,
    allowed: Mapping[str, Destination],
    defaults: Iterable[Destination],
) -> CopyPlan:
    plan = CopyPlan()
    if point.status != "COMPLETED":
        plan.problems.append(f"recovery point is {point.status}, not COMPLETED")
        return plan
    targets = resolve_destinations(
        copy_to_tag,
        source_account=point.account,
        source_region=point.region,
        allowed=allowed,
        defaults=defaults,
    )
    plan.problems.extend(targets.problems)
    for destination in targets.destinations:
        reason = skip_reason(
            destination,
            source_account=point.account,
            storage_class=point.storage_class,
            fully_managed=point.fully_managed,
            aws_managed_key=point.aws_managed_key,
            plan_copy_vaults=point.plan_copy_vaults,
            resource_type=point.resource_type,
            continuous=point.continuous,
        )
        if reason is None and needs_two_hops(
            destination,
            source_account=point.account,
            source_region=point.region,
            resource_type=point.resource_type,
        ):
            intermediate = allowed.get(f"{point.account}:{destination.region}")
            if intermediate is None:
                reason = SkipReason.NO_INTERMEDIATE_VAULT
            else:
                plan.chained.append((intermediate, destination))
                destination = intermediate  # the first hop; the rest follows on its completion
        if reason is not None:
            plan.skipped.append((destination, reason))
        elif all(order.destination != destination for order in plan.orders):
            plan.orders.append(CopyOrder(destination, copy_token(point.arn, destination.vault_arn)))
    return plan
