"""Scheduled sweep (and its continuations): tagged resources vs AWS Backup protection -> Coverage Report."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from backup_autopilot import composition
from backup_autopilot.inbound import REJECTED, accept, refuse
from backup_autopilot.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # the event's model and the logic: imported on the first event, not at init (cold start, see README)
    from backup_autopilot.logic.reconcile import ReconcileRun
    from backup_autopilot.models.aws_events import ScheduledEvent
    from backup_autopilot.models.reconcile_events import CONTINUATION, ContinuationEvent

    now = dt.datetime.now(dt.UTC)
    if isinstance(event, dict) and event.get("detail-type") == CONTINUATION:
        continuation = accept(ContinuationEvent, event, context)
        if continuation is None:
            return REJECTED
        if continuation.stale(now):
            return refuse("stale or future-dated continuation", time=continuation.time.isoformat())
        run = ReconcileRun.resume(continuation)
    else:
        if accept(ScheduledEvent, event, context) is None:
            return REJECTED
        run = ReconcileRun(run_id=str(uuid.uuid4()))
    result = composition.guarded(
        "reconcile",
        lambda: {
            "finished": composition.wiring().reconciler.run(
                run,
                now=now,
                account=context.invoked_function_arn.split(":")[4],
                time_left_ms=context.get_remaining_time_in_millis,
            )
        },
    )
    finished = result.get("finished")
    if finished is None:
        return result  # refused: reported as a Request Refused event
    if not finished:
        logger.info("reconcile continues in a new invocation", run_id=run.run_id, pages=run.pages)
        return {"finished": False, "pages": run.pages}
    # the heartbeat the ReconcileNotFinishing alarm watches (missing for two periods: ALARM)
    metrics.add_metric(name="ReconcileRunsFinished", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ResourcesTagged", unit=MetricUnit.Count, value=run.coverage.tagged)
    metrics.add_metric(
        name="BackupsStartedByReconcile", unit=MetricUnit.Count, value=run.coverage.backups_started
    )
    logger.info("reconcile finished", run_id=run.run_id, pages=run.pages, **run.coverage.report())
    return {"finished": True, **run.coverage.to_dict()}
