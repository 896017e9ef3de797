"""Every tagged resource without a recovery point newer than its RPO, with the reason and the fix (pure).

A resource's RPO is its plan's interval plus the plan rule's start window: AWS may start a plan
job that much after its scheduled time, so a point older than that is late by any reading. The
reason is the first of, in order: the tag names no plan (or a type AWS Backup cannot protect); the
type is not opted in; an S3 bucket without versioning; a backup running now; the resource's last
backup job ended badly (AWS's message, classified, with its fix); no backup job at all (its tag
event did not arrive, or was not acted on); no job since its last point (its plan's selection does
not pick it up).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from msgspec import Struct

from backup_autopilot.logic.alerting.causes import backup_fix
from backup_autopilot.logic.protection import COVERED_BY_TAG, Outcome, Plan
from backup_autopilot.logic.report.facts import FAILED_STATES, RUNNING_STATES
from backup_autopilot.logic.resources import parse_resource_arn

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from backup_autopilot.logic.report.facts import JobFact, PointFact, ReportInputs


class Cause(StrEnum):
    """Why a resource is out of RPO (machine-readable; the text says it for people)."""

    INVALID_TAG = "invalid-tag"
    UNSUPPORTED = "unsupported-type"
    NOT_OPTED_IN = "not-opted-in"
    S3_VERSIONING_OFF = "s3-versioning-off"
    BACKUP_RUNNING = "backup-running"
    BACKUP_FAILED = "backup-failed"
    NEVER_BACKED_UP = "never-backed-up"
    NOT_PICKED_UP = "not-picked-up"


class Finding(Struct, frozen=True):
    """One row of the report's first table."""

    resource_arn: str
    name: str
    resource_type: str
    #: the plan tag's value (an assignable plan's alias, or what was mistyped)
    plan: str
    #: the RPO in hours (None when the tag names no plan)
    rpo_hours: float | None
    latest: dt.datetime | None
    cause: Cause
    reason: str
    fix: str

    def age_hours(self, now: dt.datetime) -> float | None:
        return None if self.latest is None else (now - self.latest).total_seconds() / 3600


def rpo_of(plan: Plan) -> dt.timedelta:
    """How old a resource's latest recovery point may be: the plan's interval and start window."""
    return plan.interval + plan.start_window


def latest_points(points: Iterable[PointFact]) -> dict[str, dt.datetime]:
    """The newest completed recovery point of each resource."""
    latest: dict[str, dt.datetime] = {}
    for point in points:
        if point.status in {"COMPLETED", "PARTIAL"} and point.created > latest.get(
            point.resource_arn, dt.datetime.min.replace(tzinfo=dt.UTC)
        ):
            latest[point.resource_arn] = point.created
    return latest


def last_backup(
    arn: str, protected: Mapping[str, dt.datetime | None], points: Mapping[str, dt.datetime]
) -> dt.datetime | None:
    """The resource's last backup: AWS Backup's protected resources, or its newest point."""
    times = [t for t in (protected.get(arn), points.get(arn)) if t is not None]
    return max(times) if times else None


def _when(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _jobs_by_resource(jobs: Iterable[JobFact]) -> dict[str, list[JobFact]]:
    by_resource: dict[str, list[JobFact]] = {}
    for job in jobs:
        by_resource.setdefault(job.resource_arn, []).append(job)
    for listed in by_resource.values():
        listed.sort(key=lambda j: j.created)
    return by_resource


def _job_reason(
    jobs: list[JobFact], latest: dt.datetime | None, plan: Plan, plan_tag_key: str
) -> tuple[Cause, str, str]:
    """Why a protected, checked resource has no recent point, from its backup jobs."""
    last = jobs[-1] if jobs else None
    if last is not None and last.state in RUNNING_STATES:
        return (
            Cause.BACKUP_RUNNING,
            f"a backup is running since {_when(last.created)} (job {last.job_id})",
            "none: the point lands when the job completes",
        )
    if last is not None and (last.state in FAILED_STATES or last.state in {"EXPIRED", "PARTIAL"}):
        _cause, fix = backup_fix(last.state, last.message)
        message = f": {last.message}" if last.message else ""
        return (
            Cause.BACKUP_FAILED,
            f"its last backup job ended {last.state} at {_when(last.ended)}{message}",
            fix,
        )
    if latest is None and last is None:
        return (
            Cause.NEVER_BACKED_UP,
            "never backed up, and no backup job in 30 days: its tag event did not arrive or was not acted on",
            "the hourly reconcile starts its first backup; if this row stays, read the reconcile's Coverage "
            "Report and the protect_resource function's log",
        )
    since = latest or (last.ended if last is not None else None)
    when = _when(since) if since else "unknown"
    return (
        Cause.NOT_PICKED_UP,
        f"no backup job since its last recovery point ({when}): plan '{plan.alias}' does not pick it up",
        f"check plan '{plan.alias}''s selection (aws:ResourceTag/{plan_tag_key} = {plan.alias}; a "
        "Selection Not Matching alert names it) and the plan's rule: changed outside the stack, "
        "redeploy the stack to restore them",
    )


def out_of_rpo(inputs: ReportInputs) -> list[Finding]:
    """The report's first table: every tagged resource out of RPO, oldest first."""
    points = latest_points(inputs.points)
    jobs = _jobs_by_resource(inputs.backup_jobs)
    findings: list[Finding] = []
    for resource, decision in inputs.decisions():
        ref = decision.resource or parse_resource_arn(resource.arn)
        name = ref.name if ref else resource.arn.rsplit(":", 1)[-1]
        rtype = ref.resource_type if ref else "unsupported"
        value = resource.tags.get(inputs.plan_tag_key, "")
        if decision.outcome is not Outcome.PROTECTED or decision.plan is None or ref is None:
            cause = Cause.UNSUPPORTED if ref is None else Cause.INVALID_TAG
            findings.append(
                Finding(
                    resource.arn, name, rtype, value, None, None, cause, decision.reason, decision.fix or ""
                )
            )
            continue
        plan = decision.plan
        rpo = rpo_of(plan)
        subject = resource.arn
        covered_by = resource.tags.get(COVERED_BY_TAG)
        if covered_by:
            subject = covered_by  # an EBS volume backed up with its instance: the instance's points count
        latest = last_backup(subject, inputs.protected, points)
        if latest is not None and inputs.now - latest <= rpo:
            continue
        rpo_hours = rpo.total_seconds() / 3600
        if not inputs.opted_in.get(ref.resource_type, True):
            findings.append(
                Finding(
                    resource.arn,
                    name,
                    rtype,
                    value,
                    rpo_hours,
                    latest,
                    Cause.NOT_OPTED_IN,
                    f"resource type {ref.resource_type} is not opted in for AWS Backup in {ref.region}",
                    f"opt {ref.resource_type} in (AWS Backup > Settings > Service opt-in), or deploy with "
                    "AllowOptIn=true",
                )
            )
            continue
        if ref.resource_type == "S3" and not inputs.s3_versioning.get(ref.name, True):
            findings.append(
                Finding(
                    resource.arn,
                    name,
                    rtype,
                    value,
                    rpo_hours,
                    latest,
                    Cause.S3_VERSIONING_OFF,
                    "AWS Backup cannot back up an S3 bucket without versioning",
                    f"enable versioning on bucket {ref.name}",
                )
            )
            continue
        cause, reason, fix = _job_reason(jobs.get(subject, []), latest, plan, inputs.plan_tag_key)
        findings.append(Finding(resource.arn, name, rtype, value, rpo_hours, latest, cause, reason, fix))
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    findings.sort(key=lambda f: (f.latest or never, f.resource_type, f.name))
    return findings
