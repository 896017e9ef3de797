"""The report's first table (out of RPO): which tagged resources are listed, in which order, and the
exact reason and fix an operator reads for each cause; which recovery point counts as a resource's
last backup."""

from __future__ import annotations

import datetime as dt

import pytest

from backup_autopilot.logic.report.facts import JobFact, PointFact
from backup_autopilot.logic.report.rpo import Cause, Finding, last_backup, latest_points, out_of_rpo, rpo_of
from backup_autopilot.logic.resources import TaggedResource
from tests.unit.logic.test_report import (
    ACCOUNT,
    DAILY,
    NOW,
    REGION,
    WEEKLY,
    inputs,
    job,
    point,
    table,
    tagged,
)

NOT_PICKED_UP_FIX = (
    "check plan 'daily''s selection (aws:ResourceTag/backup-plan = daily; a Selection Not Matching alert "
    "names it) and the plan's rule: changed outside the stack, redeploy the stack to restore them"
)


def _point(name: str, hours_ago: float, status: str) -> PointFact:
    return PointFact(
        f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:{name}-{status}",
        table(name),
        "DynamoDB",
        "vault",
        NOW - dt.timedelta(hours=hours_ago),
        status=status,
    )


def test_the_rpo_is_the_plans_interval_plus_its_start_window() -> None:
    assert rpo_of(DAILY) == dt.timedelta(hours=25)
    assert rpo_of(WEEKLY) == dt.timedelta(days=7, hours=1)


def test_the_latest_point_of_a_resource_is_its_newest_completed_or_partial_one() -> None:
    points = [
        _point("a", 30, "COMPLETED"),
        _point("a", 10, "PARTIAL"),
        _point("a", 20, "COMPLETED"),  # older than the partial one: listed after it, not kept
        _point("b", 2, "EXPIRED"),
        _point("b", 3, "DELETING"),
        _point("b", 40, "COMPLETED"),
    ]
    assert latest_points(points) == {
        table("a"): NOW - dt.timedelta(hours=10),
        table("b"): NOW - dt.timedelta(hours=40),
    }


def test_the_last_backup_is_the_newer_of_aws_backups_record_and_the_newest_point() -> None:
    older, newer = NOW - dt.timedelta(hours=9), NOW - dt.timedelta(hours=2)
    arn = table("a")
    assert last_backup(arn, {arn: older}, {arn: newer}) == newer
    assert last_backup(arn, {arn: newer}, {arn: older}) == newer
    assert last_backup(arn, {arn: None}, {arn: older}) == older
    assert last_backup(arn, {}, {arn: older}) == older
    assert last_backup(arn, {arn: newer}, {}) == newer
    assert last_backup(arn, {arn: None}, {}) is None
    assert last_backup(arn, {table("other"): newer}, {table("other"): newer}) is None


def test_a_point_exactly_as_old_as_the_rpo_is_still_within_it() -> None:
    edge = point("edge", 25)
    assert out_of_rpo(inputs(tagged=[tagged("edge")], points=[edge])) == []


def test_aws_backups_own_record_of_the_last_backup_keeps_a_resource_within_rpo() -> None:
    data = inputs(
        tagged=[tagged("a")], points=[point("a", 40)], protected={table("a"): NOW - dt.timedelta(hours=3)}
    )
    assert out_of_rpo(data) == []


def test_a_resource_never_backed_up_says_so_and_how_it_gets_its_first_backup() -> None:
    assert out_of_rpo(inputs(tagged=[tagged("new")])) == [
        Finding(
            table("new"),
            "new",
            "DynamoDB",
            "daily",
            25.0,
            None,
            Cause.NEVER_BACKED_UP,
            "never backed up, and no backup job in 30 days: its tag event did not arrive or was not acted on",
            "the hourly reconcile starts its first backup; if this row stays, read the reconcile's Coverage "
            "Report and the protect_resource function's log",
        )
    ]


def test_a_stale_point_without_a_job_since_says_the_plan_does_not_pick_it_up() -> None:
    [finding] = out_of_rpo(inputs(tagged=[tagged("late")], points=[point("late", 30)]))
    assert finding == Finding(
        table("late"),
        "late",
        "DynamoDB",
        "daily",
        25.0,
        NOW - dt.timedelta(hours=30),
        Cause.NOT_PICKED_UP,
        "no backup job since its last recovery point (2026-03-31 03:30 UTC): plan 'daily' does not pick "
        "it up",
        NOT_PICKED_UP_FIX,
    )
    assert finding.age_hours(NOW) == 30


def test_without_any_point_the_last_completed_job_dates_the_plan_not_picking_it_up() -> None:
    done = JobFact(
        "j1",
        table("gone"),
        "DynamoDB",
        "COMPLETED",
        NOW - dt.timedelta(days=3),
        completed=NOW - dt.timedelta(days=2, hours=23),
    )
    [finding] = out_of_rpo(inputs(tagged=[tagged("gone")], backup_jobs=[done]))
    assert (finding.cause, finding.latest, finding.age_hours(NOW)) == (Cause.NOT_PICKED_UP, None, None)
    assert finding.reason == (
        "no backup job since its last recovery point (2026-03-29 10:30 UTC): plan 'daily' does not pick it up"
    )


@pytest.mark.parametrize("state", ["CREATED", "PENDING", "RUNNING"])
def test_a_backup_in_progress_is_the_reason_and_needs_no_fix(state: str) -> None:
    running = JobFact("job-7", table("t"), "DynamoDB", state, NOW - dt.timedelta(minutes=20))
    [finding] = out_of_rpo(inputs(tagged=[tagged("t")], points=[point("t", 30)], backup_jobs=[running]))
    assert (finding.cause, finding.reason, finding.fix) == (
        Cause.BACKUP_RUNNING,
        "a backup is running since 2026-04-01 09:10 UTC (job job-7)",
        "none: the point lands when the job completes",
    )


def test_the_last_job_by_creation_decides_whatever_order_aws_lists_them_in() -> None:
    jobs = [job("t", "RUNNING", 0.5), job("t", "FAILED", 6, "Access denied on table")]
    [finding] = out_of_rpo(inputs(tagged=[tagged("t")], backup_jobs=jobs))
    assert finding.cause is Cause.BACKUP_RUNNING
    [finding] = out_of_rpo(inputs(tagged=[tagged("t")], backup_jobs=list(reversed(jobs))))
    assert finding.cause is Cause.BACKUP_RUNNING


@pytest.mark.parametrize(
    ("state", "message", "reason", "fix"),
    [
        (
            "FAILED",
            "Access denied on table",
            "its last backup job ended FAILED at 2026-04-01 07:35 UTC: Access denied on table",
            "give the stack's backup role (BackupServiceRole) the permission AWS names in the message; "
            "for a newly supported resource type, check the type is opted in (AWS Backup > Settings)",
        ),
        (
            "ABORTED",
            "",
            "its last backup job ended ABORTED at 2026-04-01 07:35 UTC",
            "the job was stopped (by a person or by AWS, see the message); the next window runs it again",
        ),
        (
            "EXPIRED",
            "",
            "its last backup job ended EXPIRED at 2026-04-01 07:35 UTC",
            "the job did not start within its start window: widen the plan rule's start window, or look for "
            "long-running jobs on the same resource",
        ),
        (
            "PARTIAL",
            "2 items skipped",
            "its last backup job ended PARTIAL at 2026-04-01 07:35 UTC: 2 items skipped",
            "some items were not backed up (see the message): the recovery point is incomplete",
        ),
    ],
)
def test_a_last_job_that_ended_badly_gives_awss_message_and_its_fix(
    state: str, message: str, reason: str, fix: str
) -> None:
    [finding] = out_of_rpo(inputs(tagged=[tagged("t")], backup_jobs=[job("t", state, 2, message)]))
    assert (finding.cause, finding.reason, finding.fix) == (Cause.BACKUP_FAILED, reason, fix)


def test_a_job_that_ended_badly_without_a_completion_time_is_dated_by_its_creation() -> None:
    stuck = JobFact("j", table("t"), "DynamoDB", "EXPIRED", NOW - dt.timedelta(hours=3))
    [finding] = out_of_rpo(inputs(tagged=[tagged("t")], backup_jobs=[stuck]))
    assert finding.reason == "its last backup job ended EXPIRED at 2026-04-01 06:30 UTC"


def test_a_volume_covered_by_its_instance_is_explained_by_the_instances_jobs() -> None:
    instance = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-1"
    volume = TaggedResource(
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-1",
        {"backup-plan": "daily", "backup-autopilot:covered-by": instance},
    )
    running = JobFact("job-i", instance, "EC2", "RUNNING", NOW - dt.timedelta(minutes=5))
    [finding] = out_of_rpo(
        inputs(tagged=[volume], protected={instance: NOW - dt.timedelta(hours=30)}, backup_jobs=[running])
    )
    assert (finding.name, finding.resource_type, finding.cause) == ("vol-1", "EBS", Cause.BACKUP_RUNNING)
    assert finding.latest == NOW - dt.timedelta(hours=30)


def test_a_type_not_opted_in_says_where_and_how_to_opt_in() -> None:
    bucket = TaggedResource("arn:aws:s3:::logs", {"backup-plan": "daily"})
    findings = out_of_rpo(
        inputs(tagged=[tagged("t"), bucket], points=[point("t", 30)], opted_in={"DynamoDB": False})
    )
    assert [f.cause for f in findings] == [Cause.NEVER_BACKED_UP, Cause.NOT_OPTED_IN]  # the bucket, then t
    assert findings[1] == Finding(
        table("t"),
        "t",
        "DynamoDB",
        "daily",
        25.0,
        NOW - dt.timedelta(hours=30),
        Cause.NOT_OPTED_IN,
        "resource type DynamoDB is not opted in for AWS Backup in us-east-1",
        "opt DynamoDB in (AWS Backup > Settings > Service opt-in), or deploy with AllowOptIn=true",
    )


def test_types_and_buckets_nobody_reported_on_are_taken_as_opted_in_and_versioned() -> None:
    bucket = TaggedResource("arn:aws:s3:::logs", {"backup-plan": "daily"})
    findings = out_of_rpo(inputs(tagged=[bucket, tagged("t")], opted_in={}, s3_versioning={}))
    assert {f.name: f.cause for f in findings} == {"logs": Cause.NEVER_BACKED_UP, "t": Cause.NEVER_BACKED_UP}


def test_a_bucket_without_versioning_says_which_bucket_to_fix() -> None:
    bucket = TaggedResource("arn:aws:s3:::logs", {"backup-plan": "weekly"})
    old = PointFact(
        f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:logs",
        bucket.arn,
        "S3",
        "vault",
        NOW - dt.timedelta(days=9),
    )
    [finding] = out_of_rpo(inputs(tagged=[bucket], points=[old], s3_versioning={"logs": False}))
    assert finding == Finding(
        "arn:aws:s3:::logs",
        "logs",
        "S3",
        "weekly",
        169.0,
        NOW - dt.timedelta(days=9),
        Cause.S3_VERSIONING_OFF,
        "AWS Backup cannot back up an S3 bucket without versioning",
        "enable versioning on bucket logs",
    )


def test_a_bucket_of_a_type_not_opted_in_is_reported_as_not_opted_in_first() -> None:
    bucket = TaggedResource("arn:aws:s3:::logs", {"backup-plan": "daily"})
    [finding] = out_of_rpo(inputs(tagged=[bucket], s3_versioning={"logs": False}, opted_in={"S3": False}))
    assert finding.cause is Cause.NOT_OPTED_IN


def test_a_mistyped_plan_is_listed_with_the_value_and_a_suggestion() -> None:
    [finding] = out_of_rpo(inputs(tagged=[tagged("t", "Daily")], points=[point("t", 1)]))
    assert finding == Finding(
        table("t"),
        "t",
        "DynamoDB",
        "Daily",
        None,
        None,
        Cause.INVALID_TAG,
        "'Daily' is not an assignable plan",
        "did you mean 'daily'? set backup-plan to one of: daily, weekly",
    )


def test_a_tagged_resource_aws_backup_cannot_protect_is_listed_as_unsupported() -> None:
    topic = TaggedResource(f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts", {"backup-plan": "daily"})
    [finding] = out_of_rpo(inputs(tagged=[topic]))
    assert (finding.name, finding.resource_type, finding.plan, finding.cause, finding.reason) == (
        "alerts",
        "unsupported",
        "daily",
        Cause.UNSUPPORTED,
        "AWS Backup cannot protect this kind of resource",
    )
    assert finding.fix.startswith("remove the tag, or tag a supported resource")


def test_findings_come_oldest_first_then_by_type_and_name() -> None:
    bucket = TaggedResource("arn:aws:s3:::a-bucket", {"backup-plan": "daily"})
    findings = out_of_rpo(
        inputs(
            tagged=[tagged("recent"), tagged("old"), tagged("z-never"), tagged("b-never"), bucket],
            points=[point("recent", 26), point("old", 90)],
        )
    )
    assert [f.name for f in findings] == ["b-never", "z-never", "a-bucket", "old", "recent"]
