"""SQS batch of alert-worthy events (AWS Backup failures, our domain events) -> one SNS digest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.data_classes import SQSEvent

from backup_autopilot import composition
from backup_autopilot.logic.notify import plan_batch
from backup_autopilot.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = list(SQSEvent(event).records)
    plan = plan_batch((record.message_id, record.body) for record in records)
    for message_id, reason in plan.rejected.items():
        logger.error("rejected notification message", message_id=message_id, reason=reason)
    metrics.add_metric(name="NotificationsRejected", unit=MetricUnit.Count, value=len(plan.rejected))
    failures = list(plan.rejected)
    if plan.digest is not None:
        publisher = composition.wiring().alerts
        try:
            message_id = publisher.publish(plan.digest)
        except Exception:
            # nothing was delivered: every accepted message goes back to the queue to be retried
            logger.exception("digest not delivered", alerts=len(plan.digest.alerts))
            failures.extend(plan.accepted)
        else:
            logger.info("digest published", sns_message_id=message_id, alerts=len(plan.digest.alerts))
            metrics.add_metric(name="AlertsSent", unit=MetricUnit.Count, value=len(plan.digest.alerts))
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}
