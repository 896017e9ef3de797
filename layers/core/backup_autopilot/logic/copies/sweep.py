"""The copy half of the hourly reconcile: points whose completion event never arrived (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from msgspec import Struct

from backup_autopilot.logic.copies.failures import COPY_FAILED, copy_job_failure
from backup_autopilot.logic.copies.service import CopyContext, CopyJobFacts, CopyPort, copies_from, copy_point
from backup_autopilot.logic.errors import Refused

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable


class PointSummary(Struct, frozen=True):
    """A recovery point as ListRecoveryPointsByBackupVault lists it."""

    arn: str
    vault_name: str
    resource_arn: str
    status: str


class CopySweep(Struct):
    points: int = 0
    covered: int = 0
    copied: int = 0
    copies_started: int = 0
    refused: int = 0
    #: failed copy jobs reported again as ``Copy Failed`` (their event may have been lost)
    failures_reported: int = 0


def sweep_copies(
    points: Iterable[PointSummary],
    *,
    attempted: set[tuple[str, str]],
    ctx: CopyContext,
    account: str,
    region: str,
) -> CopySweep:
    """Start the copies that events missed: recovery points without a copy job at a destination.

    A point with a copy job (of any outcome but a retryable failure) at every destination the
    stack allows costs nothing; the others go through :func:`copy_point`, which reads their tag
    and starts what is missing with the same deterministic tokens as the event path.
    """
    sweep = CopySweep()
    destinations = [d.vault_arn for d in ctx.allowed.values()]
    for point in points:
        if point.status != "COMPLETED" or not copies_from(ctx, point.vault_name):
            continue
        sweep.points += 1
        if all((point.arn, vault) in attempted for vault in destinations):
            sweep.covered += 1
            continue
        done = {vault for vault in destinations if (point.arn, vault) in attempted}
        try:
            result = copy_point(
                ctx,
                vault_name=point.vault_name,
                arn=point.arn,
                account=account,
                region=region,
                attempted=done,
            )
        except Refused:  # this point only (deleted meanwhile, say): the sweep goes on
            sweep.refused += 1
            continue
        if result["started"]:
            sweep.copied += 1
            sweep.copies_started += len(result["started"])
        else:
            sweep.covered += 1
    return sweep


class CopySweepPort(CopyPort, Protocol):
    def recent_points(
        self, *, vault_name: str, region: str, since: dt.datetime
    ) -> Iterable[PointSummary]: ...

    def attempted_copies(self, *, region: str, since: dt.datetime) -> set[tuple[str, str]]: ...

    def failed_copies(self, *, region: str, since: dt.datetime) -> Iterable[CopyJobFacts]: ...


def sweep_recent_copies(
    ctx: CopyContext,
    gateway: CopySweepPort,
    *,
    vault_names: Iterable[str],
    account: str,
    region: str,
    since: dt.datetime,
    failures_since: dt.datetime | None = None,
) -> CopySweep:
    """The copy half of the hourly reconcile: recovery points of ``vault_names`` (the stack's
    vaults: the same rule as the event path, :func:`copies_from`) since ``since`` that lack a copy
    at a destination get it now (events are best effort); copy jobs that failed since
    ``failures_since`` are reported again (:func:`report_failed_copies`)."""
    if not ctx.allowed:
        return CopySweep()
    vaults = [name for name in vault_names if copies_from(ctx, name)]
    sweep = sweep_copies(
        (
            point
            for name in vaults
            for point in gateway.recent_points(vault_name=name, region=region, since=since)
        ),
        attempted=gateway.attempted_copies(region=region, since=since),
        ctx=ctx,
        account=account,
        region=region,
    )
    if failures_since is not None:
        sweep.failures_reported = report_failed_copies(
            ctx, gateway.failed_copies(region=region, since=failures_since)
        )
    return sweep


def report_failed_copies(ctx: CopyContext, jobs: Iterable[CopyJobFacts]) -> int:
    """``Copy Failed`` for each failed copy job of the stack's vaults: the copy_outcome path's
    detail and dedupe key, so a failure whose event arrived is not alerted twice (notify's memory
    drops the repeat) and one whose event was lost is alerted within the hour."""
    reported = 0
    for job in jobs:
        vault_name = (job.source_backup_vault_arn or "").rsplit(":", 1)[-1]
        failure = copy_job_failure(job)
        if failure is None or not copies_from(ctx, vault_name):
            continue
        ctx.events.publish(COPY_FAILED, failure)
        reported += 1
    return reported
