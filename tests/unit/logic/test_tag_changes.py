"""One tag change, both decisions: protection from the plan tag and a first restore test from the
restore-test tag, each taken on the tags as they are now (read once), never on the event's copy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from backup_autopilot.logic.protection import Outcome
from backup_autopilot.logic.tag_changes import TagChanges
from tests.unit.logic.test_protection import NOW, PLANS, TABLE, _protector
from tests.unit.logic.test_restore_first_test_and_sweep import FakeStarter, _tester

if TYPE_CHECKING:
    from collections.abc import Mapping

    from backup_autopilot.logic.protection import Plan
    from tests.fakes import FakeBackup, FakeEvents

PLAN = "backup-plan"
RESTORE = "backup-restore-test"


@dataclass
class FakeTags:
    now: dict[str, str]
    reads: list[tuple[str, str | None]] = field(default_factory=list)

    def tags_now(self, resource_arn: str, region: str | None) -> dict[str, str]:
        self.reads.append((resource_arn, region))
        return dict(self.now)


def _changes(
    tags: dict[str, str], *, default_on: bool = False
) -> tuple[TagChanges, FakeBackup, FakeEvents, FakeStarter, FakeTags]:
    protector, backup, _, events = _protector()
    tester, starter, _ = _tester()
    fake_tags = FakeTags(tags)

    def plans(refresh: bool) -> Mapping[str, Plan]:
        return PLANS

    changes = TagChanges(
        tags=fake_tags,
        plans=plans,
        protector=protector,
        first_tests=tester,
        restore_test_tag_key=RESTORE,
        restore_test_default_on=default_on,
    )
    return changes, backup, events, starter, fake_tags


def _handle(changes: TagChanges, changed: list[str], event_tags: dict[str, str]) -> dict[str, object]:
    return changes.handle(
        resource_arn=TABLE, region="us-east-1", changed_keys=changed, event_tags=event_tags, now=NOW
    )


def test_a_plan_tag_protects_with_the_tags_read_now_and_starts_no_restore_test() -> None:
    changes, backup, events, starter, tags = _changes({PLAN: "daily"})
    result = _handle(changes, [PLAN], {PLAN: "daily"})
    assert result["outcome"] == Outcome.PROTECTED.value and result["backup_job_id"] == "job-1"
    assert result["first_test"] is None and starter.started == []
    assert tags.reads == [(TABLE, "us-east-1")]  # read once, in the event's Region
    assert [t for t, _ in events.published] == ["Resource Protected"]
    assert len(backup.started) == 1


def test_the_tags_now_win_over_the_events_copy() -> None:
    # the event says daily, but the tag was removed since: nothing is protected on a stale event
    changes, backup, _, _, _ = _changes({})
    result = _handle(changes, [PLAN], {PLAN: "daily"})
    assert result["outcome"] != Outcome.PROTECTED.value
    assert backup.started == []


def test_opting_in_a_protected_resource_starts_its_first_restore_test() -> None:
    changes, _, _, starter, _ = _changes({PLAN: "daily", RESTORE: "on"})
    result = _handle(changes, [RESTORE], {PLAN: "daily", RESTORE: "on"})
    first = result["first_test"]
    assert isinstance(first, dict) and first["outcome"] == "Started"
    assert len(starter.started) == 1


def test_opting_in_without_a_plan_tag_starts_no_restore_test() -> None:
    changes, _, _, starter, _ = _changes({RESTORE: "on"})
    result = _handle(changes, [RESTORE], {RESTORE: "on"})
    assert result["first_test"] is None and starter.started == []


def test_a_plan_tag_change_alone_does_not_start_a_restore_test_even_when_on_by_default() -> None:
    changes, _, _, starter, _ = _changes({PLAN: "daily"}, default_on=True)
    result = _handle(changes, [PLAN], {PLAN: "daily"})
    assert result["first_test"] is None and starter.started == []


def test_removing_the_opt_out_when_every_resource_is_tested_starts_a_first_test() -> None:
    changes, _, _, starter, _ = _changes({PLAN: "daily"}, default_on=True)
    result = _handle(changes, [RESTORE], {PLAN: "daily"})
    assert isinstance(result["first_test"], dict) and len(starter.started) == 1
    changes, _, _, starter, _ = _changes({PLAN: "daily"}, default_on=False)
    assert _handle(changes, [RESTORE], {PLAN: "daily"})["first_test"] is None and starter.started == []


def test_opting_out_starts_no_restore_test() -> None:
    changes, _, _, starter, _ = _changes({PLAN: "daily", RESTORE: "off"}, default_on=True)
    result = _handle(changes, [RESTORE], {PLAN: "daily", RESTORE: "off"})
    assert result["first_test"] is None and starter.started == []


def test_the_result_carries_the_decisions_detail_and_warnings() -> None:
    changes, _, _, _, _ = _changes({PLAN: "gold"})
    result = _handle(changes, [PLAN], {PLAN: "gold"})
    assert result["outcome"] == Outcome.REJECTED.value
    assert set(result) == {"outcome", "detail", "backup_job_id", "warnings", "first_test"}
    assert result["backup_job_id"] is None and isinstance(result["warnings"], list)
