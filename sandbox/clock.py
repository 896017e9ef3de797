"""Simulated time for the sandbox: the whole process's clock plus a discrete-event scheduler.

The sandbox moves the process's wall clock with ``time-machine`` (``time.time``,
``datetime.now`` ...), so moto, the extended AWS Backup backend and the real handlers all read
one consistent, controllable time. ``time.perf_counter``/``monotonic`` are not touched, so
benchmarks still measure real elapsed time.

Everything that happens "later" in the sandbox (a job moving CREATED -> RUNNING -> COMPLETED, a
plan window opening, a template schedule firing, an async Lambda retry, an SQS batching window
closing) is a timer on this clock. ``advance(seconds)`` runs due timers in time order, moving
the clock to each timer's due time before running it, so cascades happen in a realistic order.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import time_machine

if TYPE_CHECKING:
    from collections.abc import Callable

UTC = dt.UTC
#: a fixed, reproducible default start: a Monday, 09:00 UTC
DEFAULT_START = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
#: guard against a timer that reschedules itself at the same instant forever
MAX_TIMERS_PER_ADVANCE = 1_000_000


@dataclass(order=True)
class Timer:
    due: dt.datetime
    seq: int
    label: str = field(compare=False)
    fn: Callable[[], None] = field(compare=False, repr=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class SimClock:
    """Frozen, controllable process time with a scheduler.

    Time does not flow by itself (``tick=False``): it moves only through :meth:`advance`
    (or :meth:`settle`, which runs what is due now without moving time).
    """

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._start = (start or DEFAULT_START).astimezone(UTC)
        self._traveller = time_machine.travel(self._start, tick=False)
        self._coordinates: time_machine.Traveller | None = None
        self._heap: list[Timer] = []
        self._seq = itertools.count()
        self._lock = threading.RLock()
        self._running = False

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> SimClock:
        if self._coordinates is None:
            self._coordinates = self._traveller.start()
        return self

    def stop(self) -> None:
        if self._coordinates is not None:
            self._traveller.stop()
            self._coordinates = None

    # -- reading ---------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return dt.datetime.now(UTC)

    @property
    def started_at(self) -> dt.datetime:
        return self._start

    # -- scheduling ------------------------------------------------------------------------
    def call_at(self, when: dt.datetime, fn: Callable[[], None], *, label: str) -> Timer:
        with self._lock:
            timer = Timer(when.astimezone(UTC), next(self._seq), label, fn)
            heapq.heappush(self._heap, timer)
            return timer

    def call_later(self, seconds: float, fn: Callable[[], None], *, label: str) -> Timer:
        return self.call_at(self.now() + dt.timedelta(seconds=seconds), fn, label=label)

    def every(
        self,
        next_fire: Callable[[dt.datetime], dt.datetime],
        fn: Callable[[], None],
        *,
        label: str,
    ) -> Callable[[], None]:
        """Run ``fn`` at ``next_fire(now)``, then again at each following occurrence.

        Returns a function that cancels the recurrence.
        """
        state: dict[str, Timer | bool] = {"cancelled": False}

        def fire() -> None:
            if state["cancelled"]:
                return
            fn()
            state["timer"] = self.call_at(next_fire(self.now()), fire, label=label)

        state["timer"] = self.call_at(next_fire(self.now()), fire, label=label)

        def cancel() -> None:
            state["cancelled"] = True
            timer = state.get("timer")
            if isinstance(timer, Timer):
                timer.cancel()

        return cancel

    def pending(self) -> list[Timer]:
        with self._lock:
            return sorted(t for t in self._heap if not t.cancelled)

    # -- moving time -----------------------------------------------------------------------
    def advance(self, seconds: float) -> int:
        """Move time forward by ``seconds``, running every timer that falls due on the way."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            target = self.now() + dt.timedelta(seconds=seconds)
            ran = self._run_until(target)
            self._move_to(target)
            return ran

    def advance_to(self, when: dt.datetime) -> int:
        return self.advance(max(0.0, (when.astimezone(UTC) - self.now()).total_seconds()))

    def settle(self) -> int:
        """Run everything due now (including what those timers schedule for now)."""
        return self.advance(0)

    def _move_to(self, when: dt.datetime) -> None:
        assert self._coordinates is not None, "SimClock.start() first"
        if when > self.now():
            self._coordinates.move_to(when, tick=False)

    def _run_until(self, target: dt.datetime) -> int:
        if self._running:  # a timer advancing the clock: let the outer loop run the timers
            return 0
        self._running = True
        ran = 0
        try:
            while self._heap and self._heap[0].due <= target:
                timer = heapq.heappop(self._heap)
                if timer.cancelled:
                    continue
                self._move_to(timer.due)
                timer.fn()
                ran += 1
                if ran > MAX_TIMERS_PER_ADVANCE:
                    raise RuntimeError(f"runaway timers (last: {timer.label})")
        finally:
            self._running = False
        return ran
