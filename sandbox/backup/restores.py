"""Restore jobs: StartRestoreJob, DescribeRestoreJob, ListRestoreJobs(ByProtectedResource),
GetRestoreJobMetadata's job, PutRestoreValidationResult, and the restore life cycle.

A restore runs in the account and Region that hold the recovery point (restore a copy from its own
Region/account: "copy first, then restore there"). The job is PENDING (events CREATED, which says
``state``, then PENDING), RUNNING, then COMPLETED with ``CreatedResourceArn`` or FAILED, on the
simulated clock (``transfers``). The new resource is created by the adapter's ``restore`` when the
job completes; a restore AWS refuses at that point (a target table that exists, ...) fails the JOB
with the adapter's message, as AWS fails a DynamoDB restore onto an existing table.
``FAULTS.restore_is_empty(type)`` makes the restore complete into an empty resource;
``FAULTS.job_failure("restore", ...)`` fails it. ``CopySourceTagsToRestoredResource=true`` is
refused (InvalidParameterValueException): the sandbox does not keep the source's tags at backup
time, and silently ignoring the flag would fake a result. ``created_by`` carries the
``RestoreTestingPlanArn`` of a restore started by a restore testing plan (``restore_testing``, which
also records the tests that could not start: :meth:`Restores.failed_to_start`).

``PutRestoreValidationResult``: only on a COMPLETED restore job; a final status (SUCCESSFUL,
FAILED, TIMED_OUT) can be set once (a second one is an InvalidRequestException); VALIDATING may be
followed by a final status (UNVERIFIED in the fact sheet; this is the sandbox's choice).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from sandbox import runtime
from sandbox.backup import events
from sandbox.backup.errors import (
    InvalidParameterValueException,
    InvalidRequestException,
    MissingParameterValueException,
    ResourceNotFoundException,
)
from sandbox.backup.job_filters import (
    RESTORE_FILTERS,
    RESTORE_STATUS_FILTERS,
    check_enum,
    filtered,
    in_window,
    utc,
)
from sandbox.backup.paging import paginate
from sandbox.backup.records import RestoreJob
from sandbox.backup.roles import role_refusal
from sandbox.backup.selection_eval import validate_iam_role_arn
from sandbox.backup.state import new_id, request_fingerprint
from sandbox.backup.transfers import START_DELAY_SECONDS, adapter_for, gone, later, transfer_seconds
from sandbox.faults import FAULTS
from sandbox.resources.base import RestoreError

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.backup.records import RecoveryPoint
    from sandbox.backup.state import BackupState

FINAL_VALIDATION = {"SUCCESSFUL", "FAILED", "TIMED_OUT"}
VALIDATION_STATUSES = FINAL_VALIDATION | {"VALIDATING"}


def restore_job_shape(job: RestoreJob) -> dict[str, Any]:
    """DescribeRestoreJob's output and ListRestoreJobs' ``RestoreJobsListMember``."""
    shape = {
        "AccountId": job.account,
        "RestoreJobId": job.job_id,
        "RecoveryPointArn": job.recovery_point_arn,
        "SourceResourceArn": job.source_resource_arn,
        "BackupVaultArn": job.vault_arn,
        "CreationDate": job.creation_date,
        "CompletionDate": job.completion_date,
        "Status": job.status,
        "StatusMessage": job.status_message or None,
        "PercentDone": job.percent_done,
        "BackupSizeInBytes": job.backup_size_bytes,
        "IamRoleArn": job.iam_role_arn,
        "ExpectedCompletionTimeMinutes": job.expected_completion_minutes,
        "CreatedResourceArn": job.created_resource_arn,
        "ResourceType": job.resource_type,
        "RecoveryPointCreationDate": job.recovery_point_creation_date,
        "CreatedBy": job.created_by or None,
        "ValidationStatus": job.validation_status,
        "ValidationStatusMessage": job.validation_status_message,
        "DeletionStatus": job.deletion_status,
        "DeletionStatusMessage": job.deletion_status_message,
        "IsParent": False,
    }
    return {key: value for key, value in shape.items() if value is not None}


class Restores:
    """Restore jobs of one account and Region (from the recovery points held here).

    ``after_finished`` runs when a job has COMPLETED or FAILED, before its event is sent;
    ``after_validation`` after PutRestoreValidationResult (both wired by the backend: restore
    testing tags, keeps and deletes what its jobs restored).
    """

    def __init__(
        self,
        state: BackupState,
        *,
        after_finished: Callable[[RestoreJob], None] | None = None,
        after_validation: Callable[[RestoreJob], None] | None = None,
    ) -> None:
        self.state = state
        self._after_finished = after_finished
        self._after_validation = after_validation

    # -- StartRestoreJob -------------------------------------------------------------------------
    def start_restore_job(
        self,
        *,
        recovery_point_arn: str,
        metadata: dict[str, str] | None,
        iam_role_arn: str | None = None,
        idempotency_token: str | None = None,
        resource_type: str | None = None,
        copy_source_tags: bool | None = None,
        created_by: dict[str, Any] | None = None,
    ) -> RestoreJob:
        if metadata is None:
            raise MissingParameterValueException("Metadata is required")
        state = self.state
        request = {
            "RecoveryPointArn": recovery_point_arn,
            "Metadata": metadata,
            "IamRoleArn": iam_role_arn,
            "ResourceType": resource_type,
        }
        fingerprint = request_fingerprint(request)
        replayed = state.idempotent("StartRestoreJob", idempotency_token, fingerprint)
        if replayed is not None:
            return state.restore_jobs[replayed]
        if iam_role_arn is not None:
            validate_iam_role_arn(iam_role_arn)
        if copy_source_tags:
            raise InvalidParameterValueException(
                "CopySourceTagsToRestoredResource is not supported by the sandbox (source tags at backup "
                "time are not kept)"
            )
        point = self._restorable_point(recovery_point_arn, resource_type)
        now = runtime.clock().now()
        duration = START_DELAY_SECONDS + transfer_seconds(point.backup_size_bytes)
        job = RestoreJob(
            job_id=new_id(),
            account=state.account_id,
            region=state.region_name,
            recovery_point_arn=point.arn,
            vault_arn=point.vault_arn,
            source_resource_arn=point.resource_arn,
            resource_type=point.resource_type,
            iam_role_arn=iam_role_arn,
            metadata=dict(metadata),
            creation_date=now,
            idempotency_token=idempotency_token,
            created_by=dict(created_by or {}),
            backup_size_bytes=point.backup_size_bytes,
            recovery_point_creation_date=point.creation_date,
            expected_completion_minutes=max(1, round(duration / 60)),
        )
        state.restore_jobs[job.job_id] = job
        state.remember_token("StartRestoreJob", idempotency_token, fingerprint, job.job_id)
        events.emit_restore_job(job, created=True)
        events.emit_restore_job(job)
        later(START_DELAY_SECONDS, lambda: self._run_restore(job, point), f"restore {job.job_id} runs")
        return job

    def _restorable_point(self, recovery_point_arn: str, resource_type: str | None) -> RecoveryPoint:
        point = self.state.recovery_points.get(recovery_point_arn)
        if point is None:
            raise ResourceNotFoundException(
                f"Recovery point {recovery_point_arn} not found in "
                f"{self.state.account_id}/{self.state.region_name}"
            )
        if point.status != "COMPLETED":
            raise InvalidRequestException(f"Recovery point {point.arn} is {point.status}, not COMPLETED")
        if resource_type is not None and resource_type != point.resource_type:
            raise InvalidParameterValueException(
                f"ResourceType {resource_type} does not match the recovery point's type {point.resource_type}"
            )
        adapter_for(point.resource_type)
        return point

    # -- the life cycle --------------------------------------------------------------------------
    def _run_restore(self, job: RestoreJob, point: RecoveryPoint) -> None:
        job.status = "RUNNING"
        events.emit_restore_job(job)
        later(
            transfer_seconds(job.backup_size_bytes),
            lambda: self._finish_restore(job, point),
            f"restore {job.job_id} ends",
        )

    def _finish_restore(self, job: RestoreJob, point: RecoveryPoint) -> None:
        job.completion_date = runtime.clock().now()
        message = (
            gone(self.state.recovery_points, point.arn)
            or role_refusal(job.iam_role_arn)
            or FAULTS.job_failure("restore", point.resource_arn)
        )
        if message is None:
            capture = point.capture
            if FAULTS.restore_is_empty(point.resource_type):
                capture = dataclasses.replace(capture, payload=None)
            try:
                job.created_resource_arn = adapter_for(point.resource_type).restore(
                    capture, job.metadata, account=self.state.account_id, region=self.state.region_name
                )
            except RestoreError as error:
                message = error.message
        if message is not None:
            job.status, job.status_message = "FAILED", message
        else:
            job.status, job.percent_done = "COMPLETED", "100.0"
            point.last_restore_time = job.completion_date
        if self._after_finished is not None:
            self._after_finished(job)
        events.emit_restore_job(job)

    def failed_to_start(
        self,
        *,
        recovery_point_arn: str,
        metadata: dict[str, str],
        iam_role_arn: str | None,
        created_by: dict[str, Any],
        message: str,
    ) -> RestoreJob:
        """A restore job that could not start (a restore test beyond its type's concurrency quota
        when its start window closed): FAILED at once with AWS's message (events CREATED, FAILED)."""
        point = self._restorable_point(recovery_point_arn, None)
        now = runtime.clock().now()
        job = RestoreJob(
            job_id=new_id(),
            account=self.state.account_id,
            region=self.state.region_name,
            recovery_point_arn=point.arn,
            vault_arn=point.vault_arn,
            source_resource_arn=point.resource_arn,
            resource_type=point.resource_type,
            iam_role_arn=iam_role_arn,
            metadata=dict(metadata),
            creation_date=now,
            created_by=dict(created_by),
            status="FAILED",
            status_message=message,
            completion_date=now,
            backup_size_bytes=point.backup_size_bytes,
            recovery_point_creation_date=point.creation_date,
        )
        self.state.restore_jobs[job.job_id] = job
        events.emit_restore_job(job, created=True)
        events.emit_restore_job(job)
        return job

    # -- reads and validation --------------------------------------------------------------------
    def describe_restore_job(self, restore_job_id: str) -> RestoreJob:
        job = self.state.restore_jobs.get(restore_job_id)
        if job is None:
            raise ResourceNotFoundException(f"Restore job {restore_job_id} not found")
        return job

    def list_restore_jobs(
        self, filters: dict[str, Any], max_results: int | None, next_token: str | None
    ) -> tuple[list[RestoreJob], str | None]:
        check_enum(filters, "ByStatus", RESTORE_STATUS_FILTERS)
        jobs = filtered(self.state.restore_jobs.values(), filters, RESTORE_FILTERS)
        return paginate(jobs, max_results, next_token)

    def list_restore_jobs_by_protected_resource(
        self, resource_arn: str, filters: dict[str, Any], max_results: int | None, next_token: str | None
    ) -> tuple[list[RestoreJob], str | None]:
        check_enum(filters, "ByStatus", RESTORE_STATUS_FILTERS)
        status = filters.get("ByStatus")
        after = utc(filters.get("ByRecoveryPointCreationDateAfter"))
        before = utc(filters.get("ByRecoveryPointCreationDateBefore"))
        jobs = [
            job
            for job in self.state.restore_jobs.values()
            if job.source_resource_arn == resource_arn
            and status in {None, job.status}
            and in_window(job.recovery_point_creation_date, after, before)
        ]
        return paginate(jobs, max_results, next_token)

    def put_restore_validation_result(self, restore_job_id: str, status: str, message: str | None) -> None:
        if status not in VALIDATION_STATUSES:
            raise InvalidParameterValueException(
                f"ValidationStatus must be one of {', '.join(sorted(VALIDATION_STATUSES))}"
            )
        job = self.describe_restore_job(restore_job_id)
        if job.status != "COMPLETED":
            raise InvalidRequestException(
                f"Restore job {restore_job_id} is {job.status}; validate a COMPLETED job"
            )
        # "once a validation status is set it cannot be changed" (fact sheet 2.5): VALIDATING too
        if job.validation_status is not None:
            raise InvalidRequestException(
                f"Restore job {restore_job_id} already has the validation status {job.validation_status}; "
                "it cannot be changed"
            )
        job.validation_status, job.validation_status_message = status, message
        if self._after_validation is not None:
            self._after_validation(job)
