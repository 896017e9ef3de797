"""The hourly sweep as one invocation runs it (``Reconciler.run``): a finished run publishes one
Coverage Report; a run out of time publishes its continuation instead and resumes exactly there;
the plans' selections are checked on the resources sampled during the walk (ports faked: no boto3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backup_autopilot.logic.errors import Refused
from backup_autopilot.logic.protection import Protector
from backup_autopilot.logic.reconcile import InventoryPage, Reconciler, ReconcileRun
from backup_autopilot.logic.resources import TaggedResource
from backup_autopilot.logic.selection_health import JobSummary
from backup_autopilot.models.severity import Severity
from tests.fakes import FakeBackup, FakeEvents, FakeResources
from tests.unit.logic.test_protection import NOW, PLANS

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t{}"
#: before the daily plan's last window, within the job history the selection check reads
BEFORE_WINDOW = NOW - dt.timedelta(hours=36)


class FakeInventory:
    """Pages of ``size`` resources tagged for the daily plan; the tokens asked for, in order."""

    def __init__(self, count: int, size: int) -> None:
        self.resources = [TaggedResource(ARN.format(i), {"backup-plan": "daily"}) for i in range(count)]
        self.size = size
        self.asked: list[str | None] = []

    def page(self, tag_key: str, token: str | None) -> InventoryPage:
        assert tag_key == "backup-plan"
        self.asked.append(token)
        start = int(token or 0)
        end = start + self.size
        return InventoryPage(self.resources[start:end], str(end) if end < len(self.resources) else None)


class FakeCatalogue:
    def __init__(self, protected: dict[str, dt.datetime | None]) -> None:
        self.protected = protected

    def protected_resources(self) -> dict[str, dt.datetime | None]:
        return self.protected

    def assignable_plans(self, refresh: bool = False) -> dict[str, Any]:
        return PLANS


class FakeJobs:
    """ListBackupJobs per resource; ``refused`` resources raise as AWS's permanent refusals do."""

    def __init__(self, jobs: dict[str, list[JobSummary]], refused: tuple[str, ...] = ()) -> None:
        self.jobs, self.refused = jobs, refused

    def backup_jobs_of(self, resource_arn: str, since: dt.datetime) -> list[JobSummary]:
        if resource_arn in self.refused:
            raise _Refusal
        return [job for job in self.jobs.get(resource_arn, []) if job.created >= since]


class _Refusal(Refused):
    code, operation, reason = "AccessDeniedException", "ListBackupJobs", "denied"


def _reconciler(
    inventory: FakeInventory, protected: dict[str, dt.datetime | None], jobs: FakeJobs | None = None
) -> tuple[Reconciler, FakeEvents, FakeBackup]:
    events, backup = FakeEvents(), FakeBackup()
    reconciler = Reconciler(
        inventory=inventory,
        catalogue=FakeCatalogue(protected),
        protector=Protector(backup, FakeResources(), events, "backup-plan"),
        events=events,
        copy_context=None,  # type: ignore[arg-type]  # no primary vault: no copy sweep
        copies=None,  # type: ignore[arg-type]
        jobs=jobs or FakeJobs({}),
        primary_vault=None,
        copy_sweep_days=7,
        region="us-east-1",
    )
    return reconciler, events, backup


def _always(ms: int) -> Any:
    return lambda: ms


def test_a_finished_run_protects_what_was_missed_and_publishes_one_coverage_report() -> None:
    # GIVEN 5 tagged tables, 4 backed up within their plan's interval (the 5th's tag event was lost)
    protected: dict[str, dt.datetime | None] = {ARN.format(i): NOW - dt.timedelta(hours=2) for i in range(4)}
    reconciler, events, backup = _reconciler(FakeInventory(5, size=2), protected)
    run = ReconcileRun(run_id="r1")
    # WHEN one invocation has all the time it needs
    assert reconciler.run(run, now=NOW, account="123456789012", time_left_ms=_always(300_000)) is True
    # THEN the 3 pages are walked once, the 5th table gets its backup, and one report says so
    assert [arn for arn, *_ in backup.started] == [ARN.format(4)]
    assert [kind for kind, _ in events.published] == ["Resource Protected", "Coverage Report"]
    report = events.published[-1][1]
    assert (report["tagged"], report["within_rpo"], report["backups_started"]) == (5, 4, 1)
    assert report["severity"] is Severity.WARNING  # the sweep had to act
    assert (run.pages, run.token) == (3, None)


def test_a_run_out_of_time_continues_where_it_stopped_and_reports_once() -> None:
    inventory = FakeInventory(5, size=2)
    protected: dict[str, dt.datetime | None] = {ARN.format(i): NOW - dt.timedelta(hours=2) for i in range(5)}
    reconciler, events, _ = _reconciler(inventory, protected)
    run = ReconcileRun(run_id="r1")
    # WHEN the first invocation has less than the reserve left after its first page
    assert reconciler.run(run, now=NOW, account="123456789012", time_left_ms=_always(1_000)) is False
    # THEN it publishes its continuation (the next page's token and the counts so far), no report
    [(kind, detail)] = events.published
    assert kind == "Reconcile Continuation"
    assert (detail["token"], detail["pages"], detail["coverage"]["tagged"]) == ("2", 1, 2)
    # AND the next invocation resumes at that page: every resource counted once, one report
    assert reconciler.run(run, now=NOW, account="123456789012", time_left_ms=_always(300_000)) is True
    assert inventory.asked == [None, "2", "4"]
    assert [kind for kind, _ in events.published] == ["Reconcile Continuation", "Coverage Report"]
    report = events.published[-1][1]
    assert (report["tagged"], report["within_rpo"], report["severity"]) == (5, 5, Severity.INFO)


def test_a_plan_whose_last_window_backed_up_none_of_its_resources_is_reported() -> None:
    # GIVEN protected tables whose only jobs were made before the plan's last window, none by it since
    protected: dict[str, dt.datetime | None] = {ARN.format(i): NOW - dt.timedelta(hours=2) for i in range(2)}
    before = [
        JobSummary(BEFORE_WINDOW, PLANS["daily"].plan_id),
        JobSummary(NOW - dt.timedelta(hours=2), None),
    ]
    jobs = FakeJobs({ARN.format(i): before for i in range(2)})
    reconciler, events, _ = _reconciler(FakeInventory(2, size=10), protected, jobs)
    run = ReconcileRun(run_id="r1")
    reconciler.run(run, now=NOW, account="123456789012", time_left_ms=_always(300_000))
    kinds = [kind for kind, _ in events.published]
    assert kinds == ["Selection Not Matching", "Coverage Report"]
    assert events.published[0][1]["severity"] is Severity.CRITICAL
    assert run.coverage.selections_not_matching == ["daily"]


def test_a_plan_that_backed_up_its_resources_is_not_reported() -> None:
    protected: dict[str, dt.datetime | None] = {ARN.format(0): NOW - dt.timedelta(hours=2)}
    history = [
        JobSummary(BEFORE_WINDOW, None),
        JobSummary(NOW - dt.timedelta(hours=2), PLANS["daily"].plan_id),
    ]
    reconciler, events, _ = _reconciler(
        FakeInventory(1, size=10), protected, FakeJobs({ARN.format(0): history})
    )
    run = ReconcileRun(run_id="r1")
    reconciler.run(run, now=NOW, account="123456789012", time_left_ms=_always(300_000))
    assert [kind for kind, _ in events.published] == ["Coverage Report"]
    assert run.coverage.selections_not_matching == []


def test_a_refused_selection_check_is_counted_and_the_run_goes_on() -> None:
    protected: dict[str, dt.datetime | None] = {ARN.format(0): NOW - dt.timedelta(hours=2)}
    jobs = FakeJobs({}, refused=(ARN.format(0),))
    reconciler, events, _ = _reconciler(FakeInventory(1, size=10), protected, jobs)
    run = ReconcileRun(run_id="r1")
    assert reconciler.run(run, now=NOW, account="123456789012", time_left_ms=_always(300_000)) is True
    assert run.coverage.refused == 1
    assert [kind for kind, _ in events.published] == ["Coverage Report"]


def _opt_in_sweep(resources: list[TaggedResource], protected: dict[str, dt.datetime | None]) -> Any:
    from backup_autopilot.logic.reconcile import Coverage, RestoreOptIn, sweep

    return sweep(
        resources,
        protected=protected,
        plans=PLANS,
        plan_tag_key="backup-plan",
        protector=Protector(FakeBackup(), FakeResources(), FakeEvents(), "backup-plan"),
        coverage=Coverage(),
        now=NOW,
        restore_tests=RestoreOptIn("backup-restore-test", True, dt.timedelta(hours=24)),
    )


def test_the_sweep_lists_opted_in_resources_no_restore_test_can_pick_yet() -> None:
    # GIVEN restore tests on by default, and resources opted in or out, recently backed up or not
    tags = [
        {"backup-restore-test": "on"},
        {"backup-restore-test": " Yes "},
        {"backup-restore-test": "off"},
        {},
    ]
    resources = [TaggedResource(ARN.format(i), {"backup-plan": "daily", **t}) for i, t in enumerate(tags)]
    protected: dict[str, dt.datetime | None] = {
        ARN.format(0): NOW - dt.timedelta(hours=2),  # within the selection window
        ARN.format(1): NOW - dt.timedelta(hours=30),  # older than the window (and than the plan's interval)
        ARN.format(2): NOW - dt.timedelta(hours=30),
    }
    coverage = _opt_in_sweep(resources, protected)
    # THEN three are opted in; those without a point inside the window are listed, with why
    assert coverage.restore_opted_in == 3
    assert coverage.restore_not_testable == [
        {
            "resource": ARN.format(i),
            "reason": "no recovery point within the restore testing plan's selection window",
        }
        for i in (1, 3)
    ]
    # and the plan sample (for the selection check) holds only resources AWS Backup protects already
    assert coverage.plan_samples == {"daily": [ARN.format(i) for i in range(3)]}


def test_the_not_testable_list_is_bounded_and_the_count_is_not() -> None:
    resources = [TaggedResource(ARN.format(i), {"backup-plan": "daily"}) for i in range(60)]
    coverage = _opt_in_sweep(resources, {})
    assert coverage.restore_opted_in == 60 and len(coverage.restore_not_testable) == 50


def test_every_kind_of_resource_on_one_page_is_counted_and_the_walk_goes_on_after_each() -> None:
    # GIVEN one page: two restore-test copies, two typos, two stale tables, then a fresh one
    names = ["bap-rt-a-1", "bap-rt-b-2", "typo1", "typo2", "stale1", "stale2", "fresh"]
    plan = {"typo1": "daly", "typo2": "dialy"}
    resources = [
        TaggedResource(
            f"arn:aws:dynamodb:us-east-1:123456789012:table/{name}", {"backup-plan": plan.get(name, "daily")}
        )
        for name in names
    ]
    arns = {name: resource.arn for name, resource in zip(names, resources, strict=True)}
    protected: dict[str, dt.datetime | None] = {
        arns["stale1"]: NOW - dt.timedelta(days=2),
        arns["stale2"]: NOW - dt.timedelta(days=2),
        arns["fresh"]: NOW - dt.timedelta(hours=1),
    }
    coverage = _opt_in_sweep(resources, protected)
    counts = (coverage.tagged, coverage.ignored, coverage.rejected, coverage.backups_started)
    assert counts == (7, 2, 2, 2)
    assert (coverage.protected, coverage.within_rpo) == (3, 1)
    # the typos are listed with the fix (the plan they probably meant), in order
    assert [o["resource"] for o in coverage.offenders] == [arns["typo1"], arns["typo2"]]
    assert all("daily" in o["reason"] for o in coverage.offenders)
