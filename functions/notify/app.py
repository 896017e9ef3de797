"""SQS batch of alert-worthy events (AWS Backup jobs, domain events, held digests) -> at most one
e-mail (SNS) and one Slack post, remembered in the state table; partial batch failures reported."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from backup_autopilot import composition
from backup_autopilot.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from backup_autopilot.logic.alerting.classify import Signal


@cache
def batch_processor() -> BatchProcessor:
    """Powertools' batch utility, built on the first batch (not at init: cold start, see README).

    The layer has no pydantic: were it installed, this utility would build every Powertools parser
    model (~250 ms) when imported after it. A batch whose every message is malformed is reported
    like any other (each goes to the DLQ alone)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    return BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    processor = batch_processor()
    from backup_autopilot.logic.alerting.classify import classify_body

    wiring = composition.wiring()
    signals: list[tuple[str, Signal]] = []

    def classify(record: SQSRecord) -> None:  # raises RejectedEvent: the record fails alone
        signals.append((record.message_id, classify_body(record.body, wiring.alert_context)))

    with processor(records=event.get("Records", []), handler=classify):
        processor.process()
    response = processor.response()
    for failure in response["batchItemFailures"]:
        logger.error("rejected notification message", message_id=failure["itemIdentifier"])
    metrics.add_metric(
        name="NotificationsRejected", unit=MetricUnit.Count, value=len(response["batchItemFailures"])
    )
    try:
        delivery = wiring.notifier.deliver([signal for _, signal in signals])
    except Exception:
        # nothing was remembered: every accepted message returns to the queue (then the DLQ)
        logger.exception("notifications not delivered", messages=len(signals))
        failed = [{"itemIdentifier": message_id} for message_id, _ in signals]
        return {"batchItemFailures": [*response["batchItemFailures"], *failed]}
    logger.info("notifications delivered", **{k: v for k, v in delivery.to_dict().items() if v})
    for name, value in (
        ("AlertsSent", delivery.notices),
        ("AlertsSuppressed", delivery.suppressed + delivery.duplicates),
        ("AlertsResolved", delivery.resolved),
        ("SlackPosts", delivery.slack_posts),
        ("SlackRetries", delivery.slack_retries),
        ("SlackFallbacks", delivery.slack_fallbacks),
        ("DigestsHeld", delivery.held),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    return dict(response)
