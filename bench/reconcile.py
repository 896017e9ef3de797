"""Issue 3 (c): reconcile's AWS calls and peak memory for 1,000 and 10,000 tagged resources.

The inventory is EBS volumes tagged ``backup-plan=daily`` (the cheapest resource to create in
bulk that the Resource Groups Tagging API returns), each with COMPLETED daily backups (the newest
two hours old, within the plan's interval) and a COMPLETED copy of each in the DR vault, all put
straight into the sandbox's state (:mod:`bench.seed`). Two histories: one day (one backup per
resource), and seven days, what an established inventory holds; the copy sweep reads only the
last ``COPY_SWEEP_DAYS`` (default 1) of it, so a longer history should cost no more calls. Seven
days is measured at 1,000 resources only (the sandbox's list operations are too slow for 70,000
recovery points within the bench's time).

Each world gets a reconcile run started as the hourly schedule starts it and followed through its
continuations (if any): the steady state (everything within its RPO and copied), in a cold
container, as an hourly run usually finds it (no client, no plan cache: the cache lives
5 minutes). In the one-day worlds, 10 more tagged volumes then appear with no backup (their tag
events were lost) and a second run, in the now warm container, starts their first backups.

Each world runs in a fresh interpreter, so all start from the same process state. Peak memory is
tracemalloc's peak during a run: it includes the in-process AWS (moto building its responses), so
it is an upper bound of the function's own; the steady-state run's includes the cold start.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bench import ROOT, seed
from bench.apicalls import ApiCallCounter, FunctionCalls
from bench.report import calls_table, heading, quiet, say, table, verdict

if TYPE_CHECKING:
    from sandbox import Sandbox
    from sandbox.lambda_service import Invocation

FUNCTION = "ReconcileFunction"
SCHEDULED_EVENT = ROOT / "events" / "reconcile" / "scheduled.json"
#: tagged resources that appear with no backup before run 2 (their tag events were lost)
NEW_RESOURCES = 10
#: the issue's budget: API calls per 100 tagged resources, and memory
CALL_BUDGET_PER_100 = 2.0
MEMORY_BUDGET_MB = 256


#: days of daily backups in the established inventory (the copy sweep reads the last day of it)
SWEEP_DAYS = 7
#: the copy sweep's listings, which grow with the days of history
SWEEP_LISTS = ("backup:ListRecoveryPointsByBackupVault", "backup:ListCopyJobs")


@dataclass
class RunFigures:
    size: int
    days: int
    state: str
    invocations: int
    calls: FunctionCalls
    peak_mb: float
    seconds: float
    result: dict[str, Any]

    @property
    def per_100(self) -> float:
        return self.calls.total() * 100 / self.size

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "calls": self.calls.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunFigures:
        return cls(**{**data, "calls": FunctionCalls.from_json(data["calls"])})


def _protected_world(sb: Sandbox, size: int, days: int) -> None:
    """``size`` tagged volumes, each backed up daily for ``days`` days (the last two hours ago),
    every backup copied to the DR vault."""
    dr_vault_arn = sb.router.function("StartCopiesFunction").environment["DR_VAULT_ARN"]
    newest = sb.clock.now() - dt.timedelta(hours=2)
    for arn in seed.ebs_volumes(sb, size, seed.PLAN_TAG):
        for day in range(days):
            job = seed.completed_backup(sb, arn, created=newest - dt.timedelta(days=day))
            seed.completed_copy(sb, job, dr_vault_arn)


def _reconcile(sb: Sandbox, calls: ApiCallCounter, size: int, days: int, state: str) -> RunFigures:
    """One scheduled run and its continuations, with tracemalloc on."""
    event = json.loads(SCHEDULED_EVENT.read_text())
    event["time"] = sb.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    before = calls.of(FUNCTION).copy()
    seen = len(sb.invocations)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        sb.invoke(FUNCTION, event)
        sb.settle()  # continuations are asynchronous invocations through the stack's bus
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    runs: list[Invocation] = [i for i in sb.invocations[seen:] if i.function == FUNCTION]
    failed = [r for r in runs if r.outcome != "success"]
    if failed or not runs or not (runs[-1].result or {}).get("finished"):
        raise RuntimeError(f"reconcile of {size} did not finish: {[r.to_dict() for r in failed or runs]}")
    return RunFigures(
        size,
        days,
        state,
        len(runs),
        calls.of(FUNCTION).minus(before),
        peak / 2**20,
        seconds,
        runs[-1].result or {},
    )


def measure(size: int, days: int) -> list[RunFigures]:
    """The runs of one world, in this process: the steady state, then (one-day history) the +10 run."""
    with seed.stack() as sb, ApiCallCounter(sb) as calls:
        _protected_world(sb, size, days)
        runs = [_reconcile(sb, calls, size, days, "steady state, cold")]
        if days == 1:
            seed.ebs_volumes(sb, NEW_RESOURCES, seed.PLAN_TAG)
            runs.append(
                _reconcile(sb, calls, size + NEW_RESOURCES, days, f"+{NEW_RESOURCES} with no backup, warm")
            )
    return runs


def _measure_in_child(size: int, days: int) -> list[RunFigures]:
    """:func:`measure` in a fresh interpreter, so every size starts from the same process state
    (nothing imported or cached by an earlier benchmark: the memory figures are comparable)."""
    child = subprocess.run(
        [sys.executable, "-m", "bench.reconcile", str(size), str(days)],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    if child.returncode != 0:
        raise RuntimeError(f"reconcile benchmark of {size} failed:\n{child.stderr[-3000:]}")
    return [RunFigures.from_json(item) for item in json.loads(child.stdout.strip().splitlines()[-1])]


def run(quick: bool = False) -> None:
    small_size, large_size = (100, 200) if quick else (1_000, 10_000)
    heading(f"Issue 3 (c): reconcile of {small_size:,} and {large_size:,} tagged resources")
    small, small_new = _measure_in_child(small_size, 1)
    large, large_new = _measure_in_child(large_size, 1)
    [established] = _measure_in_child(small_size, SWEEP_DAYS)
    figures = [small, small_new, large, large_new, established]
    # the sweep's listings grow with the points (and copy jobs) of the window: per resource per day
    extra = sum(established.calls.calls[op] - small.calls.calls[op] for op in SWEEP_LISTS)
    projected = large.per_100 + extra * 100 / small_size
    table(
        "Reconcile runs (tagged EBS volumes; daily backups within RPO and their DR copies seeded)",
        [
            "resources",
            "history",
            "run",
            "invocations",
            "API calls",
            "per 100",
            "peak MB",
            "real s",
            "backups started",
        ],
        [
            [
                f.size,
                f"{f.days} day{'s' if f.days > 1 else ''}",
                f.state,
                f.invocations,
                f.calls.total(),
                f.per_100,
                f.peak_mb,
                f.seconds,
                f.result.get("backups_started", 0),
            ]
            for f in figures
        ],
        [
            f"budget (steady state, {large_size:,} resources): <= {CALL_BUDGET_PER_100:g} API calls per 100, "
            f"< {MEMORY_BUDGET_MB} MB",
            f"measured, one-day history: {large.per_100:.2f} per 100 "
            f"({verdict(large.per_100 <= CALL_BUDGET_PER_100)}), {large.peak_mb:.1f} MB "
            f"({verdict(large.peak_mb < MEMORY_BUDGET_MB)})",
            f"with {SWEEP_DAYS} days of history (the copy sweep reads the last day): "
            f"+{extra} calls for {small_size:,} resources (measured); "
            f"projected (not measured) at {large_size:,}: {projected:.2f} per 100 "
            f"({verdict(projected <= CALL_BUDGET_PER_100)})",
            "peak MB: tracemalloc peak during the run, the in-process moto included (an upper bound); "
            "the steady-state run includes the cold start, the +10 run the first EC2 client (botocore's "
            "EC2 model: about 22 MB)",
            "moto's GetResources also applies the default TagsPerPage (100) next to ResourcesPerPage=100: "
            "a page holds 99 single-tag resources",
        ],
    )
    table(
        f"Steady state, one-day history: {large_size:,} vs {small_size:,} resources "
        f"(ratio {large_size // small_size}x)",
        ["figure", f"{small_size:,}", f"{large_size:,}", "ratio"],
        [
            [
                "API calls",
                small.calls.total(),
                large.calls.total(),
                large.calls.total() / small.calls.total(),
            ],
            ["calls per 100 resources", small.per_100, large.per_100, large.per_100 / small.per_100],
            ["peak MB", small.peak_mb, large.peak_mb, large.peak_mb / small.peak_mb],
            ["real seconds", small.seconds, large.seconds, large.seconds / small.seconds],
        ],
    )
    calls_table(
        "Reconcile API calls by operation (whole run)",
        [
            (f"{small_size:,} steady", small.calls, 1),
            (f"{small_size:,} +{NEW_RESOURCES}", small_new.calls, 1),
            (f"{large_size:,} steady", large.calls, 1),
            (f"{large_size:,} +{NEW_RESOURCES}", large_new.calls, 1),
            (f"{small_size:,} steady, {SWEEP_DAYS} days", established.calls, 1),
        ],
    )
    if quick:
        say("  * --quick: 100 and 200 resources instead of 1,000 and 10,000")


if __name__ == "__main__":
    with quiet():
        measured = measure(int(sys.argv[1]), int(sys.argv[2]))
    say(json.dumps([figures.to_json() for figures in measured], default=str))
