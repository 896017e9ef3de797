"""The sandbox's process-wide runtime: the active clock (one simulated world per process)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.clock import SimClock

_clock: SimClock | None = None


def set_clock(clock: SimClock | None) -> None:
    global _clock
    _clock = clock


def clock() -> SimClock:
    """The active SimClock; raises when no sandbox is running."""
    if _clock is None:
        raise RuntimeError("no sandbox clock is running (use sandbox.Sandbox)")
    return _clock


def has_clock() -> bool:
    return _clock is not None
