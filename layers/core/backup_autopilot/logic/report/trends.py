"""Trends over 30 and 90 days (pure): daily coverage from the report's own daily snapshots, daily
backup and copy job outcomes from AWS Backup's 30 days of jobs, weekly restore-test verdicts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from msgspec import Struct, field

from backup_autopilot.logic.report.facts import FAILED_STATES

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from backup_autopilot.logic.report.facts import DaySnapshot, JobFact, ReportInputs

#: a series: (day, value) in day order
Series = list[tuple[dt.date, float]]
BAD_STATES = FAILED_STATES | {"EXPIRED", "PARTIAL"}


class Trends(Struct):
    #: 90 days, one point per day with a snapshot: within_rpo_percent, out_of_rpo, tagged
    coverage: dict[str, Series] = field(default_factory=dict)
    #: 30 days, per day: completed / failed (failed, aborted, expired, partial)
    backup_jobs: dict[str, Series] = field(default_factory=dict)
    copy_jobs: dict[str, Series] = field(default_factory=dict)
    #: 90 days, per week (its Monday): passed / failed
    restore_tests: dict[str, Series] = field(default_factory=dict)


def _days(now: dt.datetime, count: int) -> list[dt.date]:
    today = now.date()
    return [today - dt.timedelta(days=count - 1 - i) for i in range(count)]


def job_outcomes(jobs: Iterable[JobFact], now: dt.datetime, days: int = 30) -> dict[str, Series]:
    span = _days(now, days)
    completed = dict.fromkeys(span, 0.0)
    failed = dict.fromkeys(span, 0.0)
    for job in jobs:
        day = job.ended.date()
        if day not in completed:
            continue
        if job.state == "COMPLETED":
            completed[day] += 1
        elif job.state in BAD_STATES:
            failed[day] += 1
    return {"completed": sorted(completed.items()), "failed": sorted(failed.items())}


def coverage_series(
    history: Iterable[DaySnapshot], today: Mapping[str, float], now: dt.datetime, days: int = 90
) -> dict[str, Series]:
    first = now.date() - dt.timedelta(days=days - 1)
    by_day = {snap.day: dict(snap.values) for snap in history if first <= snap.day < now.date()}
    by_day[now.date()] = dict(today)
    series: dict[str, Series] = {}
    for name in ("within_rpo_percent", "out_of_rpo", "tagged"):
        series[name] = [
            (day, float(values[name])) for day, values in sorted(by_day.items()) if name in values
        ]
    return series


def weekly_tests(inputs: ReportInputs, weeks: int = 13) -> dict[str, Series]:
    monday = inputs.now.date() - dt.timedelta(days=inputs.now.weekday())
    span = [monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    passed = dict.fromkeys(span, 0.0)
    failed = dict.fromkeys(span, 0.0)
    for verdict in inputs.verdicts:
        day = verdict.date.date()
        week = day - dt.timedelta(days=day.weekday())
        if week in passed:
            (passed if verdict.passed else failed)[week] += 1
    return {"passed": sorted(passed.items()), "failed": sorted(failed.items())}


def trends(inputs: ReportInputs, today: Mapping[str, float]) -> Trends:
    return Trends(
        coverage=coverage_series(inputs.history, today, inputs.now),
        backup_jobs=job_outcomes(inputs.backup_jobs, inputs.now),
        copy_jobs=job_outcomes(inputs.copy_jobs, inputs.now),
        restore_tests=weekly_tests(inputs),
    )
