"""Scheduled sweep (and its continuations): tagged resources vs AWS Backup protection -> Coverage Report."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from backup_autopilot import composition
from backup_autopilot.logic.reconcile import ReconcileRun
from backup_autopilot.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = ReconcileRun.resume(event) or ReconcileRun(run_id=str(uuid.uuid4()))
    finished = composition.wiring().reconciler.run(
        run,
        now=dt.datetime.now(dt.UTC),
        account=context.invoked_function_arn.split(":")[4],
        time_left_ms=context.get_remaining_time_in_millis,
    )
    if not finished:
        logger.info("reconcile continues in a new invocation", run_id=run.run_id, pages=run.pages)
        return {"finished": False, "pages": run.pages}
    metrics.add_metric(name="ResourcesTagged", unit=MetricUnit.Count, value=run.coverage.tagged)
    metrics.add_metric(
        name="BackupsStartedByReconcile", unit=MetricUnit.Count, value=run.coverage.backups_started
    )
    logger.info("reconcile finished", run_id=run.run_id, pages=run.pages, **run.coverage.report())
    return {"finished": True, **run.coverage.to_dict()}
