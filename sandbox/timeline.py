"""The sandbox's timeline: one readable line per event, invocation, notification, schedule firing
and alarm change, in simulated time order (``Sandbox.timeline()``, the demo's narration)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.delivery import lateness

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from sandbox.cloudwatch import CloudWatch
    from sandbox.delivery import DeliveryRecord
    from sandbox.lambda_service import Invocation, Notification, Router


@dataclass(frozen=True)
class RecordedEvent:
    """An event that entered a bus, with the simulated time it entered."""

    time: dt.datetime
    seq: int
    event: dict[str, Any]


def lines(
    *,
    events: Iterable[RecordedEvent],
    deliveries: Iterable[DeliveryRecord],
    router: Router,
    cloudwatch: CloudWatch | None,
) -> list[str]:
    """Every line, ``YYYY-MM-DD HH:MM:SS  text``, sorted by time then by sequence."""
    entries = [(r.time, r.seq, _event_line(r.event, r.time)) for r in events]
    entries += [(r.time, r.seq, r.line(_event_line)) for r in deliveries if r.shown]
    entries += [(i.started, i.seq, _invocation_line(i)) for i in router.invocations]
    entries += [
        (n.time, n.seq, f"{n.channel:<9} {_short(n.target)}: {_first_line(n)}") for n in router.notifications
    ]
    entries += [
        (f.time, f.seq, f"schedule  {f.kind} {f.name} fired ({f.expression})") for f in router.firings
    ]
    if cloudwatch is not None:
        entries += [(t.time, t.seq, f"alarm     {t.alarm}: {t.old} -> {t.new}") for t in cloudwatch.history]
    return [
        f"{when:%Y-%m-%d %H:%M:%S}  {text}" for when, _, text in sorted(entries, key=lambda e: (e[0], e[1]))
    ]


def _short(arn: str) -> str:
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def _event_line(event: dict[str, Any], entered: dt.datetime | None = None) -> str:
    detail = event.get("detail") or {}
    facts = [str(detail[key]) for key in ("state", "status") if isinstance(detail, dict) and key in detail]
    if isinstance(detail, dict) and detail.get("resourceArn"):
        facts.append(_short(str(detail["resourceArn"])))
    if isinstance(detail, dict) and detail.get("changed-tag-keys"):
        facts.append("tags " + ",".join(detail["changed-tag-keys"]))
    if not facts and event.get("resources"):
        facts.append(_short(str(event["resources"][0])))
    if isinstance(detail, dict) and detail.get("statusMessage"):
        facts.append(repr(detail["statusMessage"]))
    summary = f" [{' '.join(facts)}]" if facts else ""
    return (
        f"event     {event.get('source')}: {event.get('detail-type')}{summary} (bus {event.get('_bus', '?')})"
        f"{lateness(event, entered)}"
    )


def _invocation_line(invocation: Invocation) -> str:
    outcome = invocation.outcome
    if invocation.error:
        outcome += f" {invocation.error}"
    elif invocation.failed_items:
        outcome += f" ({len(invocation.failed_items)} item(s) left for retry)"
    return (
        f"invoke    {invocation.function} <- {invocation.trigger} (attempt {invocation.attempt}): "
        f"{outcome} [{invocation.duration_ms:.1f} ms]"
    )


def _first_line(notification: Notification) -> str:
    text = notification.subject or (notification.message.splitlines() or [""])[0]
    return text if len(text) <= 100 else text[:97] + "..."
