"""Copy Job State Change -> a classified ``Copy Failed`` event, or the copy lag metric on COMPLETED."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from backup_autopilot.adapters.copies import stack_copy_context
from backup_autopilot.inbound import REJECTED, accept
from backup_autopilot.logic.copy_service import COPY_FAILED, continue_chain, copy_failure_event
from backup_autopilot.models.aws_events import CopyJobEvent
from backup_autopilot.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    copy = accept(CopyJobEvent, event, context)
    if copy is None:
        return REJECTED
    ctx = stack_copy_context()
    failure = copy_failure_event(copy)
    if failure is not None:
        ctx.events.publish(COPY_FAILED, failure)
        metrics.add_metric(name="CopiesFailed", unit=MetricUnit.Count, value=1)
        return {"outcome": COPY_FAILED, "cause": failure["cause"]}
    if copy.detail.outcome != "COMPLETED" or not copy.detail.completion_date or not copy.resources:
        return {"outcome": "Ignored", "state": copy.detail.outcome}
    source = ctx.gateway.recovery_point(
        vault_name=(copy.detail.source_backup_vault_arn or "").rsplit(":", 1)[-1],
        arn=copy.resources[0],
        account=copy.account,
        region=copy.region,
    )
    completed = dt.datetime.fromisoformat(copy.detail.completion_date.replace("Z", "+00:00"))
    lag = (completed - source.creation_date).total_seconds() if source.creation_date else None
    if lag is not None:
        metrics.add_metric(name="CopyLagSeconds", unit=MetricUnit.Seconds, value=lag)
    own_account = context.invoked_function_arn.split(":")[4]
    second_hops = continue_chain(copy, ctx, source=source, own_account=own_account)
    return {"outcome": "Completed", "copy_lag_seconds": lag, "second_hops": second_hops}
