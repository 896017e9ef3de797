"""Function faults: a Lambda function's invocations throttled or crashing (``sb.faults``).

A throttled invocation never runs its handler: Lambda answers ``TooManyRequestsException`` (an
asynchronous event is tried again as Lambda retries throttled ones, an SQS batch returns to its
queue); a crashing one raises at once. ``sandbox.lambda_service`` consults them on every
invocation; the CloudWatch metrics ``Throttles`` and ``Errors`` count what they did. Draws come
from a sequence of their own (seeded), so adding one never changes which API calls fail.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

#: FunctionFault.effect values
THROTTLE, CRASH = "throttle", "crash"
#: the error a crash fault raises in the handler (the sandbox's own words)
CRASH_MESSAGE = "injected crash (sandbox fault)"


@dataclass
class FunctionFault:
    """A Lambda function (logical id or name) whose invocations are throttled or crash."""

    function: str
    effect: str  # THROTTLE | CRASH
    rate: float = 1.0
    message: str = CRASH_MESSAGE
    remaining: int | None = None  # None: unlimited
    hits: int = 0


@dataclass
class FunctionFaults:
    seed: int = 8
    faults: list[FunctionFault] = field(default_factory=list)
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def add(self, fault: FunctionFault) -> FunctionFault:
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()
        self._rng = random.Random(self.seed)

    def describe(self) -> list[dict[str, object]]:
        return [dict(vars(fault)) for fault in self.faults]

    def fault_for(self, *names: str) -> FunctionFault | None:
        """The fault this invocation of the function known by ``names`` (logical id, name) meets."""
        with self._lock:
            for fault in self.faults:
                if fault.function not in names or (fault.remaining is not None and fault.remaining <= 0):
                    continue
                if self._rng.random() < fault.rate:
                    fault.hits += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
            return None
