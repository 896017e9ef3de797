"""API calls per event, per function, against the budgets of issue 12 (``bench.apicalls.CALL_BUDGETS``):
counts only, never time. One world: three tables tagged (the first in a cold container, one with a
mistyped plan), their backups completed and copied, a notify batch, two hourly reconciles."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from bench.apicalls import CALL_BUDGETS, ApiCallCounter, FunctionCalls
from sandbox import Sandbox
from tests.conftest import ROOT
from tests.sandbox.test_copy_flow import advanced_dynamodb

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

PLAN = "backup-plan"


def _budget(function: str, case: str, runs: int, containers: int = 1) -> int:
    per_invocation, per_container = CALL_BUDGETS[(function, case)]
    return per_invocation * runs + per_container * containers


class World:
    def __init__(self, sb: Sandbox, calls: ApiCallCounter) -> None:
        self.sb, self.calls = sb, calls

    def step(self, action: Callable[[], object]) -> dict[str, tuple[int, FunctionCalls]]:
        """Runs and calls per function during ``action``."""
        before = {f: self.calls.of(f).copy() for f in self.sb.deployment.functions}
        seen = len(self.sb.invocations)
        action()
        runs = Counter(i.function for i in self.sb.invocations[seen:])
        return {f: (n, self.calls.of(f).minus(before[f])) for f, n in runs.items()}

    def tag(self, name: str, value: str) -> dict[str, tuple[int, FunctionCalls]]:
        arn = self.sb.create_table(name, items=3)
        ddb = self.sb.client("dynamodb")
        return self.step(
            lambda: (
                ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": PLAN, "Value": value}]),
                self.sb.settle(),
            )
        )


@pytest.fixture(scope="module")
def steps() -> Iterator[dict[str, dict[str, tuple[int, FunctionCalls]]]]:
    with Sandbox(template=ROOT / "template.yaml", config_env="sandbox") as sb, ApiCallCounter(sb) as calls:
        advanced_dynamodb(sb, True)
        try:
            world = World(sb, calls)
            scheduled = json.loads((ROOT / "events" / "reconcile" / "scheduled.json").read_text())
            yield {
                "cold tag": world.tag("budget-1", "daily"),
                "warm tag": world.tag("budget-2", "daily"),
                "typo": world.tag("budget-3", "Daily"),
                "backups and copies": world.step(lambda: sb.advance(900)),
                "reconcile (cold)": world.step(lambda: sb.invoke("ReconcileFunction", scheduled)),
                "reconcile (warm)": world.step(lambda: sb.invoke("ReconcileFunction", scheduled)),
            }
        finally:
            advanced_dynamodb(sb, False)


def test_a_tag_event_costs_its_budget_cold_and_warm(
    steps: dict[str, dict[str, tuple[int, FunctionCalls]]],
) -> None:
    runs, cold = steps["cold tag"]["ProtectResourceFunction"]
    assert runs == 1 and cold.total() <= _budget("ProtectResourceFunction", "tag event", 1)
    runs, warm = steps["warm tag"]["ProtectResourceFunction"]
    assert runs == 1 and warm.total() <= _budget("ProtectResourceFunction", "tag event", 1, containers=0)
    assert warm.calls["eventbridge:PutEvents"] == 1


def test_an_unknown_plan_reads_the_catalogue_again_once(
    steps: dict[str, dict[str, tuple[int, FunctionCalls]]],
) -> None:
    runs, typo = steps["typo"]["ProtectResourceFunction"]
    assert runs == 1 and typo.total() <= _budget("ProtectResourceFunction", "unknown plan", 1)
    assert typo.calls["backup:ListBackupPlans"] == 1


def test_completions_and_copies_cost_their_budgets(
    steps: dict[str, dict[str, tuple[int, FunctionCalls]]],
) -> None:
    step = steps["backups and copies"]
    runs, copies = step["StartCopiesFunction"]
    assert runs == 2 and copies.total() <= _budget(
        "StartCopiesFunction", "completed backup, 1 destination", runs
    )
    assert copies.calls["eventbridge:PutEvents"] == runs  # one PutEvents per invocation, all its events
    runs, outcome = step["CopyOutcomeFunction"]
    assert runs == 2 and outcome.total() <= _budget("CopyOutcomeFunction", "completed copy", runs)
    runs, record = step["RecordBackupFunction"]
    assert runs == 2 and record.total() <= _budget(
        "RecordBackupFunction", "completed backup, no restore test", runs
    )
    runs, notify = step["NotifyFunction"]  # the typo's Assignment Rejected, then batches with nothing new
    assert notify.calls["sns:Publish"] == 1
    assert notify.total() <= _budget("NotifyFunction", "batch with an alert", 1) + (runs - 1)


def test_the_hourly_reconcile_costs_its_budget(
    steps: dict[str, dict[str, tuple[int, FunctionCalls]]],
) -> None:
    runs, cold = steps["reconcile (cold)"]["ReconcileFunction"]
    assert runs == 1 and cold.total() <= _budget("ReconcileFunction", "hourly run, 3 tables", 1)
    runs, warm = steps["reconcile (warm)"]["ReconcileFunction"]
    assert runs == 1 and warm.total() <= _budget("ReconcileFunction", "hourly run, 3 tables", 1, containers=0)
