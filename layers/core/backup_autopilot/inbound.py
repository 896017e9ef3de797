"""Accepting an inbound event: parse it with its model and check it comes from this account and
this Region (AWS events are regional: an event naming another Region, or no Region at all, is forged
or misrouted, and must never make the function build a client for it).

A rejection is logged with the reasons, counted (metric ``EventsRejected``) and makes no AWS
call; the handler returns :data:`REJECTED` so the invocation succeeds (retrying a malformed
event would never help).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backup_autopilot.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from backup_autopilot.models.aws_events import EventEnvelope

REJECTED: dict[str, Any] = {"outcome": "Rejected"}


def accept[E: EventEnvelope](model: type[E], event: Any, context: LambdaContext) -> E | None:
    """The event as ``model``, or None (logged and counted) when it is malformed or foreign."""
    from backup_autopilot.models.base import Invalid  # with the model, on the first event (cold start)

    try:
        parsed = model.parse(event)
    except Invalid as error:
        # msgspec names the first field at fault ("... - at `$.detail.backupJobId`"); bounded: the
        # message may quote a value from the event
        refuse("malformed event", model=model.__name__, errors=[str(error)[:512]])
        return None
    _, _, _, own_region, own_account, *_ = context.invoked_function_arn.split(":")
    if parsed.account != own_account:
        refuse("event from another account", model=model.__name__, account=parsed.account)
        return None
    if parsed.region != own_region:
        refuse("event from another Region", model=model.__name__, region=parsed.region[:64])
        return None
    return parsed


def refuse(reason: str, **context: Any) -> dict[str, Any]:
    """Log (WARNING: the function works as designed; the input was bad) and count a refusal."""
    logger.warning(f"rejected {reason}", **context)
    metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=1)
    return REJECTED
