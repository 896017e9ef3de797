"""The whole report: the coverage funnel per type (eligible, tagged, protected, within RPO, out of
RPO, the stalest backup), the day's snapshot kept for the trends, the JSON summary, the order open
alerts are listed in, and every metric the report emits with its dimensions."""

from __future__ import annotations

import datetime as dt

from backup_autopilot.logic.report.build import Report, TypeCoverage, build_report, metric_points
from backup_autopilot.logic.report.copies import DestinationLag
from backup_autopilot.logic.report.facts import AlertFact, JobFact, ReportInputs, VerdictFact
from backup_autopilot.logic.report.restores import TypeResults
from backup_autopilot.logic.report.rpo import Cause, Finding
from backup_autopilot.logic.report.sla import PlanSla
from backup_autopilot.logic.resources import TaggedResource
from tests.unit.logic.test_report import ACCOUNT, DR, NOW, REGION, inputs, job, point, table, tagged

VOLUME = f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-1"
INSTANCE = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-1"


def alert(key: str, level: str, opened: str) -> AlertFact:
    return AlertFact(key, level, f"title {key}", "what", opened, opened)


def emitted(report: Report, data: ReportInputs) -> dict[tuple[str, str], float]:
    """The report's metrics by (name, type or destination), each once, all in the report's account."""
    found: dict[tuple[str, str], float] = {}
    for metric in metric_points(report, data):
        dims = dict(metric.dimensions)
        assert (dims["Account"], dims["Region"]) == (ACCOUNT, REGION)
        key = dims.get("ResourceType") or dims["Destination"]
        assert (metric.name, key) not in found
        found[(metric.name, key)] = metric.value
    return found


def test_the_coverage_funnel_per_type() -> None:
    data = inputs(
        tagged=[
            tagged("fresh"),
            tagged("fresh-too"),
            tagged("late"),
            tagged("never"),
            tagged("typo", "dayly"),
            TaggedResource(f"arn:aws:sns:{REGION}:{ACCOUNT}:topic", {"backup-plan": "daily"}),
            TaggedResource(VOLUME, {"backup-plan": "weekly"}),
        ],
        eligible={table("fresh"): "DynamoDB", table("untagged"): "DynamoDB", VOLUME: "EBS"},
        points=[point("fresh", 2), point("fresh-too", 20), point("late", 30)],
        protected={VOLUME: NOW - dt.timedelta(hours=48)},
    )
    report = build_report(data)
    assert report.coverage == [
        TypeCoverage(
            "DynamoDB", eligible=6, tagged=5, protected=3, within_rpo=2, out_of_rpo=3, oldest_hours=30
        ),
        TypeCoverage("EBS", eligible=1, tagged=1, protected=1, within_rpo=1, out_of_rpo=0, oldest_hours=48),
        TypeCoverage("unsupported", eligible=0, tagged=1, protected=0, within_rpo=0, out_of_rpo=1),
    ]
    assert report.totals == TypeCoverage(
        "all", eligible=7, tagged=7, protected=4, within_rpo=3, out_of_rpo=4, oldest_hours=None
    )


def test_a_volume_covered_by_its_instance_is_protected_by_the_instances_backup() -> None:
    volume = TaggedResource(VOLUME, {"backup-plan": "daily", "backup-autopilot:covered-by": INSTANCE})
    report = build_report(inputs(tagged=[volume], protected={INSTANCE: NOW - dt.timedelta(minutes=30)}))
    assert report.coverage == [
        TypeCoverage("EBS", eligible=1, tagged=1, protected=1, within_rpo=1, out_of_rpo=0, oldest_hours=0.5)
    ]


def test_a_backup_exactly_as_old_as_the_rpo_is_within_it() -> None:
    report = build_report(inputs(tagged=[tagged("edge")], points=[point("edge", 25)]))
    [row] = report.coverage
    assert (row.protected, row.within_rpo, row.out_of_rpo, row.oldest_hours) == (1, 1, 0, 25)


def test_the_days_snapshot_and_summary_of_a_report() -> None:
    points = [point("ok", 4 + 24 * d) for d in range(5)] + [point("late", 40), point("late", 100)]
    copied = points[0]
    copy = JobFact(
        "c1",
        table("ok"),
        "DynamoDB",
        "COMPLETED",
        copied.created,
        completed=copied.created + dt.timedelta(minutes=6),
        destination_vault_arn=DR.vault_arn,
        source_point_arn=copied.arn,
    )
    data = inputs(
        tagged=[tagged("ok"), tagged("late")],
        points=points,
        copy_jobs=[copy],
        destinations={DR.key: DR},
        verdicts=[VerdictFact("r", table("ok"), "DynamoDB", False, NOW - dt.timedelta(days=1), minutes=8)],
        alerts=[alert("k1", "warning", "2026-03-31T10:00:00+00:00")],
    )
    report = build_report(data)
    assert report.today() == {
        "tagged": 2.0,
        "protected": 2.0,
        "within_rpo": 1.0,
        "out_of_rpo": 1.0,
        "within_rpo_percent": 50.0,
        "sla_percent": 62.5,  # ok: 4 of 4 days, late: 1 of 4 (since its first point, 100 hours ago)
        "open_alerts": 1.0,
    }
    assert report.trends.coverage["within_rpo_percent"] == [(NOW.date(), 50.0)]
    assert report.summary() == {
        "generated": "2026-04-01T09:30:00+00:00",
        "account": ACCOUNT,
        "region": REGION,
        "stack": "stack",
        "tagged": 2,
        "protected": 2,
        "within_rpo": 1,
        "out_of_rpo": [
            {
                "resource": table("late"),
                "name": "late",
                "type": "DynamoDB",
                "plan": "daily",
                "cause": "not-picked-up",
                "reason": "no backup job since its last recovery point (2026-03-30 17:30 UTC): plan 'daily' "
                "does not pick it up",
                "fix": report.out_of_rpo[0].fix,
            }
        ],
        "sla_by_plan": {"daily": 5 / 8},
        "copies": {DR.key: {"completed": 1, "failed": 0, "missing": 6, "median_lag_minutes": 6.0}},
        "restore_tests": {"DynamoDB": {"passed": 0, "failed": 1, "max_minutes": 8}},
        "open_alerts": 1,
    }
    assert report.summary()["out_of_rpo"][0]["fix"].startswith("check plan 'daily''s selection")


def test_a_report_with_nothing_tagged_or_expected_is_all_within_target() -> None:
    report = build_report(inputs())
    assert report.today() == {
        "tagged": 0.0,
        "protected": 0.0,
        "within_rpo": 0.0,
        "out_of_rpo": 0.0,
        "within_rpo_percent": 100.0,
        "sla_percent": 100.0,
        "open_alerts": 0.0,
    }


def test_the_days_percentages_are_rounded_to_two_decimals() -> None:
    report = Report(
        NOW,
        ACCOUNT,
        REGION,
        "stack",
        out_of_rpo=[],
        coverage=[TypeCoverage("EBS", tagged=3, within_rpo=2), TypeCoverage("RDS", tagged=3, within_rpo=2)],
        sla=[],
        plans=[PlanSla("daily", 2, 3, 1), PlanSla("weekly", 1, 3, 1)],
        copies=[],
        restore_types=[],
        failing_tests=[],
        alerts=[],
    )
    today = report.today()
    assert (today["within_rpo_percent"], today["sla_percent"], today["tagged"]) == (66.67, 33.33, 6.0)


def test_open_alerts_are_listed_critical_first_then_oldest_first() -> None:
    alerts = [
        alert("info", "info", "2026-03-01T00:00:00+00:00"),
        alert("warn-new", "warning", "2026-03-31T00:00:00+00:00"),
        alert("crit-new", "critical", "2026-03-30T00:00:00+00:00"),
        alert("warn-old", "warning", "2026-03-02T00:00:00+00:00"),
        alert("crit-old", "critical", "2026-03-10T00:00:00+00:00"),
    ]
    report = build_report(inputs(alerts=alerts))
    assert [a.key for a in report.alerts] == ["crit-old", "crit-new", "warn-old", "warn-new", "info"]


def test_the_report_emits_the_funnel_rpo_sla_and_recent_failed_jobs_per_type() -> None:
    data = inputs(
        tagged=[tagged("a"), tagged("b")],
        eligible={table("a"): "DynamoDB"},
        points=[point("a", 2), point("a", 26), point("a", 50), point("b", 40)],
        backup_jobs=[
            job("b", "FAILED", 0.5),  # ended 25 minutes ago: within the hour since the last run
            job("b", "ABORTED", 0.6),
            job("b", "EXPIRED", 0.7),
            job("b", "PARTIAL", 0.8),
            job("b", "FAILED", 1.2),  # ended before the last run
            job("b", "COMPLETED", 0.3),
        ],
    )
    found = emitted(build_report(data), data)
    by_type = {name: value for (name, key), value in found.items() if key == "DynamoDB"}
    assert by_type == {
        "CoverageEligible": 2,
        "CoverageTagged": 2,
        "CoverageProtected": 2,
        "CoverageWithinRpo": 1,
        "RpoBreaches": 1,
        "OldestBackupAgeHours": 40,
        "SlaPercent": 66.67,  # a: 2 of 2 days, b: 0 of 1 (since its only point, 40 hours ago)
        "BackupJobsFailed": 2,
        "BackupJobsExpired": 1,
        "BackupJobsPartial": 1,
    }


def test_a_type_with_nothing_protected_or_expected_emits_no_age_or_sla() -> None:
    data = inputs(tagged=[tagged("never")])
    found = emitted(build_report(data), data)
    assert {name for name, _ in found} == {
        "CoverageEligible",
        "CoverageTagged",
        "CoverageProtected",
        "CoverageWithinRpo",
        "RpoBreaches",
        "BackupJobsFailed",
        "BackupJobsExpired",
        "BackupJobsPartial",
    }
    assert found[("BackupJobsFailed", "DynamoDB")] == 0


def test_a_job_that_ended_at_the_last_run_is_counted_in_this_one() -> None:
    last_run = NOW - dt.timedelta(hours=1)
    backup = JobFact(
        "b", table("b"), "DynamoDB", "FAILED", last_run - dt.timedelta(minutes=5), completed=last_run
    )
    copy = JobFact(
        "c",
        table("b"),
        "DynamoDB",
        "FAILED",
        last_run - dt.timedelta(minutes=5),
        completed=last_run,
        destination_vault_arn=DR.vault_arn,
    )
    data = inputs(tagged=[tagged("b")], backup_jobs=[backup], copy_jobs=[copy], destinations={DR.key: DR})
    found = emitted(build_report(data), data)
    assert (found[("BackupJobsFailed", "DynamoDB")], found[("CopyJobsFailed", DR.key)]) == (1, 1)


def test_a_longer_metrics_window_counts_older_failed_jobs() -> None:
    data = inputs(
        tagged=[tagged("b")],
        backup_jobs=[job("b", "FAILED", 1.2), job("b", "FAILED", 5)],
        metrics_window=dt.timedelta(hours=2),
    )
    assert emitted(build_report(data), data)[("BackupJobsFailed", "DynamoDB")] == 1


def test_the_ages_are_rounded_to_hundredths_of_an_hour() -> None:
    data = inputs(tagged=[tagged("a")], points=[point("a", 10 + 1 / 3)])
    assert emitted(build_report(data), data)[("OldestBackupAgeHours", "DynamoDB")] == 10.33


def test_restore_test_metrics_per_type() -> None:
    data = inputs(
        verdicts=[
            VerdictFact(
                "r1", table("a"), "DynamoDB", True, NOW - dt.timedelta(days=1), minutes=20, rto_target=30
            ),
            VerdictFact("r2", table("a"), "DynamoDB", False, NOW - dt.timedelta(days=2)),
            VerdictFact("r3", table("v"), "EBS", True, NOW - dt.timedelta(days=2), minutes=5),
        ]
    )
    found = emitted(build_report(data), data)
    assert found == {
        ("RestoreTestsPassed90d", "DynamoDB"): 1,
        ("RestoreTestsFailed90d", "DynamoDB"): 1,
        ("RestoreTimeWorstPercentOfTarget", "DynamoDB"): 66.7,
        ("RestoreTestsPassed90d", "EBS"): 1,
        ("RestoreTestsFailed90d", "EBS"): 0,
    }


def test_copy_metrics_per_destination_count_only_recent_bad_jobs_to_it() -> None:
    other = "arn:aws:backup:eu-west-1:210987654321:backup-vault:central"

    def copy(state: str, minutes_ago: float, vault: str = DR.vault_arn) -> JobFact:
        done = NOW - dt.timedelta(minutes=minutes_ago)
        return JobFact(
            f"c-{state}-{minutes_ago}-{vault}",
            table("a"),
            "DynamoDB",
            state,
            done - dt.timedelta(minutes=5),
            completed=done,
            destination_vault_arn=vault,
            source_point_arn="arn:gone",
        )

    data = inputs(
        destinations={DR.key: DR},
        copy_jobs=[
            copy("COMPLETED", 200),
            copy("FAILED", 10),
            copy("EXPIRED", 20),
            copy("ABORTED", 70),  # before the last run
            copy("FAILED", 15, other),
        ],
    )
    found = emitted(build_report(data), data)
    assert found == {
        ("CopyAgeHours", DR.key): 3.33,
        ("CopiesMissing", DR.key): 0,
        ("CopyJobsFailed", DR.key): 2,
        ("CopiesMissing", "210987654321:eu-west-1"): 0,
        ("CopyJobsFailed", "210987654321:eu-west-1"): 1,
    }


def test_the_summary_lists_each_destination_and_restore_type() -> None:
    report = Report(
        NOW,
        ACCOUNT,
        REGION,
        "stack",
        out_of_rpo=[
            Finding(table("t"), "t", "DynamoDB", "Daily", None, None, Cause.INVALID_TAG, "bad", "fix it")
        ],
        coverage=[],
        sla=[],
        plans=[PlanSla("weekly", 1, 0, 0)],
        copies=[DestinationLag("a:b", completed=0, failed=2, missing=3)],
        restore_types=[TypeResults("EBS", passed=1, minutes=[3.0, 9.0])],
        failing_tests=[],
        alerts=[alert("k", "critical", "x"), alert("l", "warning", "y")],
    )
    summary = report.summary()
    assert summary["out_of_rpo"] == [
        {
            "resource": table("t"),
            "name": "t",
            "type": "DynamoDB",
            "plan": "Daily",
            "cause": "invalid-tag",
            "reason": "bad",
            "fix": "fix it",
        }
    ]
    assert summary["sla_by_plan"] == {"weekly": None}
    assert summary["copies"] == {
        "a:b": {"completed": 0, "failed": 2, "missing": 3, "median_lag_minutes": None}
    }
    assert summary["restore_tests"] == {"EBS": {"passed": 1, "failed": 0, "max_minutes": 9.0}}
    assert summary["open_alerts"] == 2
