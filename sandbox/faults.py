"""Faults on demand, for tests, the demo and benchmarks.

* API faults: an AWS error (``ThrottlingException``, ``LimitExceededException``...) returned for
  a share of the calls to one operation. They are injected in moto's request dispatch, so the
  real botocore retry logic sees a real HTTP error response, in-process and in server mode.
* Job faults: consulted by the AWS Backup extension: a backup/copy/restore job that fails with a
  message, a copy denied by KMS, a restore that completes but holds no data, a restore test whose
  restored resource AWS Backup fails to delete.
* Job state faults: a backup job that waits PENDING, cannot start for lack of capacity (and so
  EXPIRES when its start window closes), completes "with issues", ends PARTIAL; a copy job that
  stays CREATED while AWS retries a system error (up to two hours, then it fails).
* Delivery faults: every EventBridge event delivered N times (see ``eventbus.delivery_multiplier``);
  AWS service events dropped, delayed, duplicated or reordered (``sandbox.delivery``), and
  ``realistic()``, the everyday weather of best-effort events.
* Function faults: a function's invocations throttled (Lambda's ``TooManyRequestsException``: the
  handler never runs; asynchronous events are retried as Lambda retries throttled ones, an SQS
  batch returns to its queue) or crashing (the handler raises at once), for a share of them
  (consulted by ``sandbox.lambda_service``; the CloudWatch metrics ``Throttles`` and ``Errors``).

Randomness is seeded, so a fault rate gives the same sequence on every run.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moto.core import responses as core_responses
from moto.core.exceptions import JsonRESTError, _RESTError

from sandbox import eventbus
from sandbox.delivery import DELIVERY, DelayRule, DropRule, DuplicateRule, EventDelivery, ReorderRule
from sandbox.function_faults import CRASH, CRASH_MESSAGE, THROTTLE, FunctionFault, FunctionFaults

if TYPE_CHECKING:
    from collections.abc import Callable

#: services whose wire protocol is JSON (the rest are query/XML)
_JSON_SERVICES = {
    "backup",
    "dynamodb",
    "events",
    "kms",
    "logs",
    "secretsmanager",
    "resourcegroupstaggingapi",
    "tagging",
    "lambda",
    "efs",
    "elasticfilesystem",
    "sqs",
    "fsx",
    "storagegateway",
}


@dataclass
class ApiFault:
    service: str  # e.g. "backup"
    operation: str  # e.g. "StartBackupJob", or "*" for every operation of the service
    rate: float  # 0.0 - 1.0
    code: str = "ThrottlingException"
    message: str = "Rate exceeded"
    status: int = 400
    remaining: int | None = None  # None: unlimited
    hits: int = 0


#: the JobFault kind of a restore test's deletion that fails (``fail_restore_test_deletion``)
RESTORE_TEST_DELETION = "restore-test-deletion"
#: its default message (AWS documents no DeletionStatusMessage text: the sandbox's own)
RESTORE_TEST_DELETION_MESSAGE = (
    "AWS Backup could not delete the restored resource: access denied to the restore role"
)


@dataclass
class JobFault:
    kind: str  # "backup" | "copy" | "restore" | RESTORE_TEST_DELETION
    message: str
    resource_arn: str | None = None  # None: any resource
    destination_vault_arn: str | None = None  # copies only
    remaining: int | None = 1
    hits: int = 0


#: JobEffect.effect values
PENDING, NO_CAPACITY, WITH_ISSUES, PARTIAL, SYSTEM_ERROR = (
    "pending",
    "no_capacity",
    "complete_with_issues",
    "partial",
    "system_error",
)
#: how long AWS keeps retrying a copy job after a system error, in CREATED (fact sheet 1.3)
COPY_RETRY_HOURS = 2


@dataclass
class JobEffect:
    """A job that does not simply run (consulted by the AWS Backup extension's job life cycles)."""

    kind: str  # "backup" | "copy"
    effect: str  # PENDING, NO_CAPACITY, WITH_ISSUES, PARTIAL, SYSTEM_ERROR
    message: str = ""
    seconds: float = 0.0  # PENDING: how long the job waits; SYSTEM_ERROR: how long the error lasts
    resource_arn: str | None = None  # None: any resource
    destination_vault_arn: str | None = None  # copies only
    until: dt.datetime | None = None  # NO_CAPACITY: the fault ends then (None: when cleared)
    remaining: int | None = 1  # None: unlimited
    hits: int = 0


@dataclass
class FaultInjector:
    seed: int = 7
    api: list[ApiFault] = field(default_factory=list)
    jobs: list[JobFault] = field(default_factory=list)
    #: resource types whose restores complete but hold no data
    empty_restores: set[str] = field(default_factory=set)
    #: destination vault ARNs whose KMS key the copy role cannot use
    kms_denied_vaults: set[str] = field(default_factory=set)
    effects: list[JobEffect] = field(default_factory=list)
    #: the delivery faults of AWS service events (``sandbox.delivery``)
    delivery: EventDelivery = field(default_factory=lambda: DELIVERY)
    #: Lambda functions throttled or crashing (``sandbox.function_faults``)
    functions: FunctionFaults = field(default_factory=FunctionFaults)
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    # -- configuration ---------------------------------------------------------------------
    def throttle(
        self,
        service: str,
        operation: str = "*",
        *,
        rate: float = 1.0,
        code: str = "ThrottlingException",
        message: str = "Rate exceeded",
        status: int = 400,
        count: int | None = None,
    ) -> ApiFault:
        fault = ApiFault(service, operation, rate, code, message, status, count)
        self.api.append(fault)
        return fault

    def fail_job(
        self,
        kind: str,
        message: str,
        *,
        resource_arn: str | None = None,
        destination_vault_arn: str | None = None,
        count: int | None = 1,
    ) -> JobFault:
        if kind not in {"backup", "copy", "restore"}:
            raise ValueError(f"unknown job kind {kind!r}")
        fault = JobFault(kind, message, resource_arn, destination_vault_arn, count)
        self.jobs.append(fault)
        return fault

    def deny_kms_for_copies_to(self, destination_vault_arn: str) -> None:
        self.kms_denied_vaults.add(destination_vault_arn)

    def empty_restore(self, resource_type: str) -> None:
        self.empty_restores.add(resource_type)

    def fail_restore_test_deletion(
        self,
        message: str = RESTORE_TEST_DELETION_MESSAGE,
        *,
        resource_arn: str | None = None,
        count: int | None = 1,
    ) -> JobFault:
        """AWS Backup fails to delete what the next restore test restored: its ``DeletionStatus`` is
        FAILED with ``message`` and the resource stays (``resource_arn``: the tested resource or the
        restored one; None: any)."""
        fault = JobFault(RESTORE_TEST_DELETION, message, resource_arn, None, count)
        self.jobs.append(fault)
        return fault

    def duplicate_deliveries(self, times: int) -> None:
        eventbus.delivery_multiplier = max(1, times)

    # -- function faults (the Lambda service) ------------------------------------------------
    def throttle_function(
        self, function: str, *, rate: float = 1.0, count: int | None = None
    ) -> FunctionFault:
        """Invocations of ``function`` (logical id or name) are throttled with ``rate`` (at most
        ``count``): Lambda answers ``TooManyRequestsException`` and the handler does not run."""
        return self.functions.add(FunctionFault(function, THROTTLE, rate, remaining=count))

    def crash_function(
        self, function: str, *, message: str = CRASH_MESSAGE, rate: float = 1.0, count: int | None = None
    ) -> FunctionFault:
        """Invocations of ``function`` raise ``message`` at once, with ``rate`` (at most ``count``)."""
        return self.functions.add(FunctionFault(function, CRASH, rate, message, count))

    # -- job state faults -------------------------------------------------------------------
    def pending_backup(
        self,
        message: str = "",
        *,
        seconds: float = 600,
        resource_arn: str | None = None,
        count: int | None = 1,
    ) -> JobEffect:
        """The next backup job waits PENDING for ``seconds`` (with ``message``) before it runs."""
        return self._effect(JobEffect("backup", PENDING, message, seconds, resource_arn, remaining=count))

    def no_capacity(self, *, minutes: float | None = None, resource_arn: str | None = None) -> JobEffect:
        """Backup jobs cannot start (for ``minutes``, or until cleared): they stay CREATED, retry, and
        EXPIRE when their start window closes first."""
        until = None if minutes is None else dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
        effect = JobEffect("backup", NO_CAPACITY, resource_arn=resource_arn, until=until, remaining=None)
        return self._effect(effect)

    def complete_with_issues(
        self, message: str, *, resource_arn: str | None = None, count: int | None = 1
    ) -> JobEffect:
        """The next backup job completes "with issues": COMPLETED with a non-empty status message."""
        effect = JobEffect("backup", WITH_ISSUES, message, resource_arn=resource_arn, remaining=count)
        return self._effect(effect)

    def partial_job(
        self, kind: str, message: str, *, resource_arn: str | None = None, count: int | None = 1
    ) -> JobEffect:
        """The next backup or copy job ends PARTIAL with ``message``."""
        if kind not in {"backup", "copy"}:
            raise ValueError(f"PARTIAL applies to backup and copy jobs, not {kind!r}")
        return self._effect(JobEffect(kind, PARTIAL, message, resource_arn=resource_arn, remaining=count))

    def copy_system_error(
        self,
        *,
        minutes: float = 30,
        message: str = "Copy job failed because of a system error; AWS Backup retried it for 2 hours",
        resource_arn: str | None = None,
        destination_vault_arn: str | None = None,
        count: int | None = 1,
    ) -> JobEffect:
        """The next copy job meets a system error that lasts ``minutes``: it stays CREATED while AWS
        retries, then runs; past :data:`COPY_RETRY_HOURS` it fails with ``message``."""
        seconds = minutes * 60
        effect = JobEffect("copy", SYSTEM_ERROR, message, seconds, resource_arn, destination_vault_arn)
        effect.remaining = count
        return self._effect(effect)

    def _effect(self, effect: JobEffect) -> JobEffect:
        self.effects.append(effect)
        return effect

    # -- delivery faults (AWS service events) -------------------------------------------------
    def drop_events(
        self,
        source: str = "aws.*",
        *,
        rate: float = 1.0,
        detail_type: str | None = None,
        resource_arn: str | None = None,
        state: str | None = None,
        count: int | None = None,
    ) -> DropRule:
        """Events of ``source`` (a pattern: ``aws.*``) never arrive, with ``rate`` (only those of
        ``detail_type``, of a job in ``state``, about ``resource_arn``, at most ``count``, when given)."""
        rule = DropRule(source, rate, detail_type, resource_arn, count, state)
        self.delivery.drops.append(rule)
        return rule

    def delay_events(
        self, source: str = "aws.*", *, seconds: float | None = None, up_to_minutes: float | None = None
    ) -> DelayRule:
        """Events of ``source`` arrive ``seconds`` late, or a random 0..``up_to_minutes`` late."""
        if seconds is None and up_to_minutes is None:
            raise ValueError("give seconds (a fixed delay) or up_to_minutes (a random one)")
        rule = DelayRule(source, seconds, None if up_to_minutes is None else up_to_minutes * 60)
        self.delivery.delays.append(rule)
        return rule

    def duplicate_events(self, source: str = "aws.*", *, rate: float = 1.0) -> DuplicateRule:
        """Events of ``source`` are delivered twice, with ``rate``."""
        rule = DuplicateRule(source, rate)
        self.delivery.duplicates.append(rule)
        return rule

    def reorder_events(self, source: str = "aws.*", *, window_seconds: float = 300) -> ReorderRule:
        """Events of ``source`` arriving within ``window_seconds`` are delivered shuffled."""
        rule = ReorderRule(source, window_seconds)
        self.delivery.reorders.append(rule)
        return rule

    def realistic(self, seed: int | None = None) -> None:
        """Best-effort delivery as everyday AWS: every aws.* event 0-5 minutes late, 2 % twice, 1 % never."""
        self.delivery.realistic(self.seed if seed is None else seed)

    def clear(self) -> None:
        self.api.clear()
        self.jobs.clear()
        self.empty_restores.clear()
        self.kms_denied_vaults.clear()
        self.effects.clear()
        self.delivery.clear()
        self.functions.clear()
        eventbus.delivery_multiplier = 1
        self._rng = random.Random(self.seed)

    def configure(self, spec: dict[str, Any]) -> None:
        """Apply a JSON fault spec (the ``POST /_sandbox/faults`` body)."""
        if spec.get("clear"):
            self.clear()
        for item in spec.get("throttle", []):
            self.throttle(**item)
        for item in spec.get("fail_job", []):
            self.fail_job(**item)
        for arn in spec.get("deny_kms_for_copies_to", []):
            self.deny_kms_for_copies_to(arn)
        for resource_type in spec.get("empty_restore", []):
            self.empty_restore(resource_type)
        for item in spec.get("fail_restore_test_deletion", []):
            self.fail_restore_test_deletion(**item)
        if "duplicate_deliveries" in spec:
            self.duplicate_deliveries(int(spec["duplicate_deliveries"]))
        configurable: dict[str, Callable[..., object]] = {
            "pending_backup": self.pending_backup,
            "no_capacity": self.no_capacity,
            "complete_with_issues": self.complete_with_issues,
            "partial_job": self.partial_job,
            "copy_system_error": self.copy_system_error,
            "drop_events": self.drop_events,
            "delay_events": self.delay_events,
            "duplicate_events": self.duplicate_events,
            "reorder_events": self.reorder_events,
            "throttle_function": self.throttle_function,
            "crash_function": self.crash_function,
        }
        for name, configure in configurable.items():
            for item in spec.get(name, []):
                configure(**item)
        if spec.get("realistic"):
            self.realistic()

    def describe(self) -> dict[str, Any]:
        return {
            "throttle": [vars(f) for f in self.api],
            "fail_job": [vars(f) for f in self.jobs],
            "deny_kms_for_copies_to": sorted(self.kms_denied_vaults),
            "empty_restore": sorted(self.empty_restores),
            "duplicate_deliveries": eventbus.delivery_multiplier,
            "job_effects": [vars(effect) for effect in self.effects],
            "function_faults": self.functions.describe(),
            **self.delivery.describe(),
        }

    # -- queries (used by the sandbox) -----------------------------------------------------
    def api_fault_for(self, service: str, operation: str) -> ApiFault | None:
        with self._lock:
            for fault in self.api:
                if fault.service != service or fault.operation not in {"*", operation}:
                    continue
                if fault.remaining is not None and fault.remaining <= 0:
                    continue
                if self._rng.random() < fault.rate:
                    fault.hits += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
            return None

    def function_fault(self, *names: str) -> FunctionFault | None:
        """The fault this invocation of the function known by ``names`` (logical id, name) meets."""
        return self.functions.fault_for(*names)

    def job_failure(
        self, kind: str, resource_arn: str, destination_vault_arn: str | None = None
    ) -> str | None:
        """The failure message for this job, if a fault says it must fail."""
        with self._lock:
            if kind == "copy" and destination_vault_arn in self.kms_denied_vaults:
                return (
                    "Access denied: the backup role is not authorized to perform kms:CreateGrant "
                    f"on the key of {destination_vault_arn} (Given key ID is not accessible)"
                )
            for fault in self.jobs:
                if fault.kind != kind or (fault.remaining is not None and fault.remaining <= 0):
                    continue
                if fault.resource_arn not in {None, resource_arn}:
                    continue
                if fault.destination_vault_arn not in {None, destination_vault_arn}:
                    continue
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault.message
            return None

    def restore_is_empty(self, resource_type: str) -> bool:
        return resource_type in self.empty_restores

    def job_effect(
        self, kind: str, effect: str, resource_arn: str, destination_vault_arn: str | None = None
    ) -> JobEffect | None:
        """The fault that makes this job wait, fail to start, or end otherwise (consumed once hit)."""
        now = dt.datetime.now(dt.UTC)
        with self._lock:
            for fault in self.effects:
                if fault.kind != kind or fault.effect != effect:
                    continue
                if (fault.remaining is not None and fault.remaining <= 0) or (
                    fault.until is not None and now >= fault.until
                ):
                    continue
                if fault.resource_arn not in {None, resource_arn}:
                    continue
                if fault.destination_vault_arn not in {None, destination_vault_arn}:
                    continue
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
            return None


#: the process-wide injector (the sandbox is one world per process)
FAULTS = FaultInjector()

_original_call_action = core_responses.BaseResponse.call_action
_installed = False


def _error_response(service: str, fault: ApiFault) -> Any:
    error: JsonRESTError | _RESTError
    if service in _JSON_SERVICES:
        error = JsonRESTError(fault.code, fault.message)
    else:
        error = _RESTError(fault.code, fault.message)
    error.code = fault.status
    headers = dict(error.get_headers() or [])
    headers["status"] = str(fault.status)
    headers["x-amzn-ErrorType"] = fault.code
    return fault.status, headers, error.description


def _call_action(self: core_responses.BaseResponse) -> Any:
    try:
        operation = self._get_action()
    except Exception:  # pragma: no cover - let moto report its own routing errors
        operation = ""
    if FAULTS.api:
        fault = FAULTS.api_fault_for(self.service_name or "", operation)
        if fault is not None:
            return _error_response(self.service_name or "", fault)
    return _original_call_action(self)


def install() -> None:
    global _installed
    if not _installed:
        core_responses.BaseResponse.call_action = _call_action  # type: ignore[method-assign]
        _installed = True


__all__ = ["FAULTS", "ApiFault", "FaultInjector", "FunctionFault", "JobEffect", "JobFault", "install"]
