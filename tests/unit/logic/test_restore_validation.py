"""One restore job from its event to a verdict, with fakes: only the stack's tests, checked once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from msgspec import structs

from backup_autopilot.logic.restore_tests.facts import OnDemandTest, ResourceFacts, RestoreJob
from backup_autopilot.logic.restore_tests.validation import (
    MESSAGE_LIMIT,
    RESTORE_TEST_FAILED,
    RESTORE_TEST_PASSED,
    RestoreTestResult,
    RestoreTestSettings,
    RestoreValidator,
)
from tests.fakes import FakeEvents

NOW = dt.datetime(2026, 3, 9, 6, 0, tzinfo=dt.UTC)
PLAN = "arn:aws:backup:us-east-1:123456789012:restore-testing-plan:weekly-1"
SOURCE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
RESTORED = "arn:aws:dynamodb:us-east-1:123456789012:table/awsbackup-restore-test-1"
POINT = "arn:aws:backup:us-east-1:123456789012:recovery-point:rp-1"
SOURCE_FACTS = ResourceFacts(
    "DynamoDB",
    SOURCE,
    status="ACTIVE",
    item_count=1000,
    key_schema=("HASH:pk",),
    samples=(('{"pk": {"S": "1"}}', "d1"), ('{"pk": {"S": "2"}}', "d2")),
)


def _job(**overrides: Any) -> RestoreJob:
    values: dict[str, Any] = {
        "job_id": "R1",
        "status": "COMPLETED",
        "resource_type": "DynamoDB",
        "recovery_point_arn": POINT,
        "source_resource_arn": SOURCE,
        "created_resource_arn": RESTORED,
        "creation_date": NOW - dt.timedelta(minutes=12),
        "completion_date": NOW - dt.timedelta(minutes=2),
        "testing_plan_arn": PLAN,
    }
    return RestoreJob(**{**values, **overrides})


@dataclass
class FakeJobs:
    jobs: dict[str, RestoreJob]
    validations: list[tuple[str, str, str]] = field(default_factory=list)

    def describe_restore_job(self, job_id: str) -> RestoreJob | None:
        return self.jobs.get(job_id)

    def put_validation(self, job_id: str, status: str, message: str) -> None:
        self.validations.append((job_id, status, message))


@dataclass
class FakeInspector:
    restored: ResourceFacts
    tags: dict[str, str] = field(default_factory=dict)
    tagged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def restored_facts(self, resource_type: str, arn: str, sample_keys: list[str]) -> ResourceFacts:
        return self.restored

    def tags_now(self, arn: str) -> dict[str, str]:
        return dict(self.tags)

    def tag_test_resource(self, resource_type: str, arn: str, job_id: str) -> None:
        self.tagged.append(arn)

    def delete_test_resource(self, resource_type: str, arn: str) -> None:
        self.deleted.append(arn)


@dataclass
class FakeState:
    facts: dict[str, ResourceFacts] = field(default_factory=dict)
    on_demand: dict[str, OnDemandTest] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)
    results: list[RestoreTestResult] = field(default_factory=list)

    def source_facts(self, recovery_point_arn: str) -> ResourceFacts | None:
        return self.facts.get(recovery_point_arn)

    def on_demand_test(self, job_id: str) -> OnDemandTest | None:
        return self.on_demand.get(job_id)

    def claim_validation(self, job_id: str) -> bool:
        if job_id in self.claimed:
            return False
        self.claimed.add(job_id)
        return True

    def record_result(self, result: RestoreTestResult) -> None:
        self.results.append(result)


@dataclass
class FakeUserChecks:
    answer: tuple[bool, str] = (True, "orders readable")
    calls: list[str] = field(default_factory=list)

    def run(self, function: str, payload: dict[str, Any]) -> tuple[bool, str]:
        self.calls.append(function)
        return self.answer


def _restored(**overrides: Any) -> ResourceFacts:
    values: dict[str, Any] = {
        "resource_type": "DynamoDB",
        "arn": RESTORED,
        "status": "ACTIVE",
        "item_count": 1000,
        "key_schema": ("HASH:pk",),
        "samples": (('{"pk": {"S": "1"}}', "d1"), ('{"pk": {"S": "2"}}', "d2")),
    }
    return ResourceFacts(**{**values, **overrides})


def _validator(
    job: RestoreJob | None = None,
    restored: ResourceFacts | None = None,
    tags: dict[str, str] | None = None,
    state: FakeState | None = None,
    user: FakeUserChecks | None = None,
) -> tuple[RestoreValidator, FakeJobs, FakeInspector, FakeState, FakeEvents]:
    jobs = FakeJobs({"R1": job or _job()})
    inspector = FakeInspector(restored or _restored(), tags or {})
    state = state or FakeState(facts={POINT: SOURCE_FACTS})
    events = FakeEvents()
    validator = RestoreValidator(
        jobs=jobs,
        inspector=inspector,
        state=state,
        events=events,
        user_checks=user or FakeUserChecks(),
        settings=RestoreTestSettings(
            testing_plan_arn=PLAN,
            rto_tag_key="backup-rto-minutes",
            check_tag_key="backup-restore-check",
            check_function_prefix="backup-restore-check-",
            tolerance_percent=1.0,
        ),
    )
    return validator, jobs, inspector, state, events


def test_a_good_restore_passes_once_with_its_rto() -> None:
    validator, jobs, _, state, events = _validator(tags={"backup-rto-minutes": "30"})
    result = validator.handle("R1", now=NOW)
    assert result["outcome"] == RESTORE_TEST_PASSED and result["rto_minutes"] == 10.0
    assert [(j, s) for j, s, _ in jobs.validations] == [("R1", "SUCCESSFUL")]
    assert [e[0] for e in events.published] == [RESTORE_TEST_PASSED]
    assert state.results[0].passed and state.results[0].rto_target == 30.0
    # a duplicate (or late) event validates nothing again
    assert validator.handle("R1", now=NOW)["outcome"] == "AlreadyValidated"
    assert len(jobs.validations) == 1 and len(events.published) == 1


def test_an_empty_restore_fails_with_the_reason() -> None:
    # GIVEN a restore AWS calls COMPLETED whose table holds nothing (KMS: "the job succeeds but ...")
    validator, jobs, _, _, events = _validator(restored=_restored(item_count=0, samples=()))
    result = validator.handle("R1", now=NOW)
    assert result["outcome"] == RESTORE_TEST_FAILED
    assert jobs.validations[0][1] == "FAILED"
    assert "0 items restored, source had 1000" in jobs.validations[0][2]
    assert events.published[0][1]["severity"] == "critical"
    assert any("sampled items" in reason or "missing" in reason for reason in result["reasons"])


def test_rto_over_target_fails_the_test() -> None:
    validator, _, _, _, _ = _validator(tags={"backup-rto-minutes": "5"})
    result = validator.handle("R1", now=NOW)
    assert result["outcome"] == RESTORE_TEST_FAILED
    assert result["reasons"] == ["restored in 10.0 min, target 5 min"]


def test_a_restore_someone_else_started_is_never_touched() -> None:
    # GIVEN a real recovery (no restore testing plan, no on-demand record of the stack)
    validator, jobs, inspector, state, events = _validator(job=_job(testing_plan_arn=None))
    assert validator.handle("R1", now=NOW)["outcome"] == "Ignored"
    assert jobs.validations == [] and events.published == [] and state.results == []
    assert inspector.tagged == [] and inspector.deleted == []
    # ... nor one of another restore testing plan
    validator, jobs, _, _, _ = _validator(job=_job(testing_plan_arn=PLAN + "-other"))
    assert validator.handle("R1", now=NOW)["outcome"] == "Ignored" and jobs.validations == []


def test_a_failed_restore_job_fails_the_test_with_awss_message() -> None:
    job = _job(status="FAILED", status_message="Access denied to KMS key", created_resource_arn=None)
    validator, jobs, _, state, events = _validator(job=job)
    result = validator.handle("R1", now=NOW)
    assert result["outcome"] == RESTORE_TEST_FAILED
    assert result["reasons"] == ["restore job FAILED: Access denied to KMS key"]
    assert jobs.validations == []  # nothing restored: no validation result to put
    assert state.results[0].passed is False and events.published[0][0] == RESTORE_TEST_FAILED


def test_unfinished_jobs_wait() -> None:
    validator, jobs, _, state, _ = _validator(job=_job(status="RUNNING"))
    assert validator.handle("R1", now=NOW)["outcome"] == "Pending"
    assert state.claimed == set() and jobs.validations == []


def test_nothing_recorded_at_backup_time_fails_and_says_so() -> None:
    validator, _, _, _, _ = _validator(state=FakeState())
    result = validator.handle("R1", now=NOW)
    assert result["outcome"] == RESTORE_TEST_FAILED
    assert any("nothing was recorded about the source" in r for r in result["reasons"])


def test_on_demand_tests_are_tagged_validated_and_deleted_by_the_stack() -> None:
    target = "arn:aws:dynamodb:us-east-1:123456789012:table/bap-rt-orders-1a2b3c4d"
    state = FakeState(
        facts={POINT: SOURCE_FACTS},
        on_demand={"R1": OnDemandTest("R1", SOURCE, "bap-rt-orders-1a2b3c4d", POINT)},
    )
    validator, _, inspector, _, _ = _validator(
        job=_job(testing_plan_arn=None, created_resource_arn=target),
        restored=_restored(arn=target),
        state=state,
    )
    result = validator.handle("R1", now=NOW)
    assert result["outcome"] == RESTORE_TEST_PASSED and result["deleted"] is True
    assert inspector.tagged == [target] and inspector.deleted == [target]


def test_the_source_is_never_deleted_even_if_aws_reports_it_as_created() -> None:
    state = FakeState(
        facts={POINT: SOURCE_FACTS}, on_demand={"R1": OnDemandTest("R1", SOURCE, "bap-rt-x", POINT)}
    )
    validator, _, inspector, _, _ = _validator(
        job=_job(testing_plan_arn=None, created_resource_arn=SOURCE), state=state
    )
    validator.handle("R1", now=NOW)
    assert inspector.deleted == []


def test_a_users_check_is_combined_and_only_allowed_functions_run() -> None:
    user = FakeUserChecks(answer=(False, "last order missing"))
    validator, _, _, _, _ = _validator(
        tags={"backup-restore-check": "backup-restore-check-orders"}, user=user
    )
    result = validator.handle("R1", now=NOW)
    assert result["outcome"] == RESTORE_TEST_FAILED and user.calls == ["backup-restore-check-orders"]
    assert "backup-restore-check-orders: last order missing" in result["reasons"]
    # a tag can never make the stack invoke an arbitrary function
    user = FakeUserChecks()
    validator, _, _, _, _ = _validator(tags={"backup-restore-check": "delete-everything"}, user=user)
    result = validator.handle("R1", now=NOW)
    assert user.calls == [] and result["outcome"] == RESTORE_TEST_FAILED


def test_a_failed_deletion_keeps_the_verdict_and_leaves_the_copy_to_the_sweep() -> None:
    # GIVEN an on-demand test whose restored table cannot be deleted now (in use, throttled, ...)
    target = "arn:aws:dynamodb:us-east-1:123456789012:table/bap-rt-orders-1a2b3c4d"
    state = FakeState(
        facts={POINT: SOURCE_FACTS},
        on_demand={"R1": OnDemandTest("R1", SOURCE, "bap-rt-orders-1a2b3c4d", POINT)},
    )
    validator, jobs, inspector, _, events = _validator(
        job=_job(testing_plan_arn=None, created_resource_arn=target),
        restored=_restored(arn=target),
        state=state,
    )

    def refuse(resource_type: str, arn: str) -> None:
        raise RuntimeError("ResourceInUseException: table is being updated")

    inspector.delete_test_resource = refuse  # type: ignore[method-assign]
    # WHEN the validator handles it
    result = validator.handle("R1", now=NOW)
    # THEN the verdict stands (put, recorded, published: the invocation does not fail, so its event
    # is sent) and the deletion is left to the hourly sweep (the result's on-demand record)
    assert result["outcome"] == RESTORE_TEST_PASSED and result["deleted"] is False
    assert "ResourceInUseException" in result["deletion_deferred"]
    assert [s for _, s, _ in jobs.validations] == ["SUCCESSFUL"]
    assert [e[0] for e in events.published] == [RESTORE_TEST_PASSED]
    assert state.results[0].on_demand and state.results[0].restored_arn == target


def test_the_validation_message_stays_under_the_limit() -> None:
    # a passing test lists every check; long names (a 255-character table) must not overflow
    indexes = tuple(f"gsi-{'x' * 200}-{i}" for i in range(9))
    long_source = structs.replace(SOURCE_FACTS, indexes=indexes)
    validator, jobs, _, _, _ = _validator(
        restored=_restored(indexes=long_source.indexes),
        state=FakeState(facts={POINT: long_source}),
    )
    assert validator.handle("R1", now=NOW)["outcome"] == RESTORE_TEST_PASSED
    [(_, _, message)] = jobs.validations
    assert len(message) <= MESSAGE_LIMIT and message.startswith(
        "backup-autopilot: restored DynamoDB is ACTIVE"
    )
    assert message.endswith("; ... and 3 more")  # whole checks only; what did not fit is counted


@dataclass
class FakeSources:
    facts: ResourceFacts
    asked: list[tuple[str, str, dt.datetime | None]] = field(default_factory=list)

    def source_facts(self, resource_type: str, arn: str, as_of: dt.datetime | None) -> ResourceFacts:
        self.asked.append((resource_type, arn, as_of))
        return self.facts


def test_a_lost_completion_event_means_the_source_is_read_at_validation_time() -> None:
    # GIVEN nothing recorded at backup time (the backup's completion event never arrived)
    created = NOW - dt.timedelta(days=1)
    validator, jobs, _, _, _ = _validator(job=_job(recovery_point_created=created), state=FakeState())
    sources = FakeSources(SOURCE_FACTS)
    validator = structs.replace(validator, sources=sources)
    # WHEN the test is validated
    result = validator.handle("R1", now=NOW)
    # THEN the source is read now, as of the recovery point; DynamoDB's counts and samples of today's
    # table are not the backup's, so only its shape is compared, and the message says so
    assert sources.asked == [("DynamoDB", SOURCE, created)]
    assert result["outcome"] == RESTORE_TEST_PASSED
    [(_, status, message)] = jobs.validations
    assert status == "SUCCESSFUL" and "item counts and samples are not compared" in message
    assert "items restored" not in message and "key schema" in message


def test_a_source_gone_and_nothing_recorded_still_fails_and_says_so() -> None:
    validator, _, _, _, _ = _validator(state=FakeState())
    gone = FakeSources(ResourceFacts("DynamoDB", SOURCE, exists=False))
    validator = structs.replace(validator, sources=gone)
    result = validator.handle("R1", now=NOW)
    assert result["outcome"] == RESTORE_TEST_FAILED
    assert any("nothing was recorded about the source" in r for r in result["reasons"])
