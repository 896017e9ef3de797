"""What the report is computed from: facts read by the adapters, as plain values (pure)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from backup_autopilot.logic.copies.destinations import Destination
    from backup_autopilot.logic.protection import Plan, TagDecision
    from backup_autopilot.logic.resources import TaggedResource

#: backup and copy job states that end a job badly (ABORTED counts as failed)
FAILED_STATES = frozenset({"FAILED", "ABORTED"})
RUNNING_STATES = frozenset({"CREATED", "PENDING", "RUNNING"})


class PointFact(Struct, frozen=True):
    """A recovery point in one of the stack's vaults (ListRecoveryPointsByBackupVault)."""

    arn: str
    resource_arn: str
    resource_type: str
    vault_name: str
    created: dt.datetime
    status: str = "COMPLETED"
    plan_id: str | None = None


class JobFact(Struct, frozen=True):
    """A backup or copy job (ListBackupJobs, ListCopyJobs: AWS keeps 30 days of them)."""

    job_id: str
    resource_arn: str
    resource_type: str
    state: str
    created: dt.datetime
    completed: dt.datetime | None = None
    message: str = ""
    plan_id: str | None = None
    #: copy jobs: where the copy goes and the recovery point it copies
    destination_vault_arn: str = ""
    source_point_arn: str = ""

    @property
    def ended(self) -> dt.datetime:
        return self.completed or self.created


class VerdictFact(Struct, frozen=True):
    """One restore test's verdict, as validate_restore recorded it in the state table."""

    job_id: str
    resource_arn: str
    resource_type: str
    passed: bool
    date: dt.datetime
    minutes: float | None = None
    rto_target: float | None = None
    reasons: tuple[str, ...] = ()
    on_demand: bool = False

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> VerdictFact | None:
        """From the state table's ``restore-test#...`` record (None when it is not one)."""
        try:
            date = dt.datetime.fromisoformat(str(data["date"]))
        except (KeyError, ValueError):
            return None
        if date.tzinfo is None:
            date = date.replace(tzinfo=dt.UTC)
        minutes, target = data.get("minutes"), data.get("rto_target")
        return cls(
            job_id=str(data.get("job_id", "")),
            resource_arn=str(data.get("source_arn", "")),
            resource_type=str(data.get("resource_type", "")),
            passed=bool(data.get("passed")),
            date=date,
            minutes=float(minutes) if isinstance(minutes, int | float) else None,
            rto_target=float(target) if isinstance(target, int | float) else None,
            reasons=tuple(str(r) for r in data.get("reasons") or ()),
            on_demand=bool(data.get("on_demand")),
        )


class AlertFact(Struct, frozen=True):
    """An open alert (alerting's memory in the state table), listed as it is: never counted."""

    key: str
    level: str
    title: str
    what: str
    opened: str
    last_seen: str
    occurrences: int = 1
    resource: str = ""
    resource_type: str = ""
    fix: str = ""


class DaySnapshot(Struct, frozen=True):
    """The report's numbers of one day (the state table keeps one per day: the 90-day trends)."""

    day: dt.date
    values: Mapping[str, float]


class ReportInputs(Struct):
    """Everything one report is computed from."""

    now: dt.datetime
    account: str
    region: str
    stack_name: str
    plan_tag_key: str
    copy_to_tag_key: str
    restore_test_tag_key: str
    restore_test_default_on: bool
    #: the plans a tag may name, by alias
    plans: Mapping[str, Plan]
    #: every resource carrying the plan tag (Resource Groups Tagging API)
    tagged: list[TaggedResource]
    #: resources of a supported type the Tagging API lists (ARN -> AWS Backup type)
    eligible: Mapping[str, str] = field(default_factory=dict)
    #: ListProtectedResources: ARN -> last backup time
    protected: Mapping[str, dt.datetime | None] = field(default_factory=dict)
    #: DescribeRegionSettings: type -> opted in
    opted_in: Mapping[str, bool] = field(default_factory=dict)
    #: tagged buckets -> versioning enabled
    s3_versioning: Mapping[str, bool] = field(default_factory=dict)
    points: list[PointFact] = field(default_factory=list)
    backup_jobs: list[JobFact] = field(default_factory=list)
    copy_jobs: list[JobFact] = field(default_factory=list)
    #: the stack's copy destinations by ``ACCOUNT:REGION`` (defaults: all of them)
    destinations: Mapping[str, Destination] = field(default_factory=dict)
    verdicts: list[VerdictFact] = field(default_factory=list)
    alerts: list[AlertFact] = field(default_factory=list)
    #: earlier daily snapshots (the trends' history)
    history: list[DaySnapshot] = field(default_factory=list)
    #: the period job counts in the metrics cover (the report's schedule)
    metrics_window: dt.timedelta = dt.timedelta(hours=1)

    def decisions(self) -> Iterator[tuple[TaggedResource, TagDecision]]:
        """Each tagged resource with what its plan tag means today (as the protect path decides),
        those the tag does not concern left out."""
        from backup_autopilot.logic.protection import Outcome, decide_tag_change

        for resource in self.tagged:
            decision = decide_tag_change(
                resource_arn=resource.arn,
                changed_keys=[self.plan_tag_key],
                tags=resource.tags,
                plan_tag_key=self.plan_tag_key,
                plans=self.plans,
            )
            if decision.outcome is not Outcome.IGNORED:
                yield resource, decision
