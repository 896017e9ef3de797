"""Restore-test results and restore time against the target, per resource type (pure)."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import TYPE_CHECKING

from msgspec import Struct, field

if TYPE_CHECKING:
    from backup_autopilot.logic.report.facts import ReportInputs, VerdictFact

WINDOW = dt.timedelta(days=90)


class TypeResults(Struct):
    resource_type: str
    passed: int = 0
    failed: int = 0
    minutes: list[float] = field(default_factory=list)
    #: tests with a target, and those whose restore took longer
    with_target: int = 0
    over_target: int = 0
    #: the worst ratio of restore time to target
    worst_target_ratio: float | None = None

    @property
    def tests(self) -> int:
        return self.passed + self.failed

    @property
    def median_minutes(self) -> float | None:
        return statistics.median(self.minutes) if self.minutes else None

    @property
    def max_minutes(self) -> float | None:
        return max(self.minutes) if self.minutes else None


def results_by_type(inputs: ReportInputs, window: dt.timedelta = WINDOW) -> list[TypeResults]:
    types: dict[str, TypeResults] = {}
    for verdict in inputs.verdicts:
        if inputs.now - verdict.date > window:
            continue
        entry = types.setdefault(
            verdict.resource_type or "unknown", TypeResults(verdict.resource_type or "unknown")
        )
        if verdict.passed:
            entry.passed += 1
        else:
            entry.failed += 1
        if verdict.minutes is not None:
            entry.minutes.append(verdict.minutes)
            if verdict.rto_target:
                entry.with_target += 1
                ratio = verdict.minutes / verdict.rto_target
                entry.worst_target_ratio = max(entry.worst_target_ratio or 0.0, ratio)
                if ratio > 1:
                    entry.over_target += 1
    return [types[key] for key in sorted(types)]


def failing_now(inputs: ReportInputs) -> list[VerdictFact]:
    """Resources whose latest restore test failed (newest first)."""
    latest: dict[str, VerdictFact] = {}
    for verdict in sorted(inputs.verdicts, key=lambda v: v.date):
        latest[verdict.resource_arn] = verdict
    return sorted((v for v in latest.values() if not v.passed), key=lambda v: v.date, reverse=True)
