"""Typed in-memory implementations of the logic's ports (type-checked, so they cannot rot)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

    from backup_autopilot.logic.protection import Plan
    from backup_autopilot.logic.resources import ResourceRef


@dataclass
class FakeBackup:
    opted: dict[str, bool] = field(default_factory=dict)
    latest: dict[str, dt.datetime] = field(default_factory=dict)
    selections: set[str] = field(default_factory=set)
    #: (plan id, tag key) of every tag selection created
    selection_keys: list[tuple[str, str]] = field(default_factory=list)
    started: list[tuple[str, str, str]] = field(default_factory=list)  # (resource arn, plan alias, token)
    jobs_by_token: dict[str, str] = field(default_factory=dict)

    def opted_in(self, resource_type: str) -> bool:
        return self.opted.get(resource_type, True)

    def opt_in(self, resource_type: str) -> None:
        self.opted[resource_type] = True

    def ensure_selection(self, plan: Plan, plan_tag_key: str) -> bool:
        if plan.plan_id in self.selections:
            return False
        self.selections.add(plan.plan_id)
        self.selection_keys.append((plan.plan_id, plan_tag_key))
        return True

    def latest_backup(self, resource_arn: str) -> dt.datetime | None:
        return self.latest.get(resource_arn)

    def start_backup(self, *, resource: ResourceRef, plan: Plan, token: str) -> str:
        if token not in self.jobs_by_token:  # AWS: same token -> the first job, no new one
            self.jobs_by_token[token] = f"job-{len(self.jobs_by_token) + 1}"
            self.started.append((resource.arn, plan.alias, token))
        return self.jobs_by_token[token]


@dataclass
class FakeResources:
    versioning: dict[str, bool] = field(default_factory=dict)
    volume_owner: dict[str, tuple[str, Mapping[str, str]]] = field(default_factory=dict)
    tagged: list[tuple[str, Mapping[str, str]]] = field(default_factory=list)

    def s3_versioning_enabled(self, bucket: str) -> bool:
        return self.versioning.get(bucket, True)

    def instance_of_volume(self, volume_arn: str) -> tuple[str, Mapping[str, str]] | None:
        return self.volume_owner.get(volume_arn)

    def tag(self, resource_arn: str, tags: Mapping[str, str]) -> None:
        self.tagged.append((resource_arn, dict(tags)))


@dataclass
class FakeEvents:
    published: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        self.published.append((detail_type, detail))


@dataclass
class FakeCopies:
    """CopyPort: one recovery point's facts, a copy tag, and StartCopyJob with token semantics."""

    point: Any
    tag: str | None = None
    jobs_by_token: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    #: what ListCopyJobs would show: destination vaults with a copy job, by source point
    destinations_by_point: dict[str, set[str]] = field(default_factory=dict)
    #: StartCopyJob refuses with this message (AWS's InvalidParameterValueException), when set
    refuse_with: str | None = None
    #: what DescribeCopyJob shows, by copy job id (CopyJobFacts)
    jobs: dict[str, Any] = field(default_factory=dict)
    #: the DeleteAfterDays of every StartCopyJob, in order (None: no lifecycle, the source's expiry)
    retentions: list[int | None] = field(default_factory=list)
    #: recovery points by ARN (RecoveryPointFacts); any other ARN reads as ``point``
    points: dict[str, Any] = field(default_factory=dict)
    #: StartCopyJob refuses copies to these destination vaults, with the message given
    refuse_vaults: dict[str, str] = field(default_factory=dict)
    #: what each call was asked: DescribeRecoveryPoint (vault name, ARN, account, Region), the tag
    #: lookup (resource ARN, Region, tag key), ListCopyJobs by point (point ARN, Region), the copy
    #: job lookup (its keyword arguments)
    reads: list[tuple[str, str, str, str]] = field(default_factory=list)
    tag_lookups: list[tuple[str, str, str]] = field(default_factory=list)
    listings: list[tuple[str, str]] = field(default_factory=list)
    job_lookups: list[dict[str, str | None]] = field(default_factory=list)

    def recovery_point(self, *, vault_name: str, arn: str, account: str, region: str) -> Any:
        self.calls.append("DescribeRecoveryPoint")
        self.reads.append((vault_name, arn, account, region))
        return self.points.get(arn, self.point)

    def copy_to_tag(self, resource_arn: str, region: str, tag_key: str) -> str | None:
        self.calls.append("GetResources")
        self.tag_lookups.append((resource_arn, region, tag_key))
        return self.tag

    def attempted_destinations(self, point_arn: str, region: str) -> set[str]:
        self.calls.append("ListCopyJobs")
        self.listings.append((point_arn, region))
        return set(self.destinations_by_point.get(point_arn, set()))

    def copy_job(
        self,
        *,
        copy_job_id: str | None,
        source_point_arn: str | None,
        destination_vault_arn: str | None,
        state: str,
        region: str,
    ) -> Any:
        self.job_lookups.append(
            {
                "copy_job_id": copy_job_id,
                "source_point_arn": source_point_arn,
                "destination_vault_arn": destination_vault_arn,
                "state": state,
                "region": region,
            }
        )
        if copy_job_id:
            self.calls.append("DescribeCopyJob")
            return self.jobs.get(copy_job_id)
        self.calls.append("ListCopyJobs")
        found = [
            job
            for job in self.jobs.values()
            if job.source_recovery_point_arn == source_point_arn
            and job.state == state
            and destination_vault_arn in {None, job.destination_backup_vault_arn}
        ]
        return found[-1] if found else None

    def start_copy(self, point: Any, order: Any, *, delete_after_days: int | None) -> str:
        self.calls.append("StartCopyJob")
        self.retentions.append(delete_after_days)
        refusal = self.refuse_vaults.get(order.destination.vault_arn, self.refuse_with)
        if refusal is not None:
            from backup_autopilot.logic.copies.service import CopyRefused

            raise CopyRefused(refusal)
        self.destinations_by_point.setdefault(point.arn, set()).add(order.destination.vault_arn)
        return self.jobs_by_token.setdefault(order.token, f"copy-{len(self.jobs_by_token) + 1}")


def point_facts(**overrides: Any) -> Any:
    """A completed warm recovery point of an EBS volume in us-east-1 (the copy logic's input),
    with ``overrides``."""
    from backup_autopilot.logic.copies.planning import RecoveryPointFacts

    values: dict[str, Any] = {
        "arn": "arn:aws:backup:us-east-1:123456789012:recovery-point:1",
        "vault_name": "primary",
        "account": "123456789012",
        "region": "us-east-1",
        "resource_arn": "arn:aws:ec2:us-east-1:123456789012:volume/vol-1",
        "resource_type": "EBS",
        "status": "COMPLETED",
        "storage_class": "WARM",
        "aws_managed_key": False,
    }
    return RecoveryPointFacts(**{**values, **overrides})


def backup_completed(resources: list[str], **detail: Any) -> Any:
    """A Backup Job State Change (COMPLETED, job J1, account 123456789012, us-east-1) as the copy
    logic parses it; ``detail`` adds to or replaces the detail's fields."""
    from backup_autopilot.models.aws_events import BackupJobEvent

    return BackupJobEvent.parse(
        {
            "version": "0",
            "id": "e1",
            "detail-type": "Backup Job State Change",
            "source": "aws.backup",
            "account": "123456789012",
            "time": "2026-03-02T05:14:09Z",
            "region": "us-east-1",
            "resources": resources,
            "detail": {"backupJobId": "J1", "state": "COMPLETED", **detail},
        }
    )
