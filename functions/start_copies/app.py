"""Backup Job State Change COMPLETED -> StartCopyJob to each allowed destination (or Copy Skipped)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backup_autopilot import composition
from backup_autopilot.inbound import REJECTED, accept
from backup_autopilot.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # the event's model and the logic: imported on the first event, not at init (cold start, see README)
    from backup_autopilot.logic.copies.service import copy_recovery_point
    from backup_autopilot.models.aws_events import BackupJobEvent

    job = accept(BackupJobEvent, event, context)
    if job is None:
        return REJECTED
    result = composition.guarded(
        "start_copies",
        lambda: copy_recovery_point(job, composition.wiring().copy_context),
        resource=job.detail.resource_arn,
    )
    logger.info("copies planned", **result)
    metrics.add_metric(name="CopiesStarted", unit=MetricUnit.Count, value=len(result.get("started", [])))
    return result
