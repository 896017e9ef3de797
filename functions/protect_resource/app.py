"""aws.tag "Tag Change on Resource" for the plan tag -> assignment, checks, first backup, domain event."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from backup_autopilot import composition
from backup_autopilot.inbound import REJECTED, accept
from backup_autopilot.logic.protection import handle_tag_change
from backup_autopilot.models.tag_events import TagChangeEvent
from backup_autopilot.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    tag_event = accept(TagChangeEvent, event, context)
    if tag_event is None:
        return REJECTED
    wiring = composition.wiring()
    result = handle_tag_change(
        resource_arn=tag_event.resource_arn,
        changed_keys=tag_event.detail.changed_tag_keys,
        event_tags=tag_event.detail.tags,
        tags_now=lambda arn: wiring.resources.tags_now(arn, tag_event.region),
        plans=wiring.backup.assignable_plans,
        protector=wiring.protector,
        now=dt.datetime.now(dt.UTC),
    )
    logger.info(
        "tag change handled",
        resource=tag_event.resource_arn,
        outcome=result.outcome.value,
        detail=result.detail,
        backup_job_id=result.backup_job_id,
        warnings=result.warnings,
    )
    metrics.add_metric(name=result.outcome.name.title(), unit=MetricUnit.Count, value=1)
    return {"outcome": result.outcome.value, "detail": result.detail, "backup_job_id": result.backup_job_id}
