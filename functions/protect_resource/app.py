"""aws.tag "Tag Change on Resource" for the plan or restore-test tag -> assignment, checks, first
backup, and the first restore test of a resource just opted in."""

from __future__ import annotations

import datetime as dt
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
    from backup_autopilot.models.tag_events import TagChangeEvent

    tag_event = accept(TagChangeEvent, event, context)
    if tag_event is None:
        return REJECTED
    result = composition.guarded(
        "protect_resource",
        lambda: composition.wiring().tag_changes.handle(
            resource_arn=tag_event.resource_arn,
            region=tag_event.region,
            changed_keys=tag_event.detail.changed_tag_keys,
            event_tags=tag_event.detail.tags,
            now=dt.datetime.now(dt.UTC),
        ),
        resource=tag_event.resource_arn,
    )
    logger.info("tag change handled", resource=tag_event.resource_arn, **result)
    metrics.add_metric(name=result["outcome"].split()[-1], unit=MetricUnit.Count, value=1)
    return {k: result.get(k) for k in ("outcome", "detail", "backup_job_id", "first_test")}
