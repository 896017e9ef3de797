"""Copying one completed backup: read the truth, plan, start, tell (ports injected)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from msgspec import Struct

from backup_autopilot.logic.copies.destinations import Destination, vault_location
from backup_autopilot.logic.copies.planning import CopyOrder, RecoveryPointFacts, plan_copies
from backup_autopilot.logic.tokens import copy_token
from backup_autopilot.models.severity import Severity

if TYPE_CHECKING:
    from collections.abc import Mapping

    from backup_autopilot.logic.protection import EventPort
    from backup_autopilot.models.aws_events import BackupJobEvent, CopyJobEvent

COPY_STARTED = "Copy Started"
COPY_SKIPPED = "Copy Skipped"
COPY_DESTINATION_REJECTED = "Copy Destination Rejected"


class CopyJobFacts(Struct, frozen=True):
    """What DescribeCopyJob says about a copy job: what a minimal copy event lacks (AWS's CREATED
    example carries no copy job id, resource or size; other states may lack a field too)."""

    copy_job_id: str
    state: str
    resource_arn: str | None = None
    source_recovery_point_arn: str | None = None
    source_backup_vault_arn: str | None = None
    destination_backup_vault_arn: str | None = None
    status_message: str | None = None


class CopyRefused(Exception):
    """AWS refused to start a copy (a permanent refusal: invalid parameter or request). Raised by
    the port; the point is reported as skipped with AWS's message, never retried in a loop."""


class CopyPort(Protocol):
    def recovery_point(
        self, *, vault_name: str, arn: str, account: str, region: str
    ) -> RecoveryPointFacts: ...

    def copy_to_tag(self, resource_arn: str, region: str, tag_key: str) -> str | None: ...

    def attempted_destinations(self, point_arn: str, region: str) -> set[str]: ...

    def start_copy(
        self, point: RecoveryPointFacts, order: CopyOrder, *, delete_after_days: int | None
    ) -> str:
        """StartCopyJob; ``delete_after_days`` None sends no lifecycle: the copy keeps its source's expiry."""
        ...

    def copy_job(
        self,
        *,
        copy_job_id: str | None,
        source_point_arn: str | None,
        destination_vault_arn: str | None,
        state: str,
        region: str,
    ) -> CopyJobFacts | None:
        """The copy job an event is about: DescribeCopyJob by its id, else the latest job in
        ``state`` of the source point (to the destination, when known); None when none is found."""
        ...


class CopyContext(Struct, frozen=True):
    """What every copy decision needs: the ports and the stack's copy configuration."""

    gateway: CopyPort
    events: EventPort
    allowed: Mapping[str, Destination]
    defaults: tuple[Destination, ...]
    copy_to_tag_key: str
    #: the stack's retention of copies (CopyRetentionDays); None: each copy keeps its source's
    delete_after_days: int | None = None
    #: the vaults whose recovery points the stack copies: its primary vault and the listed plans'
    #: (None, in tests only: any vault)
    source_vaults: frozenset[str] | None = None


def copies_from(ctx: CopyContext, vault_name: str | None) -> bool:
    """The one rule for both paths (the completion event and the hourly sweep): the stack copies
    recovery points of its own vaults only. A completed backup in another vault (another team's)
    is none of its business: no copy, no alert."""
    return ctx.source_vaults is None or (vault_name or "") in ctx.source_vaults


def copy_retention(point: RecoveryPointFacts, ctx: CopyContext) -> int | None:
    """How many days a copy of ``point`` is kept: its plan's override (plan tag), else the stack's
    (``CopyRetentionDays``), else None: no lifecycle, so the copy keeps its source's expiry (a
    weekly point's copy 120 days, a monthly one's 365), as AWS does for a copy without one."""
    return point.copy_retention_days or ctx.delete_after_days


def copy_recovery_point(job: BackupJobEvent, ctx: CopyContext) -> dict[str, Any]:
    """Start the copies a COMPLETED backup job (of this account: see ``inbound.accept``) needs.

    Rejections make no AWS call."""
    detail = job.detail
    if detail.outcome != "COMPLETED":
        return {"outcome": "Ignored", "reason": f"job is {detail.outcome}"}
    if not job.resources or not detail.backup_vault_name:
        return {"outcome": "Rejected", "reason": "no recovery point ARN in resources[0] or no vault name"}
    if not copies_from(ctx, detail.backup_vault_name):
        return {
            "outcome": "Ignored",
            "reason": f"recovery point in vault {detail.backup_vault_name}, not one of the stack's vaults",
        }
    return copy_point(
        ctx, vault_name=detail.backup_vault_name, arn=job.resources[0], account=job.account, region=job.region
    )


def copy_point(
    ctx: CopyContext,
    *,
    vault_name: str,
    arn: str,
    account: str,
    region: str,
    attempted: set[str] | None = None,
) -> dict[str, Any]:
    """Read the recovery point's truth, plan its copies, start the missing ones, say what happened.

    ``attempted`` are the destination vaults that already have a copy job for this point (read
    from ListCopyJobs when not given). The deterministic token protects against duplicates only
    while AWS honours it (its lifetime is not documented); this check also stops a replay hours
    later (a redriven dead-letter message, say) from making a second copy in a locked vault.
    """
    point = ctx.gateway.recovery_point(vault_name=vault_name, arn=arn, account=account, region=region)
    tag = ctx.gateway.copy_to_tag(point.resource_arn, point.region, ctx.copy_to_tag_key)
    plan = plan_copies(point, copy_to_tag=tag, allowed=ctx.allowed, defaults=ctx.defaults)
    if plan.orders and attempted is None:
        attempted = ctx.gateway.attempted_destinations(point.arn, point.region)
    started: list[str] = []
    already = [order for order in plan.orders if order.destination.vault_arn in (attempted or set())]
    refused: list[tuple[CopyOrder, str]] = []
    for order in plan.orders:
        if order in already:
            continue
        try:
            job_id = ctx.gateway.start_copy(point, order, delete_after_days=copy_retention(point, ctx))
        except CopyRefused as refusal:
            refused.append((order, str(refusal)))
            continue
        started.append(job_id)
        ctx.events.publish(
            COPY_STARTED,
            {
                "severity": Severity.INFO,
                "summary": f"copy of {point.arn} to {order.destination.key} started",
                "resource": point.resource_arn,
                "recovery_point": point.arn,
                "copy_job_id": job_id,
                "destination_vault_arn": order.destination.vault_arn,
                "dedupe_key": order.token,
            },
        )
    for destination, reason in plan.skipped:
        ctx.events.publish(
            COPY_SKIPPED,
            {
                "severity": Severity.WARNING,
                "summary": f"no copy of {point.arn} to {destination.key}: {reason.value}",
                "resource": point.resource_arn,
                "recovery_point": point.arn,
                "reason": reason.name,
                "destination_vault_arn": destination.vault_arn,
                "dedupe_key": f"skip:{point.arn}:{destination.key}",
            },
        )
    for order, message in refused:
        # a guard for what nobody here could confirm (which points StartCopyJob takes): AWS's
        # refusal is reported once per point and destination, with its own words
        ctx.events.publish(
            COPY_SKIPPED,
            {
                "severity": Severity.WARNING,
                "summary": f"no copy of {point.arn} to {order.destination.key}: AWS refused it: {message}",
                "resource": point.resource_arn,
                "recovery_point": point.arn,
                "reason": "REFUSED",
                "destination_vault_arn": order.destination.vault_arn,
                "dedupe_key": f"skip:{point.arn}:{order.destination.key}",
            },
        )
    if plan.problems:
        ctx.events.publish(
            COPY_DESTINATION_REJECTED,
            {
                "severity": Severity.WARNING,
                "summary": f"{ctx.copy_to_tag_key} on {point.resource_arn}: " + "; ".join(plan.problems),
                "resource": point.resource_arn,
                "problems": plan.problems,
                "dedupe_key": f"copy-tag:{point.resource_arn}:{tag}",
            },
        )
    return {
        "outcome": "Planned",
        "recovery_point": point.arn,
        "started": started,
        "skipped": [d.key for d, _ in plan.skipped],
        "already_copied": [order.destination.key for order in already],
        "refused": [order.destination.key for order, _ in refused],
        "problems": plan.problems,
    }


def continue_chain(
    event: CopyJobEvent, ctx: CopyContext, *, source: RecoveryPointFacts, own_account: str
) -> list[str]:
    """The second hop of two-hop copies: from the stack's own vault, where a copy just landed, on
    to the other account's vault in that Region. ``source`` is the copied point, as
    :meth:`CopyPort.recovery_point` read it. Returns the copy jobs started."""
    detail = event.detail
    landed_in = detail.destination_backup_vault_arn
    landed = detail.destination_recovery_point_arn
    location = vault_location(landed_in) if landed_in else None
    if (
        detail.outcome != "COMPLETED"
        or not landed
        or not landed_in
        or not event.resources
        or location is None
    ):
        return []
    if location[0] != own_account or all(d.vault_arn != landed_in for d in ctx.allowed.values()):
        return []
    tag = ctx.gateway.copy_to_tag(source.resource_arn, source.region, ctx.copy_to_tag_key)
    plan = plan_copies(source, copy_to_tag=tag, allowed=ctx.allowed, defaults=ctx.defaults)
    finals = [final for intermediate, final in plan.chained if intermediate.vault_arn == landed_in]
    if not finals:
        return []
    hop = ctx.gateway.recovery_point(
        vault_name=landed_in.rsplit(":", 1)[-1], arn=landed, account=location[0], region=location[1]
    )
    attempted = ctx.gateway.attempted_destinations(landed, location[1])
    started = []
    for final in finals:
        if final.vault_arn in attempted:
            continue
        order = CopyOrder(final, copy_token(landed, final.vault_arn))
        try:
            # the original point's retention (its plan's), not the intermediate copy's
            job_id = ctx.gateway.start_copy(hop, order, delete_after_days=copy_retention(source, ctx))
        except CopyRefused as refusal:
            ctx.events.publish(
                COPY_SKIPPED,
                {
                    "severity": Severity.WARNING,
                    "summary": f"second hop: no copy of {landed} to {final.key}: AWS refused it: {refusal}",
                    "resource": source.resource_arn,
                    "recovery_point": landed,
                    "reason": "REFUSED",
                    "destination_vault_arn": final.vault_arn,
                    "dedupe_key": f"skip:{landed}:{final.key}",
                },
            )
            continue
        started.append(job_id)
        ctx.events.publish(
            COPY_STARTED,
            {
                "severity": Severity.INFO,
                "summary": f"second hop: copy of {landed} to {final.key} started",
                "resource": source.resource_arn,
                "recovery_point": landed,
                "copy_job_id": job_id,
                "destination_vault_arn": final.vault_arn,
                "dedupe_key": order.token,
            },
        )
    return started
