"""The first on-demand restore test of an opted-in resource: which tag values opt in or out, which
resources are testable, what is restored where (a new resource under the test's name, with the
stack's overrides), what the state table remembers at each step, and the replays that start nothing
new (a job already started, our own target found after a crash)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from backup_autopilot.logic.resources import ResourceRef, parse_resource_arn
from backup_autopilot.logic.restore_tests.facts import OnDemandTest
from backup_autopilot.logic.restore_tests.first_test import (
    TESTABLE_TYPES,
    FirstTester,
    LatestPoint,
    metadata_overrides,
    on_demand_metadata,
    restore_test_wanted,
    wants_first_test,
)
from backup_autopilot.logic.restore_tests.names import target_name
from tests.unit.logic.test_restore_first_test_and_sweep import FakeFirstState, FakeStarter

SOURCE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
POINT = LatestPoint("arn:aws:backup:us-east-1:123456789012:recovery-point:rp-1", "primary")
TAG = "backup-restore-test"


def _resource(arn: str = SOURCE) -> ResourceRef:
    resource = parse_resource_arn(arn)
    assert resource is not None
    return resource


@dataclass
class RecordingStarter(FakeStarter):
    """FakeStarter that also keeps every StartRestoreJob call and what the state said at that moment."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    state: FakeFirstState | None = None

    def start_restore(
        self, *, point: LatestPoint, resource_type: str, metadata: dict[str, str], token: str
    ) -> str:
        marked = dict(self.state.first.get(SOURCE, {})) if self.state else {}
        self.calls.append(
            {"point": point, "type": resource_type, "metadata": metadata, "token": token, "marked": marked}
        )
        return super().start_restore(point=point, resource_type=resource_type, metadata=metadata, token=token)


def _tester(
    overrides: dict[str, dict[str, str]] | None = None, point: LatestPoint | None = POINT
) -> tuple[FirstTester, RecordingStarter, FakeFirstState]:
    state = FakeFirstState()
    starter = RecordingStarter(point=point, state=state)
    return FirstTester(starter=starter, state=state, overrides=overrides or {}), starter, state


# -- the tag --------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["on", "true", "yes", "ON", " Yes ", "True"])
def test_on_true_or_yes_in_any_case_opts_in_whatever_the_default(value: str) -> None:
    assert restore_test_wanted({TAG: value}, TAG, default_on=False) is True


@pytest.mark.parametrize("value", ["off", "false", "no", "OFF", " No ", "False"])
def test_off_false_or_no_in_any_case_opts_out_whatever_the_default(value: str) -> None:
    assert restore_test_wanted({TAG: value}, TAG, default_on=True) is False


@pytest.mark.parametrize("tags", [{}, {TAG: ""}, {TAG: "maybe"}, {"other": "on"}])
def test_no_clear_answer_follows_the_stacks_default(tags: dict[str, str]) -> None:
    assert restore_test_wanted(tags, TAG, default_on=True) is True
    assert restore_test_wanted(tags, TAG, default_on=False) is False


def test_a_protected_resource_under_a_default_on_stack_earns_a_first_test_when_its_tag_changes() -> None:
    tags = {"backup-plan": "daily"}
    assert wants_first_test([TAG], tags, tag_key=TAG, plan_tag_key="backup-plan", default_on=True)
    assert not wants_first_test([TAG], tags, tag_key=TAG, plan_tag_key="backup-plan", default_on=False)


# -- what is restored where -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resource_type", "key"),
    [("DynamoDB", "targetTableName"), ("RDS", "DBInstanceIdentifier"), ("Aurora", "dbClusterIdentifier")],
)
def test_a_named_restore_goes_into_the_tests_name(resource_type: str, key: str) -> None:
    inferred = {key: "orders", "KmsKeyId": "alias/orders"}
    assert on_demand_metadata(resource_type, inferred, "bap-rt-orders-1", {}) == {
        key: "bap-rt-orders-1",
        "KmsKeyId": "alias/orders",
    }


@pytest.mark.parametrize("resource_type", ["EBS", "EC2", "FSx"])
def test_types_aws_names_itself_keep_the_inferred_metadata(resource_type: str) -> None:
    inferred = {"encrypted": "true", "volumeType": "gp3"}
    assert on_demand_metadata(resource_type, inferred, "bap-rt-x", {}) == inferred


def test_the_inferred_metadata_is_not_changed_in_place() -> None:
    inferred = {"targetTableName": "orders"}
    on_demand_metadata("DynamoDB", inferred, "bap-rt-orders-1", {"x": "y"})
    assert inferred == {"targetTableName": "orders"}


def test_overrides_replace_the_inferred_values_but_empty_ones_are_not_set() -> None:
    inferred = {"DBSubnetGroupName": "default", "AvailabilityZone": "us-east-1a"}
    metadata = on_demand_metadata(
        "RDS", inferred, "bap-rt-db-1", {"DBSubnetGroupName": "private", "AvailabilityZone": "", "Extra": ""}
    )
    assert metadata == {
        "DBSubnetGroupName": "private",
        "AvailabilityZone": "us-east-1a",
        "DBInstanceIdentifier": "bap-rt-db-1",
    }


def test_the_stacks_overrides_per_type() -> None:
    def overrides(resource_type: str) -> dict[str, str]:
        return metadata_overrides(
            resource_type, subnet_id="subnet-1", db_subnet_group="private-dbs", availability_zone="us-east-1b"
        )

    assert overrides("EC2") == {"SubnetId": "subnet-1"}
    assert overrides("RDS") == {"DBSubnetGroupName": "private-dbs"}
    assert overrides("Aurora") == {"dbSubnetGroupName": "private-dbs"}
    assert overrides("EBS") == {"availabilityZone": "us-east-1b"}
    assert overrides("DynamoDB") == {} and overrides("S3") == {}


# -- the tester -----------------------------------------------------------------------------------
def test_only_the_types_aws_restore_testing_supports_are_tested() -> None:
    assert {"DynamoDB", "S3", "EBS", "EC2", "RDS", "Aurora", "EFS", "FSx"} == TESTABLE_TYPES
    tester, starter, state = _tester()
    volume = "arn:aws:storagegateway:us-east-1:123456789012:gateway/sgw-1/volume/vol-1"
    result = tester.start(_resource(volume))
    assert result == {"outcome": "Ignored", "reason": "Storage Gateway is not restore-testable"}
    assert state.first == {} and starter.calls == []


def test_a_first_test_restores_the_latest_point_into_a_new_resource_and_remembers_it() -> None:
    tester, starter, state = _tester(overrides={"DynamoDB": {"encryptionType": "KMS"}, "RDS": {"x": "y"}})
    result = tester.start(_resource())
    target = target_name("DynamoDB", "orders", POINT.arn)
    [call] = starter.calls
    assert result == {"outcome": "Started", "restore_job_id": "R1", "target": target}
    assert (call["point"], call["type"]) == (POINT, "DynamoDB")
    # the inferred metadata, restored under the test's name, with this type's overrides only
    assert call["metadata"] == {"targetTableName": target, "encryptionType": "KMS"}
    # the state said "starting" (with the target) before the job was started: a crash is replayable
    assert call["marked"] == {"status": "starting", "target": target}
    assert state.remembered == [OnDemandTest("R1", SOURCE, target, POINT.arn)]
    assert state.first[SOURCE] == {"status": "started", "target": target, "job_id": "R1"}


def test_the_idempotency_token_is_the_points_so_a_replay_finds_the_same_job() -> None:
    first, first_starter, _ = _tester()
    first.start(_resource())
    again, again_starter, _ = _tester()
    again.start(_resource())
    other, other_starter, _ = _tester(point=LatestPoint(POINT.arn + "-2", "primary"))
    other.start(_resource())
    assert first_starter.calls[0]["token"] == again_starter.calls[0]["token"]
    assert other_starter.calls[0]["token"] != first_starter.calls[0]["token"]


def test_a_started_test_is_not_started_again() -> None:
    tester, starter, state = _tester()
    state.first[SOURCE] = {"status": "started", "target": "bap-rt-orders-x", "job_id": "R7"}
    assert tester.start(_resource()) == {"outcome": "AlreadyStarted", "restore_job_id": "R7"}
    assert starter.calls == []


def test_a_resource_that_waited_for_its_first_backup_is_tested_once_it_has_one() -> None:
    tester, starter, state = _tester()
    state.first[SOURCE] = {"status": "waiting-for-backup"}
    assert tester.start(_resource())["outcome"] == "Started" and len(starter.calls) == 1


def test_without_a_recovery_point_the_test_waits_and_says_why() -> None:
    tester, starter, state = _tester(point=None)
    assert tester.start(_resource()) == {
        "outcome": "Waiting",
        "reason": "no recovery point yet: the test follows the first backup",
    }
    assert state.first[SOURCE] == {"status": "waiting-for-backup"} and starter.calls == []


def test_a_replay_after_a_crash_finds_its_own_target_and_starts_the_same_job() -> None:
    # GIVEN a first run that marked "starting" and started the job, then crashed before recording it
    target = target_name("DynamoDB", "orders", POINT.arn)
    tester, starter, state = _tester()
    state.first[SOURCE] = {"status": "starting", "target": target}
    starter.taken.add(target)  # our own restore holds the name
    # WHEN the event is replayed
    result = tester.start(_resource())
    # THEN the same job is asked for again (the token returns it), not skipped as someone else's
    assert result == {"outcome": "Started", "restore_job_id": "R1", "target": target}
    assert state.first[SOURCE]["job_id"] == "R1"


def test_a_name_taken_by_something_else_is_skipped_and_says_which() -> None:
    target = target_name("DynamoDB", "orders", POINT.arn)
    tester, starter, state = _tester()
    state.first[SOURCE] = {"status": "starting", "target": "bap-rt-another-name"}
    starter.taken.add(target)
    assert tester.start(_resource()) == {"outcome": "Skipped", "reason": f"{target} already exists"}
    assert starter.calls == [] and state.remembered == []
    assert state.first[SOURCE] == {"status": "starting", "target": "bap-rt-another-name"}


@dataclass
class AskedStarter(RecordingStarter):
    """A starter that knows only the source's latest point and says what it was asked."""

    points_asked: list[str] = field(default_factory=list)
    names_asked: list[tuple[str, str]] = field(default_factory=list)
    metadata_asked: list[LatestPoint] = field(default_factory=list)

    def latest_point(self, resource_arn: str) -> LatestPoint | None:
        self.points_asked.append(resource_arn)
        return POINT if resource_arn == SOURCE else None

    def name_taken(self, resource_type: str, name: str) -> bool:
        self.names_asked.append((resource_type, name))
        return super().name_taken(resource_type, name)

    def inferred_metadata(self, point: LatestPoint) -> dict[str, str]:
        self.metadata_asked.append(point)
        return super().inferred_metadata(point)


def test_the_resources_own_latest_point_is_restored_under_a_name_checked_for_its_type() -> None:
    state = FakeFirstState()
    starter = AskedStarter(state=state)
    tester = FirstTester(starter=starter, state=state, overrides={})
    result = tester.start(_resource())
    target = target_name("DynamoDB", "orders", POINT.arn)
    assert result["outcome"] == "Started"
    assert starter.points_asked == [SOURCE]
    assert starter.names_asked == [("DynamoDB", target)]
    assert starter.metadata_asked == [POINT]
