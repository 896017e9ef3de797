"""Plain-text tables and the statistics the benchmarks print.

Handlers log JSON to stdout (Powertools), so ``python -m bench`` sends ``sys.stdout`` to
/dev/null while benchmarks run (:func:`quiet`) and writes its tables to the real stdout
(:data:`OUT`, captured when this module is imported).
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from bench.apicalls import FunctionCalls

#: where the figures go (the process's stdout before :func:`quiet` replaces it)
OUT: TextIO = sys.stdout
#: never closed: a logger created while quiet keeps writing to it
_DEVNULL = Path(os.devnull).open("w")  # noqa: SIM115


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Handlers' log lines go nowhere; the tables still go to :data:`OUT`."""
    saved = sys.stdout
    sys.stdout = _DEVNULL
    try:
        yield
    finally:
        sys.stdout = saved


def say(text: str = "") -> None:
    print(text, file=OUT, flush=True)


def heading(text: str) -> None:
    say()
    say(text)
    say("=" * len(text))


def table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[object]], notes: Sequence[str] = ()
) -> None:
    """A titled table: the first column left-aligned, the others right-aligned; notes below."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(str(c)) for c in column) for column in zip(columns, *cells, strict=True)]
    say()
    say(title)
    say("  " + _line(columns, widths))
    say("  " + "  ".join("-" * w for w in widths))
    for row in cells:
        say("  " + _line(row, widths))
    for note in notes:
        say(f"  * {note}")


def _line(values: Sequence[str], widths: Sequence[int]) -> str:
    first, *rest = values
    return "  ".join([f"{first:<{widths[0]}}", *(f"{v:>{w}}" for v, w in zip(rest, widths[1:], strict=True))])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 or value == 0 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def verdict(within: bool) -> str:
    """How a figure stands against its budget (printed, never an exit status)."""
    return "within budget" if within else "OVER budget"


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else math.nan


def p95(samples: Sequence[float]) -> float:
    """The 95th percentile, nearest-rank (the value 95 % of samples are at or below)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def calls_table(
    title: str, columns: Sequence[tuple[str, FunctionCalls, int]], notes: Sequence[str] = ()
) -> None:
    """API calls by operation; each column is (heading, calls, events) and shows calls per event."""
    operations = sorted({op for _, calls, _ in columns for op in calls.calls})
    rows: list[list[object]] = [
        [op, *(_per_event(calls.calls[op], events) for _, calls, events in columns)] for op in operations
    ]
    rows.append(["total", *(_per_event(calls.total(), events) for _, calls, events in columns)])
    table(title, ["operation", *(name for name, _, _ in columns)], rows, notes)


def _per_event(count: int, events: int) -> object:
    if events <= 1:
        return count
    per_event = count / events
    return int(per_event) if per_event.is_integer() else round(per_event, 2)
