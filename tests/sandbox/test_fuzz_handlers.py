"""Every handler survives 1,000 mutated events: no unhandled exception, no AWS write for a refused one.

The bases are real events the sandbox produced (a tag change, a completed backup, a completed
copy, a scheduled run); ``tests.fuzzing`` mutates them, seeded (CI sees the same 1,000 each run;
`make fuzz` draws new ones with FUZZ_SCALE times as many). A handler that raised would be retried
three times and dead-lettered for nothing; a write caused by a forged or foreign event is a bug.
"""

from __future__ import annotations

import os
import zlib
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from bench.apicalls import ApiCallCounter
from tests.conftest import load_event, scaled
from tests.fuzzing import is_write, mutants

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sandbox import Sandbox

EVENTS_PER_HANDLER = 1_000
#: CI uses this seed; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) a new one each run, printed on failure
SEED = 20261201 if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci" else int.from_bytes(os.urandom(4))


@pytest.fixture(scope="module")
def world() -> Iterator[dict[str, Any]]:
    """One sandbox with a protected, backed-up and copied table, and the real events it produced."""
    from sandbox import Sandbox

    with Sandbox() as sb:
        # advanced DynamoDB backup on, so the table's backups are copied (and a copy event exists)
        sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
        sb.create_table("orders", items=20, tags={"backup-plan": "daily"})
        sb.advance(3 * 3600)
        yield {"sb": sb, "bases": _bases(sb)}


def _first(sb: Sandbox, detail_type: str, state: str) -> dict[str, Any]:
    for event in sb.events:
        detail = event.get("detail") or {}
        if event["detail-type"] == detail_type and (detail.get("state") or detail.get("status")) == state:
            return {k: v for k, v in event.items() if not k.startswith("_")}
    raise AssertionError(f"the sandbox produced no {detail_type} {state}")


def _bases(sb: Sandbox) -> dict[str, dict[str, Any]]:
    return {
        "ProtectResourceFunction": load_event("protect_resource/dynamodb_added.json"),
        "StartCopiesFunction": _first(sb, "Backup Job State Change", "COMPLETED"),
        "CopyOutcomeFunction": _first(sb, "Copy Job State Change", "COMPLETED"),
        "ReconcileFunction": load_event("reconcile/scheduled.json"),
    }


#: the paths each handler acts on: dropping or nulling one must make it refuse the event
REQUIRED: dict[str, set[tuple[Any, ...]]] = {
    "ProtectResourceFunction": {("account",), ("region",), ("resources",), ("detail",), ("id",), ("time",)},
    "StartCopiesFunction": {
        ("account",),
        ("region",),
        ("detail",),
        ("detail", "backupJobId"),
        ("id",),
        ("time",),
    },
    "CopyOutcomeFunction": {("account",), ("region",), ("detail",), ("id",), ("time",)},
    "ReconcileFunction": set(),
}


@pytest.mark.fuzz
@pytest.mark.parametrize("function", sorted(REQUIRED))
def test_a_thousand_mutated_events_never_crash_and_refused_ones_write_nothing(
    world: dict[str, Any], function: str
) -> None:
    sb: Sandbox = world["sb"]
    base = world["bases"][function]
    outcomes: Counter[str] = Counter()
    crashes: list[str] = []
    forged_writes: list[str] = []
    with ApiCallCounter(sb) as counter:
        for index, mutant in enumerate(
            mutants(
                base,
                scaled(EVENTS_PER_HANDLER),
                SEED + zlib.crc32(function.encode()) % 1000,
                REQUIRED[function],
            )
        ):
            before = counter.of(function).copy()
            invocation = sb.invoke(function, mutant.event)
            writes = [op for op in counter.of(function).minus(before).calls.elements() if is_write(op)]
            outcomes[invocation.outcome] += 1
            if invocation.outcome == "error":
                crashes.append(f"#{index} {mutant.description}: {invocation.error}"[:300])
            elif mutant.must_refuse and writes:
                forged_writes.append(f"#{index} {mutant.description}: {writes}"[:300])
            sb.settle()
    assert crashes == [], f"seed {SEED}: {len(crashes)} crashes, first: {crashes[:5]}"
    assert forged_writes == [], f"seed {SEED}: writes for refused events: {forged_writes[:5]}"
    assert outcomes["success"] == scaled(EVENTS_PER_HANDLER)
