"""Scheduled sweep (and its continuations): tagged resources vs AWS Backup protection -> Coverage Report."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import cache
from typing import TYPE_CHECKING, Any

from backup_autopilot.adapters.aws import client
from backup_autopilot.adapters.backup import BackupGateway
from backup_autopilot.adapters.copies import stack_copy_context, stack_copy_gateway
from backup_autopilot.adapters.events import EventBridgePublisher
from backup_autopilot.adapters.inventory import TaggedInventory
from backup_autopilot.adapters.resources import ResourceGateway
from backup_autopilot.config import get_settings
from backup_autopilot.logic.copy_service import sweep_recent_copies
from backup_autopilot.logic.protection import Protector
from backup_autopilot.logic.reconcile import (
    CONTINUATION,
    COVERAGE_REPORT,
    ReconcileRun,
    TaggedResource,
    sweep,
    walk_inventory,
)
from backup_autopilot.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@cache
def _wiring() -> tuple[BackupGateway, TaggedInventory, EventBridgePublisher, Protector]:
    """Clients and gateways, built on first use (kept for the container's life)."""
    settings = get_settings()
    backup = BackupGateway(
        client("backup"), role_arn=settings.backup_role_arn or "", stack_name=settings.stack_name
    )
    inventory = TaggedInventory(client("resourcegroupstaggingapi"))
    events = EventBridgePublisher(client("events"), settings.event_bus_name)
    protector = Protector(
        backup, ResourceGateway(client), events, settings.plan_tag_key, settings.allow_opt_in
    )
    return backup, inventory, events, protector


#: stop taking new pages when less than this remains; one page takes far less
RESERVE_MILLIS = 15_000


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    backup, inventory, events, protector = _wiring()
    run = ReconcileRun.resume(event) or ReconcileRun(run_id=str(uuid.uuid4()))
    protected = backup.protected_resources()
    plans = backup.assignable_plans()
    now = dt.datetime.now(dt.UTC)

    def next_page(token: str | None) -> tuple[list[TaggedResource], str | None]:
        page = inventory.page(settings.plan_tag_key, token)
        return page.resources, page.next_token

    def process(resources: list[TaggedResource]) -> None:
        sweep(
            resources,
            protected=protected,
            plans=plans,
            plan_tag_key=settings.plan_tag_key,
            protector=protector,
            coverage=run.coverage,
            now=now,
        )

    finished = walk_inventory(
        run,
        next_page=next_page,
        process=process,
        time_left_ms=context.get_remaining_time_in_millis,
        reserve_ms=RESERVE_MILLIS,
    )
    if not finished:
        events.publish(CONTINUATION, run.to_detail())
        logger.info("reconcile continues in a new invocation", run_id=run.run_id, pages=run.pages)
        return {"finished": False, "pages": run.pages}
    if settings.primary_vault_name:
        copies = sweep_recent_copies(
            stack_copy_context(),
            stack_copy_gateway(),
            vault_name=settings.primary_vault_name,
            account=context.invoked_function_arn.split(":")[4],
            region=client("backup").meta.region_name,
            since=now - dt.timedelta(days=settings.copy_sweep_days),
        )
        run.coverage.add_copy_sweep(copies.points, copies.copied, copies.copies_started)
    events.publish(COVERAGE_REPORT, run.coverage.report())
    metrics.add_metric(name="ResourcesTagged", unit=MetricUnit.Count, value=run.coverage.tagged)
    metrics.add_metric(
        name="BackupsStartedByReconcile", unit=MetricUnit.Count, value=run.coverage.backups_started
    )
    logger.info("reconcile finished", run_id=run.run_id, pages=run.pages, **run.coverage.report())
    return {"finished": True, **run.coverage.to_dict()}
