"""Schedule (hourly by default) -> the operator report: one HTML page in the report bucket, its daily
snapshot in the state table, and the per-type and per-destination metrics the dashboard reads."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from backup_autopilot.inbound import REJECTED, accept
from backup_autopilot.observability import MetricUnit, emit_dimensioned, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # the event's model and the logic: imported on the first event, not at init (cold start, see README)
    from backup_autopilot.models.aws_events import ScheduledEvent
    from backup_autopilot.reporting import reporting

    if accept(ScheduledEvent, event, context) is None:
        return REJECTED
    account = context.invoked_function_arn.split(":")[4]
    run = reporting().run(dt.datetime.now(dt.UTC), account)
    emit_dimensioned((p.name, p.unit, p.value, p.dimensions) for p in run.metrics)
    metrics.add_metric(name="ReportsPublished", unit=MetricUnit.Count, value=1)
    result = run.result()
    logger.info("report published", **result)
    return result
