"""Selection health: does each plan's tag selection really pick the resources tagged for it?

The plans' selections match ``aws:ResourceTag/backup-plan = <plan>`` and exclude restore-test and
covered volumes with ``StringNotLike`` on a tag, relying on a resource WITHOUT that tag to match.
AWS's wording ("filters the values of your tagged resources") does not settle it (UNVERIFIED). If
AWS disagrees, a plan backs up nothing, silently: the hourly reconcile keeps every resource fresh
with on-demand backups, so an RPO check alone would never notice. This is the runtime guard: after a
plan window, resources tagged for the plan (and protected before the window) must have a backup job
*created by that plan*. When none of the sampled ones has, the selection matches nothing:
``Selection Not Matching`` (critical) names the plan and the resources; the reconcile keeps
protecting them on demand meanwhile.

Pure logic: the jobs come through :class:`JobsPort`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from msgspec import Struct

from backup_autopilot.models.severity import Severity

if TYPE_CHECKING:
    from collections.abc import Iterable

    from backup_autopilot.logic.protection import Plan

SELECTION_NOT_MATCHING = "Selection Not Matching"
#: resources per plan whose jobs are read (one ListBackupJobs call each) on every reconcile run
SAMPLE_SIZE = 3
#: ListBackupJobs covers only the last 30 days
JOB_HISTORY = dt.timedelta(days=30)


class JobSummary(Struct, frozen=True):
    """A backup job as ListBackupJobs lists it: when it was created, and by which plan (if any)."""

    created: dt.datetime
    plan_id: str | None


class JobsPort(Protocol):
    def backup_jobs_of(self, resource_arn: str, since: dt.datetime) -> list[JobSummary]: ...


class SelectionVerdict(Struct, frozen=True):
    plan: str
    checked: tuple[str, ...]  # resources that were due for a plan job
    matched: tuple[str, ...]  # ... and got one

    @property
    def not_matching(self) -> bool:
        return bool(self.checked) and not self.matched


def check_plan_selection(
    plan: Plan, resources: Iterable[str], jobs: JobsPort, *, now: dt.datetime
) -> SelectionVerdict:
    """Whether ``plan``'s last window picked any of ``resources`` (tagged for it, protected before).

    A resource is *due* when it had a backup job before the plan's last window (so it was tagged and
    protected then); it is *matched* when a job created by the plan exists since that window began.
    Windows: one plan interval plus the rule's start window. Only the due ones are judged: a resource
    tagged after the window is not expected to have a plan job yet.
    """
    window = plan.interval + plan.start_window
    since = now - min(JOB_HISTORY, window * 2)
    last_window = now - window
    checked: list[str] = []
    matched: list[str] = []
    for arn in resources:
        history = jobs.backup_jobs_of(arn, since)
        if not any(job.created < last_window for job in history):
            continue  # not protected before the last window: no plan job is due yet
        checked.append(arn)
        if any(job.plan_id == plan.plan_id and job.created >= last_window for job in history):
            matched.append(arn)
    return SelectionVerdict(plan.alias, tuple(checked), tuple(matched))


def not_matching_event(
    verdict: SelectionVerdict, plan: Plan, tag_key: str, now: dt.datetime
) -> dict[str, Any]:
    """The ``Selection Not Matching`` detail: critical, with the plan, the resources and the fix."""
    return {
        "severity": Severity.CRITICAL,
        "summary": (
            f"plan '{plan.alias}' ({plan.plan_id}) created no backup job for any of the "
            f"{len(verdict.checked)} resource(s) tagged {tag_key}={plan.alias} that were due since its last "
            f"window ({', '.join(verdict.checked)}); its selection matches nothing. The hourly reconcile "
            "keeps backing them up on demand. Fix: check the plan's selection conditions in AWS Backup "
            "(a StringNotLike/StringNotEquals condition on a tag the resources lack may exclude them)"
        ),
        "plan": plan.alias,
        "plan_id": plan.plan_id,
        "resources": list(verdict.checked),
        "dedupe_key": f"selection-not-matching:{plan.plan_id}:{now:%Y-%m-%d}",
    }
