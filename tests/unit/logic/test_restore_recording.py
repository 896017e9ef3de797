"""What a restore test compares against is recorded when a backup completes: only for a completed
backup of an opted-in resource that still exists, kept as long as its recovery point, and a resource
waiting for its first test gets it then."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from backup_autopilot.logic.restore_tests.facts import ResourceFacts
from backup_autopilot.logic.restore_tests.recording import (
    FACTS_DAYS,
    CompletedBackup,
    SourceRecorder,
    item_digest,
)
from tests.unit.logic.test_restore_first_test_and_sweep import FakeStarter, _tester

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
POINT = "arn:aws:backup:us-east-1:123456789012:recovery-point:P1"
CREATED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TAG = "backup-restore-test"


@dataclass
class FakeInspector:
    tags: dict[str, str]
    exists: bool = True
    asked: list[tuple[str, str, dt.datetime | None]] = field(default_factory=list)

    def source_facts(self, resource_type: str, arn: str, as_of: dt.datetime | None) -> ResourceFacts:
        self.asked.append((resource_type, arn, as_of))
        return ResourceFacts(resource_type, arn, exists=self.exists, item_count=120)

    def tags_now(self, arn: str) -> dict[str, str]:
        return dict(self.tags)


@dataclass
class FakeState:
    waiting: dict[str, dict[str, Any]] = field(default_factory=dict)
    saved: list[tuple[str, ResourceFacts, int]] = field(default_factory=list)

    def save_source_facts(self, recovery_point_arn: str, facts: ResourceFacts, keep_days: int) -> None:
        self.saved.append((recovery_point_arn, facts, keep_days))

    def first_test(self, resource_arn: str) -> dict[str, Any] | None:
        return self.waiting.get(resource_arn)


@dataclass
class FakeJobs:
    job: CompletedBackup | None

    def completed_backup(self, job_id: str) -> CompletedBackup | None:
        return self.job if self.job is None or job_id == self.job.job_id else None


def _job(state: str = "COMPLETED", point: str | None = POINT, keep_days: int | None = 35) -> CompletedBackup:
    return CompletedBackup("J1", state, TABLE, point, CREATED, keep_days)


def _recorder(
    tags: dict[str, str], *, exists: bool = True, default_on: bool = False
) -> tuple[SourceRecorder, FakeInspector, FakeState, FakeStarter]:
    inspector, state = FakeInspector(tags, exists), FakeState()
    tester, starter, _ = _tester()
    recorder = SourceRecorder(
        inspector=inspector, state=state, first_tests=tester, tag_key=TAG, default_on=default_on
    )
    return recorder, inspector, state, starter


def test_an_opted_in_resource_has_its_facts_recorded_for_as_long_as_its_point_is_kept() -> None:
    recorder, inspector, state, starter = _recorder({TAG: "on"})
    result = recorder.job_completed(FakeJobs(_job()), "J1")
    assert result == {"outcome": "Recorded", "recovery_point": POINT}
    assert inspector.asked == [("DynamoDB", TABLE, CREATED)]  # as of the backup's start
    [(point, facts, days)] = state.saved
    assert (point, facts.item_count, days) == (POINT, 120, 35)
    assert starter.started == []


def test_the_job_named_by_the_event_is_the_one_read() -> None:
    recorder, _, state, _ = _recorder({TAG: "on"})
    assert recorder.job_completed(FakeJobs(_job()), "J2")["outcome"] == "Ignored"  # not J1's record
    assert state.saved == []


def test_a_point_kept_indefinitely_keeps_its_facts_for_the_longest_window() -> None:
    recorder, _, state, _ = _recorder({TAG: "on"})
    recorder.job_completed(FakeJobs(_job(keep_days=None)), "J1")
    assert state.saved[0][2] == FACTS_DAYS


@pytest.mark.parametrize(
    ("job", "reason"),
    [
        (None, "the job is not a completed backup"),
        (_job(state="FAILED"), "the job is not a completed backup"),
        (_job(state="RUNNING"), "the job is not a completed backup"),
        (_job(point=None), "the job is not a completed backup"),
    ],
)
def test_anything_but_a_completed_backup_with_its_point_records_nothing(
    job: CompletedBackup | None, reason: str
) -> None:
    recorder, inspector, state, _ = _recorder({TAG: "on"})
    assert recorder.job_completed(FakeJobs(job), "J1") == {"outcome": "Ignored", "reason": reason}
    assert inspector.asked == [] and state.saved == []


@pytest.mark.parametrize(
    ("tags", "default_on", "recorded"),
    [
        ({}, False, False),
        ({TAG: "off"}, True, False),
        ({}, True, True),
        ({TAG: "on"}, False, True),
    ],
)
def test_only_resources_opted_in_are_read(tags: dict[str, str], default_on: bool, recorded: bool) -> None:
    recorder, inspector, state, _ = _recorder(tags, default_on=default_on)
    result = recorder.job_completed(FakeJobs(_job()), "J1")
    assert (result["outcome"] == "Recorded") is recorded
    assert bool(state.saved) is recorded and bool(inspector.asked) is recorded
    if not recorded:
        assert result == {"outcome": "Ignored", "reason": "not opted in to restore tests"}


def test_a_resource_gone_since_its_backup_records_nothing() -> None:
    recorder, _, state, _ = _recorder({TAG: "on"}, exists=False)
    result = recorder.job_completed(FakeJobs(_job()), "J1")
    assert result == {"outcome": "Ignored", "reason": "the resource no longer exists"}
    assert state.saved == []


def test_an_arn_aws_backup_does_not_protect_is_ignored() -> None:
    recorder, inspector, _, _ = _recorder({TAG: "on"})
    result = recorder.backup_completed(
        resource_arn="arn:aws:sqs:us-east-1:123456789012:q",
        recovery_point_arn=POINT,
        created=None,
        keep_days=1,
    )
    assert result == {"outcome": "Ignored", "reason": "not a resource type AWS Backup protects"}
    assert inspector.asked == []


def test_a_resource_waiting_for_its_first_backup_gets_its_first_test_now() -> None:
    recorder, _, state, starter = _recorder({TAG: "on"})
    state.waiting[TABLE] = {"status": "waiting-for-backup"}
    result = recorder.job_completed(FakeJobs(_job()), "J1")
    assert result["first_test"]["outcome"] == "Started" and len(starter.started) == 1


def test_a_first_test_in_another_state_is_not_started_again() -> None:
    recorder, _, state, starter = _recorder({TAG: "on"})
    state.waiting[TABLE] = {"status": "started"}
    result = recorder.job_completed(FakeJobs(_job()), "J1")
    assert "first_test" not in result and starter.started == []


def test_an_items_digest_is_stable_and_tells_items_apart() -> None:
    item = {"pk": {"S": "a"}, "n": {"N": "1"}, "when": CREATED}
    assert item_digest(item) == item_digest(dict(reversed(list(item.items()))))
    assert item_digest(item) != item_digest({**item, "n": {"N": "2"}})
    assert len(item_digest(item)) == 32


def test_the_opt_in_is_read_from_the_backed_up_resources_own_tags() -> None:
    # GIVEN only the table itself carries the opt-in (another resource says nothing)
    recorder, inspector, state, _ = _recorder({})

    def tags_of(arn: str) -> dict[str, str]:
        return {TAG: "on"} if arn == TABLE else {}

    inspector.tags_now = tags_of  # type: ignore[method-assign]
    assert recorder.job_completed(FakeJobs(_job()), "J1")["outcome"] == "Recorded"
    assert [point for point, _, _ in state.saved] == [POINT]
