"""A restore test's verdict in detail, with fakes: what each outcome of ``handle`` says, what the
published event and the recorded result carry (the summary a person reads), where the source and its
point come from when AWS leaves them out, the RTO tag as written by people, the user's own check
(which functions, with what), which restored copies the stack deletes, and the validation message
AWS keeps (within its limit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from msgspec import structs

from backup_autopilot.logic.restore_tests.checks import Check
from backup_autopilot.logic.restore_tests.facts import OnDemandTest, ResourceFacts
from backup_autopilot.logic.restore_tests.validation import (
    MESSAGE_LIMIT,
    RESTORE_TEST_FAILED,
    RESTORE_TEST_PASSED,
    RestoreTestResult,
)
from tests.unit.logic.test_restore_validation import (
    NOW,
    POINT,
    RESTORED,
    SOURCE,
    SOURCE_FACTS,
    FakeInspector,
    FakeSources,
    FakeState,
    FakeUserChecks,
    _job,
    _restored,
    _validator,
)

ON_DEMAND_TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/bap-rt-orders-1a2b3c4d"


@dataclass
class RecordingInspector(FakeInspector):
    """FakeInspector that keeps what it was asked: facts (with the sample keys), tags, tagging."""

    facts_asked: list[tuple[str, str, list[str]]] = field(default_factory=list)
    tags_asked: list[str] = field(default_factory=list)
    tagged_with: list[tuple[str, str, str]] = field(default_factory=list)
    deleted_types: list[tuple[str, str]] = field(default_factory=list)

    def restored_facts(self, resource_type: str, arn: str, sample_keys: list[str]) -> ResourceFacts:
        self.facts_asked.append((resource_type, arn, sample_keys))
        return super().restored_facts(resource_type, arn, sample_keys)

    def tags_now(self, arn: str) -> dict[str, str]:
        self.tags_asked.append(arn)
        return super().tags_now(arn)

    def tag_test_resource(self, resource_type: str, arn: str, job_id: str) -> None:
        self.tagged_with.append((resource_type, arn, job_id))
        super().tag_test_resource(resource_type, arn, job_id)

    def delete_test_resource(self, resource_type: str, arn: str) -> None:
        self.deleted_types.append((resource_type, arn))
        super().delete_test_resource(resource_type, arn)


@dataclass
class RecordingUserChecks(FakeUserChecks):
    payloads: list[dict[str, Any]] = field(default_factory=list)

    def run(self, function: str, payload: dict[str, Any]) -> tuple[bool, str]:
        self.payloads.append(payload)
        return super().run(function, payload)


def _recording(validator: Any, inspector: FakeInspector) -> RecordingInspector:
    recording = RecordingInspector(inspector.restored, inspector.tags)
    validator.inspector = recording
    return recording


def _on_demand(job_id: str = "R1", source: str = SOURCE, point: str = POINT) -> FakeState:
    return FakeState(
        facts={POINT: SOURCE_FACTS},
        on_demand={job_id: OnDemandTest(job_id, source, "bap-rt-orders-1a2b3c4d", point)},
    )


# -- what handle says -----------------------------------------------------------------------------
def test_an_unknown_job_is_ignored_and_says_so() -> None:
    validator, *_ = _validator()
    assert validator.handle("R404", now=NOW) == {"outcome": "Ignored", "reason": "no such restore job"}


def test_a_job_that_is_not_the_stacks_is_ignored_and_says_so() -> None:
    validator, *_ = _validator(job=_job(testing_plan_arn=None))
    assert validator.handle("R1", now=NOW) == {
        "outcome": "Ignored",
        "reason": "not a restore test of this stack",
    }


def test_a_stack_without_a_testing_plan_owns_no_plans_jobs() -> None:
    validator, _, _, state, _ = _validator()
    validator.settings = structs.replace(validator.settings, testing_plan_arn=None)
    assert validator.handle("R1", now=NOW)["outcome"] == "Ignored" and state.claimed == set()


@pytest.mark.parametrize("validation", ["SUCCESSFUL", "FAILED", "TIMED_OUT"])
def test_a_job_aws_holds_a_validation_for_is_not_validated_again(validation: str) -> None:
    validator, jobs, _, state, events = _validator(job=_job(validation_status=validation))
    assert validator.handle("R1", now=NOW) == {"outcome": "AlreadyValidated", "validation": validation}
    assert jobs.validations == [] and events.published == [] and state.claimed == set()


def test_a_job_aws_is_still_validating_is_validated() -> None:
    validator, jobs, *_ = _validator(job=_job(validation_status="VALIDATING"))
    assert validator.handle("R1", now=NOW)["outcome"] == RESTORE_TEST_PASSED and len(jobs.validations) == 1


@pytest.mark.parametrize("status", ["PENDING", "RUNNING"])
def test_an_unfinished_job_is_pending_with_its_status(status: str) -> None:
    validator, *_ = _validator(job=_job(status=status))
    assert validator.handle("R1", now=NOW) == {"outcome": "Pending", "status": status}


def test_a_job_claimed_by_another_validation_says_so_and_does_nothing() -> None:
    validator, jobs, _, state, events = _validator()
    state.claimed.add("R1")
    assert validator.handle("R1", now=NOW) == {"outcome": "AlreadyValidated", "validation": "claimed"}
    assert jobs.validations == [] and events.published == [] and state.results == []


def test_a_passed_tests_outcome_carries_what_the_operator_view_counts() -> None:
    validator, *_ = _validator(tags={"backup-rto-minutes": "30"})
    assert validator.handle("R1", now=NOW) == {
        "outcome": RESTORE_TEST_PASSED,
        "reasons": [],
        "rto_minutes": 10.0,
        "resource_type": "DynamoDB",
        "rto_target_minutes": 30.0,
        "deleted": False,  # AWS deletes what its restore testing plan made
    }


@pytest.mark.parametrize("status", ["FAILED", "ABORTED", "EXPIRED"])
def test_a_job_that_ended_without_a_restore_fails_and_puts_no_validation(status: str) -> None:
    job = _job(status=status, status_message=None, created_resource_arn=None, completion_date=None)
    validator, jobs, inspector, state, events = _validator(job=job)
    result = validator.handle("R1", now=NOW)
    assert result["outcome"] == RESTORE_TEST_FAILED
    assert result["reasons"] == [f"restore job {status}: AWS gave no message"]
    assert jobs.validations == [] and inspector.deleted == []
    assert [kind for kind, _ in events.published] == [RESTORE_TEST_FAILED]
    assert state.results[0].checks == [] and state.results[0].minutes is None


def test_a_failed_test_puts_a_failed_validation_with_its_reasons() -> None:
    validator, jobs, *_ = _validator(restored=_restored(key_schema=("HASH:id",)))
    validator.handle("R1", now=NOW)
    assert jobs.validations == [
        ("R1", "FAILED", "backup-autopilot: key schema: source ('HASH:pk',), restored ('HASH:id',)")
    ]


def test_a_passed_test_puts_every_check_in_its_message() -> None:
    validator, jobs, *_ = _validator()
    validator.handle("R1", now=NOW)
    assert jobs.validations == [
        (
            "R1",
            "SUCCESSFUL",
            "backup-autopilot: restored DynamoDB is ACTIVE; key schema: source ('HASH:pk',), restored "
            "('HASH:pk',); indexes: source [], restored []; 1000 items restored, source had 1000 at "
            "backup time (tolerance 10); 2/2 sampled items identical",
        )
    ]


# -- the published event and the recorded result ---------------------------------------------------
def test_a_passed_tests_event_says_what_passed_and_how_fast() -> None:
    validator, _, _, state, events = _validator(tags={"backup-rto-minutes": "30"})
    validator.handle("R1", now=NOW)
    [(kind, detail)] = events.published
    assert kind == RESTORE_TEST_PASSED
    assert detail == {
        "severity": "info",
        "summary": f"restore test of {SOURCE} passed in 10.0 min (target 30 min)",
        "resource": SOURCE,
        "resource_type": "DynamoDB",
        "restore_job_id": "R1",
        "recovery_point": POINT,
        "restored_resource": RESTORED,
        "rto_minutes": 10.0,
        "rto_target_minutes": 30.0,
        "on_demand": False,
        "reasons": [],
        "checks": [
            {"name": "ready", "passed": True, "detail": "restored DynamoDB is ACTIVE"},
            {
                "name": "key schema",
                "passed": True,
                "detail": "key schema: source ('HASH:pk',), restored ('HASH:pk',)",
            },
            {"name": "indexes", "passed": True, "detail": "indexes: source [], restored []"},
            {
                "name": "item count",
                "passed": True,
                "detail": "1000 items restored, source had 1000 at backup time (tolerance 10)",
            },
            {"name": "sampled items", "passed": True, "detail": "2/2 sampled items identical"},
            {"name": "RTO", "passed": True, "detail": "restored in 10.0 min, target 30 min"},
        ],
        "dedupe_key": f"restore-test:{SOURCE}:R1",
    }
    [result] = state.results
    assert (result.date, result.on_demand, result.recovery_point_arn, result.restored_arn) == (
        NOW,
        False,
        POINT,
        RESTORED,
    )


def test_a_failed_tests_event_is_critical_and_gives_every_reason() -> None:
    validator, _, _, _, events = _validator(
        restored=_restored(item_count=500, key_schema=("HASH:id",)), tags={"backup-rto-minutes": "5"}
    )
    validator.handle("R1", now=NOW)
    [(kind, detail)] = events.published
    assert kind == RESTORE_TEST_FAILED and detail["severity"] == "critical"
    assert detail["summary"] == (
        f"restore test of {SOURCE} failed in 10.0 min (target 5 min): key schema: source ('HASH:pk',), "
        "restored ('HASH:id',); 500 items restored, source had 1000 at backup time (tolerance 10); "
        "restored in 10.0 min, target 5 min"
    )


def test_a_summary_without_a_time_or_target_says_neither() -> None:
    result = RestoreTestResult(
        job_id="R1",
        source_arn=SOURCE,
        resource_type="EBS",
        passed=True,
        reasons=[],
        recovery_point_arn=None,
        restored_arn=None,
        minutes=None,
        rto_target=None,
        on_demand=True,
        date=NOW,
    )
    assert result.detail()["summary"] == f"restore test of {SOURCE} passed"
    failed = structs.replace(result, passed=False, reasons=["restored EBS is not found"])
    assert failed.detail()["summary"] == f"restore test of {SOURCE} failed: restored EBS is not found"
    assert structs.replace(result, passed=False).detail()["summary"] == f"restore test of {SOURCE} failed"
    # a passed test never lists reasons in its summary
    assert structs.replace(result, reasons=["x"]).detail()["summary"] == f"restore test of {SOURCE} passed"


# -- where the source comes from -------------------------------------------------------------------
def test_an_on_demand_test_takes_its_source_and_point_from_the_stacks_record() -> None:
    # GIVEN AWS's job without the source and the point (an on-demand restore's job may lack them)
    job = _job(
        testing_plan_arn=None,
        source_resource_arn=None,
        recovery_point_arn=None,
        created_resource_arn=ON_DEMAND_TABLE,
    )
    validator, _, inspector, state, events = _validator(
        job=job, state=_on_demand(), restored=_restored(arn=ON_DEMAND_TABLE)
    )
    recording = _recording(validator, inspector)
    result = validator.handle("R1", now=NOW)
    # THEN the record names them: the backup-time facts are found and the source's tags read
    assert result["outcome"] == RESTORE_TEST_PASSED
    assert recording.tags_asked == [SOURCE]
    [recorded] = state.results
    assert (recorded.source_arn, recorded.recovery_point_arn, recorded.on_demand) == (SOURCE, POINT, True)
    assert events.published[0][1]["resource"] == SOURCE


def test_a_test_whose_source_nobody_knows_fails_without_reading_tags_or_sources() -> None:
    job = _job(source_resource_arn=None, recovery_point_arn=None)
    validator, _, inspector, state, _ = _validator(
        job=job, tags={"backup-restore-check": "backup-restore-check-x"}
    )
    recording = _recording(validator, inspector)
    sources = FakeSources(SOURCE_FACTS)
    validator.sources = sources
    result = validator.handle("R1", now=NOW)
    assert result["outcome"] == RESTORE_TEST_FAILED
    assert state.results[0].source_arn == "unknown source" and state.results[0].recovery_point_arn is None
    assert recording.tags_asked == [] and sources.asked == []
    assert recording.facts_asked == [("DynamoDB", RESTORED, [])]  # nothing to sample
    assert any("nothing was recorded about the source" in reason for reason in result["reasons"])


def test_the_restored_copy_is_asked_for_the_sampled_items_of_the_source() -> None:
    validator, _, inspector, _, _ = _validator()
    recording = _recording(validator, inspector)
    validator.handle("R1", now=NOW)
    assert recording.facts_asked == [("DynamoDB", RESTORED, ['{"pk": {"S": "1"}}', '{"pk": {"S": "2"}}'])]
    assert recording.tagged_with == []  # AWS's restore testing tags what it made


def test_the_source_read_late_is_not_read_when_facts_were_recorded() -> None:
    validator, *_ = _validator()
    sources = FakeSources(SOURCE_FACTS)
    validator.sources = sources
    validator.handle("R1", now=NOW)
    assert sources.asked == []


def test_the_tolerance_is_the_stacks_setting() -> None:
    validator, *_ = _validator(restored=_restored(item_count=960))
    assert validator.handle("R1", now=NOW)["outcome"] == RESTORE_TEST_FAILED
    validator, *_ = _validator(restored=_restored(item_count=960))
    validator.settings = structs.replace(validator.settings, tolerance_percent=5.0)
    assert validator.handle("R1", now=NOW)["outcome"] == RESTORE_TEST_PASSED


def test_a_completed_job_without_a_created_resource_fails_and_says_so() -> None:
    validator, jobs, inspector, state, _ = _validator(job=_job(created_resource_arn=None))
    recording = _recording(validator, inspector)
    result = validator.handle("R1", now=NOW)
    assert result["reasons"] == ["AWS reported no created resource"]
    assert recording.facts_asked == [] and jobs.validations[0][1] == "FAILED"
    assert state.results[0].checks == [Check("restored resource", False, "AWS reported no created resource")]


def test_an_on_demand_copy_is_tagged_as_a_test_resource_before_it_is_read() -> None:
    job = _job(testing_plan_arn=None, created_resource_arn=ON_DEMAND_TABLE)
    validator, _, inspector, _, _ = _validator(
        job=job, state=_on_demand(), restored=_restored(arn=ON_DEMAND_TABLE)
    )
    recording = _recording(validator, inspector)
    validator.handle("R1", now=NOW)
    assert recording.tagged_with == [("DynamoDB", ON_DEMAND_TABLE, "R1")]


# -- the RTO tag ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "target"),
    [("30", 30.0), (" 75.5 ", 75.5), ("", None), ("   ", None), ("thirty", None), ("30min", None)],
)
def test_the_rto_target_is_the_tags_number_or_none(value: str, target: float | None) -> None:
    validator, _, _, state, _ = _validator(tags={"backup-rto-minutes": value})
    result = validator.handle("R1", now=NOW)
    assert state.results[0].rto_target == target and result["rto_target_minutes"] == target
    assert result["outcome"] == RESTORE_TEST_PASSED  # a tag nobody can read fails no test


def test_a_restore_without_its_time_has_no_rto_check() -> None:
    validator, _, _, state, _ = _validator(job=_job(completion_date=None), tags={"backup-rto-minutes": "5"})
    result = validator.handle("R1", now=NOW)
    assert result["outcome"] == RESTORE_TEST_PASSED and result["rto_minutes"] is None
    assert "RTO" not in [check.name for check in state.results[0].checks]


def test_an_instant_restore_is_checked_against_its_target() -> None:
    instant = _job(completion_date=NOW - dt.timedelta(minutes=12))
    validator, _, _, state, _ = _validator(job=instant, tags={"backup-rto-minutes": "0"})
    validator.handle("R1", now=NOW)
    assert state.results[0].checks[-1] == Check("RTO", True, "restored in 0.0 min, target 0 min")


# -- the user's own check -------------------------------------------------------------------------
def test_the_users_check_gets_the_restore_to_look_at_and_its_answer_is_a_check() -> None:
    user = RecordingUserChecks(answer=(True, "42 orders read"))
    validator, _, _, state, _ = _validator(
        tags={"backup-restore-check": "backup-restore-check-orders"}, user=user
    )
    assert validator.handle("R1", now=NOW)["outcome"] == RESTORE_TEST_PASSED
    assert user.payloads == [
        {
            "restore_job_id": "R1",
            "resource_type": "DynamoDB",
            "restored_resource_arn": RESTORED,
            "source_resource_arn": SOURCE,
            "recovery_point_arn": POINT,
        }
    ]
    assert state.results[0].checks[-1] == Check(
        "your check", True, "backup-restore-check-orders: 42 orders read"
    )


def test_a_users_check_named_by_its_arn_is_allowed_by_its_function_name() -> None:
    function = "arn:aws:lambda:us-east-1:123456789012:function:backup-restore-check-orders"
    user = RecordingUserChecks()
    validator, *_ = _validator(tags={"backup-restore-check": function}, user=user)
    assert validator.handle("R1", now=NOW)["outcome"] == RESTORE_TEST_PASSED
    assert user.calls == [function]


def test_an_arn_whose_function_name_is_not_allowed_is_refused_and_says_why() -> None:
    function = "arn:aws:lambda:us-east-1:123456789012:function:delete-everything"
    user = RecordingUserChecks()
    validator, _, _, state, _ = _validator(tags={"backup-restore-check": function}, user=user)
    result = validator.handle("R1", now=NOW)
    assert user.calls == [] and result["outcome"] == RESTORE_TEST_FAILED
    assert state.results[0].checks[-1].name == "your check" and state.results[0].checks[-1].passed is False
    assert result["reasons"] == [
        f"backup-restore-check={function} is not allowed: the function's name must start with "
        "backup-restore-check-"
    ]


@pytest.mark.parametrize(
    "function",
    [
        "arn:aws:lambda:us-east-1:123456789012:function:backup-restore-check-orders:live",  # an alias
        "arn:aws:lambda:us-east-1:123456789012:function:backup-restore-check-orders:7",  # a version
        "123456789012:function:backup-restore-check-orders",  # a partial ARN, as Invoke takes it
        "backup-restore-check-orders:live",
    ],
)
def test_a_users_check_with_a_version_or_alias_is_judged_by_its_function_name(function: str) -> None:
    user = RecordingUserChecks()
    validator, *_ = _validator(tags={"backup-restore-check": function}, user=user)
    assert validator.handle("R1", now=NOW)["outcome"] == RESTORE_TEST_PASSED
    assert user.calls == [function]


@pytest.mark.parametrize(
    "function",
    [
        "arn:aws:lambda:us-east-1:123456789012:function:delete-everything:backup-restore-check-x",
        "123456789012:function:delete-everything:backup-restore-check-x",
        "delete-everything:backup-restore-check-x",
    ],
)
def test_an_alias_named_like_a_check_does_not_make_another_function_one(function: str) -> None:
    # the alias is not the name: the tag must not make the stack invoke delete-everything
    user = RecordingUserChecks()
    validator, *_ = _validator(tags={"backup-restore-check": function}, user=user)
    assert validator.handle("R1", now=NOW)["outcome"] == RESTORE_TEST_FAILED and user.calls == []


def test_a_name_that_only_contains_the_prefix_is_refused() -> None:
    user = RecordingUserChecks()
    validator, *_ = _validator(tags={"backup-restore-check": "x-backup-restore-check-orders"}, user=user)
    assert validator.handle("R1", now=NOW)["outcome"] == RESTORE_TEST_FAILED and user.calls == []


def test_an_empty_check_tag_runs_no_check() -> None:
    user = RecordingUserChecks()
    validator, _, _, state, _ = _validator(tags={"backup-restore-check": ""}, user=user)
    assert validator.handle("R1", now=NOW)["outcome"] == RESTORE_TEST_PASSED
    assert user.calls == [] and "your check" not in [c.name for c in state.results[0].checks]


# -- what the stack deletes -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resource_type", "created"),
    [
        ("DynamoDB", "arn:aws:dynamodb:us-east-1:123456789012:table/bap-rt-orders-1a2b3c4d"),
        ("RDS", "arn:aws:rds:us-east-1:123456789012:db:bap-rt-orders-1a2b3c4d"),
        ("Aurora", "arn:aws:rds:us-east-1:123456789012:cluster:bap-rt-orders-1a2b3c4d"),
        ("S3", "arn:aws:s3:::bap-rt-orders-1a2b3c4d"),
        ("S3", "arn:aws:s3:::awsbackup-restore-test-123"),
        ("EBS", "arn:aws:ec2:us-east-1:123456789012:volume/vol-0abc"),  # AWS names volumes itself
    ],
)
def test_an_on_demand_tests_own_copy_is_deleted(resource_type: str, created: str) -> None:
    job = _job(testing_plan_arn=None, resource_type=resource_type, created_resource_arn=created)
    restored = ResourceFacts(resource_type, created, status="available")
    validator, _, inspector, _, _ = _validator(job=job, state=_on_demand(), restored=restored)
    recording = _recording(validator, inspector)
    assert validator.handle("R1", now=NOW)["deleted"] is True
    assert recording.deleted_types == [(resource_type, created)]


@pytest.mark.parametrize(
    ("resource_type", "created"),
    [
        ("DynamoDB", "arn:aws:dynamodb:us-east-1:123456789012:table/orders-copy"),
        ("RDS", "arn:aws:rds:us-east-1:123456789012:db:orders"),
        ("S3", "arn:aws:s3:::my-bap-rt-bucket"),
    ],
)
def test_a_named_copy_without_a_test_name_is_never_deleted(resource_type: str, created: str) -> None:
    job = _job(testing_plan_arn=None, resource_type=resource_type, created_resource_arn=created)
    validator, _, inspector, _, _ = _validator(
        job=job, state=_on_demand(), restored=ResourceFacts(resource_type, created, status="available")
    )
    assert validator.handle("R1", now=NOW)["deleted"] is False and inspector.deleted == []


def test_the_recorded_source_is_never_deleted_even_when_aws_names_another() -> None:
    # GIVEN AWS's job naming another source, and the copy it reports is the stack's recorded source
    state = _on_demand(source=ON_DEMAND_TABLE)
    job = _job(testing_plan_arn=None, created_resource_arn=ON_DEMAND_TABLE)
    validator, _, inspector, _, _ = _validator(job=job, state=state, restored=_restored(arn=ON_DEMAND_TABLE))
    assert validator.handle("R1", now=NOW)["deleted"] is False and inspector.deleted == []


def test_a_failed_on_demand_job_deletes_nothing() -> None:
    job = _job(testing_plan_arn=None, status="FAILED", created_resource_arn=ON_DEMAND_TABLE)
    validator, _, inspector, _, _ = _validator(job=job, state=_on_demand())
    assert validator.handle("R1", now=NOW)["deleted"] is False and inspector.deleted == []


def test_a_deferred_deletion_says_why_in_at_most_300_characters() -> None:
    job = _job(testing_plan_arn=None, created_resource_arn=ON_DEMAND_TABLE)
    validator, _, inspector, _, _ = _validator(
        job=job, state=_on_demand(), restored=_restored(arn=ON_DEMAND_TABLE)
    )

    def refuse(resource_type: str, arn: str) -> None:
        raise PermissionError("x" * 400)

    inspector.delete_test_resource = refuse  # type: ignore[method-assign]
    result = validator.handle("R1", now=NOW)
    assert result["deleted"] is False
    assert result["deletion_deferred"] == ("PermissionError: " + "x" * 400)[:300]


# -- the validation message -----------------------------------------------------------------------
HEAD = "backup-autopilot: "


def _key_reason(key: str) -> str:
    return f"key schema: source ('HASH:pk',), restored ('{key}',)"


def _index_reason(index: str) -> str:
    return f"indexes: source [], restored ['{index}']"


def _user_reason(answer: str) -> str:
    return f"backup-restore-check-x: {answer}"


def _failed_message(key: str, index: str | None = None, answer: str | None = None) -> tuple[list[str], str]:
    """The reasons and the validation message of a test failing on its key schema (a restored key
    named ``key``), its indexes (one named ``index``) and the user's check (answering ``answer``)."""
    tags = {"backup-restore-check": "backup-restore-check-x"} if answer is not None else {}
    validator, jobs, *_ = _validator(
        restored=_restored(key_schema=(key,), indexes=(index,) if index else ()),
        tags=tags,
        user=FakeUserChecks(answer=(False, answer or "")),
    )
    reasons = validator.handle("R1", now=NOW)["reasons"]
    [(_, status, message)] = jobs.validations
    assert status == "FAILED"
    return reasons, message


def test_a_message_of_exactly_the_limit_is_kept_whole() -> None:
    key = "K" * 400
    answer = "a" * (MESSAGE_LIMIT - len(HEAD) - len(_key_reason(key)) - 2 - len(_user_reason("")))
    reasons, message = _failed_message(key, answer=answer)
    assert reasons == [_key_reason(key), _user_reason(answer)]
    assert message == HEAD + _key_reason(key) + "; " + _user_reason(answer)
    assert len(message) == MESSAGE_LIMIT


def test_a_message_over_the_limit_keeps_whole_reasons_and_counts_the_rest() -> None:
    key, index, answer = "K" * 400, "I" * 400, "a" * 400
    reasons, message = _failed_message(key, index, answer)
    assert reasons == [_key_reason(key), _index_reason(index), _user_reason(answer)]
    assert message == HEAD + _key_reason(key) + "; " + _index_reason(index) + "; ... and 1 more"


def test_a_reason_that_fits_only_with_its_count_is_kept_and_one_character_more_is_not() -> None:
    tail = "; ... and 1 more"
    key = "K" * (MESSAGE_LIMIT - len(HEAD) - len(_key_reason("")) - len(tail))
    _, message = _failed_message(key, answer="a" * 10)
    assert message == HEAD + _key_reason(key) + tail and len(message) == MESSAGE_LIMIT
    _, longer = _failed_message(key + "K", answer="a" * 10)
    whole = HEAD + _key_reason(key + "K") + "; " + _user_reason("a" * 10)
    assert longer == whole[: MESSAGE_LIMIT - 3] + "..."


def test_a_first_reason_too_long_alone_is_cut() -> None:
    key = "K" * 2000
    _, message = _failed_message(key, answer="a")
    assert message == (HEAD + _key_reason(key) + "; " + _user_reason("a"))[: MESSAGE_LIMIT - 3] + "..."
    assert len(message) == MESSAGE_LIMIT


def test_a_name_that_is_not_an_arn_is_judged_whole_even_with_a_colon() -> None:
    # "delete-everything:backup-restore-check-x" names the function delete-everything: refused
    user = RecordingUserChecks()
    validator, *_ = _validator(
        tags={"backup-restore-check": "delete-everything:backup-restore-check-x"}, user=user
    )
    assert validator.handle("R1", now=NOW)["outcome"] == RESTORE_TEST_FAILED and user.calls == []
