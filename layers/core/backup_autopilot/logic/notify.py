"""Planning one notification batch: which messages become the digest, which are rejected."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from backup_autopilot.logic.alerts import Digest, RejectedEvent, alert_from_event, build_digest

if TYPE_CHECKING:
    from collections.abc import Iterable

    from backup_autopilot.models.alerts import Alert


@dataclass
class BatchPlan:
    digest: Digest | None
    #: message ids whose events became (or were deduplicated into) the digest, or needed no alert
    accepted: list[str] = field(default_factory=list)
    #: message id -> why it was rejected (left on the queue, so the redrive policy moves it to the DLQ)
    rejected: dict[str, str] = field(default_factory=dict)


def plan_batch(messages: Iterable[tuple[str, str]]) -> BatchPlan:
    """``messages`` are (message id, body) pairs; each body is an EventBridge event as JSON."""
    alerts: list[Alert] = []
    accepted: list[str] = []
    rejected: dict[str, str] = {}
    for message_id, body in messages:
        try:
            event = json.loads(body)
            if not isinstance(event, dict):
                raise RejectedEvent("the message body is not a JSON object")
            alert = alert_from_event(event)
        except (json.JSONDecodeError, RejectedEvent) as error:
            rejected[message_id] = str(error)
            continue
        accepted.append(message_id)
        if alert is not None:
            alerts.append(alert)
    return BatchPlan(digest=build_digest(alerts), accepted=accepted, rejected=rejected)
