"""aws.tag "Tag Change on Resource" for the plan tag -> assignment, checks, first backup, domain event."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING, Any

from backup_autopilot.adapters.aws import client
from backup_autopilot.adapters.backup import BackupGateway
from backup_autopilot.adapters.events import EventBridgePublisher
from backup_autopilot.adapters.resources import ResourceGateway
from backup_autopilot.config import get_settings
from backup_autopilot.inbound import REJECTED, accept
from backup_autopilot.logic.protection import Protector, handle_tag_change
from backup_autopilot.models.tag_events import TagChangeEvent
from backup_autopilot.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@cache
def _wiring() -> tuple[BackupGateway, ResourceGateway, Protector]:
    """Clients and gateways, built on first use (kept for the container's life)."""
    settings = get_settings()
    backup = BackupGateway(
        client("backup"), role_arn=settings.backup_role_arn or "", stack_name=settings.stack_name
    )
    resources = ResourceGateway(client)
    protector = Protector(
        backup=backup,
        resources=resources,
        events=EventBridgePublisher(client("events"), settings.event_bus_name),
        plan_tag_key=settings.plan_tag_key,
        allow_opt_in=settings.allow_opt_in,
    )
    return backup, resources, protector


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    tag_event = accept(TagChangeEvent, event, context)
    if tag_event is None:
        return REJECTED
    backup, resources, protector = _wiring()
    result = handle_tag_change(
        resource_arn=tag_event.resource_arn,
        changed_keys=tag_event.detail.changed_tag_keys,
        event_tags=tag_event.detail.tags,
        tags_now=lambda arn: resources.tags_now(arn, tag_event.region),
        plans=backup.assignable_plans,
        protector=protector,
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
