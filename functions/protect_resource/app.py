"""aws.tag "Tag Change on Resource" for the plan or restore-test tag -> assignment, checks, first
backup, and the first restore test of a resource just opted in."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from backup_autopilot import composition
from backup_autopilot.inbound import REJECTED, accept
from backup_autopilot.logic.protection import handle_tag_change
from backup_autopilot.logic.resources import parse_resource_arn
from backup_autopilot.logic.restore_tests.first_test import wants_first_test
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
    settings = wiring.settings
    changed = tag_event.detail.changed_tag_keys
    tags = wiring.resources.tags_now(tag_event.resource_arn, tag_event.region)  # the truth, read once
    result = handle_tag_change(
        resource_arn=tag_event.resource_arn,
        changed_keys=changed,
        event_tags=tag_event.detail.tags,
        tags_now=lambda _arn: tags,
        plans=wiring.backup.assignable_plans,
        protector=wiring.protector,
        now=dt.datetime.now(dt.UTC),
    )
    first_test: dict[str, Any] | None = None
    resource = parse_resource_arn(tag_event.resource_arn)
    if resource is not None and wants_first_test(
        changed,
        tags,
        tag_key=settings.restore_test_tag_key,
        plan_tag_key=settings.plan_tag_key,
        default_on=settings.restore_test_default_on,
    ):
        first_test = wiring.first_tester.start(resource)
    logger.info(
        "tag change handled",
        resource=tag_event.resource_arn,
        outcome=result.outcome.value,
        detail=result.detail,
        backup_job_id=result.backup_job_id,
        warnings=result.warnings,
        first_test=first_test,
    )
    metrics.add_metric(name=result.outcome.name.title(), unit=MetricUnit.Count, value=1)
    return {
        "outcome": result.outcome.value,
        "detail": result.detail,
        "backup_job_id": result.backup_job_id,
        "first_test": first_test,
    }
