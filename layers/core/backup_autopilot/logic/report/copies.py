"""Copy lag per destination (pure): how long after a backup its copy lands, and what is not copied.

Lag is the copy job's completion minus the source recovery point's creation. A point lacks a copy
to a destination its resource's copy tag (or the stack's defaults) names when no copy job of it to
that destination completed; points younger than :data:`GRACE` are not counted (their copy may
still be running).
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import TYPE_CHECKING

from msgspec import Struct, field

from backup_autopilot.logic.copies.destinations import resolve_destinations, vault_location
from backup_autopilot.logic.copies.eligibility import skip_reason
from backup_autopilot.logic.copies.planning import is_continuous_arn
from backup_autopilot.logic.report.facts import FAILED_STATES

if TYPE_CHECKING:
    from backup_autopilot.logic.report.facts import ReportInputs

#: a point younger than this may still be being copied
GRACE = dt.timedelta(hours=4)
#: how far back points are checked for a missing copy
MISSING_WINDOW = dt.timedelta(days=7)


class DestinationLag(Struct):
    destination: str
    completed: int = 0
    failed: int = 0
    #: (completion time, lag in seconds) of each completed copy
    lags: list[tuple[dt.datetime, float]] = field(default_factory=list)
    latest_copy: dt.datetime | None = None
    #: recent points (older than the grace) without a completed copy here
    missing: int = 0
    #: recent points the stack does not copy here, by why (advanced DynamoDB off, continuous, ...)
    skipped: dict[str, int] = field(default_factory=dict)
    #: the last failures' AWS messages (newest first, a few)
    failures: list[str] = field(default_factory=list)

    @property
    def median_minutes(self) -> float | None:
        return statistics.median(lag for _, lag in self.lags) / 60 if self.lags else None

    @property
    def max_minutes(self) -> float | None:
        return max(lag for _, lag in self.lags) / 60 if self.lags else None

    def age_hours(self, now: dt.datetime) -> float | None:
        return None if self.latest_copy is None else (now - self.latest_copy).total_seconds() / 3600


def destination_key(vault_arn: str) -> str:
    location = vault_location(vault_arn)
    return f"{location[0]}:{location[1]}" if location else vault_arn


def copy_lag(inputs: ReportInputs) -> list[DestinationLag]:
    """One entry per destination of the stack (and any other a copy job went to)."""
    created = {point.arn: point.created for point in inputs.points}
    by_destination: dict[str, DestinationLag] = {key: DestinationLag(key) for key in inputs.destinations}
    copied: set[tuple[str, str]] = set()
    for job in sorted(inputs.copy_jobs, key=lambda j: j.ended):
        key = destination_key(job.destination_vault_arn)
        entry = by_destination.setdefault(key, DestinationLag(key))
        if job.state == "COMPLETED" and job.completed is not None:
            entry.completed += 1
            copied.add((job.source_point_arn, key))
            entry.latest_copy = max(entry.latest_copy or job.completed, job.completed)
            source = created.get(job.source_point_arn)
            if source is not None:
                entry.lags.append((job.completed, (job.completed - source).total_seconds()))
        elif job.state in FAILED_STATES or job.state in {"EXPIRED", "PARTIAL"}:
            entry.failed += 1
            entry.failures.insert(0, f"{job.state}: {job.message}" if job.message else job.state)
            del entry.failures[5:]
    tags = {resource.arn: resource.tags for resource in inputs.tagged}
    for point in inputs.points:
        age = inputs.now - point.created
        if (
            point.status != "COMPLETED"
            or age < GRACE
            or age > MISSING_WINDOW
            or point.resource_arn not in tags
        ):
            continue
        targets = resolve_destinations(
            tags[point.resource_arn].get(inputs.copy_to_tag_key),
            source_account=inputs.account,
            source_region=inputs.region,
            allowed=inputs.destinations,
            defaults=inputs.destinations.values(),
        )
        for destination in targets.destinations:
            entry = by_destination.setdefault(destination.key, DestinationLag(destination.key))
            if (point.arn, destination.key) in copied:
                continue
            reason = skip_reason(
                destination,
                source_account=inputs.account,
                storage_class="WARM",
                fully_managed=":backup:" in point.arn and ":recovery-point:" in point.arn,
                aws_managed_key=False,
                resource_type=point.resource_type,
                continuous=is_continuous_arn(point.arn),
            )
            if reason is None:
                entry.missing += 1
            else:
                entry.skipped[reason.value] = entry.skipped.get(reason.value, 0) + 1
    return [by_destination[key] for key in sorted(by_destination)]
