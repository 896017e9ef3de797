"""AWS API calls made by the stack's functions, counted where every in-process request enters moto.

moto answers every botocore request through its ``BotocoreStubber`` (a ``before-send`` handler).
The counter wraps it for the duration of a ``with`` block and attributes each request to the
function whose container is running, from ``AWS_LAMBDA_FUNCTION_NAME`` (the router sets it only
during a handler call), so calls made by the benchmark's own setup are never counted. It counts
HTTP requests: a request botocore retries counts once per attempt. It also sums the real time
spent inside moto, so a handler's duration can be split into the sandbox's AWS and its own code.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from moto.core.botocore_stubber import BotocoreStubber

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    from sandbox import Sandbox


@dataclass
class FunctionCalls:
    """What one function asked of AWS: requests by ``service:Operation`` and seconds inside moto."""

    calls: Counter[str] = field(default_factory=Counter)
    moto_seconds: float = 0.0
    #: seconds inside moto by operation
    moto_by_operation: dict[str, float] = field(default_factory=dict)

    def total(self) -> int:
        return sum(self.calls.values())

    def copy(self) -> FunctionCalls:
        return FunctionCalls(Counter(self.calls), self.moto_seconds, dict(self.moto_by_operation))

    def to_json(self) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "moto_seconds": self.moto_seconds,
            "moto_by_operation": self.moto_by_operation,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FunctionCalls:
        return cls(Counter(data["calls"]), data["moto_seconds"], dict(data["moto_by_operation"]))

    def add_moto_time(self, operation: str, seconds: float) -> None:
        self.moto_seconds += seconds
        self.moto_by_operation[operation] = self.moto_by_operation.get(operation, 0.0) + seconds

    @classmethod
    def sum(cls, records: Iterable[FunctionCalls]) -> FunctionCalls:
        total = cls()
        for record in records:
            total.calls.update(record.calls)
            for operation, seconds in record.moto_by_operation.items():
                total.add_moto_time(operation, seconds)
        return total

    def minus(self, earlier: FunctionCalls) -> FunctionCalls:
        """The calls made since ``earlier`` (a copy taken before)."""
        moto = {op: s - earlier.moto_by_operation.get(op, 0.0) for op, s in self.moto_by_operation.items()}
        return FunctionCalls(
            self.calls - earlier.calls,
            self.moto_seconds - earlier.moto_seconds,
            {k: v for k, v in moto.items() if v},
        )


class ApiCallCounter:
    """Counts the AWS requests of the stack's functions (``with ApiCallCounter(sb) as calls:``)."""

    def __init__(self, sb: Sandbox) -> None:
        self._names = {spec.name: spec.logical_id for spec in sb.deployment.functions.values()}
        self._by_function: dict[str, FunctionCalls] = {}
        self._original: Any = None
        self._depth = 0

    def __enter__(self) -> Self:
        self._original = BotocoreStubber.__call__
        counter, original = self, self._original

        def counted(stubber: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
            function = counter._names.get(os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""))
            if function is None or not stubber.enabled or counter._depth:
                return original(stubber, event_name, request, **kwargs)
            counter._depth += 1
            started = time.perf_counter()
            try:
                return original(stubber, event_name, request, **kwargs)
            finally:
                counter._depth -= 1
                record = counter._by_function.setdefault(function, FunctionCalls())
                operation = _operation(event_name)
                record.add_moto_time(operation, time.perf_counter() - started)
                record.calls[operation] += 1

        BotocoreStubber.__call__ = counted  # type: ignore[method-assign,assignment]
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        BotocoreStubber.__call__ = self._original  # type: ignore[method-assign]

    def of(self, logical_id: str) -> FunctionCalls:
        """Everything ``logical_id`` asked for so far (a live record: copy it to take a snapshot)."""
        return self._by_function.setdefault(logical_id, FunctionCalls())


def _operation(event_name: str) -> str:
    """``before-send.eventbridge.PutEvents`` -> ``eventbridge:PutEvents``."""
    _, service, operation = event_name.split(".", 2)
    return f"{service}:{operation}"


#: API calls per invocation each function may make (issue 12), asserted as counts by
#: ``tests/sandbox/test_api_call_budgets.py`` and printed in README "Figures":
#: ``(function, case) -> (per invocation, once per container)``
CALL_BUDGETS: dict[tuple[str, str], tuple[int, int]] = {
    # GetResources (the tags now), DescribeProtectedResource, StartBackupJob, PutEvents; the plan
    # catalogue (ListBackupPlans, ListTags and GetBackupPlan per plan) and Region settings once per
    # container and 5 minutes: 8 with the three default plans
    ("ProtectResourceFunction", "tag event"): (4, 8),
    # a value no cached plan has: the catalogue is read again before the rejection (7 with 3 plans)
    ("ProtectResourceFunction", "unknown plan"): (9, 0),
    # DescribeRecoveryPoint, ListTags, GetResources, ListCopyJobs, StartCopyJob and PutEvents per
    # destination-less event + one per further destination; KMS DescribeKey once per container
    ("StartCopiesFunction", "completed backup, 1 destination"): (6, 1),
    # DescribeRecoveryPoint, ListTags, GetResources; KMS DescribeKey once per container
    ("CopyOutcomeFunction", "completed copy"): (3, 1),
    # DescribeBackupJob, DescribeRecoveryPoint, GetResources (not opted in to restore tests)
    ("RecordBackupFunction", "completed backup, no restore test"): (3, 0),
    # BatchGetItem, UpdateItem (the turn), BatchWriteItem, Publish; GetSecretValue every 5 minutes
    ("NotifyFunction", "batch with an alert"): (4, 1),
    # a small inventory: ListProtectedResources, GetResources, ListBackupJobs x2, ListCopyJobs x2
    # (attempted copies; failed copies of the last two hours, reported again), ListRecoveryPointsBy-
    # BackupVault, ListRestoreJobs, Query x2, PutEvents; the catalogue once
    ("ReconcileFunction", "hourly run, 3 tables"): (11, 7),
    # a weekly restore test's verdict: DescribeRestoreJob, the state table (GetItem on-demand record,
    # PutItem claim, GetItem facts, 3 PutItem for the verdict), GetResources (the source's tags), one
    # Describe of the restored copy, PutRestoreValidationResult, PutEvents; the type's own check
    # beyond that: RESTORE_CHECK_CALLS
    ("ValidateRestoreFunction", "weekly test"): (11, 0),
    # the first test after opting in (started by the stack, on demand): it also tags what was
    # restored and deletes it when the verdict is in (S3: the bucket's objects first)
    ("ValidateRestoreFunction", "first test"): (17, 0),
    # the operator report over sandbox/month.py's inventory (a few tables and buckets): the tagged
    # resources, the state table (Scan, Query), protected resources, Region settings, recovery points
    # and jobs of the period (one page each), PutItem of its summary, the page to S3; the plan
    # catalogue once per container
    ("ReportFunction", "daily run, a month's inventory"): (15, 7),
}

#: calls a type's built-in restore check makes beyond the one Describe (``logic/restore_tests/checks``):
#: DynamoDB's bounded count (Scan) and 5 sampled GetItem; S3's object listing; the first test's S3
#: deletion lists and deletes the objects
RESTORE_CHECK_CALLS: dict[str, dict[str, int]] = {
    "weekly test": {"DynamoDB": 6, "S3": 1},
    "first test": {"DynamoDB": 5, "S3": 3},
}
