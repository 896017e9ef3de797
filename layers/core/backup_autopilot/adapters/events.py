"""Publishing domain events on the stack's own bus (source ``backup-autopilot``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from backup_autopilot.models.domain_events import DOMAIN_SOURCE

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient


class EventPublishError(RuntimeError):
    """EventBridge refused an entry; the caller's invocation fails and is retried."""


class EventBridgePublisher:
    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name
        self.published: list[tuple[str, dict[str, Any]]] = []

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        response = self._client.put_events(
            Entries=[
                {
                    "Source": DOMAIN_SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, default=str),
                    "EventBusName": self._bus,
                    "Resources": [detail["resource"]] if detail.get("resource") else [],
                }
            ]
        )
        if response.get("FailedEntryCount"):
            entry = response["Entries"][0]
            raise EventPublishError(
                f"{detail_type} not published: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}"
            )
        self.published.append((detail_type, detail))
