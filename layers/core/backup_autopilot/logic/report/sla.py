"""SLA ratio: recovery points made / expected over the last 30 days, per resource and plan (pure).

The 30 days (or the time since the resource's first backup or backup job, when shorter) are cut
into slots of the plan's interval, counted back from now; a slot is met when a completed recovery
point was made in it. The ratio is met slots / slots; a resource protected for less than one
interval has no ratio yet. Extra on-demand points never lift a ratio above 1.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from msgspec import Struct

from backup_autopilot.logic.protection import COVERED_BY_TAG, Outcome

if TYPE_CHECKING:
    from backup_autopilot.logic.report.facts import ReportInputs

WINDOW = dt.timedelta(days=30)


class SlaRow(Struct, frozen=True):
    resource_arn: str
    name: str
    resource_type: str
    plan: str
    expected: int
    made: int

    @property
    def ratio(self) -> float | None:
        return self.made / self.expected if self.expected else None


class PlanSla(Struct, frozen=True):
    plan: str
    resources: int
    expected: int
    made: int

    @property
    def ratio(self) -> float | None:
        return self.made / self.expected if self.expected else None


def met_slots(
    times: list[dt.datetime], *, now: dt.datetime, since: dt.datetime, interval: dt.timedelta
) -> tuple[int, int]:
    """(slots, slots with a point) for the slots of ``interval`` counted back from ``now`` to ``since``."""
    slots = int((now - since) / interval) if now > since else 0
    met = {int((now - t) / interval) for t in times if since <= t <= now and now - t < slots * interval}
    return slots, len(met)


def sla_rows(inputs: ReportInputs) -> list[SlaRow]:
    """One row per tagged resource on an assignable plan (worst ratio first)."""
    points: dict[str, list[dt.datetime]] = {}
    for point in inputs.points:
        if point.status in {"COMPLETED", "PARTIAL"}:
            points.setdefault(point.resource_arn, []).append(point.created)
    first_job: dict[str, dt.datetime] = {}
    for job in inputs.backup_jobs:
        if job.created < first_job.get(job.resource_arn, inputs.now):
            first_job[job.resource_arn] = job.created
    rows: list[SlaRow] = []
    for resource, decision in inputs.decisions():
        if decision.outcome is not Outcome.PROTECTED or decision.plan is None or decision.resource is None:
            continue
        subject = resource.tags.get(COVERED_BY_TAG) or resource.arn
        times = points.get(subject, [])
        starts = [t for t in (*times, first_job.get(subject)) if t is not None]
        if not starts:
            continue  # never backed up: the first table says why
        since = max(inputs.now - WINDOW, min(starts))
        expected, made = met_slots(times, now=inputs.now, since=since, interval=decision.plan.interval)
        rows.append(
            SlaRow(
                resource.arn,
                decision.resource.name,
                decision.resource.resource_type,
                decision.plan.alias,
                expected,
                made,
            )
        )
    rows.sort(key=lambda r: (r.ratio if r.ratio is not None else 2.0, r.plan, r.name))
    return rows


def plan_sla(rows: list[SlaRow]) -> list[PlanSla]:
    plans: dict[str, list[SlaRow]] = {}
    for row in rows:
        plans.setdefault(row.plan, []).append(row)
    return [
        PlanSla(plan, len(listed), sum(r.expected for r in listed), sum(r.made for r in listed))
        for plan, listed in sorted(plans.items())
    ]
