"""Restore Job State Change -> the restore test's verdict: data checks, RTO, validation result, clean-up."""

from __future__ import annotations

import datetime as dt
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
    from backup_autopilot.logic.report.events import restore_test_points
    from backup_autopilot.models.aws_events import RestoreJobEvent

    restore = accept(RestoreJobEvent, event, context)
    if restore is None:
        return REJECTED
    result = composition.guarded(
        "validate_restore",
        lambda: composition.wiring().restore_validator.handle(
            restore.detail.restore_job_id, now=dt.datetime.now(dt.UTC)
        ),
        resource=restore.detail.resource,
    )
    logger.info("restore job handled", restore_job_id=restore.detail.restore_job_id, **result)
    if result["outcome"] in {"Restore Test Passed", "Restore Test Failed"}:
        name = "RestoreTestsPassed" if result["outcome"] == "Restore Test Passed" else "RestoreTestsFailed"
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        emit_dimensioned(restore_test_points(name, result, restore.account, restore.region))
    return result
