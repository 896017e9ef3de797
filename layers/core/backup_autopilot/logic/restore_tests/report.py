"""The ``Restore Test Report``: one summary per scheduled run (pure).

Tested, passed, failed with reasons, restore time against each target, and the opted-in resources
the run did not test, with why. Alerting turns it into one message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from backup_autopilot.models.severity import Severity

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from backup_autopilot.logic.restore_tests.facts import RestoreJob

RESTORE_TEST_REPORT = "Restore Test Report"
#: resources listed by name in one report (the counts are always complete)
MAX_LISTED = 50


def group_runs(jobs: Iterable[RestoreJob], start_window: dt.timedelta) -> dict[str, list[RestoreJob]]:
    """Jobs of one scheduled run start within the plan's start window of each other: a run is a
    cluster of creation times, named by its first job's creation time."""
    runs: dict[str, list[RestoreJob]] = {}
    current: str | None = None
    last: dt.datetime | None = None
    for job in sorted((j for j in jobs if j.creation_date), key=lambda j: j.creation_date):  # type: ignore[arg-type,return-value]
        created = job.creation_date
        assert created is not None
        if current is None or last is None or created - last > start_window:
            current = created.strftime("%Y-%m-%dT%H:%MZ")
        runs.setdefault(current, []).append(job)
        last = created
    return runs


class RunSummary(Struct):
    run_id: str
    jobs: list[RestoreJob]
    #: the recorded result of each job (None: no verdict)
    results: dict[str, dict[str, Any] | None]
    #: opted-in resources without a job in this run: {"resource": arn, "reason": why}
    not_tested: list[dict[str, str]] = field(default_factory=list)


def build_report(summary: RunSummary) -> dict[str, Any]:
    passed: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    no_verdict: list[str] = []
    for job in summary.jobs:
        result = summary.results.get(job.job_id)
        if result is None:
            no_verdict.append(job.source_resource_arn or job.job_id)
            continue
        line = {
            "resource": result.get("source_arn") or job.source_resource_arn,
            "type": job.resource_type,
            "rto_minutes": result.get("minutes"),
            "rto_target_minutes": result.get("rto_target"),
        }
        if result.get("passed"):
            passed.append(line)
        else:
            failed.append({**line, "reasons": result.get("reasons", [])})
    over_target = [
        line
        for line in passed + failed
        if line["rto_target_minutes"] is not None
        and line["rto_minutes"] is not None
        and line["rto_minutes"] > line["rto_target_minutes"]
    ]
    tested = len(summary.jobs)
    healthy = not failed and not no_verdict
    summary_text = (
        f"restore test run {summary.run_id}: {tested} tested, {len(passed)} passed, {len(failed)} failed, "
        f"{len(no_verdict)} without a verdict, {len(over_target)} over their RTO target, "
        f"{len(summary.not_tested)} opted in but not tested"
    )
    return {
        "severity": Severity.INFO if healthy and not summary.not_tested else Severity.WARNING,
        "summary": summary_text,
        "run_id": summary.run_id,
        "tested": tested,
        "passed": passed[:MAX_LISTED],
        "failed": failed[:MAX_LISTED],
        "no_verdict": no_verdict[:MAX_LISTED],
        "over_rto_target": over_target[:MAX_LISTED],
        "not_tested": summary.not_tested[:MAX_LISTED],
        "counts": {
            "tested": tested,
            "passed": len(passed),
            "failed": len(failed),
            "no_verdict": len(no_verdict),
            "over_rto_target": len(over_target),
            "not_tested": len(summary.not_tested),
        },
        "dedupe_key": f"restore-test-report:{summary.run_id}",
    }
