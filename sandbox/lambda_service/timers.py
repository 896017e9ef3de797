"""The Lambda service's timers on the simulated clock: one-shot and repeating, all void once stopped."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from sandbox.clock import SimClock


class Timers:
    """Timers that do nothing once :meth:`stop` has been called (the clock may still hold them)."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self._stopped = False

    def now(self) -> dt.datetime:
        return self.clock.now()

    def stop(self) -> None:
        self._stopped = True

    def call_at(self, when: dt.datetime, fn: Callable[[], None], *, label: str) -> None:
        """A timer that does nothing once the service has stopped."""

        def run() -> None:
            if not self._stopped:
                fn()

        self.clock.call_at(when, run, label=label)

    def repeat(
        self, next_fire: Callable[[dt.datetime], dt.datetime | None], fn: Callable[[], None], *, label: str
    ) -> None:
        """Run ``fn`` at every time ``next_fire`` gives, from now on, until it gives ``None``."""

        def schedule(now: dt.datetime) -> None:
            due = next_fire(now)
            if due is not None:
                self.call_at(due, lambda: fire(due), label=label)

        def fire(due: dt.datetime) -> None:
            fn()
            schedule(due)

        schedule(self.clock.now())
