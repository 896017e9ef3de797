"""SDK retry back-off in simulated time: botocore's sleeps between retries return at once.

botocore sleeps with ``time.sleep`` between attempts (exponential back-off with jitter). In the
sandbox, time is simulated and a handler runs inside one instant of it, so a real sleep would only
slow the tests down (30% throttling costs minutes of real waiting) without changing any outcome:
the retries themselves still happen, in order, and are counted by moto. The requested sleeps are
recorded (:data:`SLEPT`) so a benchmark can still say how much back-off a storm would have cost.
"""

from __future__ import annotations

import time as _time
from typing import Any

import botocore.endpoint

#: seconds of back-off botocore asked for since the process started
SLEPT: list[float] = []


class _SimulatedSleepTime:
    """``time`` as botocore's endpoint module sees it: everything real but ``sleep``."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        SLEPT.append(seconds)


def install() -> None:
    """Idempotent: botocore's endpoint module gets the simulated-sleep ``time``."""
    endpoint: Any = botocore.endpoint  # its ``time`` is an implementation detail, not typed
    if not isinstance(endpoint.time, _SimulatedSleepTime):
        endpoint.time = _SimulatedSleepTime()
