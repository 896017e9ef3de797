"""The report's copy section per destination: copies completed and failed (with AWS's last messages),
how long after its backup a copy lands, how old the newest copy is, and which recent points were not
copied where their tag (or the stack's defaults) says, or are not copied there by design."""

from __future__ import annotations

import datetime as dt

from backup_autopilot.logic.copies.destinations import Destination
from backup_autopilot.logic.copies.eligibility import SkipReason
from backup_autopilot.logic.report.copies import DestinationLag, copy_lag, destination_key
from backup_autopilot.logic.report.facts import JobFact, PointFact
from backup_autopilot.logic.resources import TaggedResource
from tests.unit.logic.test_report import ACCOUNT, DR, NOW, REGION, inputs, point, table, tagged

OTHER = "210987654321"
VAULT = Destination(OTHER, "eu-west-1", f"arn:aws:backup:eu-west-1:{OTHER}:backup-vault:central")
BOTH = {DR.key: DR, VAULT.key: VAULT}


def copy(
    source: PointFact,
    state: str,
    *,
    to: Destination = DR,
    after: dt.timedelta = dt.timedelta(minutes=30),
    message: str = "",
    completed: bool = True,
) -> JobFact:
    created = source.created + after - dt.timedelta(minutes=10)
    return JobFact(
        f"copy-{source.arn}-{to.key}-{after}",
        source.resource_arn,
        source.resource_type,
        state,
        created,
        completed=source.created + after if completed else None,
        message=message,
        destination_vault_arn=to.vault_arn,
        source_point_arn=source.arn,
    )


def lags(**kwargs: object) -> dict[str, DestinationLag]:
    return {lag.destination: lag for lag in copy_lag(inputs(**kwargs))}


def test_a_destination_is_named_by_its_vaults_account_and_region() -> None:
    assert destination_key(DR.vault_arn) == f"{ACCOUNT}:us-west-2"
    assert destination_key("not-a-vault-arn") == "not-a-vault-arn"


def test_every_destination_of_the_stack_is_listed_even_without_copies_and_in_order() -> None:
    listed = copy_lag(inputs(destinations=BOTH))
    assert [lag.destination for lag in listed] == sorted(BOTH)
    assert all(
        (lag.completed, lag.failed, lag.missing, lag.latest_copy, lag.median_minutes, lag.max_minutes)
        == (0, 0, 0, None, None, None)
        for lag in listed
    )
    assert listed[0].age_hours(NOW) is None


def test_completed_copies_give_their_lag_and_the_age_of_the_newest() -> None:
    first, second, third = point("a", 30), point("a", 20), point("a", 6)
    jobs = [
        copy(third, "COMPLETED", after=dt.timedelta(minutes=90)),
        copy(first, "COMPLETED", after=dt.timedelta(minutes=10)),
        copy(second, "COMPLETED", after=dt.timedelta(minutes=20)),
    ]
    [lag] = copy_lag(inputs(tagged=[tagged("a")], points=[first, second, third], copy_jobs=jobs))
    assert (lag.completed, lag.failed, lag.missing) == (3, 0, 0)
    assert (lag.median_minutes, lag.max_minutes) == (20, 90)
    assert lag.latest_copy == third.created + dt.timedelta(minutes=90)
    assert lag.age_hours(NOW) == 4.5


def test_the_newest_copy_is_the_last_one_completed_even_of_an_older_point() -> None:
    old, new = point("a", 30), point("a", 6)
    jobs = [copy(old, "COMPLETED", after=dt.timedelta(hours=25)), copy(new, "COMPLETED")]
    [lag] = copy_lag(inputs(points=[old, new], copy_jobs=jobs))
    assert lag.latest_copy == NOW - dt.timedelta(hours=5)
    assert lag.max_minutes == 25 * 60


def test_a_copy_of_a_point_no_longer_listed_counts_without_a_lag() -> None:
    gone = point("a", 50)
    [lag] = copy_lag(inputs(copy_jobs=[copy(gone, "COMPLETED")]))
    assert (lag.completed, lag.lags, lag.median_minutes) == (1, [], None)
    assert lag.latest_copy == gone.created + dt.timedelta(minutes=30)


def test_failed_copies_keep_the_last_five_messages_newest_first() -> None:
    source = point("a", 30)
    states = ["FAILED", "ABORTED", "EXPIRED", "PARTIAL", "FAILED", "FAILED"]
    jobs = [
        copy(source, state, after=dt.timedelta(minutes=10 * (i + 1)), message=f"m{i}" if i != 3 else "")
        for i, state in enumerate(states)
    ]
    [lag] = copy_lag(inputs(points=[source], copy_jobs=list(reversed(jobs))))
    assert (lag.completed, lag.failed) == (0, 6)
    assert lag.failures == ["FAILED: m5", "FAILED: m4", "PARTIAL", "EXPIRED: m2", "ABORTED: m1"]


def test_running_copies_and_completed_ones_without_a_completion_time_are_not_counted() -> None:
    source = point("a", 30)
    jobs = [copy(source, "RUNNING"), copy(source, "COMPLETED", completed=False)]
    [lag] = copy_lag(inputs(points=[source], copy_jobs=jobs))
    assert (lag.completed, lag.failed, lag.failures, lag.latest_copy) == (0, 0, [], None)


def test_a_copy_job_to_a_vault_the_stack_no_longer_has_gets_its_own_entry() -> None:
    source = point("a", 30)
    listed = lags(destinations={DR.key: DR}, points=[source], copy_jobs=[copy(source, "FAILED", to=VAULT)])
    assert (listed[VAULT.key].failed, listed[DR.key].failed) == (1, 0)


def test_recent_points_without_a_completed_copy_are_missing_at_each_destination() -> None:
    copied, failed, uncopied = point("a", 30), point("a", 50), point("b", 10)
    jobs = [copy(copied, "COMPLETED"), copy(failed, "FAILED"), copy(copied, "FAILED", to=VAULT)]
    listed = lags(
        tagged=[tagged("a"), tagged("b")],
        destinations=BOTH,
        points=[copied, failed, uncopied],
        copy_jobs=jobs,
    )
    assert (listed[DR.key].missing, listed[VAULT.key].missing) == (2, 3)


def test_only_points_between_four_hours_and_seven_days_old_are_checked() -> None:
    points = [point("a", 3.9), point("a", 4), point("a", 24 * 7), point("a", 24 * 7 + 0.1)]
    [lag] = copy_lag(inputs(tagged=[tagged("a")], destinations={DR.key: DR}, points=points))
    assert lag.missing == 2


def test_points_not_completed_or_of_untagged_resources_are_not_missing() -> None:
    partial = point("a", 10, arn=f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:p", status="PARTIAL")
    failed = point("a", 10, arn=f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:f", status="EXPIRED")
    untagged = point("untagged", 10)
    [lag] = copy_lag(
        inputs(tagged=[tagged("a")], destinations={DR.key: DR}, points=[partial, failed, untagged])
    )
    assert lag.missing == 0
    [lag] = copy_lag(inputs(tagged=[tagged("a")], destinations={DR.key: DR}, points=[point("a", 10)]))
    assert lag.missing == 1


def test_the_copy_tag_narrows_where_a_point_is_expected_and_none_expects_it_nowhere() -> None:
    pinned, local = point("pinned", 10), point("local", 10)
    listed = lags(
        tagged=[
            tagged("pinned", **{"backup-copy-to": "us-west-2"}),
            tagged("local", **{"backup-copy-to": "none"}),
        ],
        destinations=BOTH,
        points=[pinned, local],
    )
    assert (listed[DR.key].missing, listed[VAULT.key].missing) == (1, 0)


def test_points_the_stack_does_not_copy_are_counted_as_skipped_by_why_not_as_missing() -> None:
    continuous = PointFact(
        f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:continuous:rds-1",
        f"arn:aws:rds:{REGION}:{ACCOUNT}:db:orders",
        "RDS",
        "vault",
        NOW - dt.timedelta(hours=10),
    )
    native = PointFact(
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/a/backup/0171",
        table("a"),
        "DynamoDB",
        "vault",
        NOW - dt.timedelta(hours=10),
    )
    managed = point("a", 12)  # an AWS Backup recovery point: copied with advanced DynamoDB backup
    rds = TaggedResource(continuous.resource_arn, {"backup-plan": "daily"})
    [lag] = copy_lag(
        inputs(tagged=[tagged("a"), rds], destinations={DR.key: DR}, points=[continuous, native, managed])
    )
    assert lag.missing == 1
    assert lag.skipped == {SkipReason.CONTINUOUS.value: 1, SkipReason.DYNAMODB_NOT_ADVANCED.value: 1}


def test_a_point_is_never_expected_where_it_already_is() -> None:
    here = Destination(ACCOUNT, REGION, f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:local")
    listed = lags(tagged=[tagged("a")], destinations={here.key: here, DR.key: DR}, points=[point("a", 10)])
    assert (listed[here.key].missing, listed[DR.key].missing) == (0, 1)


def test_a_snapshot_not_copied_to_another_account_is_missing_whatever_its_key() -> None:
    volume = f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-1"
    snapshot = PointFact(
        f"arn:aws:ec2:{REGION}::snapshot/snap-1", volume, "EBS", "vault", NOW - dt.timedelta(hours=10)
    )
    [lag] = copy_lag(
        inputs(
            tagged=[TaggedResource(volume, {"backup-plan": "daily"})],
            destinations={VAULT.key: VAULT},
            points=[snapshot],
        )
    )
    assert (lag.missing, lag.skipped) == (1, {})


def test_skipped_points_of_the_same_reason_add_up() -> None:
    natives = [
        PointFact(
            f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/a/backup/{n}",
            table("a"),
            "DynamoDB",
            "vault",
            NOW - dt.timedelta(hours=10 + n),
        )
        for n in range(3)
    ]
    [lag] = copy_lag(inputs(tagged=[tagged("a")], destinations={DR.key: DR}, points=natives))
    assert (lag.missing, lag.skipped) == (0, {SkipReason.DYNAMODB_NOT_ADVANCED.value: 3})
