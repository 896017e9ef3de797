"""The hourly sweep: every resource carrying the plan tag vs what AWS Backup protects.

Tag events are best effort, so some never arrive. The sweep reads the tagged inventory page by
page (Resource Groups Tagging API) and AWS Backup's protected resources once, then sends the
resources whose protection is missing or stale down the same path as a tag event. Resources
within their plan's interval cost no API call; the result is one ``Coverage Report``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from msgspec import Struct, field, structs

from backup_autopilot.logic.copies.sweep import sweep_recent_copies
from backup_autopilot.logic.errors import Refused
from backup_autopilot.logic.protection import NOT_OPTED_IN, Outcome, Plan, Protector, decide_tag_change
from backup_autopilot.logic.restore_tests.first_test import restore_test_wanted
from backup_autopilot.logic.selection_health import (
    SAMPLE_SIZE,
    SELECTION_NOT_MATCHING,
    check_plan_selection,
    not_matching_event,
)
from backup_autopilot.models.reconcile_events import CONTINUATION
from backup_autopilot.models.severity import Severity

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from backup_autopilot.logic.copies.service import CopyContext
    from backup_autopilot.logic.copies.sweep import CopySweepPort
    from backup_autopilot.logic.protection import EventPort
    from backup_autopilot.logic.resources import TaggedResource
    from backup_autopilot.logic.restore_tests.sweep import RestoreTestSweeper
    from backup_autopilot.logic.selection_health import JobsPort
    from backup_autopilot.models.reconcile_events import ContinuationEvent

#: how far back the copy sweep reports failed copy jobs again: two reconcile periods, so a failure
#: whose event was lost is alerted by the next run; notify drops the repeats (same dedupe key)
FAILED_COPY_LOOKBACK = dt.timedelta(hours=2)

#: offenders listed in one Coverage Report (the counts are always complete)
MAX_OFFENDERS = 50


class InventoryPage(Struct, frozen=True):
    """One page of the tagged inventory, and the token of the next (None on the last page)."""

    resources: list[TaggedResource]
    next_token: str | None


class InventoryPort(Protocol):
    def page(self, tag_key: str, token: str | None) -> InventoryPage: ...


class CataloguePort(Protocol):
    """What AWS Backup protects, and the plans a tag may name."""

    def protected_resources(self) -> Mapping[str, dt.datetime | None]: ...

    def assignable_plans(self, refresh: bool = False) -> Mapping[str, Plan]: ...


class Coverage(Struct):
    """Counts that survive across continuations (serialisable as plain JSON)."""

    tagged: int = 0
    protected: int = 0  # on an assignable plan (valid tag, supported type)
    within_rpo: int = 0  # protected and backed up within the plan's interval
    backups_started: int = 0
    rejected: int = 0
    not_opted_in: int = 0
    ignored: int = 0
    #: the copy sweep: recent recovery points, those missing a copy, copies started for them
    copy_points: int = 0
    copy_missing: int = 0
    copies_started: int = 0
    #: failed copy jobs of the last two hours reported again as Copy Failed (their event may be lost)
    copy_failures_reported: int = 0
    offenders: list[dict[str, str]] = field(default_factory=list)
    #: per plan, a few protected resources tagged for it: the selection-health check reads their jobs
    plan_samples: dict[str, list[str]] = field(default_factory=dict)
    #: plans whose selection matched none of the resources due for a plan job (critical)
    selections_not_matching: list[str] = field(default_factory=list)
    #: what the restore-test sweep did (late validations, leftovers, deletions, reports)
    restore_sweep: dict[str, list[str]] = field(default_factory=dict)
    #: protected resources opted in to restore tests, and those no run can test yet (with why)
    restore_opted_in: int = 0
    restore_not_testable: list[dict[str, str]] = field(default_factory=list)
    #: requests AWS refused for good (not found, invalid, access denied on that resource)
    refused: int = 0

    def sample(self, plan: str, arn: str) -> None:
        sample = self.plan_samples.setdefault(plan, [])
        if len(sample) < SAMPLE_SIZE:
            sample.append(arn)

    def add_copy_sweep(self, points: int, missing: int, started: int) -> None:
        self.copy_points += points
        self.copy_missing += missing
        self.copies_started += started

    def offend(self, arn: str, reason: str) -> None:
        if len(self.offenders) < MAX_OFFENDERS:
            self.offenders.append({"resource": arn, "reason": reason})

    def to_dict(self) -> dict[str, Any]:
        return structs.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Coverage:
        known = {k: data[k] for k in cls.__struct_fields__ if k in data}
        return cls(**known)

    def report(self) -> dict[str, Any]:
        """The Coverage Report's detail.

        It is a warning only when the sweep had to act (a backup or copy that an event should have
        started): standing problems (rejected tags) were alerted when they happened, and repeating
        them every hour would bury new ones; they stay listed in ``offenders``.
        """
        acted = self.backups_started + self.copies_started
        summary = (
            f"{self.tagged} tagged, {self.protected} on a plan, {self.within_rpo} within RPO, "
            f"{self.backups_started} backups started, {self.rejected} rejected, "
            f"{self.not_opted_in} not opted in; {self.copy_points} recent recovery points, "
            f"{self.copy_missing} lacked a copy ({self.copies_started} copies started)"
        )
        return {
            "severity": Severity.WARNING if acted else Severity.INFO,
            "summary": summary,
            **self.to_dict(),
        }


def sweep(
    resources: Iterable[TaggedResource],
    *,
    protected: Mapping[str, dt.datetime | None],
    plans: Mapping[str, Plan],
    plan_tag_key: str,
    protector: Protector,
    coverage: Coverage,
    now: dt.datetime,
    restore_tests: RestoreOptIn | None = None,
) -> Coverage:
    """Reconcile one page of tagged resources into ``coverage``."""
    for resource in resources:
        coverage.tagged += 1
        decision = decide_tag_change(
            resource_arn=resource.arn,
            changed_keys=[plan_tag_key],
            tags=resource.tags,
            plan_tag_key=plan_tag_key,
            plans=plans,
        )
        if decision.outcome is Outcome.IGNORED:
            coverage.ignored += 1
            continue
        if decision.outcome is not Outcome.PROTECTED or decision.plan is None:
            coverage.rejected += 1
            coverage.offend(resource.arn, decision.fix or decision.reason)
            continue
        last = protected.get(resource.arn)
        if last is not None:
            coverage.sample(decision.plan.alias, resource.arn)
        if restore_tests is not None and restore_test_wanted(
            dict(resource.tags), restore_tests.tag_key, restore_tests.default_on
        ):
            coverage.restore_opted_in += 1
            if (last is None or now - last > restore_tests.selection_window) and len(
                coverage.restore_not_testable
            ) < MAX_OFFENDERS:
                coverage.restore_not_testable.append(
                    {
                        "resource": resource.arn,
                        "reason": "no recovery point within the restore testing plan's selection window",
                    }
                )
        if last is not None and now - last < decision.plan.interval:
            coverage.protected += 1
            coverage.within_rpo += 1
            continue
        try:
            result = protector.apply(decision, now=now, latest_backup=last)
        except Refused as refusal:  # this resource only: the sweep goes on
            coverage.refused += 1
            coverage.offend(
                resource.arn, f"AWS refused {refusal.operation} ({refusal.code}): {refusal.reason[:200]}"
            )
            continue
        if result.outcome is Outcome.REJECTED:
            if result.cause == NOT_OPTED_IN:
                coverage.not_opted_in += 1
            else:
                coverage.rejected += 1
            coverage.offend(resource.arn, result.detail)
            continue
        coverage.protected += 1
        if result.backup_job_id:
            coverage.backups_started += 1
        else:
            coverage.within_rpo += 1  # covered by its instance, or a backup we did not know of
    return coverage


COVERAGE_REPORT = "Coverage Report"


class RestoreOptIn(Struct, frozen=True):
    """How the inventory tells which resources are opted in to restore tests."""

    tag_key: str
    default_on: bool
    selection_window: dt.timedelta


class ReconcileRun(Struct):
    """Where a sweep stands: the next inventory page and the counts so far."""

    run_id: str
    token: str | None = None
    pages: int = 0
    coverage: Coverage = field(default_factory=Coverage)

    def to_detail(self) -> dict[str, Any]:
        return {
            "severity": Severity.INFO,
            "summary": f"reconcile {self.run_id} continues after {self.pages} page(s)",
            "run_id": self.run_id,
            "token": self.token,
            "pages": self.pages,
            "coverage": self.coverage.to_dict(),
        }

    @classmethod
    def resume(cls, event: ContinuationEvent) -> ReconcileRun:
        """The run a (validated) continuation event carries."""
        detail = event.detail
        return cls(
            run_id=detail.run_id,
            token=detail.token,
            pages=detail.pages,
            coverage=Coverage.from_dict(event.coverage()),
        )


def walk_inventory(
    run: ReconcileRun,
    *,
    next_page: Callable[[str | None], tuple[list[TaggedResource], str | None]],
    process: Callable[[list[TaggedResource]], None],
    time_left_ms: Callable[[], int],
    reserve_ms: int,
) -> bool:
    """Process inventory pages from ``run.token`` on; True when the inventory is finished.

    Stops before a page when less than ``reserve_ms`` remains, leaving ``run.token`` at the first
    page not yet processed: the continuation resumes exactly there, so no resource is skipped
    or processed twice.
    """
    while True:
        resources, token = next_page(run.token)
        process(resources)
        run.token, run.pages = token, run.pages + 1
        if token is None:
            return True
        if time_left_ms() < reserve_ms:
            return False


#: stop taking new inventory pages when less than this remains (one page takes far less)
RESERVE_MILLIS = 15_000


class Reconciler(Struct):
    """The hourly sweep's ports and configuration (built by the composition root)."""

    inventory: InventoryPort
    catalogue: CataloguePort
    protector: Protector
    events: EventPort
    copy_context: CopyContext
    copies: CopySweepPort
    jobs: JobsPort
    #: the stack's primary vault (None: no copy sweep); the sweep checks the recent recovery points
    #: of every vault the copy context copies from (the primary vault and the listed plans')
    primary_vault: str | None
    copy_sweep_days: int
    region: str
    #: the restore-test half of the sweep (None: the stack runs no restore tests)
    restore_tests: RestoreTestSweeper | None = None
    restore_opt_in: RestoreOptIn | None = None
    reserve_ms: int = RESERVE_MILLIS

    def run(
        self, run: ReconcileRun, *, now: dt.datetime, account: str, time_left_ms: Callable[[], int]
    ) -> bool:
        """One invocation of the sweep; True when the run finished.

        Walks the tagged inventory from where ``run`` stands. When time runs short it publishes a
        ``Reconcile Continuation`` (the stack's rule routes it back to the function) and returns
        False. Otherwise it sweeps recent recovery points that lack their copies and publishes the
        run's ``Coverage Report``.
        """
        protected = self.catalogue.protected_resources()
        plans = self.catalogue.assignable_plans()
        plan_tag_key = self.protector.plan_tag_key

        def next_page(token: str | None) -> tuple[list[TaggedResource], str | None]:
            page = self.inventory.page(plan_tag_key, token)
            return page.resources, page.next_token

        def process(resources: list[TaggedResource]) -> None:
            sweep(
                resources,
                protected=protected,
                plans=plans,
                plan_tag_key=plan_tag_key,
                protector=self.protector,
                coverage=run.coverage,
                now=now,
                restore_tests=self.restore_opt_in,
            )

        finished = walk_inventory(
            run, next_page=next_page, process=process, time_left_ms=time_left_ms, reserve_ms=self.reserve_ms
        )
        if not finished:
            self.events.publish(CONTINUATION, run.to_detail())
            return False
        self._check_selections(run.coverage, plans, now)
        if self.primary_vault:
            copies = sweep_recent_copies(
                self.copy_context,
                self.copies,
                vault_names=sorted(self.copy_context.source_vaults or {self.primary_vault}),
                account=account,
                region=self.region,
                since=now - dt.timedelta(days=self.copy_sweep_days),
                failures_since=now - FAILED_COPY_LOOKBACK,
            )
            run.coverage.add_copy_sweep(copies.points, copies.copied, copies.copies_started)
            run.coverage.copy_failures_reported = copies.failures_reported
        if self.restore_tests is not None:
            self.restore_tests.not_tested = list(run.coverage.restore_not_testable)
            restores = self.restore_tests.run(now=now)
            run.coverage.restore_sweep = restores.to_dict()
        self.events.publish(COVERAGE_REPORT, run.coverage.report())
        return True

    def _check_selections(self, coverage: Coverage, plans: Mapping[str, Plan], now: dt.datetime) -> None:
        """Selection health (see :mod:`backup_autopilot.logic.selection_health`)."""
        for alias, sample in sorted(coverage.plan_samples.items()):
            plan = plans.get(alias)
            if plan is None:
                continue
            try:
                verdict = check_plan_selection(plan, sample, self.jobs, now=now)
            except Refused:
                coverage.refused += 1
                continue
            if verdict.not_matching:
                coverage.selections_not_matching.append(alias)
                self.events.publish(
                    SELECTION_NOT_MATCHING,
                    not_matching_event(verdict, plan, self.protector.plan_tag_key, now),
                )
