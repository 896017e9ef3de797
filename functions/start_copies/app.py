"""Backup Job State Change COMPLETED -> StartCopyJob to each allowed destination (or Copy Skipped)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from backup_autopilot.adapters.aws import client
from backup_autopilot.adapters.copies import copy_context
from backup_autopilot.adapters.events import EventBridgePublisher
from backup_autopilot.config import get_settings
from backup_autopilot.inbound import REJECTED, accept
from backup_autopilot.logic.copy_service import copy_recovery_point
from backup_autopilot.models.aws_events import BackupJobEvent
from backup_autopilot.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from backup_autopilot.logic.copy_service import CopyContext


@cache
def _copy_context() -> CopyContext:
    """Clients, gateways and the stack's copy configuration, built on first use."""
    return copy_context(client, EventBridgePublisher(client("events"), get_settings().event_bus_name))


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job = accept(BackupJobEvent, event, context)
    if job is None:
        return REJECTED
    result = copy_recovery_point(job, _copy_context())
    logger.info("copies planned", **result)
    metrics.add_metric(name="CopiesStarted", unit=MetricUnit.Count, value=len(result.get("started", [])))
    return result
