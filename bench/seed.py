"""Benchmark worlds built fast: resources and backup history put straight into the sandbox's state.

Creating 10,000 resources and backing them up through the APIs would take the sandbox far longer
than the figures being measured (its job simulation checks every running job when one starts).
These helpers build the same state directly: EBS volumes in moto's EC2 backend (creation-time
tags, which emit no tag event), their data captured by the sandbox's own EBS adapter (a real moto
snapshot, as a backup job takes), the COMPLETED backup job and recovery point AWS Backup would
hold afterwards, and optionally the COMPLETED copy job of that point. Nothing here is measured.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from moto.dynamodb.models import dynamodb_backends
from moto.ec2.models import ec2_backends

from bench import ROOT
from sandbox import Sandbox
from sandbox.backup.records import BackupJob, CopyJob, RecoveryPoint
from sandbox.resources import adapter_for_arn

if TYPE_CHECKING:
    from collections.abc import Mapping

#: what a plan-tagged resource carries
PLAN_TAG = {"backup-plan": "daily"}


def stack(**parameters: str) -> Sandbox:
    """The sandbox with the repository's template.yaml, deployed as ``make demo`` deploys it."""
    return Sandbox(template=ROOT / "template.yaml", config_env="sandbox", parameters=parameters or None)


def ebs_volumes(sb: Sandbox, count: int, tags: Mapping[str, str] | None = None) -> list[str]:
    """``count`` 1 GiB volumes in the stack's account and Region, with ``tags`` set at creation."""
    ec2 = ec2_backends[sb.account_id][sb.region]
    arns = []
    for _ in range(count):
        volume = ec2.create_volume(size=1, zone_name=f"{sb.region}a")
        if tags:
            ec2.create_tags([volume.id], dict(tags))
        arns.append(f"arn:aws:ec2:{sb.region}:{sb.account_id}:volume/{volume.id}")
    return arns


def tagged_table(sb: Sandbox, name: str, tags: Mapping[str, str]) -> str:
    """A DynamoDB table with ``tags`` set in moto's backend (no tag event, as creation-time tags)."""
    arn = sb.create_table(name)
    dynamodb_backends[sb.account_id][sb.region].tag_resource(arn, dict(tags))
    return arn


def completed_backup(sb: Sandbox, resource_arn: str, *, created: dt.datetime) -> BackupJob:
    """An on-demand backup of ``resource_arn`` into the primary vault, COMPLETED at ``created`` + 3 min."""
    backend = sb.backup_backend()
    vault = backend.state.vault_or_404(sb.physical_id("PrimaryVault"))
    adapter = adapter_for_arn(resource_arn)
    if adapter is None:
        raise ValueError(f"not a resource AWS Backup protects: {resource_arn}")
    job_id = str(uuid.uuid4()).upper()
    capture = adapter.capture(resource_arn, account=sb.account_id, region=sb.region, job_id=job_id)
    completed = created + dt.timedelta(minutes=3)
    job = BackupJob(
        job_id=job_id,
        account=sb.account_id,
        region=sb.region,
        vault_name=vault.backup_vault_name,
        vault_arn=vault.backup_vault_arn,
        resource_arn=resource_arn,
        resource_type=capture.resource_type,
        iam_role_arn=sb.outputs["BackupServiceRoleArn"],
        creation_date=created,
        start_by=created + dt.timedelta(hours=1),
        complete_by=None,
        lifecycle={"DeleteAfterDays": 35},
        recovery_point_tags={},
        state="COMPLETED",
        percent_done="100.0",
        recovery_point_arn=capture.native_arn or backend.state.new_recovery_point_arn(),
        completion_date=completed,
        backup_size_bytes=capture.size_bytes,
        bytes_transferred=capture.size_bytes,
    )
    assert job.recovery_point_arn is not None
    backend.state.backup_jobs[job.job_id] = job
    backend.recovery_points.register(
        RecoveryPoint(
            arn=job.recovery_point_arn,
            vault_name=job.vault_name,
            vault_arn=job.vault_arn,
            account=job.account,
            region=job.region,
            resource_arn=resource_arn,
            resource_type=job.resource_type,
            resource_name=capture.source_name,
            capture=capture,
            iam_role_arn=job.iam_role_arn,
            creation_date=created,
            completion_date=completed,
            lifecycle=dict(job.lifecycle),
            encryption_key_arn=capture.kms_key_arn,
            is_encrypted=capture.encrypted,
            backup_size_bytes=capture.size_bytes,
        )
    )
    return job


def completed_copy(sb: Sandbox, job: BackupJob, destination_vault_arn: str) -> CopyJob:
    """The COMPLETED copy job of ``job``'s recovery point to ``destination_vault_arn``."""
    assert job.recovery_point_arn is not None and job.completion_date is not None
    copy = CopyJob(
        job_id=str(uuid.uuid4()).upper(),
        account=job.account,
        region=job.region,
        source_vault_arn=job.vault_arn,
        source_recovery_point_arn=job.recovery_point_arn,
        destination_vault_arn=destination_vault_arn,
        resource_arn=job.resource_arn,
        resource_type=job.resource_type,
        iam_role_arn=job.iam_role_arn,
        creation_date=job.completion_date + dt.timedelta(minutes=1),
        lifecycle={"DeleteAfterDays": 35},
        state="COMPLETED",
        completion_date=job.completion_date + dt.timedelta(minutes=5),
        backup_size_bytes=job.backup_size_bytes,
    )
    sb.backup_backend().state.copy_jobs[copy.job_id] = copy
    return copy
