"""The EventBridge events AWS Backup sends (``source: aws.backup``), built from the state records.

Shapes follow the fact sheet (reference/aws-backup-facts.md, section 1) and the AWS Backup
Developer Guide examples it quotes, quirks included, because handlers must cope with them:

* ``state`` for backup and copy jobs, ``status`` for restore jobs and recovery points, except the
  restore CREATED event, which carries ``state`` (as the documentation's example does);
* the recovery point ARN is the top-level ``resources[0]`` of a COMPLETED backup event only (other
  backup states: ``resources`` empty); copy events carry the SOURCE recovery point there, restore
  and recovery point events their recovery point;
* the backup CREATED event carries only ``backupJobId``, ``state`` and ``creationDate``; the copy
  CREATED event has no ``copyJobId`` (as the documentation's example);
* ``backupSizeInBytes``/``bytesTransferred`` are strings in backup and restore events, numbers in
  copy events; ``percentDone`` is a number; ``destinationRecoveryPointArn`` is ``{}`` until the copy
  completes;
* ``createdBy{backupPlanId, backupPlanArn, backupPlanVersion, backupPlanRuleId}`` only for jobs
  started by a plan (the API's ``CreatedBy`` says ``BackupRuleId``);
* timestamps in ``detail`` are ISO 8601 with milliseconds, except ``expectedCompletionDate`` of a
  RUNNING backup, which AWS sends in a locale format (``"Jul 15, 2020 9:39:07 PM"``).

Not emitted: ``retryCount`` (its type is not documented), ``Recovery Point Change`` (payload not
documented), vault/plan state changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.eventbus import emit_service_event, iso_millis

if TYPE_CHECKING:
    import datetime as dt

    from sandbox.backup.records import BackupJob, CopyJob, RecoveryPoint, RestoreJob

SOURCE = "aws.backup"
BACKUP_JOB = "Backup Job State Change"
COPY_JOB = "Copy Job State Change"
RESTORE_JOB = "Restore Job State Change"
RECOVERY_POINT = "Recovery Point State Change"
REGION_SETTING = "Region Setting State Change"

#: backup states whose event carries ``completionDate`` / ``statusMessage`` (fact sheet 1.2)
_BACKUP_COMPLETION_STATES = {"COMPLETED", "ABORTED", "EXPIRED"}
_BACKUP_MESSAGE_STATES = {"FAILED", "ABORTED", "EXPIRED", "PENDING"}


def _iso(when: dt.datetime | None) -> str | None:
    return iso_millis(when) if when is not None else None


def _locale_time(when: dt.datetime) -> str:
    """AWS's ``expectedCompletionDate`` format: ``Jul 15, 2020 9:39:07 PM``."""
    hour = when.hour % 12 or 12
    return f"{when:%b} {when.day}, {when.year} {hour}:{when:%M:%S} {when:%p}"


def _percent(value: str) -> float | int:
    number = float(value or 0)
    return int(number) if number.is_integer() else number


def event_created_by(created_by: dict[str, Any]) -> dict[str, str] | None:
    """The event form of the API's ``CreatedBy`` (None for on-demand jobs)."""
    if not created_by.get("BackupPlanId"):
        return None
    return {
        "backupPlanId": created_by["BackupPlanId"],
        "backupPlanArn": created_by.get("BackupPlanArn", ""),
        "backupPlanVersion": created_by.get("BackupPlanVersion", ""),
        "backupPlanRuleId": created_by.get("BackupRuleId", ""),
    }


def _compact(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if v is not None}


# -- backup jobs ---------------------------------------------------------------------------------
def backup_job_detail(job: BackupJob, *, expected_completion: dt.datetime | None = None) -> dict[str, Any]:
    if job.state == "CREATED":
        return {"backupJobId": job.job_id, "state": job.state, "creationDate": _iso(job.creation_date)}
    detail: dict[str, Any] = {
        "backupJobId": job.job_id,
        "backupVaultArn": job.vault_arn,
        "backupVaultName": job.vault_name,
        "resourceArn": job.resource_arn,
        "resourceType": job.resource_type,
        "iamRoleArn": job.iam_role_arn,
        "state": job.state,
        "creationDate": _iso(job.creation_date),
        "startBy": _iso(job.start_by),
        "bytesTransferred": str(job.bytes_transferred),
        "backupSizeInBytes": str(job.backup_size_bytes),
        "percentDone": _percent(job.percent_done),
        "createdBy": event_created_by(job.created_by),
    }
    if job.state in _BACKUP_COMPLETION_STATES:
        detail["completionDate"] = _iso(job.completion_date)
    if job.state in _BACKUP_MESSAGE_STATES:
        detail["statusMessage"] = job.status_message
    if job.state == "RUNNING" and expected_completion is not None:
        detail["expectedCompletionDate"] = _locale_time(expected_completion)
    return _compact(detail)


def emit_backup_job(job: BackupJob, *, expected_completion: dt.datetime | None = None) -> dict[str, Any]:
    resources = [job.recovery_point_arn] if job.state == "COMPLETED" and job.recovery_point_arn else []
    return emit_service_event(
        account=job.account,
        region=job.region,
        source=SOURCE,
        detail_type=BACKUP_JOB,
        detail=backup_job_detail(job, expected_completion=expected_completion),
        resources=resources,
    )


# -- copy jobs -----------------------------------------------------------------------------------
def copy_job_detail(job: CopyJob) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "copyJobId": None if job.state == "CREATED" else job.job_id,
        "state": job.state,
        "creationDate": _iso(job.creation_date),
        "completionDate": _iso(job.completion_date),
        "sourceBackupVaultArn": job.source_vault_arn,
        "destinationBackupVaultArn": job.destination_vault_arn,
        "destinationRecoveryPointArn": (
            job.destination_recovery_point_arn if job.state == "COMPLETED" else {}
        ),
        "resourceArn": job.resource_arn,
        "resourceType": job.resource_type,
        "iamRoleArn": job.iam_role_arn,
        "backupSizeInBytes": job.backup_size_bytes,
        "statusMessage": job.status_message or None,
        "createdBy": event_created_by(job.created_by),
    }
    return _compact(detail)


def emit_copy_job(job: CopyJob) -> dict[str, Any]:
    """Sent in the account and Region that own the copy job (the source side)."""
    return emit_service_event(
        account=job.account,
        region=job.region,
        source=SOURCE,
        detail_type=COPY_JOB,
        detail=copy_job_detail(job),
        resources=[job.source_recovery_point_arn],
    )


# -- restore jobs --------------------------------------------------------------------------------
def restore_job_detail(job: RestoreJob, *, created: bool = False) -> dict[str, Any]:
    """``created=True`` builds the CREATED event, which says ``state`` where the others say ``status``."""
    detail: dict[str, Any] = {
        "restoreJobId": job.job_id,
        "backupVaultArn": job.vault_arn,
        "recoveryPointArn": job.recovery_point_arn,
        "sourceResourceArn": job.source_resource_arn,
        "resourceType": job.resource_type,
        "iamRoleArn": job.iam_role_arn,
        "creationDate": _iso(job.creation_date),
        "backupSizeInBytes": str(job.backup_size_bytes),
        "percentDone": _percent(job.percent_done),
        "restoreTestingPlanArn": job.created_by.get("RestoreTestingPlanArn"),
    }
    if created:
        detail["state"] = "CREATED"
        return _compact(detail)
    detail["status"] = job.status
    detail["completionDate"] = _iso(job.completion_date)
    detail["statusMessage"] = job.status_message or None
    if job.status == "COMPLETED":
        detail["createdResourceArn"] = job.created_resource_arn
    return _compact(detail)


def emit_restore_job(job: RestoreJob, *, created: bool = False) -> dict[str, Any]:
    return emit_service_event(
        account=job.account,
        region=job.region,
        source=SOURCE,
        detail_type=RESTORE_JOB,
        detail=restore_job_detail(job, created=created),
        resources=[job.recovery_point_arn],
    )


# -- recovery points -----------------------------------------------------------------------------
def _event_lifecycle(point: RecoveryPoint) -> dict[str, Any] | None:
    keys = {"DeleteAfterDays": "deleteAfterDays", "MoveToColdStorageAfterDays": "moveToColdStorageAfterDays"}
    lifecycle = {
        event_key: point.lifecycle[key] for key, event_key in keys.items() if point.lifecycle.get(key)
    }
    return lifecycle or None


def recovery_point_detail(point: RecoveryPoint, calculated: dict[str, dt.datetime]) -> dict[str, Any]:
    """``calculated`` is the API's CalculatedLifecycle (``MoveToColdStorageAt``, ``DeleteAt``)."""
    calculated_event = {
        "moveToColdStorageAt": _iso(calculated.get("MoveToColdStorageAt")),
        "deleteAt": _iso(calculated.get("DeleteAt")),
    }
    detail: dict[str, Any] = {
        "backupVaultName": point.vault_name,
        "backupVaultArn": point.vault_arn,
        "creationDate": _iso(point.creation_date),
        "completionDate": _iso(point.completion_date),
        "iamRoleArn": point.iam_role_arn,
        "resourceType": point.resource_type,
        "resourceArn": point.resource_arn,
        "status": point.status,
        "isEncrypted": "true" if point.is_encrypted else "false",
        "storageClass": point.storage_class,
        "createdBy": event_created_by(point.created_by),
        "lifecycle": _event_lifecycle(point),
        "calculatedLifeCycle": _compact(calculated_event) or None,
    }
    return _compact(detail)


def emit_recovery_point(point: RecoveryPoint, calculated: dict[str, dt.datetime]) -> dict[str, Any]:
    return emit_service_event(
        account=point.account,
        region=point.region,
        source=SOURCE,
        detail_type=RECOVERY_POINT,
        detail=recovery_point_detail(point, calculated),
        resources=[point.arn],
    )


# -- region settings -----------------------------------------------------------------------------
def emit_region_settings(account: str, region: str, opt_in: dict[str, bool]) -> dict[str, Any]:
    detail = {"state": "MODIFIED", "modifiedAt": iso_millis(), "ResourceTypeOptInPreference": dict(opt_in)}
    return emit_service_event(
        account=account, region=region, source=SOURCE, detail_type=REGION_SETTING, detail=detail, resources=[]
    )
