"""Tag-driven protection decisions and their application, with in-memory fakes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backup_autopilot.logic.protection import (
    COVERED_BY_TAG,
    RESTORE_TEST_MARKER,
    Outcome,
    Plan,
    Protector,
    decide_tag_change,
)
from backup_autopilot.logic.resources import parse_resource_arn
from backup_autopilot.logic.tokens import TOKEN_LENGTH, backup_token, window_start
from tests.conftest import scaled
from tests.fakes import FakeBackup, FakeEvents, FakeResources

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
BUCKET = "arn:aws:s3:::invoices"
VOLUME = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"
INSTANCE = "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"
PLANS = {
    alias: Plan(
        alias,
        f"id-{alias}",
        f"arn:aws:backup:us-east-1:123456789012:backup-plan:id-{alias}",
        "primary",
        f"{alias}-rule",
        {"DeleteAfterDays": 35},
        dt.timedelta(days=days),
    )
    for alias, days in (("daily", 1), ("weekly", 7), ("monthly", 31))
}


def _decide(arn: str, tags: dict[str, str], changed: list[str] | None = None):
    return decide_tag_change(
        resource_arn=arn,
        changed_keys=changed or ["backup-plan"],
        tags=tags,
        plan_tag_key="backup-plan",
        plans=PLANS,
    )


def _protector(**kwargs: object) -> tuple[Protector, FakeBackup, FakeResources, FakeEvents]:
    backup, resources, events = FakeBackup(), FakeResources(), FakeEvents()
    protector = Protector(backup, resources, events, "backup-plan", **kwargs)  # type: ignore[arg-type]
    return protector, backup, resources, events


@pytest.mark.parametrize("value", ["Daily", "daily ", "dayly", "gold"])
def test_mistyped_plan_is_rejected_loudly_naming_valid_plans(value: str) -> None:
    decision = _decide(TABLE, {"backup-plan": value})
    protector, backup, _, events = _protector()
    result = protector.apply(decision, now=NOW)
    assert result.outcome is Outcome.REJECTED
    assert backup.started == []
    [(detail_type, detail)] = events.published
    assert detail_type == "Assignment Rejected"
    assert detail["valid_plans"] == ["daily", "monthly", "weekly"]
    assert value in detail["summary"]
    if value.strip().lower().startswith("da"):
        assert "did you mean 'daily'" in detail["fix"]


def test_valid_tag_starts_first_backup_with_deterministic_token() -> None:
    protector, backup, _, events = _protector()
    result = protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW)
    assert result.outcome is Outcome.PROTECTED and result.backup_job_id == "job-1"
    assert backup.started == [
        (TABLE, "daily", backup_token(TABLE, "id-daily", window_start(NOW, dt.timedelta(days=1))))
    ]
    assert events.published[0][0] == "Resource Protected"


def test_three_deliveries_in_one_window_start_one_job() -> None:
    protector, backup, _, _ = _protector()
    for minutes in (0, 5, 50):
        protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW + dt.timedelta(minutes=minutes))
    assert len(backup.started) == 1


def test_recent_backup_means_no_new_job() -> None:
    protector, backup, _, _ = _protector()
    backup.latest[TABLE] = NOW - dt.timedelta(hours=3)
    result = protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW)
    assert result.outcome is Outcome.PROTECTED and result.backup_job_id is None and backup.started == []


def test_weekly_plan_counts_a_three_day_old_backup_as_recent() -> None:
    protector, backup, _, _ = _protector()
    backup.latest[TABLE] = NOW - dt.timedelta(days=3)
    protector.apply(_decide(TABLE, {"backup-plan": "weekly"}), now=NOW)
    assert backup.started == []


def test_removed_tag_emits_protection_removed_warning() -> None:
    protector, backup, _, events = _protector()
    result = protector.apply(_decide(TABLE, {"team": "x"}), now=NOW)
    assert result.outcome is Outcome.REMOVED
    [(detail_type, detail)] = events.published
    assert detail_type == "Protection Removed" and detail["removed_at"] == NOW.isoformat()
    assert backup.started == []


def test_unrelated_tag_change_is_ignored_without_events() -> None:
    protector, backup, _, events = _protector()
    result = protector.apply(_decide(TABLE, {"backup-plan": "daily", "team": "x"}, changed=["team"]), now=NOW)
    assert result.outcome is Outcome.IGNORED and events.published == [] and backup.started == []


@pytest.mark.parametrize(
    ("arn", "tags"),
    [
        (TABLE, {"backup-plan": "daily", RESTORE_TEST_MARKER: "run-1"}),
        ("arn:aws:dynamodb:us-east-1:123456789012:table/bap-rt-run1-0", {"backup-plan": "daily"}),
        # what AWS's restore testing restored (its tag, its names), even with the source's tags
        (TABLE, {"backup-plan": "daily", "awsbackup-restore-test": "4E1C"}),
        (f"{TABLE.rsplit('/', 1)[0]}/awsbackup-restore-test-5c1d", {"backup-plan": "daily"}),
        ("arn:aws:rds:us-east-1:123456789012:db:awsbackup-restore-test-5c1d", {"backup-plan": "daily"}),
        ("arn:aws:s3:::awsbackup-restore-test-5c1d", {"backup-plan": "weekly"}),
    ],
)
def test_restore_test_resources_are_never_enrolled(arn: str, tags: dict[str, str]) -> None:
    protector, backup, _, events = _protector()
    assert protector.apply(_decide(arn, tags), now=NOW).outcome is Outcome.IGNORED
    assert backup.started == [] and events.published == []


def test_not_opted_in_type_is_rejected_with_the_fix() -> None:
    protector, backup, _, events = _protector()
    backup.opted["DynamoDB"] = False
    result = protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW)
    assert result.outcome is Outcome.REJECTED and backup.started == []
    assert "AllowOptIn" in events.published[0][1]["fix"]


def test_not_opted_in_type_is_opted_in_when_the_stack_allows() -> None:
    protector, backup, _, _ = _protector(allow_opt_in=True)
    backup.opted["DynamoDB"] = False
    result = protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW)
    assert result.outcome is Outcome.PROTECTED and backup.opted["DynamoDB"] and len(backup.started) == 1


def test_bucket_without_versioning_is_rejected() -> None:
    protector, backup, resources, events = _protector()
    resources.versioning["invoices"] = False
    assert protector.apply(_decide(BUCKET, {"backup-plan": "daily"}), now=NOW).outcome is Outcome.REJECTED
    assert "enable versioning" in events.published[0][1]["fix"] and backup.started == []


def test_volume_of_an_instance_on_the_same_plan_is_protected_once_through_the_instance() -> None:
    protector, backup, resources, events = _protector()
    resources.volume_owner[VOLUME] = (INSTANCE, {"backup-plan": "daily"})
    result = protector.apply(_decide(VOLUME, {"backup-plan": "daily"}), now=NOW)
    assert result.outcome is Outcome.PROTECTED and backup.started == []
    assert resources.tagged == [(VOLUME, {COVERED_BY_TAG: INSTANCE})]
    assert events.published[0][1]["warnings"]


def test_unsupported_resource_is_rejected() -> None:
    protector, _, _, events = _protector()
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    assert protector.apply(_decide(arn, {"backup-plan": "daily"}), now=NOW).outcome is Outcome.REJECTED
    assert "cannot protect" in events.published[0][1]["summary"]


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        (TABLE, "DynamoDB"),
        (BUCKET, "S3"),
        (VOLUME, "EBS"),
        (INSTANCE, "EC2"),
        ("arn:aws:rds:us-east-1:123456789012:db:orders", "RDS"),
        ("arn:aws:rds:us-east-1:123456789012:cluster:orders", "Aurora"),
        ("arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123", "EFS"),
        ("arn:aws:fsx:us-east-1:123456789012:file-system/fs-0123456789abcdef0", "FSx"),
        (
            "arn:aws:storagegateway:us-east-1:123456789012:gateway/sgw-12A3456B/volume/vol-1122AABB",
            "Storage Gateway",
        ),
    ],
)
def test_every_supported_type_is_recognised(arn: str, expected: str) -> None:
    ref = parse_resource_arn(arn)
    assert ref is not None and ref.resource_type == expected


@pytest.mark.fuzz
@settings(max_examples=scaled(500), deadline=None)
@given(arn=st.text(max_size=120), value=st.text(max_size=20))
def test_any_arn_and_value_never_raise_and_only_valid_plans_protect(arn: str, value: str) -> None:
    decision = _decide(arn, {"backup-plan": value})
    assert decision.outcome in set(Outcome)
    if decision.outcome is Outcome.PROTECTED:
        assert value in PLANS and parse_resource_arn(arn) is not None


def test_tokens_are_bounded_and_window_stable() -> None:
    window = window_start(NOW, dt.timedelta(days=1))
    assert window == dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    assert len(backup_token(TABLE, "p", window)) == TOKEN_LENGTH
    assert backup_token(TABLE, "p", window) != backup_token(TABLE, "p", window + dt.timedelta(days=1))


def test_resource_deleted_after_its_tag_event_is_ignored() -> None:
    from backup_autopilot.logic.protection import ResourceGone

    class GoneBackup(FakeBackup):
        def latest_backup(self, resource_arn: str) -> dt.datetime | None:
            raise ResourceGone(resource_arn)

    events = FakeEvents()
    protector = Protector(GoneBackup(), FakeResources(), events, "backup-plan")
    result = protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW)
    assert result.outcome is Outcome.IGNORED and events.published == []


def _handle(event_tags: dict[str, str], now_tags: dict[str, str], changed: list[str] | None = None):
    from backup_autopilot.logic.protection import handle_tag_change

    protector, backup, _, events = _protector()
    result = handle_tag_change(
        resource_arn=TABLE,
        changed_keys=changed or ["backup-plan"],
        event_tags=event_tags,
        tags_now=lambda arn: now_tags,
        plans=lambda refresh: PLANS,
        protector=protector,
        now=NOW,
    )
    return result, backup, events


def test_an_added_tag_that_is_gone_now_is_a_stale_event_and_does_nothing() -> None:
    result, backup, events = _handle({"backup-plan": "daily"}, {})
    assert result.outcome is Outcome.IGNORED and "stale" in result.detail
    assert backup.started == [] and events.published == []


def test_a_removal_event_for_a_tag_that_is_back_does_not_cry_wolf() -> None:
    result, _, events = _handle({}, {"backup-plan": "daily"})
    assert result.outcome is Outcome.IGNORED and events.published == []


def test_the_current_value_wins_over_the_events() -> None:
    # the event says "Daily" (a typo), the resource has been corrected to "weekly" since
    result, backup, events = _handle({"backup-plan": "Daily"}, {"backup-plan": "weekly"})
    assert result.outcome is Outcome.PROTECTED and backup.started[0][1] == "weekly"
    assert [e[0] for e in events.published] == ["Resource Protected"]


def test_a_forged_event_for_an_untagged_resource_starts_nothing() -> None:
    result, backup, _ = _handle({"backup-plan": "daily"}, {"team": "x"})
    assert result.outcome is Outcome.IGNORED and backup.started == []


def test_a_plan_created_just_before_the_tag_is_found_by_one_refresh() -> None:
    from backup_autopilot.logic.protection import handle_tag_change

    fresh = Plan("frequent", "id-f", "arn:aws:backup:us-east-1:123456789012:backup-plan:id-f", "primary", "r")
    reads: list[bool] = []

    def plans(refresh: bool) -> dict[str, Plan]:
        reads.append(refresh)
        return {**PLANS, "frequent": fresh} if refresh else dict(PLANS)  # the cache predates the plan

    protector, backup, _, _ = _protector()
    result = handle_tag_change(
        resource_arn=TABLE,
        changed_keys=["backup-plan"],
        event_tags={"backup-plan": "frequent"},
        tags_now=lambda arn: {"backup-plan": "frequent"},
        plans=plans,
        protector=protector,
        now=NOW,
    )
    assert result.outcome is Outcome.PROTECTED and backup.started[0][1] == "frequent"
    assert reads == [False, True]
