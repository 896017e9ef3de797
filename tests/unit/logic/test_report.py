"""The operator report's logic (pure): what is out of RPO and why, SLA ratios, copy lag, trends,
metrics; and its page (Jinja2 autoescaped, leather SVG inlined)."""

from __future__ import annotations

import datetime as dt

import pytest

from backup_autopilot.logic.copies.destinations import Destination
from backup_autopilot.logic.protection import Plan
from backup_autopilot.logic.report.build import build_report, metric_points
from backup_autopilot.logic.report.facts import JobFact, PointFact, ReportInputs, VerdictFact
from backup_autopilot.logic.report.metrics import BY_NAME, CATALOGUE
from backup_autopilot.logic.report.rpo import Cause, out_of_rpo
from backup_autopilot.logic.report.sla import met_slots
from backup_autopilot.logic.resources import TaggedResource

NOW = dt.datetime(2026, 4, 1, 9, 30, tzinfo=dt.UTC)
ACCOUNT, REGION = "123456789012", "us-east-1"
DAILY = Plan("daily", "p-daily", "arn:plan/daily", "vault", "daily", start_window=dt.timedelta(hours=1))
WEEKLY = Plan(
    "weekly",
    "p-weekly",
    "arn:plan/weekly",
    "vault",
    "weekly",
    interval=dt.timedelta(days=7),
    start_window=dt.timedelta(hours=1),
)
DR = Destination(ACCOUNT, "us-west-2", f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr")


def table(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def tagged(name: str, plan: str = "daily", **tags: str) -> TaggedResource:
    return TaggedResource(table(name), {"backup-plan": plan, **tags})


def point(name: str, hours_ago: float, *, arn: str | None = None, status: str = "COMPLETED") -> PointFact:
    created = NOW - dt.timedelta(hours=hours_ago)
    return PointFact(
        arn or f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:{name}-{hours_ago}",
        table(name),
        "DynamoDB",
        "vault",
        created,
        status=status,
    )


def job(name: str, state: str, hours_ago: float, message: str = "") -> JobFact:
    created = NOW - dt.timedelta(hours=hours_ago)
    return JobFact(
        f"job-{name}-{hours_ago}",
        table(name),
        "DynamoDB",
        state,
        created,
        completed=created + dt.timedelta(minutes=5),
        message=message,
    )


def inputs(**kwargs: object) -> ReportInputs:
    base: dict[str, object] = {
        "now": NOW,
        "account": ACCOUNT,
        "region": REGION,
        "stack_name": "stack",
        "plan_tag_key": "backup-plan",
        "copy_to_tag_key": "backup-copy-to",
        "restore_test_tag_key": "backup-restore-test",
        "restore_test_default_on": False,
        "plans": {"daily": DAILY, "weekly": WEEKLY},
        "tagged": [],
        "opted_in": {"DynamoDB": True, "S3": True},
    }
    base.update(kwargs)
    return ReportInputs(**base)  # type: ignore[arg-type]


def test_a_resource_within_its_rpo_is_not_listed_and_its_rpo_includes_the_start_window() -> None:
    # GIVEN a daily plan with a one-hour start window  THEN a 24.5-hour-old point is within RPO
    findings = out_of_rpo(
        inputs(tagged=[tagged("fresh"), tagged("late")], points=[point("fresh", 24.5), point("late", 25.5)])
    )
    assert [(f.name, f.cause) for f in findings] == [("late", Cause.NOT_PICKED_UP)]
    assert findings[0].rpo_hours == 25


@pytest.mark.parametrize(
    ("jobs", "cause", "in_reason", "in_fix"),
    [
        ([], Cause.NEVER_BACKED_UP, "tag event did not arrive", "hourly reconcile"),
        ([job("t", "RUNNING", 0.2)], Cause.BACKUP_RUNNING, "a backup is running", "none"),
        (
            [job("t", "FAILED", 2, "Insufficient privileges: kms key not accessible")],
            Cause.BACKUP_FAILED,
            "ended FAILED",
            "KMS key",
        ),
        ([job("t", "EXPIRED", 3)], Cause.BACKUP_FAILED, "ended EXPIRED", "start window"),
        (
            [job("t", "FAILED", 5), job("t", "PARTIAL", 2, "some items skipped")],
            Cause.BACKUP_FAILED,
            "ended PARTIAL",
            "incomplete",
        ),
    ],
)
def test_the_reason_comes_from_the_resources_backup_jobs(jobs, cause, in_reason, in_fix) -> None:
    [finding] = out_of_rpo(inputs(tagged=[tagged("t")], backup_jobs=jobs))
    assert finding.cause is cause
    assert in_reason in finding.reason
    assert in_fix in finding.fix


def test_tag_and_configuration_problems_come_first_in_the_reasoning() -> None:
    bucket = TaggedResource("arn:aws:s3:::logs", {"backup-plan": "daily"})
    volume = TaggedResource(f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-1", {"backup-plan": "daily"})
    findings = out_of_rpo(
        inputs(
            tagged=[tagged("typo", "Daily"), bucket, volume],
            s3_versioning={"logs": False},
            opted_in={"EBS": False, "S3": True},
        )
    )
    causes = {f.name: f.cause for f in findings}
    assert causes == {"typo": Cause.INVALID_TAG, "logs": Cause.S3_VERSIONING_OFF, "vol-1": Cause.NOT_OPTED_IN}
    assert next(f for f in findings if f.name == "typo").fix.startswith("did you mean 'daily'?")


def test_a_volume_covered_by_its_instance_is_judged_on_the_instances_points() -> None:
    instance = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-1"
    volume = TaggedResource(
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-1",
        {"backup-plan": "daily", "backup-autopilot:covered-by": instance},
    )
    assert out_of_rpo(inputs(tagged=[volume], protected={instance: NOW - dt.timedelta(hours=3)})) == []


def test_restore_test_resources_are_never_listed() -> None:
    leftover = tagged("awsbackup-restore-test-1", **{"awsbackup-restore-test": "x"})
    assert out_of_rpo(inputs(tagged=[leftover])) == []


def test_sla_counts_slots_with_a_point_never_more_than_one_per_slot() -> None:
    interval = dt.timedelta(days=1)
    since = NOW - dt.timedelta(days=10)
    daily = [NOW - dt.timedelta(days=d, hours=4) for d in range(10)]
    assert met_slots(daily, now=NOW, since=since, interval=interval) == (10, 10)
    extra = daily + [NOW - dt.timedelta(days=d, hours=8) for d in range(10)]
    assert met_slots(extra, now=NOW, since=since, interval=interval) == (10, 10)
    gaps = [t for i, t in enumerate(daily) if i not in {2, 3, 7}]
    assert met_slots(gaps, now=NOW, since=since, interval=interval) == (10, 7)
    assert met_slots([], now=NOW, since=NOW - dt.timedelta(hours=5), interval=interval) == (0, 0)


def test_the_report_counts_per_type_sla_copies_and_restore_tests() -> None:
    points = [point("a", 4 + 24 * d) for d in range(30)] + [point("b", 4 + 24 * d) for d in range(0, 30, 2)]
    source = points[0]
    copy = JobFact(
        "c1",
        table("a"),
        "DynamoDB",
        "COMPLETED",
        source.created + dt.timedelta(minutes=2),
        completed=source.created + dt.timedelta(minutes=12),
        destination_vault_arn=DR.vault_arn,
        source_point_arn=source.arn,
    )
    failed = JobFact(
        "c2",
        table("b"),
        "DynamoDB",
        "FAILED",
        NOW - dt.timedelta(minutes=30),
        completed=NOW - dt.timedelta(minutes=20),
        message="Access denied",
        destination_vault_arn=DR.vault_arn,
    )
    verdicts = [
        VerdictFact(
            "r1", table("a"), "DynamoDB", True, NOW - dt.timedelta(days=3), minutes=12, rto_target=60
        ),
        VerdictFact(
            "r2",
            table("b"),
            "DynamoDB",
            False,
            NOW - dt.timedelta(days=2),
            minutes=90,
            rto_target=60,
            reasons=("item count 0, source had 40",),
        ),
    ]
    data = inputs(
        tagged=[tagged("a"), tagged("b")],
        points=points,
        copy_jobs=[copy, failed],
        destinations={DR.key: DR},
        verdicts=verdicts,
        eligible={table("a"): "DynamoDB"},
    )
    report = build_report(data)
    assert {p.plan: (p.made, p.expected) for p in report.plans} == {"daily": (29 + 14, 29 + 28)}
    [lag] = report.copies
    assert (lag.destination, lag.completed, lag.failed, lag.median_minutes) == (DR.key, 1, 1, 12)
    [tests] = report.restore_types
    assert (tests.passed, tests.failed, tests.over_target, tests.worst_target_ratio) == (1, 1, 1, 1.5)
    assert [v.resource_arn for v in report.failing_tests] == [table("b")]
    emitted = {
        (p.name, dict(p.dimensions).get("ResourceType") or dict(p.dimensions)["Destination"]): p.value
        for p in metric_points(report, data)
    }
    assert emitted[("CoverageTagged", "DynamoDB")] == 2
    assert emitted[("CoverageEligible", "DynamoDB")] == 2
    assert emitted[("RpoBreaches", "DynamoDB")] == 0
    assert emitted[("CopyJobsFailed", DR.key)] == 1
    assert emitted[("RestoreTimeWorstPercentOfTarget", "DynamoDB")] == 150.0
    assert all(dict(p.dimensions).keys() >= {"Account", "Region"} for p in metric_points(report, data))


def test_every_metric_in_the_catalogue_has_a_bounded_dimension() -> None:
    assert {spec.dimension for spec in CATALOGUE} == {"ResourceType", "Destination"}
    assert len(BY_NAME) == len(CATALOGUE)


def test_the_page_escapes_what_came_from_aws_and_inlines_its_plots() -> None:
    from backup_autopilot.rendering.page import render

    hostile = tagged("x", "<script>alert(1)</script>")
    report = build_report(inputs(tagged=[hostile], points=[point("y", 3)]))
    html = render(report)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<svg") == 6 and "<?xml" not in html
    for fetch in ('src="http', "src='http", 'href="http', "href='http", "url(http", "@import"):
        assert fetch not in html  # no external asset (SVG namespace URIs are names, never fetched)
