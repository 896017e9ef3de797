"""``python -m bench [--quick]``: every benchmark, one after the other, as plain tables.

Benchmarks print figures and never pass or fail on time; the exit status is 1 only when a
benchmark could not run (an exception), so ``--quick`` in the test suite keeps them from rotting.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import time
import traceback
from typing import TYPE_CHECKING

from bench import alerts, bytecode, copies, imports, protect, reconcile, restore_tests
from bench.report import heading, quiet, say

if TYPE_CHECKING:
    from collections.abc import Callable

#: ``--quick``: interleaved pairs per cold-start ratio
QUICK_IMPORT_RUNS = 1


def _cold_start(quick: bool) -> None:
    heading("Issue 12: cold start (both ratios), peak memory, log bytes")
    if quick:
        imports.RUNS = QUICK_IMPORT_RUNS
    imports.main()  # prints its own table (fresh processes: nothing to silence)


#: (name, benchmark, whether to silence stdout: handlers log to it, imports.main prints its table)
BENCHMARKS: list[tuple[str, Callable[[bool], None], bool]] = [
    ("imports", _cold_start, False),
    ("bytecode", bytecode.run, False),
    ("protect", protect.run, True),
    ("reconcile", reconcile.run, True),
    ("copies", copies.run, True),
    ("alerts", alerts.run, True),
    ("restore_tests", restore_tests.run, True),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="every benchmark at a tiny scale (for tests)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    scale = " (--quick: tiny scale, figures not meaningful)" if args.quick else ""
    say(
        f"backup-autopilot benchmarks{scale}: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{platform.machine()}; the AWS side is the sandbox (moto, in process)"
    )
    failed = []
    for name, benchmark, silenced in BENCHMARKS:
        try:
            with quiet() if silenced else contextlib.nullcontext():
                benchmark(args.quick)
        except Exception:  # a broken benchmark must not hide the others' figures
            failed.append(name)
            traceback.print_exc()
    say()
    say(
        f"bench finished in {time.perf_counter() - started:.0f} s"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
