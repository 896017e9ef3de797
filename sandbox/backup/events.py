"""The EventBridge events AWS Backup sends (``source: aws.backup``), built from the state records.

Every job event carries exactly the fields the AWS Backup Developer Guide's example for that job
kind and state shows (fact sheet reference/aws-backup-facts.md, sections 1.2-1.4), quirks
included, because handlers must cope with them. The table of fields per job kind and state is in
sandbox/README.md ("Events, field by field"); in short:

* backup jobs: CREATED carries only ``backupJobId``, ``state``, ``creationDate``; every other state
  adds the vault, resource and role, ``percentDone`` (a number) and ``startBy``;
  ``backupSizeInBytes``/``bytesTransferred`` (strings) only on RUNNING and COMPLETED;
  ``completionDate`` on COMPLETED, ABORTED, EXPIRED; ``statusMessage`` on FAILED, ABORTED, EXPIRED,
  PENDING (possibly empty) and on a COMPLETED job "with issues" (non-empty); ``expectedCompletionDate``
  in AWS's locale format (``"Jul 15, 2020 9:39:07 PM"``) on RUNNING; ``retryCount`` (a number: its
  type is UNVERIFIED) on FAILED and COMPLETED; ``createdBy{backupPlanId, backupPlanArn,
  backupPlanVersion, backupPlanRuleId}`` for plan jobs only; the top-level ``resources`` holds the
  recovery point on COMPLETED only;
* copy jobs: CREATED carries only ``creationDate``, ``state`` and the source and destination vault
  ARNs (no ``copyJobId``); no ``bytesTransferred`` anywhere; ``backupSizeInBytes`` a NUMBER;
  ``destinationRecoveryPointArn`` is ``{}`` until COMPLETED; ``resources`` holds the SOURCE point;
* restore jobs: CREATED carries only ``restoreJobId``, ``creationDate`` and ``state`` (the others
  say ``status``); PENDING, RUNNING and FAILED carry ``restoreJobId``, ``backupSizeInBytes`` (a
  string), ``creationDate``, ``iamRoleArn``, ``percentDone``, ``resourceType``, ``status``
  (+ ``statusMessage`` on FAILED) and NOT the vault, recovery point or source resource (read them
  with DescribeRestoreJob); COMPLETED carries the full set with ``createdResourceArn`` and
  ``percentDone`` 0 (as AWS's example); ``restoreTestingPlanArn`` whenever the job's ``CreatedBy``
  names a restore testing plan.

States with no documented example take the fields of their kind's FAILED example (UNVERIFIED):
backup and copy PARTIAL with ``completionDate``, restore ABORTED as FAILED. ABORTING sends no event
(UNVERIFIED).
Timestamps in ``detail`` are ISO 8601 with milliseconds.

Not emitted: ``Recovery Point Change`` (payload not documented), vault/plan state changes.
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

# -- fields per state (fact sheet 1.2-1.4; UNVERIFIED for states without an example) -------------
#: backup states whose event carries the sizes (strings)
BACKUP_SIZE_STATES = frozenset({"RUNNING", "COMPLETED"})
#: backup states whose event carries ``completionDate``
BACKUP_COMPLETION_STATES = frozenset({"COMPLETED", "ABORTED", "EXPIRED", "PARTIAL"})
#: backup states whose event always carries ``statusMessage`` (COMPLETED: only "with issues")
BACKUP_MESSAGE_STATES = frozenset({"FAILED", "ABORTED", "EXPIRED", "PENDING", "PARTIAL"})
#: backup states whose event carries ``retryCount``
BACKUP_RETRY_STATES = frozenset({"FAILED", "COMPLETED", "PARTIAL"})
#: copy states whose event carries ``completionDate`` (and ``statusMessage`` when there is one)
COPY_COMPLETION_STATES = frozenset({"COMPLETED", "FAILED", "PARTIAL"})
#: restore statuses whose event carries only the short set (no vault, point or source resource)
RESTORE_SHORT_STATUSES = frozenset({"PENDING", "RUNNING", "FAILED", "ABORTED"})
#: restore statuses whose event carries ``statusMessage``
RESTORE_MESSAGE_STATUSES = frozenset({"FAILED", "ABORTED"})


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
    state = job.state
    if state == "CREATED":
        return {"backupJobId": job.job_id, "state": state, "creationDate": _iso(job.creation_date)}
    detail: dict[str, Any] = {
        "backupJobId": job.job_id,
        "backupVaultArn": job.vault_arn,
        "backupVaultName": job.vault_name,
        "resourceArn": job.resource_arn,
        "resourceType": job.resource_type,
        "iamRoleArn": job.iam_role_arn,
        "state": state,
        "creationDate": _iso(job.creation_date),
        "startBy": _iso(job.start_by),
        "percentDone": _percent(job.percent_done),
        "createdBy": event_created_by(job.created_by),
    }
    if state in BACKUP_SIZE_STATES:
        detail["backupSizeInBytes"] = str(job.backup_size_bytes)
        detail["bytesTransferred"] = str(job.bytes_transferred)
    if state in BACKUP_COMPLETION_STATES:
        detail["completionDate"] = _iso(job.completion_date)
    if state in BACKUP_MESSAGE_STATES or (state == "COMPLETED" and job.status_message):
        detail["statusMessage"] = job.status_message  # "completed with issues": COMPLETED + a message
    if state in BACKUP_RETRY_STATES:
        detail["retryCount"] = job.retry_count
    if state == "RUNNING" and expected_completion is not None:
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
    state = job.state
    detail: dict[str, Any] = {
        "creationDate": _iso(job.creation_date),
        "state": state,
        "sourceBackupVaultArn": job.source_vault_arn,
        "destinationBackupVaultArn": job.destination_vault_arn,
    }
    if state == "CREATED":
        return detail
    detail.update(
        {
            "copyJobId": job.job_id,
            "destinationRecoveryPointArn": (
                job.destination_recovery_point_arn if state == "COMPLETED" else None
            )
            or {},
            "resourceArn": job.resource_arn,
            "resourceType": job.resource_type,
            "iamRoleArn": job.iam_role_arn,
            "backupSizeInBytes": job.backup_size_bytes,
            "createdBy": event_created_by(job.created_by),
        }
    )
    if state in COPY_COMPLETION_STATES:
        detail["completionDate"] = _iso(job.completion_date)
        detail["statusMessage"] = job.status_message or None
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
    if created:
        return {"restoreJobId": job.job_id, "creationDate": _iso(job.creation_date), "state": "CREATED"}
    status = job.status
    detail: dict[str, Any] = {
        "restoreJobId": job.job_id,
        "backupSizeInBytes": str(job.backup_size_bytes),
        "creationDate": _iso(job.creation_date),
        "iamRoleArn": job.iam_role_arn,
        "percentDone": _percent(job.percent_done),
        "resourceType": job.resource_type,
        "status": status,
        "restoreTestingPlanArn": job.created_by.get("RestoreTestingPlanArn") or None,
    }
    if status in RESTORE_MESSAGE_STATUSES:
        detail["statusMessage"] = job.status_message
    if status not in RESTORE_SHORT_STATUSES:  # COMPLETED: the full set
        detail.update(
            {
                "recoveryPointArn": job.recovery_point_arn,
                "backupVaultArn": job.vault_arn,
                "sourceResourceArn": job.source_resource_arn,
                "createdResourceArn": job.created_resource_arn,
                "completionDate": _iso(job.completion_date),
                "percentDone": 0,  # as AWS's COMPLETED example shows it
            }
        )
    return _compact(detail)


def emit_restore_job(job: RestoreJob, *, created: bool = False) -> dict[str, Any]:
    """``resources`` holds the recovery point on COMPLETED (AWS's example) and is empty otherwise
    (UNVERIFIED: the other examples' ``resources`` are not in the fact sheet)."""
    completed = job.status == "COMPLETED" and not created
    return emit_service_event(
        account=job.account,
        region=job.region,
        source=SOURCE,
        detail_type=RESTORE_JOB,
        detail=restore_job_detail(job, created=created),
        resources=[job.recovery_point_arn] if completed else [],
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
