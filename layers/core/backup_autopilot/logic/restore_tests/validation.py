"""One restore job, from its event to a verdict (ports injected; no boto3).

The event is only a trigger: restore events carry few fields (CREATED only the job id), so the job
is read with DescribeRestoreJob. Only the stack's own tests are touched: jobs created by the stack's
restore testing plan, or on-demand tests the stack started (recorded in the state table). A real
recovery somebody started is never validated, tagged or deleted.

A COMPLETED job's restored resource is checked against what was recorded about the source at backup
time (:mod:`.checks`), its restore time against the source's RTO tag, and optionally by the user's
own Lambda; the verdict is put once (``PutRestoreValidationResult``; AWS keeps the first), recorded
per resource and published as ``Restore Test Passed`` or ``Restore Test Failed``. A FAILED or
ABORTED job fails the test with AWS's message. Duplicate and late events find the verdict already
claimed and do nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from msgspec import Struct, field

from backup_autopilot.logic.restore_tests.checks import Check, check_restore, rto_check
from backup_autopilot.logic.restore_tests.names import is_test_resource_name
from backup_autopilot.models.severity import Severity

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

    from backup_autopilot.logic.protection import EventPort
    from backup_autopilot.logic.restore_tests.facts import OnDemandTest, ResourceFacts, RestoreJob

RESTORE_TEST_PASSED = "Restore Test Passed"
RESTORE_TEST_FAILED = "Restore Test Failed"
#: AWS Backup's restore job states that end a test without a restored resource
FAILED_STATES = frozenset({"FAILED", "ABORTED", "EXPIRED"})
#: the validation message AWS keeps (its limit is not documented: kept short, UNVERIFIED)
MESSAGE_LIMIT = 1000
#: tag the stack puts on what its on-demand tests create (and its IAM requires for deletion)
RESTORE_TEST_TAG = "backup-autopilot:restore-test"
#: types whose restored resource carries the name the test chose (the others get AWS's ids)
NAMED_TYPES = frozenset({"DynamoDB", "RDS", "Aurora", "S3"})


def function_name(function: str) -> str:
    """The function's name in what Lambda's Invoke takes: a name, a full ARN
    (``arn:aws:lambda:...:function:name``) or a partial one (``123456789012:function:name``), each
    with an optional version or alias after it (``:live``), which is not the name."""
    parts = function.split(":")
    if len(parts) >= 7 and parts[0] == "arn":
        return parts[6]
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2]
    return parts[0]


class RestoreJobsPort(Protocol):
    def describe_restore_job(self, job_id: str) -> RestoreJob | None: ...

    def put_validation(self, job_id: str, status: str, message: str) -> None: ...


class InspectorPort(Protocol):
    def restored_facts(self, resource_type: str, arn: str, sample_keys: list[str]) -> ResourceFacts: ...

    def tags_now(self, arn: str) -> dict[str, str]: ...

    def tag_test_resource(self, resource_type: str, arn: str, job_id: str) -> None: ...

    def delete_test_resource(self, resource_type: str, arn: str) -> None: ...


class SourceReaderPort(Protocol):
    def source_facts(self, resource_type: str, arn: str, as_of: dt.datetime | None) -> ResourceFacts: ...


class UserCheckPort(Protocol):
    def run(self, function: str, payload: dict[str, Any]) -> tuple[bool, str]: ...


class RestoreStatePort(Protocol):
    def source_facts(self, recovery_point_arn: str) -> ResourceFacts | None: ...

    def on_demand_test(self, job_id: str) -> OnDemandTest | None: ...

    def claim_validation(self, job_id: str) -> bool: ...

    def record_result(self, result: RestoreTestResult) -> None: ...


class RestoreTestSettings(Struct, frozen=True):
    testing_plan_arn: str | None
    rto_tag_key: str
    check_tag_key: str
    #: only functions whose name starts with this may be named by the check tag (a tag must never
    #: make the stack invoke an arbitrary function)
    check_function_prefix: str
    tolerance_percent: float


class RestoreTestResult(Struct):
    job_id: str
    source_arn: str
    resource_type: str
    passed: bool
    reasons: list[str]
    recovery_point_arn: str | None
    restored_arn: str | None
    minutes: float | None
    rto_target: float | None
    on_demand: bool
    date: dt.datetime
    checks: list[Check] = field(default_factory=list)

    @classmethod
    def of_job(cls, job: RestoreJob, own: OnDemandTest | None, now: dt.datetime) -> RestoreTestResult:
        """The verdict on ``job`` before any check: not passed, no reasons yet (``own``: the record
        of an on-demand test the stack started, which knows the source when the job does not)."""
        return cls(
            job_id=job.job_id,
            source_arn=job.source_resource_arn or (own.source_arn if own else "") or "unknown source",
            resource_type=job.resource_type,
            passed=False,
            reasons=[],
            recovery_point_arn=job.recovery_point_arn or (own.recovery_point_arn if own else None),
            restored_arn=job.created_resource_arn,
            minutes=job.minutes,
            rto_target=None,
            on_demand=own is not None,
            date=now,
        )

    def detail(self) -> dict[str, Any]:
        verdict = "passed" if self.passed else "failed"
        rto = f" in {self.minutes:.1f} min" if self.minutes is not None else ""
        target = f" (target {self.rto_target:g} min)" if self.rto_target is not None else ""
        why = f": {'; '.join(self.reasons)}" if self.reasons and not self.passed else ""
        return {
            "severity": Severity.INFO if self.passed else Severity.CRITICAL,
            "summary": f"restore test of {self.source_arn} {verdict}{rto}{target}{why}",
            "resource": self.source_arn,
            "resource_type": self.resource_type,
            "restore_job_id": self.job_id,
            "recovery_point": self.recovery_point_arn,
            "restored_resource": self.restored_arn,
            "rto_minutes": self.minutes,
            "rto_target_minutes": self.rto_target,
            "on_demand": self.on_demand,
            "reasons": self.reasons,
            "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in self.checks],
            "dedupe_key": f"restore-test:{self.source_arn}:{self.job_id}",
        }


class RestoreValidator(Struct):
    jobs: RestoreJobsPort
    inspector: InspectorPort
    state: RestoreStatePort
    events: EventPort
    user_checks: UserCheckPort
    settings: RestoreTestSettings
    #: reads the source when nothing was recorded at backup time (its completion event was lost:
    #: events are best effort); None: such a test fails, saying so
    sources: SourceReaderPort | None = None

    def handle(self, job_id: str, *, now: dt.datetime) -> dict[str, Any]:
        """What a restore job event leads to (the job is read, the event is only its id)."""
        job = self.jobs.describe_restore_job(job_id)
        if job is None:
            return {"outcome": "Ignored", "reason": "no such restore job"}
        own = self.state.on_demand_test(job_id)
        if own is None and not self._of_our_plan(job):
            return {"outcome": "Ignored", "reason": "not a restore test of this stack"}
        if job.validation_status in {"SUCCESSFUL", "FAILED", "TIMED_OUT"}:
            return {"outcome": "AlreadyValidated", "validation": job.validation_status}
        if job.status not in FAILED_STATES and job.status != "COMPLETED":
            return {"outcome": "Pending", "status": job.status}
        if not self.state.claim_validation(job_id):
            return {"outcome": "AlreadyValidated", "validation": "claimed"}
        result = self._verdict(job, own, now)
        if job.status == "COMPLETED":
            status = "SUCCESSFUL" if result.passed else "FAILED"
            self.jobs.put_validation(job_id, status, _message(result))
        self.state.record_result(result)
        self.events.publish(RESTORE_TEST_PASSED if result.passed else RESTORE_TEST_FAILED, result.detail())
        outcome: dict[str, Any] = {
            "outcome": RESTORE_TEST_PASSED if result.passed else RESTORE_TEST_FAILED,
            "reasons": result.reasons,
            "rto_minutes": result.minutes,
            # the operator view's per-type metrics (validate_restore emits them)
            "resource_type": result.resource_type,
            "rto_target_minutes": result.rto_target,
        }
        try:
            outcome["deleted"] = self._clean_up(job, own)
        except Exception as error:  # any error: the verdict stands, the hourly sweep deletes it
            # the verdict is put, recorded and published (the handler flushes it): a failed deletion
            # must not fail the invocation, whose retry would find the job claimed and say nothing.
            # The result's ``on-demand-open`` record makes the sweep delete it again.
            outcome.update(deleted=False, deletion_deferred=f"{type(error).__name__}: {error}"[:300])
        return outcome

    def _of_our_plan(self, job: RestoreJob) -> bool:
        plan = self.settings.testing_plan_arn
        return bool(plan and job.testing_plan_arn and job.testing_plan_arn == plan)

    def _verdict(self, job: RestoreJob, own: OnDemandTest | None, now: dt.datetime) -> RestoreTestResult:
        result = RestoreTestResult.of_job(job, own, now)
        source_arn = result.source_arn
        if job.status in FAILED_STATES:
            result.reasons = [f"restore job {job.status}: {job.status_message or 'AWS gave no message'}"]
            return result
        tags = self.inspector.tags_now(source_arn) if source_arn.startswith("arn:") else {}
        result.rto_target = _number(tags.get(self.settings.rto_tag_key))
        source = self.state.source_facts(result.recovery_point_arn) if result.recovery_point_arn else None
        late = False
        if source is None and self.sources is not None and source_arn.startswith("arn:"):
            read = self.sources.source_facts(job.resource_type, source_arn, job.recovery_point_created)
            source, late = (read, True) if read.exists else (None, False)
        if not job.created_resource_arn:
            result.checks = [Check("restored resource", False, "AWS reported no created resource")]
        else:
            if own is not None:  # marked before anything else, so a crash leaves it deletable
                self.inspector.tag_test_resource(job.resource_type, job.created_resource_arn, job.job_id)
            restored = self.inspector.restored_facts(
                job.resource_type, job.created_resource_arn, source.sample_keys() if source else []
            )
            result.checks = check_restore(
                source, restored, tolerance_percent=self.settings.tolerance_percent, source_read_late=late
            )
        rto = rto_check(job.minutes or 0.0, result.rto_target) if job.minutes is not None else None
        if rto is not None:
            result.checks.append(rto)
        user = self._user_check(tags, job, source_arn)
        if user is not None:
            result.checks.append(user)
        result.reasons = [check.detail for check in result.checks if not check.passed]
        result.passed = not result.reasons
        return result

    def _user_check(self, tags: Mapping[str, str], job: RestoreJob, source_arn: str) -> Check | None:
        function = tags.get(self.settings.check_tag_key)
        if not function:
            return None
        if not function_name(function).startswith(self.settings.check_function_prefix):
            return Check(
                "your check",
                False,
                f"{self.settings.check_tag_key}={function} is not allowed: the function's name must start "
                f"with {self.settings.check_function_prefix}",
            )
        payload = {
            "restore_job_id": job.job_id,
            "resource_type": job.resource_type,
            "restored_resource_arn": job.created_resource_arn,
            "source_resource_arn": source_arn,
            "recovery_point_arn": job.recovery_point_arn,
        }
        passed, reason = self.user_checks.run(function, payload)
        return Check("your check", passed, f"{function}: {reason}")

    def _clean_up(self, job: RestoreJob, own: OnDemandTest | None) -> bool:
        """Delete what an on-demand test created (AWS deletes what its restore testing plan made).

        Guards: the stack started the job (state record), the resource is not the source, and its
        name is a test resource's; the adapter also requires the restore-test tag (as does IAM).
        """
        created = job.created_resource_arn
        if own is None or not created or job.status != "COMPLETED":
            return False
        if created == own.source_arn or created == job.source_resource_arn:
            return False
        name = created.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        if job.resource_type in NAMED_TYPES and not is_test_resource_name(name):
            return False  # a named resource that is not a test's: never ours to delete
        self.inspector.delete_test_resource(job.resource_type, created)
        return True


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None and value.strip() else None
    except ValueError:
        return None


def _message(result: RestoreTestResult) -> str:
    """What AWS shows as the validation message: every check (passed) or every reason (failed),
    whole ones, within :data:`MESSAGE_LIMIT` ("... and N more" counts what did not fit)."""
    parts = [c.detail for c in result.checks] if result.passed else list(result.reasons)
    head = "backup-autopilot: "
    text = head + "; ".join(parts)
    if len(text) <= MESSAGE_LIMIT:
        return text
    shown: list[str] = []
    for part in parts:  # the whole text does not fit, so this stops before the last part
        left = len(parts) - len(shown) - 1
        if len(head + "; ".join([*shown, part]) + f"; ... and {left} more") > MESSAGE_LIMIT:
            break
        shown.append(part)
    if not shown:  # the first part alone is too long: cut it
        return text[: MESSAGE_LIMIT - 3] + "..."
    return head + "; ".join(shown) + f"; ... and {len(parts) - len(shown)} more"
