"""The reconcile sweep with fakes: only stale or unprotected resources cost work."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import pytest

from backup_autopilot.logic.protection import Protector
from backup_autopilot.logic.reconcile import Coverage, ReconcileRun, sweep
from backup_autopilot.logic.resources import TaggedResource
from backup_autopilot.models.base import Invalid
from backup_autopilot.models.reconcile_events import ContinuationEvent
from tests.fakes import FakeBackup, FakeEvents, FakeResources
from tests.unit.logic.test_protection import NOW, PLANS

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t{}"


def _run(
    resources: list[TaggedResource],
    protected: Mapping[str, dt.datetime | None],
    backup: FakeBackup | None = None,
):
    backup = backup or FakeBackup()
    events = FakeEvents()
    protector = Protector(backup, FakeResources(), events, "backup-plan")
    coverage = sweep(
        resources,
        protected=protected,
        plans=PLANS,
        plan_tag_key="backup-plan",
        protector=protector,
        coverage=Coverage(),
        now=NOW,
    )
    return coverage, backup, events


def test_lost_tag_event_is_caught_and_fresh_resources_cost_nothing() -> None:
    resources = [TaggedResource(ARN.format(i), {"backup-plan": "daily"}) for i in range(5)]
    protected = {ARN.format(i): NOW - dt.timedelta(hours=2) for i in range(4)}  # t4's event was lost
    coverage, backup, events = _run(resources, protected)
    assert [s[0] for s in backup.started] == [ARN.format(4)]
    assert (coverage.tagged, coverage.protected, coverage.within_rpo, coverage.backups_started) == (
        5,
        5,
        4,
        1,
    )
    assert [e[0] for e in events.published] == ["Resource Protected"]


def test_stale_backup_gets_a_new_one_and_typos_are_offenders() -> None:
    resources = [
        TaggedResource(ARN.format(1), {"backup-plan": "daily"}),
        TaggedResource(ARN.format(2), {"backup-plan": "gold"}),
        TaggedResource(ARN.format(3), {"backup-plan": "daily", "backup-autopilot:restore-test": "r1"}),
    ]
    coverage, backup, _ = _run(resources, {ARN.format(1): NOW - dt.timedelta(days=2)})
    assert len(backup.started) == 1
    assert coverage.rejected == 1 and coverage.ignored == 1
    assert coverage.offenders[0]["resource"] == ARN.format(2)
    assert coverage.report()["severity"] == "warning"  # it had to start a backup


def test_standing_problems_alone_do_not_alert_every_hour() -> None:
    resources = [
        TaggedResource(ARN.format(1), {"backup-plan": "daily"}),
        TaggedResource(ARN.format(2), {"backup-plan": "gold"}),
    ]
    coverage, _, _ = _run(resources, {ARN.format(1): NOW})
    assert coverage.rejected == 1 and coverage.report()["severity"] == "info"
    assert coverage.offenders[0]["resource"] == ARN.format(2)


def test_not_opted_in_is_counted_separately() -> None:
    backup = FakeBackup(opted={"DynamoDB": False})
    coverage, _, _ = _run([TaggedResource(ARN.format(1), {"backup-plan": "daily"})], {}, backup)
    assert coverage.not_opted_in == 1 and coverage.protected == 0


def _continuation(run: ReconcileRun, **overrides: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "c1",
        "source": "backup-autopilot",
        "detail-type": "Reconcile Continuation",
        "account": "123456789012",
        "region": "us-east-1",
        "time": NOW.isoformat(),
        "resources": [],
        "detail": json.loads(json.dumps(run.to_detail(), default=str)),
        **overrides,
    }


def _resume(event: dict[str, Any]) -> ReconcileRun:
    return ReconcileRun.resume(ContinuationEvent.parse(event))


def test_run_survives_a_continuation_round_trip() -> None:
    run = ReconcileRun(run_id="r1", token="page-7", pages=7, coverage=Coverage(tagged=700, protected=690))
    resumed = _resume(_continuation(run))
    assert (resumed.token, resumed.pages, resumed.coverage.tagged, resumed.coverage.protected) == (
        "page-7",
        7,
        700,
        690,
    )


@pytest.mark.parametrize(
    "forgery",
    [
        {"pages": -1},
        {"pages": 10**9},
        {"token": ""},
        {"token": "x" * 5000},
        {"run_id": "../../etc"},
        {"coverage": {"tagged": -5}},
        {"coverage": {"tagged": "many"}},
        {"coverage": {"offenders": [{"resource": "x"}] * 51}},
        {"coverage": {"plan_samples": {"daily": ["a"] * 11}}},
        {"coverage": None},
    ],
)
def test_a_forged_or_broken_continuation_is_refused(forgery: dict[str, Any]) -> None:
    run = ReconcileRun(run_id="r1", token="page-7", pages=7)
    event = _continuation(run)
    event["detail"].update(forgery)
    with pytest.raises(Invalid):
        ContinuationEvent.parse(event)


def test_a_stale_continuation_is_recognised() -> None:
    event = ContinuationEvent.parse(_continuation(ReconcileRun(run_id="r1", token="t", pages=1)))
    assert not event.stale(NOW)
    assert event.stale(NOW + dt.timedelta(hours=3))
    assert event.stale(NOW - dt.timedelta(hours=1))  # dated an hour in the future


def test_large_inventory_continues_across_invocations_without_skips_or_repeats() -> None:
    from backup_autopilot.logic.reconcile import walk_inventory

    # GIVEN 50,000 resources in pages of 100, and invocations that run out of time after 8 pages
    pages = {
        (None if n == 0 else f"t{n}"): (
            [TaggedResource(ARN.format(n * 100 + i), {}) for i in range(100)],
            None if n == 499 else f"t{n + 1}",
        )
        for n in range(500)
    }
    processed: list[str] = []
    invocations = 0
    run = ReconcileRun(run_id="r")
    while True:
        invocations += 1
        clock = iter(range(7, -1, -1))

        def time_left_ms(clock: Iterator[int] = clock) -> int:
            return next(clock) * 1000

        finished = walk_inventory(
            run,
            next_page=lambda token: pages[token],
            process=lambda resources: processed.extend(r.arn for r in resources),
            time_left_ms=time_left_ms,
            reserve_ms=1000,
        )
        if finished:
            break
        # the continuation event carries the run into the next invocation
        run = _resume(_continuation(run))
    assert len(processed) == 50_000 and len(set(processed)) == 50_000
    assert invocations == 63 and run.pages == 500  # ceil(500 / 8)
