"""What a finished copy job means: a classified failure, or the copy lag and the second hop."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from backup_autopilot.logic.copies.failures import COPY_FAILED, copy_failure_event, lacks_job_facts
from backup_autopilot.logic.copies.service import continue_chain

if TYPE_CHECKING:
    from backup_autopilot.logic.copies.service import CopyContext, CopyJobFacts
    from backup_autopilot.models.aws_events import CopyJobEvent


def handle_copy_outcome(copy: CopyJobEvent, ctx: CopyContext, *, own_account: str) -> dict[str, Any]:
    """A failed copy becomes one ``Copy Failed`` (cause + fix); a completed one yields its lag
    (source backup to copy completion, from the source point as AWS describes it) and starts the
    second hop of a two-hop copy. Other states are ignored. A failure event that lacks the job's
    id, resource, destination or message is completed from DescribeCopyJob, so the alert keeps
    its resource line and its cause."""
    failure = copy_failure_event(copy, _described(copy, ctx) if lacks_job_facts(copy) else None)
    if failure is not None:
        ctx.events.publish(COPY_FAILED, failure)
        return {"outcome": COPY_FAILED, "cause": failure["cause"]}
    detail = copy.detail
    if detail.outcome != "COMPLETED" or not detail.completion_date or not copy.resources:
        return {"outcome": "Ignored", "state": detail.outcome}
    source = ctx.gateway.recovery_point(
        vault_name=(detail.source_backup_vault_arn or "").rsplit(":", 1)[-1],
        arn=copy.resources[0],
        account=copy.account,
        region=copy.region,
    )
    completed = detail.completion_date
    if completed.tzinfo is None:
        completed = completed.replace(tzinfo=dt.UTC)
    lag = (completed - source.creation_date).total_seconds() if source.creation_date else None
    second_hops = continue_chain(copy, ctx, source=source, own_account=own_account)
    return {"outcome": "Completed", "copy_lag_seconds": lag, "second_hops": second_hops}


def _described(copy: CopyJobEvent, ctx: CopyContext) -> CopyJobFacts | None:
    """The copy job a minimal event is about, as DescribeCopyJob (or ListCopyJobs) shows it."""
    detail = copy.detail
    return ctx.gateway.copy_job(
        copy_job_id=detail.copy_job_id,
        source_point_arn=copy.resources[0] if copy.resources else None,
        destination_vault_arn=detail.destination_backup_vault_arn,
        state=detail.outcome,
        region=copy.region,
    )
