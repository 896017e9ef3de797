"""Faults on demand, for tests, the demo and benchmarks.

* API faults: an AWS error (``ThrottlingException``, ``LimitExceededException``...) returned for
  a share of the calls to one operation. They are injected in moto's request dispatch, so the
  real botocore retry logic sees a real HTTP error response, in-process and in server mode.
* Job faults: consulted by the AWS Backup extension: a backup/copy/restore job that fails with a
  message, a copy denied by KMS, a restore that completes but holds no data.
* Delivery faults: every EventBridge event delivered N times (see ``eventbus.delivery_multiplier``).

Randomness is seeded, so a fault rate gives the same sequence on every run.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from moto.core import responses as core_responses
from moto.core.exceptions import JsonRESTError, _RESTError

from sandbox import eventbus

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


@dataclass
class JobFault:
    kind: str  # "backup" | "copy" | "restore"
    message: str
    resource_arn: str | None = None  # None: any resource
    destination_vault_arn: str | None = None  # copies only
    remaining: int | None = 1
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

    def duplicate_deliveries(self, times: int) -> None:
        eventbus.delivery_multiplier = max(1, times)

    def clear(self) -> None:
        self.api.clear()
        self.jobs.clear()
        self.empty_restores.clear()
        self.kms_denied_vaults.clear()
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
        if "duplicate_deliveries" in spec:
            self.duplicate_deliveries(int(spec["duplicate_deliveries"]))

    def describe(self) -> dict[str, Any]:
        return {
            "throttle": [vars(f) for f in self.api],
            "fail_job": [vars(f) for f in self.jobs],
            "deny_kms_for_copies_to": sorted(self.kms_denied_vaults),
            "empty_restore": sorted(self.empty_restores),
            "duplicate_deliveries": eventbus.delivery_multiplier,
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


__all__ = ["FAULTS", "ApiFault", "FaultInjector", "JobFault", "install"]
