"""How AWS service events reach EventBridge: late, twice, out of order, or never (best effort).

AWS Backup sends its events "in a best-effort manner every 5 minutes" and tag-change events are
best effort too (fact sheet 0.4, 1.8); EventBridge delivers at least once. :class:`EventDelivery`
decides, for every event an AWS service emits (``eventbus.emit_service_event``: sources ``aws.*``;
never the stack's own ``PutEvents`` domain events, never the ``Scheduled Event`` of a schedule),
whether it is dropped, when it enters the bus (now or later on the sandbox clock), whether it is
delivered a second time, and in which order a burst arrives:

* ``drop``: dropped with a ``rate`` (optionally only events of one ``detail_type``, of one job
  ``state``/``status``, or about one ``resource_arn``; at most ``count`` of them);
* ``delay``: entered ``seconds`` later, or a random delay up to ``up_to_seconds``;
* ``duplicate``: delivered again (same event id), up to :data:`DUPLICATE_SPREAD_SECONDS` after the
  first delivery (UNVERIFIED: how far apart AWS's duplicates arrive is not documented);
* ``reorder``: events arriving within ``window_seconds`` of the first of a burst are held and
  delivered together at the window's end, in a shuffled order (never the original one).

Every choice is a hash of the seed, the rule, the event's identity (source, detail-type, state,
the resource or vault it is about) and how many such events came before: the same run gives the
same timeline, and a new event elsewhere does not change what happens to this one (no shared
random stream). ``realistic()`` is the everyday weather: every ``aws.*`` event delayed by 0-5
minutes, 2 % delivered twice, 1 % dropped.

What happened to each event is kept in :attr:`EventDelivery.log` (dropped, delayed, duplicated,
reordered), which the ``Sandbox`` shows in its timeline.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox import runtime

if TYPE_CHECKING:
    from collections.abc import Callable

#: how far after the first delivery a duplicate arrives, at most (UNVERIFIED)
DUPLICATE_SPREAD_SECONDS = 60.0
#: ``realistic()``: delay up to 5 minutes, 2 % duplicates, 1 % drops, for every aws.* source
REALISTIC_DELAY_SECONDS = 300.0
REALISTIC_DUPLICATE_RATE = 0.02
REALISTIC_DROP_RATE = 0.01
AWS_SOURCES = "aws.*"


@dataclass
class DropRule:
    source: str
    rate: float = 1.0
    detail_type: str | None = None
    resource_arn: str | None = None
    remaining: int | None = None
    state: str | None = None  # detail.state or detail.status
    hits: int = 0


@dataclass
class DelayRule:
    source: str
    seconds: float | None = None  # fixed
    up_to_seconds: float | None = None  # random, 0..up_to_seconds


@dataclass
class DuplicateRule:
    source: str
    rate: float


@dataclass
class ReorderRule:
    source: str
    window_seconds: float = 300.0
    held: list[tuple[str, dict[str, Any], Callable[[bool], None]]] = field(default_factory=list)


@dataclass(frozen=True)
class DeliveryRecord:
    """What happened to one event: ``dropped``, ``delayed`` (by ``seconds``), ``duplicated`` (the
    second delivery ``seconds`` after the event), ``reordered``."""

    time: dt.datetime
    action: str
    seconds: float
    event: dict[str, Any]
    seq: int = 0  # the Sandbox's sequence, to interleave with its timeline

    @property
    def shown(self) -> bool:
        """In the Sandbox's timeline (a late event shows its lateness on its own line instead)."""
        return self.action in {"dropped", "duplicated"}

    def line(self, event_line: Callable[[dict[str, Any]], str]) -> str:
        """The timeline's line; ``event_line`` renders an event (``event     source: ... (bus x)``)."""
        summary = event_line(self.event).removeprefix("event     ").rsplit(" (bus ", 1)[0]
        if self.action == "dropped":
            return f"dropped   {summary} (never delivered: best effort)"
        return f"{self.action:<9} {summary} ({self.seconds:.0f} s after it was sent)"


def lateness(event: dict[str, Any], entered: dt.datetime | None) -> str:
    """`` (N s late)`` when an event entered its bus after its ``time`` (a delivery fault), else ``""``."""
    sent = event.get("time")
    if entered is None or not isinstance(sent, str):
        return ""
    try:
        late = (entered - dt.datetime.fromisoformat(sent.replace("Z", "+00:00"))).total_seconds()
    except ValueError:
        return ""
    return f" ({late:.0f} s late)" if late >= 1 else ""


def _matches(pattern: str, source: str) -> bool:
    return fnmatch.fnmatchcase(source, pattern)


def event_identity(event: dict[str, Any]) -> str:
    """What the event is about, stable across runs (job and recovery point ids are random)."""
    detail = event.get("detail") if isinstance(event.get("detail"), dict) else {}
    assert isinstance(detail, dict)
    state = detail.get("state") or detail.get("status") or ""
    tagged = (event.get("resources") or [""])[0] if event.get("source") == "aws.tag" else ""
    vaults = "|".join(str(detail.get(k, "")) for k in ("sourceBackupVaultArn", "destinationBackupVaultArn"))
    about = (
        detail.get("resourceArn")
        or detail.get("sourceResourceArn")
        or tagged
        or (vaults if vaults != "|" else "")
        or detail.get("resourceType", "")
    )
    return f"{event.get('source')}|{event.get('detail-type')}|{state}|{about}"


@dataclass
class EventDelivery:
    """The delivery faults of the process (``FAULTS.delivery``)."""

    seed: int = 7
    drops: list[DropRule] = field(default_factory=list)
    delays: list[DelayRule] = field(default_factory=list)
    duplicates: list[DuplicateRule] = field(default_factory=list)
    reorders: list[ReorderRule] = field(default_factory=list)
    log: list[DeliveryRecord] = field(default_factory=list)
    #: numbers each record (the Sandbox gives its timeline's sequence)
    sequence: Callable[[], int] | None = None
    _seen: dict[str, int] = field(default_factory=dict)

    # -- configuration -------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return bool(self.drops or self.delays or self.duplicates or self.reorders)

    def clear(self) -> None:
        self.drops.clear()
        self.delays.clear()
        self.duplicates.clear()
        self.reorders.clear()
        self.log.clear()
        self._seen.clear()

    def realistic(self, seed: int | None = None) -> None:
        """Every aws.* event 0-5 minutes late, 2 % delivered twice, 1 % never."""
        if seed is not None:
            self.seed = seed
        self.delays.append(DelayRule(AWS_SOURCES, up_to_seconds=REALISTIC_DELAY_SECONDS))
        self.duplicates.append(DuplicateRule(AWS_SOURCES, REALISTIC_DUPLICATE_RATE))
        self.drops.append(DropRule(AWS_SOURCES, REALISTIC_DROP_RATE))

    def describe(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "drop_events": [vars(r) for r in self.drops],
            "delay_events": [vars(r) for r in self.delays],
            "duplicate_events": [vars(r) for r in self.duplicates],
            "reorder_events": [
                {"source": r.source, "window_seconds": r.window_seconds} for r in self.reorders
            ],
        }

    # -- decisions -----------------------------------------------------------------------------
    def _draw(self, rule: str, key: str) -> float:
        """A number in [0, 1), fixed by the seed, the rule and the event's key."""
        digest = hashlib.sha256(f"{self.seed}|{rule}|{key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def _dropped(self, event: dict[str, Any], key: str) -> bool:
        source, detail = str(event.get("source")), event.get("detail") or {}
        for index, rule in enumerate(self.drops):
            if not _matches(rule.source, source) or (rule.remaining is not None and rule.remaining <= 0):
                continue
            if rule.detail_type not in {None, event.get("detail-type")}:
                continue
            if rule.state not in {None, detail.get("state"), detail.get("status")}:
                continue
            about = {detail.get("resourceArn"), detail.get("sourceResourceArn"), *event.get("resources", [])}
            if rule.resource_arn is not None and rule.resource_arn not in about:
                continue
            if self._draw(f"drop{index}", key) < rule.rate:
                rule.hits += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                return True
        return False

    def _delay(self, source: str, key: str) -> float:
        total = 0.0
        for index, rule in enumerate(self.delays):
            if _matches(rule.source, source):
                total += rule.seconds or 0.0
                if rule.up_to_seconds:
                    total += self._draw(f"delay{index}", key) * rule.up_to_seconds
        return total

    def _duplicated(self, source: str, key: str) -> bool:
        return any(
            _matches(rule.source, source) and self._draw(f"duplicate{index}", key) < rule.rate
            for index, rule in enumerate(self.duplicates)
        )

    # -- delivery ------------------------------------------------------------------------------
    def dispatch(self, event: dict[str, Any], enter: Callable[[bool], None]) -> None:
        """Deliver ``event`` as the faults say: ``enter(duplicate)`` puts it on its bus."""
        if not self.active or not runtime.has_clock():
            enter(False)
            return
        identity = event_identity(event)
        occurrence = self._seen.get(identity, 0)
        self._seen[identity] = occurrence + 1
        key = f"{identity}|{occurrence}"
        if self._dropped(event, key):
            self._record("dropped", 0.0, event)
            return
        source = str(event.get("source"))
        reorder = next((r for r in self.reorders if _matches(r.source, source)), None)
        if reorder is not None:
            self._hold(reorder, key, event, enter)
            return
        self._send(key, event, enter)

    def _send(self, key: str, event: dict[str, Any], enter: Callable[[bool], None]) -> None:
        source = str(event.get("source"))
        delay = self._delay(source, key)
        self._at(delay, lambda: enter(False), event, "delayed")
        if self._duplicated(source, key):
            spread = self._draw("spread", key) * DUPLICATE_SPREAD_SECONDS
            self._at(delay + spread, lambda: enter(True), event, "duplicated")

    def _at(self, seconds: float, step: Callable[[], None], event: dict[str, Any], action: str) -> None:
        """Run ``step`` ``seconds`` from now, recorded as ``action`` when it runs (a delay of 0 is
        no delay: not recorded)."""

        def deliver() -> None:
            if action != "delayed" or seconds > 0:
                self._record(action, seconds, event)
            step()

        if seconds <= 0:
            deliver()
        else:
            runtime.clock().call_later(seconds, deliver, label=f"deliver {event.get('detail-type')}")

    def _hold(
        self, rule: ReorderRule, key: str, event: dict[str, Any], enter: Callable[[bool], None]
    ) -> None:
        if not rule.held:
            runtime.clock().call_later(
                rule.window_seconds, lambda: self._release(rule), label=f"reorder {rule.source}"
            )
        rule.held.append((key, event, enter))

    def _release(self, rule: ReorderRule) -> None:
        held, rule.held = rule.held, []
        shuffled = sorted(held, key=lambda item: self._draw("reorder", item[0]))
        if len(shuffled) > 1 and [k for k, _, _ in shuffled] == [k for k, _, _ in held]:
            shuffled.reverse()  # a reorder fault always reorders
        for key, event, enter in shuffled:
            if len(shuffled) > 1:
                self._record("reordered", 0.0, event)
            self._send(key, event, enter)

    def _record(self, action: str, seconds: float, event: dict[str, Any]) -> None:
        seq = self.sequence() if self.sequence is not None else len(self.log)
        self.log.append(DeliveryRecord(runtime.clock().now(), action, seconds, event, seq))


#: the process-wide delivery faults (one simulated world per process; ``FAULTS.delivery``)
DELIVERY = EventDelivery()
