"""The ``Restore Test Report`` of one scheduled run: which tests passed, failed (with their reasons),
have no verdict, ran over their RTO target, which opted-in resources were not tested, the summary
line a person reads, the severity, the listing bound; and how jobs are grouped into runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backup_autopilot.logic.restore_tests.facts import RestoreJob
from backup_autopilot.logic.restore_tests.report import MAX_LISTED, RunSummary, build_report, group_runs

START = dt.datetime(2026, 3, 2, 5, 7, tzinfo=dt.UTC)
RUN = "2026-03-02T05:07Z"


def table(name: str) -> str:
    return f"arn:aws:dynamodb:us-east-1:123456789012:table/{name}"


def _job(
    job_id: str, source: str | None = None, resource_type: str = "DynamoDB", **values: Any
) -> RestoreJob:
    return RestoreJob(
        job_id,
        "COMPLETED",
        resource_type,
        source_resource_arn=source if source is not None else table(job_id),
        creation_date=values.pop("creation_date", START),
        **values,
    )


def _report(
    jobs: list[RestoreJob],
    results: dict[str, dict[str, Any] | None],
    not_tested: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    return build_report(RunSummary(run_id=RUN, jobs=jobs, results=results, not_tested=not_tested or []))


def test_a_run_where_every_test_passed_is_informational_and_lists_each() -> None:
    jobs = [_job("orders"), _job("users")]
    results: dict[str, dict[str, Any] | None] = {
        "orders": {"passed": True, "source_arn": table("orders"), "minutes": 12.5, "rto_target": 30.0},
        "users": {"passed": True, "source_arn": table("users"), "minutes": 3.0, "rto_target": None},
    }
    report = _report(jobs, results)
    assert report["severity"] == "info"
    assert report["summary"] == (
        f"restore test run {RUN}: 2 tested, 2 passed, 0 failed, 0 without a verdict, "
        "0 over their RTO target, 0 opted in but not tested"
    )
    assert report["passed"] == [
        {"resource": table("orders"), "type": "DynamoDB", "rto_minutes": 12.5, "rto_target_minutes": 30.0},
        {"resource": table("users"), "type": "DynamoDB", "rto_minutes": 3.0, "rto_target_minutes": None},
    ]
    assert report["failed"] == [] and report["no_verdict"] == [] and report["over_rto_target"] == []
    assert report["run_id"] == RUN and report["tested"] == 2
    assert report["dedupe_key"] == f"restore-test-report:{RUN}"
    assert report["counts"] == {
        "tested": 2,
        "passed": 2,
        "failed": 0,
        "no_verdict": 0,
        "over_rto_target": 0,
        "not_tested": 0,
    }


def test_a_failed_test_is_listed_with_its_reasons_and_warns() -> None:
    jobs = [_job("orders"), _job("users", resource_type="S3", source="arn:aws:s3:::users")]
    results: dict[str, dict[str, Any] | None] = {
        "orders": {"passed": True, "source_arn": table("orders")},
        "users": {"passed": False, "source_arn": "arn:aws:s3:::users", "reasons": ["0 objects restored"]},
    }
    report = _report(jobs, results)
    assert report["severity"] == "warning"
    assert report["failed"] == [
        {
            "resource": "arn:aws:s3:::users",
            "type": "S3",
            "rto_minutes": None,
            "rto_target_minutes": None,
            "reasons": ["0 objects restored"],
        }
    ]
    assert [line["resource"] for line in report["passed"]] == [table("orders")]
    assert report["summary"].startswith(f"restore test run {RUN}: 2 tested, 1 passed, 1 failed, 0 without")


def test_a_failed_verdict_without_reasons_lists_none() -> None:
    report = _report([_job("orders")], {"orders": {"passed": False}})
    assert report["failed"][0]["reasons"] == [] and report["counts"]["failed"] == 1


def test_a_verdict_without_its_source_names_the_jobs_source() -> None:
    report = _report([_job("orders")], {"orders": {"passed": True}})
    assert report["passed"][0]["resource"] == table("orders")


def test_tests_without_a_verdict_are_named_by_source_or_else_by_job_and_warn() -> None:
    jobs = [_job("orders"), RestoreJob("R-no-source", "RUNNING", "EBS", creation_date=START)]
    report = _report(jobs, {"orders": None})
    assert report["no_verdict"] == [table("orders"), "R-no-source"]
    assert report["severity"] == "warning"
    assert report["counts"]["no_verdict"] == 2 and report["counts"]["tested"] == 2
    assert "2 tested, 0 passed, 0 failed, 2 without a verdict" in report["summary"]


def test_only_tests_slower_than_their_target_are_over_it() -> None:
    jobs = [_job(name) for name in ("slow", "on-time", "exact", "no-target", "no-time", "slow-failed")]
    results: dict[str, dict[str, Any] | None] = {
        "slow": {"passed": True, "minutes": 31.0, "rto_target": 30.0},
        "on-time": {"passed": True, "minutes": 29.0, "rto_target": 30.0},
        "exact": {"passed": True, "minutes": 30.0, "rto_target": 30.0},
        "no-target": {"passed": True, "minutes": 300.0, "rto_target": None},
        "no-time": {"passed": True, "minutes": None, "rto_target": 30.0},
        "slow-failed": {"passed": False, "minutes": 90.0, "rto_target": 60.0, "reasons": ["too slow"]},
    }
    report = _report(jobs, results)
    assert [line["resource"] for line in report["over_rto_target"]] == [table("slow"), table("slow-failed")]
    assert report["counts"]["over_rto_target"] == 2
    assert "2 over their RTO target" in report["summary"]


def test_opted_in_resources_not_tested_are_listed_and_warn_even_when_every_test_passed() -> None:
    untested = [{"resource": table("new"), "reason": "no recovery point within the selection window"}]
    report = _report([_job("orders")], {"orders": {"passed": True}}, not_tested=untested)
    assert report["severity"] == "warning"
    assert report["not_tested"] == untested and report["counts"]["not_tested"] == 1
    assert report["summary"].endswith(", 1 opted in but not tested")


def test_the_lists_stop_at_the_bound_but_the_counts_are_whole() -> None:
    count = MAX_LISTED + 5
    passed = [_job(f"p{i}") for i in range(count)]
    failed = [_job(f"f{i}") for i in range(count)]
    pending = [_job(f"n{i}") for i in range(count)]
    results: dict[str, dict[str, Any] | None] = {
        **{job.job_id: {"passed": True, "minutes": 2.0, "rto_target": 1.0} for job in passed},
        **{job.job_id: {"passed": False} for job in failed},
        **{job.job_id: None for job in pending},
    }
    untested = [{"resource": table(f"u{i}"), "reason": "x"} for i in range(count)]
    report = _report(passed + failed + pending, results, not_tested=untested)
    for key in ("passed", "failed", "no_verdict", "over_rto_target", "not_tested"):
        assert len(report[key]) == MAX_LISTED, key
        assert report["counts"][key] == count, key
    assert report["passed"][0]["resource"] == table("p0") and report["no_verdict"][-1] == table(
        f"n{MAX_LISTED - 1}"
    )
    assert report["tested"] == report["counts"]["tested"] == 3 * count
    assert MAX_LISTED == 50


# -- runs ---------------------------------------------------------------------------------------
def test_a_run_is_named_by_its_first_jobs_creation_minute_whatever_order_they_are_listed_in() -> None:
    later = _job("B", creation_date=START + dt.timedelta(hours=2, seconds=30))
    first = _job("A", creation_date=START + dt.timedelta(seconds=42))
    runs = group_runs([later, first], dt.timedelta(hours=4))
    assert {run: [j.job_id for j in jobs] for run, jobs in runs.items()} == {RUN: ["A", "B"]}


def test_a_job_exactly_one_window_after_the_last_belongs_to_its_run_and_one_more_second_starts_another() -> (
    None
):
    window = dt.timedelta(hours=4)
    jobs = [
        _job("A", creation_date=START),
        _job("B", creation_date=START + window),  # the window after A: same run
        _job("C", creation_date=START + 2 * window),  # the window after B (not A): still the same run
        _job("D", creation_date=START + 3 * window + dt.timedelta(seconds=1)),  # a second too late
    ]
    runs = group_runs(jobs, window)
    assert {run: [j.job_id for j in jobs] for run, jobs in runs.items()} == {
        RUN: ["A", "B", "C"],
        "2026-03-02T17:07Z": ["D"],
    }


def test_jobs_without_a_creation_date_belong_to_no_run() -> None:
    undated = RestoreJob("X", "COMPLETED", "DynamoDB")
    runs = group_runs([undated, _job("A")], dt.timedelta(hours=1))
    assert [[j.job_id for j in jobs] for jobs in runs.values()] == [["A"]]
    assert group_runs([undated], dt.timedelta(hours=1)) == {}


def test_a_verdict_names_its_source_when_aws_left_it_out_of_the_job() -> None:
    # an on-demand test's job may lack the source: the recorded verdict knows it
    job = RestoreJob("R9", "COMPLETED", "DynamoDB", creation_date=START)
    report = _report([job], {"R9": {"passed": False, "source_arn": table("orders"), "reasons": ["x"]}})
    assert report["failed"][0]["resource"] == table("orders")
