"""Publishing domain events on the stack's own bus (source ``backup-autopilot``).

Events are buffered and sent together: one ``PutEvents`` call per invocation for up to
:data:`MAX_ENTRIES` events (EventBridge's limit per call), more calls only beyond that or past
:data:`MAX_BYTES`. The composition root flushes the buffer when a handler's work is done
(``composition.guarded``); a crash before that publishes nothing, and Lambda's retry publishes the
events once. Entries EventBridge refuses are retried once; if they still fail, the invocation fails.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from backup_autopilot.models.domain_events import DOMAIN_SOURCE, parse_domain_detail

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

#: PutEvents takes at most 10 entries and 256 KB per call (EventBridge quotas)
MAX_ENTRIES = 10
MAX_BYTES = 200_000


class EventPublishError(RuntimeError):
    """EventBridge refused an entry twice; the caller's invocation fails and is retried."""


class EventBridgePublisher:
    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self._bus = bus_name
        self._pending: list[tuple[str, dict[str, Any], PutEventsRequestEntryTypeDef]] = []
        #: every event this container published (tests and benchmarks read it)
        self.published: list[tuple[str, dict[str, Any]]] = []

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        """Queue an event; it is sent with the others by :meth:`flush` (or when a batch is full).

        The detail is validated against its detail-type's model first (``models.domain_events``):
        what the stack publishes is exactly what its consumers accept."""
        text = json.dumps(detail, default=str)
        parse_domain_detail(detail_type, json.loads(text))
        resource = detail.get("resource")
        entry: PutEventsRequestEntryTypeDef = {
            "Source": DOMAIN_SOURCE,
            "DetailType": detail_type,
            "Detail": text,
            "EventBusName": self._bus,
            "Resources": [resource] if isinstance(resource, str) and resource.startswith("arn:") else [],
        }
        self._pending.append((detail_type, detail, entry))
        if len(self._pending) >= MAX_ENTRIES:
            self.flush()

    def flush(self) -> None:
        """Send every queued event: batches of at most :data:`MAX_ENTRIES` and :data:`MAX_BYTES`."""
        while self._pending:
            batch: list[tuple[str, dict[str, Any], PutEventsRequestEntryTypeDef]] = []
            size = 0
            for item in self._pending[:MAX_ENTRIES]:
                entry_size = len(item[2]["Detail"]) + len(item[0]) + 200
                if batch and size + entry_size > MAX_BYTES:
                    break
                batch.append(item)
                size += entry_size
            self._send(batch)
            del self._pending[: len(batch)]
            self.published.extend((detail_type, detail) for detail_type, detail, _ in batch)

    def _send(self, batch: list[tuple[str, dict[str, Any], PutEventsRequestEntryTypeDef]]) -> None:
        entries = [entry for _, _, entry in batch]
        for attempt in (1, 2):
            response = self._client.put_events(Entries=entries)
            if not response.get("FailedEntryCount"):
                return
            failed = [e for e, r in zip(entries, response["Entries"], strict=True) if r.get("ErrorCode")]
            if attempt == 2 or not failed:
                first = next((r for r in response["Entries"] if r.get("ErrorCode")), None) or {}
                code, message = first.get("ErrorCode"), first.get("ErrorMessage")
                raise EventPublishError(f"{len(failed)} event(s) not published: {code} {message}")
            entries = failed
