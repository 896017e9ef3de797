"""Typed in-memory implementations of alerting's ports (the tests/fakes.py pattern, for notify)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backup_autopilot.logic.alerting.service import PostOutcome

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping

    from backup_autopilot.logic.alerting.classify import HeldDigest
    from backup_autopilot.logic.alerting.memory import AlertRecord


@dataclass
class FakeClock:
    now: float = 1_772_442_000.0  # 2026-03-02 09:00 UTC

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeAlertStore:
    records: dict[str, AlertRecord] = field(default_factory=dict)
    next_at: float = 0.0
    calls: list[str] = field(default_factory=list)

    def load_alerts(self, keys: Collection[str]) -> dict[str, AlertRecord]:
        self.calls.append("load")
        return {k: self.records[k] for k in keys if k in self.records}

    def save_alerts(self, records: Iterable[AlertRecord], deleted: Iterable[str]) -> None:
        self.calls.append("save")
        for record in records:
            self.records[record.key] = record
        for key in deleted:
            self.records.pop(key, None)

    step: float | None = None

    def take_turn(self, now: float, step: Callable[[float | None, float | None], float]) -> float:
        self.calls.append("turn")
        if now < self.next_at:
            return self.next_at - now
        self.step = step(self.next_at or None, self.step)
        self.next_at = now + self.step
        return 0.0

    def postpone_turns(self, until: float) -> None:
        self.next_at = max(self.next_at, until)


@dataclass
class FakeEmail:
    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    fail: bool = False

    def publish(self, subject: str, message: str, attributes: Mapping[str, Any]) -> str:
        if self.fail:
            raise RuntimeError("SNS is down")
        self.sent.append((subject, message, dict(attributes)))
        return f"msg-{len(self.sent)}"


@dataclass
class FakeChat:
    """Answers with ``outcomes`` in turn (then delivered); records every attempt's blocks as dicts."""

    outcomes: list[PostOutcome] = field(default_factory=list)
    attempts: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    posted: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)

    def post(self, text: str, blocks: list[Any]) -> PostOutcome:
        rendered = [block.to_dict() for block in blocks]
        self.attempts.append((text, rendered))
        outcome = self.outcomes.pop(0) if self.outcomes else PostOutcome(delivered=True, status=200)
        if outcome.delivered:
            self.posted.append((text, rendered))
        return outcome


@dataclass
class FakeOutbox:
    held: list[tuple[HeldDigest, int]] = field(default_factory=list)

    def hold(self, held: HeldDigest, delay_seconds: int) -> None:
        # through JSON, as SQS carries it
        import json

        from backup_autopilot.logic.alerting.classify import Context, classify

        signal = classify(json.loads(held.to_body()), Context(plan_names={}))
        assert signal.held is not None
        self.held.append((signal.held, delay_seconds))
