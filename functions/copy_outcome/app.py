"""Copy Job State Change -> a classified ``Copy Failed`` event, or the copy lag metric on COMPLETED."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backup_autopilot import composition
from backup_autopilot.inbound import REJECTED, accept
from backup_autopilot.observability import MetricUnit, emit_dimensioned, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # the event's model and the logic: imported on the first event, not at init (cold start, see README)
    from backup_autopilot.logic.copies.failures import COPY_FAILED
    from backup_autopilot.logic.copies.outcome import handle_copy_outcome
    from backup_autopilot.logic.report.events import copy_points
    from backup_autopilot.models.aws_events import CopyJobEvent

    copy = accept(CopyJobEvent, event, context)
    if copy is None:
        return REJECTED
    own_account = context.invoked_function_arn.split(":")[4]
    result = composition.guarded(
        "copy_outcome",
        lambda: handle_copy_outcome(copy, composition.wiring().copy_context, own_account=own_account),
        resource=copy.detail.resource_arn,
    )
    if result["outcome"] == COPY_FAILED:
        metrics.add_metric(name="CopiesFailed", unit=MetricUnit.Count, value=1)
    if result.get("copy_lag_seconds") is not None:
        metrics.add_metric(name="CopyLagSeconds", unit=MetricUnit.Seconds, value=result["copy_lag_seconds"])
    emit_dimensioned(copy_points(result, copy.detail.destination_backup_vault_arn, copy.account, copy.region))
    return result
