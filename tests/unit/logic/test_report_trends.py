"""The report's restore-test section (results per type over 90 days, restore time against the target,
the resources whose latest test failed) and its trends (daily coverage from the report's own
snapshots, daily job outcomes over 30 days, weekly restore-test verdicts over 13 weeks)."""

from __future__ import annotations

import datetime as dt

from backup_autopilot.logic.report.facts import DaySnapshot, JobFact, VerdictFact
from backup_autopilot.logic.report.restores import TypeResults, failing_now, results_by_type
from backup_autopilot.logic.report.trends import coverage_series, job_outcomes, trends, weekly_tests
from tests.unit.logic.test_report import NOW, inputs, table

TODAY = NOW.date()  # a Wednesday
MONDAY = dt.date(2026, 3, 30)


def verdict(
    name: str,
    passed: bool,
    days_ago: float,
    *,
    minutes: float | None = None,
    target: float | None = None,
    resource_type: str = "DynamoDB",
) -> VerdictFact:
    return VerdictFact(
        f"r-{name}-{days_ago}",
        table(name),
        resource_type,
        passed,
        NOW - dt.timedelta(days=days_ago),
        minutes=minutes,
        rto_target=target,
    )


def ended(state: str, days_ago: int, *, completed: bool = True) -> JobFact:
    created = NOW - dt.timedelta(days=days_ago, hours=1)
    return JobFact(
        f"j-{state}-{days_ago}",
        table("a"),
        "DynamoDB",
        state,
        created,
        completed=created + dt.timedelta(minutes=30) if completed else None,
    )


def test_restore_tests_are_counted_per_type_over_90_days() -> None:
    data = inputs(
        verdicts=[
            verdict("a", True, 1),
            verdict("a", False, 89.9),
            verdict("b", False, 20),
            verdict("a", True, 90),
            verdict("a", True, 90.1),  # too old
            verdict("v", False, 5, resource_type="EBS"),
            verdict("x", True, 5, resource_type=""),
        ]
    )
    results = results_by_type(data)
    assert [(r.resource_type, r.passed, r.failed, r.tests) for r in results] == [
        ("DynamoDB", 2, 2, 4),
        ("EBS", 0, 1, 1),
        ("unknown", 1, 0, 1),
    ]
    assert all(r.median_minutes is None and r.max_minutes is None for r in results)
    assert results[0].worst_target_ratio is None and results[0].with_target == 0


def test_restore_times_are_judged_against_their_targets() -> None:
    data = inputs(
        verdicts=[
            verdict("a", True, 1, minutes=30, target=60),
            verdict("a", True, 2, minutes=60, target=60),  # on target: not over it
            verdict("a", False, 3, minutes=75, target=60),
            verdict("a", False, 3.5, minutes=61, target=60),
            verdict("a", True, 4, minutes=10),  # no target
            verdict("a", True, 5, minutes=50, target=0),  # no target either
            verdict("a", True, 6, target=60),  # no restore time
        ]
    )
    [results] = results_by_type(data)
    assert results == TypeResults(
        "DynamoDB",
        passed=5,
        failed=2,
        minutes=[30, 60, 75, 61, 10, 50],
        with_target=4,
        over_target=2,
        worst_target_ratio=1.25,
    )
    assert (results.median_minutes, results.max_minutes) == (55, 75)


def test_the_worst_ratio_is_kept_when_a_better_one_follows() -> None:
    data = inputs(
        verdicts=[verdict("a", True, 2, minutes=30, target=60), verdict("a", True, 1, minutes=12, target=60)]
    )
    [results] = results_by_type(data)
    assert (results.worst_target_ratio, results.over_target) == (0.5, 0)


def test_the_resources_failing_now_are_those_whose_latest_test_failed_newest_first() -> None:
    data = inputs(
        verdicts=[
            verdict("recovered", True, 1),
            verdict("recovered", False, 3),
            verdict("old-failure", False, 10),
            verdict("old-failure", True, 12),
            verdict("new-failure", False, 2),
            verdict("new-failure", False, 6),
        ]
    )
    assert [(v.resource_arn, v.date) for v in failing_now(data)] == [
        (table("new-failure"), NOW - dt.timedelta(days=2)),
        (table("old-failure"), NOW - dt.timedelta(days=10)),
    ]


def test_job_outcomes_are_counted_per_day_over_30_days_today_included() -> None:
    jobs = [
        ended("FAILED", 45),  # out of the chart, listed first
        ended("COMPLETED", 0),
        ended("COMPLETED", 0),
        ended("FAILED", 0),
        ended("ABORTED", 3),
        ended("EXPIRED", 3, completed=False),  # ended when it was created
        ended("PARTIAL", 29),
        ended("COMPLETED", 30),  # 31 days ago: out of the chart
        ended("RUNNING", 1),
    ]
    series = job_outcomes(jobs, NOW)
    days = [TODAY - dt.timedelta(days=29 - i) for i in range(30)]
    assert [day for day, _ in series["completed"]] == days
    assert [day for day, _ in series["failed"]] == days
    completed, failed = dict(series["completed"]), dict(series["failed"])
    assert {d: v for d, v in completed.items() if v} == {TODAY: 2}
    assert {d: v for d, v in failed.items() if v} == {
        TODAY: 1,
        TODAY - dt.timedelta(days=3): 2,
        TODAY - dt.timedelta(days=29): 1,
    }


def test_a_shorter_span_of_job_outcomes_ends_today() -> None:
    series = job_outcomes([], NOW, days=3)
    expected = [(TODAY - dt.timedelta(days=2), 0.0), (TODAY - dt.timedelta(days=1), 0.0), (TODAY, 0.0)]
    assert series == {"completed": expected, "failed": expected}


def test_coverage_trends_come_from_the_daily_snapshots_and_today() -> None:
    history = [
        DaySnapshot(TODAY - dt.timedelta(days=90), {"tagged": 1.0}),  # out of the 90 days
        DaySnapshot(TODAY - dt.timedelta(days=89), {"tagged": 2.0, "within_rpo_percent": 50.0}),
        DaySnapshot(TODAY - dt.timedelta(days=1), {"tagged": 3.0, "out_of_rpo": 1.0}),
        DaySnapshot(TODAY, {"tagged": 99.0}),  # an earlier run today: this run's numbers win
    ]
    today = {"tagged": 4.0, "out_of_rpo": 0.0, "within_rpo_percent": 100.0, "open_alerts": 2.0}
    series = coverage_series(history, today, NOW)
    assert series == {
        "within_rpo_percent": [(TODAY - dt.timedelta(days=89), 50.0), (TODAY, 100.0)],
        "out_of_rpo": [(TODAY - dt.timedelta(days=1), 1.0), (TODAY, 0.0)],
        "tagged": [(TODAY - dt.timedelta(days=89), 2.0), (TODAY - dt.timedelta(days=1), 3.0), (TODAY, 4.0)],
    }


def test_restore_test_verdicts_are_counted_per_week_from_monday_over_13_weeks() -> None:
    data = inputs(
        verdicts=[
            verdict("a", True, 0),
            verdict("a", False, 2),  # Monday of this week
            verdict("b", False, 1),
            verdict("a", False, 3),  # Sunday: last week
            verdict("a", True, 7 * 12 + 2),  # the first Monday charted
            verdict("a", True, 7 * 12 + 3),  # the Sunday before it: out of the chart
        ]
    )
    series = weekly_tests(data)
    weeks = [MONDAY - dt.timedelta(weeks=12 - i) for i in range(13)]
    assert [week for week, _ in series["passed"]] == weeks
    assert [week for week, _ in series["failed"]] == weeks
    assert {w: v for w, v in series["passed"] if v} == {MONDAY: 1, weeks[0]: 1}
    assert {w: v for w, v in series["failed"] if v} == {MONDAY: 2, MONDAY - dt.timedelta(weeks=1): 1}


def test_the_trends_gather_coverage_jobs_and_restore_tests() -> None:
    copy = JobFact("c", table("a"), "DynamoDB", "FAILED", NOW - dt.timedelta(hours=2))
    data = inputs(
        backup_jobs=[ended("COMPLETED", 1)],
        copy_jobs=[copy],
        verdicts=[verdict("a", True, 0)],
    )
    result = trends(data, {"tagged": 5.0})
    assert result.coverage["tagged"] == [(TODAY, 5.0)]
    assert dict(result.backup_jobs["completed"])[TODAY - dt.timedelta(days=1)] == 1
    assert (
        dict(result.copy_jobs["failed"])[TODAY] == 1 and sum(v for _, v in result.copy_jobs["completed"]) == 0
    )
    assert dict(result.restore_tests["passed"])[MONDAY] == 1
