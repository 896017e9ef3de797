"""AWS-shaped events into moto's EventBridge, recorded, with Lambda targets routed in-process.

Two kinds of events enter EventBridge in the sandbox:

* service events (``aws.backup``, ``aws.tag``) that AWS itself emits: :func:`emit_service_event`
  builds the exact envelope AWS sends (ISO ``time``, ``account``, ``region``, ``resources``) and
  hands it to every rule of the account/Region's default bus, when ``sandbox.delivery`` says (now,
  late, twice, out of order, or never: the delivery faults; ``time`` stays the emission time);
* ``PutEvents`` calls made by the handlers (domain events on the stack's bus): moto handles
  them; :func:`install` patches moto so that those envelopes also carry an ISO ``time`` and are
  recorded.

moto matches each rule's pattern itself (``Rule.send_to_targets``) and delivers to SQS, logs and
other buses. It cannot invoke Lambda, so :func:`install` routes Lambda targets to a callback
(the router), which queues an asynchronous invocation, as EventBridge does.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
import uuid
from collections.abc import Callable
from typing import Any, cast

from moto.events import models as events_models
from moto.utilities.arns import parse_arn

from sandbox.delivery import DELIVERY

#: callback(function_arn, event, rule_arn) installed by the router
LambdaTarget = Callable[[str, dict[str, Any], str], None]
#: callback(event) for every event that entered a bus (service or PutEvents)
EventObserver = Callable[[dict[str, Any]], None]

_lock = threading.RLock()
_lambda_target: LambdaTarget | None = None
_observers: list[EventObserver] = []
_installed = False
_original_send_to_targets = events_models.Rule.send_to_targets
_original_put_events = events_models.EventsBackend.put_events
_original_send_to_sqs_queue = events_models.Rule._send_to_sqs_queue
#: how many times every event is delivered to each matching rule (fault: duplicate delivery)
delivery_multiplier = 1


def iso_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now(dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def set_lambda_target(callback: LambdaTarget | None) -> None:
    global _lambda_target
    _lambda_target = callback


def add_observer(observer: EventObserver) -> None:
    with _lock:
        _observers.append(observer)


def clear_observers() -> None:
    with _lock:
        _observers.clear()


def _notify(event: dict[str, Any]) -> None:
    for observer in list(_observers):
        observer(copy.deepcopy(event))


def _send_to_targets(self: events_models.Rule, original_event: Any, transform_input: bool = True) -> None:
    # a scheduled rule matches no event (moto's empty pattern would match every one)
    if self.scheduled_expression or not self.event_pattern.matches_event(original_event):
        return
    _deliver(self, original_event)


def deliver_scheduled_event(rule: events_models.Rule, event: dict[str, Any]) -> None:
    """Deliver the ``Scheduled Event`` of a scheduled rule to its targets (the router's timers call this)."""
    _deliver(rule, event)


def _deliver(self: events_models.Rule, original_event: Any) -> None:
    lambda_targets = [t for t in self.targets if parse_arn(t["Arn"]).service == "lambda"]
    other_targets = [t for t in self.targets if t not in lambda_targets]
    # moto's default input template drops ``account`` and breaks on ISO ``time`` strings: deliver
    # the event unchanged unless the target has its own InputTransformer (as EventBridge does).
    plain = [t for t in other_targets if "InputTransformer" not in t]
    transformed = [t for t in other_targets if "InputTransformer" in t]
    event = dict(original_event)
    event.setdefault("ingestion-time", iso_now())
    bare = {k: v for k, v in event.items() if k != "ingestion-time"}
    for _ in range(max(1, delivery_multiplier)):
        for targets, payload, transform in ((plain, bare, False), (transformed, event, True)):
            if not targets:
                continue
            saved = self.targets
            self.targets = targets
            try:
                _original_send_to_targets(self, cast("Any", copy.deepcopy(payload)), transform)
            finally:
                self.targets = saved
        for target in lambda_targets:
            if _lambda_target is None:
                raise RuntimeError("a rule targets Lambda but no router is installed")
            _lambda_target(target["Arn"], copy.deepcopy(bare), self.arn)


def _send_to_sqs_queue(
    self: events_models.Rule, resource_id: str, event: dict[str, Any], group_id: str | None = None
) -> None:
    """moto expects an epoch ``time`` here and re-renders it as ISO; accept AWS's ISO string."""
    if isinstance(event.get("time"), str):
        try:
            float(event["time"])
        except ValueError:
            parsed = dt.datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
            event = {**event, "time": parsed.timestamp()}
    _original_send_to_sqs_queue(self, resource_id, event, group_id)


def _put_events(self: events_models.EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """moto's PutEvents, with AWS's ISO ``time`` and every accepted event recorded."""
    stamped = []
    for entry in events:
        entry = dict(entry)
        entry.setdefault("Time", iso_now())
        if isinstance(entry["Time"], dt.datetime):
            entry["Time"] = entry["Time"].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        stamped.append(entry)
    result = _original_put_events(self, stamped)
    for entry, outcome in zip(stamped, result, strict=True):
        if "EventId" in outcome:
            bus = self._normalize_event_bus_arn(entry.get("EventBusName"))
            _notify(
                {
                    "version": "0",
                    "id": outcome["EventId"],
                    "detail-type": entry["DetailType"],
                    "source": entry["Source"],
                    "account": self.account_id,
                    "time": entry["Time"],
                    "region": self.region_name,
                    "resources": entry.get("Resources", []),
                    "detail": json.loads(entry["Detail"]),
                    "_bus": bus,
                }
            )
    return result


def install() -> None:
    """Patch moto's EventBridge once per process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        events_models.Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]
        events_models.EventsBackend.put_events = _put_events  # type: ignore[method-assign]
        events_models.Rule._send_to_sqs_queue = _send_to_sqs_queue  # type: ignore[method-assign]
        _installed = True


def emit_service_event(
    *,
    account: str,
    region: str,
    source: str,
    detail_type: str,
    detail: dict[str, Any],
    resources: list[str] | None = None,
    bus_name: str = "default",
) -> dict[str, Any]:
    """Send an event as an AWS service does (not through PutEvents) and return its envelope."""
    install()
    event: dict[str, Any] = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": iso_now(),
        "region": region,
        "resources": list(resources or []),
        "detail": detail,
    }

    def enter(duplicate: bool) -> None:
        if not duplicate:  # recorded once, when it first enters the bus (as with delivery_multiplier)
            _notify({**event, "_bus": bus_name})
        backend = events_models.events_backends[account][region]
        bus = backend.describe_event_bus(bus_name)
        for rule in list(bus.rules.values()):
            if rule.state != "ENABLED":
                continue
            rule.send_to_targets(cast("Any", copy.deepcopy(event)))

    DELIVERY.dispatch(event, enter)  # now, or late, twice, reordered, or never (delivery faults)
    return event
