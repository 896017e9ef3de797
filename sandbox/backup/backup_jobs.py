"""Backup jobs: StartBackupJob, DescribeBackupJob, ListBackupJobs, and the job life cycle.

:class:`BackupJobs` creates the jobs of StartBackupJob and of plan windows (``plan_schedule``) and
runs them. What a completed job leads to is wired by the backend: ``register_point`` (the recovery
point enters its vault, ``RecoveryPoints.register``) and ``after_completed`` (a plan rule's copies).

Life cycle over simulated time (every step is a SimClock timer; events as ``events`` builds them):

1. CREATED at the request (event: CREATED).
2. :data:`START_DELAY_SECONDS` later the job tries to start. AWS runs one backup or copy job per
   resource at a time (fact sheet 4): while another one is PENDING or RUNNING for the same
   resource, or while an injected capacity fault (``FAULTS.no_capacity``) holds, the job stays
   CREATED and retries every :data:`RETRY_SECONDS` (AWS retries "at least every 10 minutes"),
   counting its retries (the event's ``retryCount``); when its start window
   (``StartWindowMinutes``, 8 h by default) closes first, it turns EXPIRED, with AWS's message
   :data:`RUNNING_JOB_MESSAGE` when another job held the resource, :data:`START_WINDOW_MESSAGE`
   (the sandbox's wording) otherwise.
3. PENDING (event, with a status message) when AWS waits before running it
   (``FAULTS.pending_backup``: the underlying service is not ready), then
4. RUNNING (event, with ``expectedCompletionDate``): the adapter captures the resource's data
   now (the point in time of the backup). A resource that vanished, or a capture AWS would fail
   (``CaptureError``, e.g. an S3 bucket without versioning), fails the job at once.
5. After ``BASE_DURATION_SECONDS + size / THROUGHPUT_BYTES_PER_SECOND``: COMPLETED, the recovery
   point registered in the vault (``Recovery Point State Change``), then the job event with the
   recovery point in ``resources[0]``; COMPLETED "with issues" (a non-empty status message,
   ``FAULTS.complete_with_issues``); PARTIAL (``FAULTS.partial_job``: a point with status PARTIAL,
   UNVERIFIED: AWS documents PARTIAL for composite jobs); or FAILED with the message of an injected
   fault (``FAULTS.job_failure("backup", resource_arn)``), the capture discarded. A plan rule with
   ``EnableContinuousBackup`` makes continuous points (``job_points``).

StopBackupJob: a CREATED, PENDING or RUNNING job turns ABORTING at once (no event) and ABORTED
:data:`ABORT_SECONDS` later (event, capture discarded); refused (InvalidRequestException: the exact
error is UNVERIFIED) for the types the API says it does not support (:data:`STOP_UNSUPPORTED_TYPES`)
and for a job that already ended.

When the job starts running, AWS Backup assumes its role and the vault checks its lifecycle: a role
that does not exist or does not trust ``backup.amazonaws.com`` (``roles.role_refusal``) and a
retention outside the vault's Vault Lock range (``VaultLock.retention_refusal``) fail the job
(FAILED; messages UNVERIFIED). ``CompleteWindowMinutes`` (plan rules: ``CompletionWindowMinutes``)
counts from the job's creation ("from when the backup was scheduled", botocore model): a job still
RUNNING when it closes ends EXPIRED with :data:`COMPLETE_WINDOW_MESSAGE` (state and text from a
public report of a real job, not from AWS's documentation: UNVERIFIED), its capture discarded.

Not modelled: parent/child (composite) jobs, the randomised start of plan jobs inside their window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox import runtime
from sandbox.backup.errors import (
    InvalidParameterValueException,
    InvalidRequestException,
    MissingParameterValueException,
    ResourceNotFoundException,
)
from sandbox.backup.events import emit_backup_job
from sandbox.backup.job_points import CONTINUOUS_TYPES, continuous_point_arn, new_point, refresh_continuous
from sandbox.backup.lifecycle import validate_lifecycle
from sandbox.backup.paging import paginate
from sandbox.backup.records import BackupJob, JobProgress, RecoveryPoint
from sandbox.backup.roles import role_refusal
from sandbox.backup.selection_eval import validate_iam_role_arn
from sandbox.backup.state import as_utc, new_id, request_fingerprint, utcnow
from sandbox.backup.vault_lock import retention_days
from sandbox.faults import FAULTS, NO_CAPACITY, PARTIAL, PENDING, WITH_ISSUES
from sandbox.resources import CaptureError, SandboxAdapter, adapter_for_arn

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.backup.region_settings import RegionSettings
    from sandbox.backup.state import BackupState
    from sandbox.backup.vault_lock import VaultLock
    from sandbox.resources.base import LiveResource

START_DELAY_SECONDS = 60
BASE_DURATION_SECONDS = 120
THROUGHPUT_BYTES_PER_SECOND = 50 * 1024 * 1024
RETRY_SECONDS = 600
DEFAULT_START_WINDOW_MINUTES = 480
MIN_START_WINDOW_MINUTES = 60
MAX_START_WINDOW_MINUTES = 52_560_000
LIST_HORIZON = dt.timedelta(days=30)
RUNNING_JOB_MESSAGE = "Backup job failed because there was a running job for the same resource."
#: EXPIRED when the job could not start in its window for another reason (the sandbox's wording,
#: modelled on AWS's restore-testing message "Restore job was unable to start within the specified
#: start window": UNVERIFIED for backup jobs)
START_WINDOW_MESSAGE = "Backup job was unable to start within the specified start window."
#: StopBackupJob "is not supported" for these (the API's documentation; all FSx types are "FSx")
STOP_UNSUPPORTED_TYPES = frozenset(
    {"Aurora", "DocumentDB", "FSx", "Neptune", "SAP HANA on Amazon EC2", "RDS"}
)
#: ABORTING -> ABORTED (simulated seconds)
ABORT_SECONDS = 30
#: the ABORTED job's status message (the sandbox's wording: UNVERIFIED)
STOPPED_MESSAGE = "Backup job was stopped by StopBackupJob."
#: a job still RUNNING when its complete window closes (UNVERIFIED: a public report, not AWS's docs)
COMPLETE_WINDOW_MESSAGE = "Backup job expired before completion."
#: StartBackupJob returns RecoveryPointArn only for these (fact sheet 2.2; DynamoDB: advanced only)
TYPES_RETURNING_RECOVERY_POINT = {"EFS", "DynamoDB"}


@dataclass
class JobRequest:
    """One backup to run: what StartBackupJob asks for, or what a plan rule asks for."""

    vault_name: str
    resource: LiveResource
    iam_role_arn: str
    start_window_minutes: int
    complete_window_minutes: int | None
    lifecycle: dict[str, Any]
    recovery_point_tags: dict[str, str]
    backup_options: dict[str, str]
    created_by: dict[str, Any]
    idempotency_token: str | None = None
    #: the plan rule's EnableContinuousBackup
    continuous: bool = False


class BackupJobs:
    """Backup jobs of one account and Region.

    ``register_point`` adds a completed job's recovery point to its vault; ``after_completed`` runs
    once the job is COMPLETED (both wired by the backend).
    """

    def __init__(
        self,
        state: BackupState,
        *,
        region_settings: RegionSettings,
        register_point: Callable[[RecoveryPoint], None],
        after_completed: Callable[[BackupJob, RecoveryPoint], None],
        vault_lock: VaultLock,
    ) -> None:
        self.state = state
        self._vault_lock = vault_lock
        self._region_settings = region_settings
        self._register_point = register_point
        self._after_completed = after_completed

    # -- StartBackupJob --------------------------------------------------------------------------
    def start_backup_job(self, params: dict[str, Any]) -> BackupJob:
        """Validate as AWS does, honour the IdempotencyToken, create the job (CREATED)."""
        token = params.get("IdempotencyToken")
        fingerprint = request_fingerprint({k: v for k, v in params.items() if k != "IdempotencyToken"})
        existing = self.state.idempotent("StartBackupJob", token, fingerprint)
        if existing is not None and existing in self.state.backup_jobs:
            return self.state.backup_jobs[existing]
        vault = self.state.vault_or_404(params.get("BackupVaultName"))
        resource = self._live_resource(params.get("ResourceArn"))
        start_window = params.get("StartWindowMinutes")
        if (
            start_window is not None
            and not MIN_START_WINDOW_MINUTES <= start_window <= MAX_START_WINDOW_MINUTES
        ):
            raise InvalidParameterValueException(
                f"StartWindowMinutes must be between {MIN_START_WINDOW_MINUTES} and "
                f"{MAX_START_WINDOW_MINUTES}"
            )
        lifecycle = params.get("Lifecycle") or {}
        validate_lifecycle(lifecycle)
        request = JobRequest(
            vault_name=vault.backup_vault_name,
            resource=resource,
            iam_role_arn=validate_iam_role_arn(params.get("IamRoleArn")),
            start_window_minutes=start_window or DEFAULT_START_WINDOW_MINUTES,
            complete_window_minutes=params.get("CompleteWindowMinutes"),
            lifecycle=lifecycle,
            recovery_point_tags=params.get("RecoveryPointTags") or {},
            backup_options=params.get("BackupOptions") or {},
            created_by={},
            idempotency_token=token,
        )
        job = self.create_backup_job(request)
        self.state.remember_token("StartBackupJob", token, fingerprint, job.job_id)
        return job

    def _live_resource(self, resource_arn: str | None) -> LiveResource:
        if not resource_arn:
            raise MissingParameterValueException("ResourceArn is required")
        adapter = adapter_for_arn(resource_arn)
        if adapter is None:
            raise InvalidParameterValueException(f"Invalid or unsupported resource ARN: {resource_arn}")
        location = adapter.locate(resource_arn)
        resource = adapter.describe(resource_arn) if location is not None else None
        if location is None or resource is None:
            raise ResourceNotFoundException(f"Resource not found: {resource_arn}")
        account, region = self.state.account_id, self.state.region_name
        if location != (account, region):
            raise InvalidParameterValueException(
                f"Resource {resource_arn} is not in account {account}, Region {region}"
            )
        return resource

    def returned_recovery_point_arn(self, job: BackupJob) -> str | None:
        """StartBackupJob's RecoveryPointArn: EFS and advanced DynamoDB only."""
        progress = self.state.job_progress.get(job.job_id)
        if job.resource_type in TYPES_RETURNING_RECOVERY_POINT and progress and progress.fully_managed:
            return job.recovery_point_arn
        return None

    # -- the life cycle --------------------------------------------------------------------------
    def create_backup_job(self, request: JobRequest) -> BackupJob:
        """A new job (on-demand or plan), CREATED now, with its start scheduled on the clock."""
        state, resource = self.state, request.resource
        adapter = self._adapter(resource.arn)
        vault = state.vaults[request.vault_name]
        now = utcnow()
        fully_managed = self._region_settings.fully_managed(resource.resource_type, adapter.fully_managed)
        job = BackupJob(
            job_id=new_id(),
            account=state.account_id,
            region=state.region_name,
            vault_name=vault.backup_vault_name,
            vault_arn=vault.backup_vault_arn,
            resource_arn=resource.arn,
            resource_type=resource.resource_type,
            iam_role_arn=request.iam_role_arn,
            creation_date=now,
            start_by=now + dt.timedelta(minutes=request.start_window_minutes),
            complete_by=(
                now + dt.timedelta(minutes=request.complete_window_minutes)
                if request.complete_window_minutes
                else None
            ),
            lifecycle=dict(request.lifecycle),
            recovery_point_tags=dict(request.recovery_point_tags),
            created_by=dict(request.created_by),
            idempotency_token=request.idempotency_token,
            backup_options=dict(request.backup_options),
            continuous=request.continuous and resource.resource_type in CONTINUOUS_TYPES,
        )
        if fully_managed:
            job.recovery_point_arn = state.new_recovery_point_arn()
        state.backup_jobs[job.job_id] = job
        state.job_progress[job.job_id] = JobProgress(resource_name=resource.name, fully_managed=fully_managed)
        emit_backup_job(job)
        job_id = job.job_id
        runtime.clock().call_later(
            START_DELAY_SECONDS, lambda: self._try_start(job_id), label=f"start {job_id}"
        )
        return job

    def _adapter(self, resource_arn: str) -> SandboxAdapter:
        adapter = adapter_for_arn(resource_arn)
        if adapter is None:  # validated at StartBackupJob / selection time
            raise InvalidParameterValueException(f"Unsupported resource ARN: {resource_arn}")
        return adapter

    def _resource_busy(self, job: BackupJob) -> bool:
        active = {"PENDING", "RUNNING", "ABORTING"}
        backups = (j for j in self.state.backup_jobs.values() if j.job_id != job.job_id)
        running = [j.resource_arn for j in backups if j.state in active]
        running += [j.resource_arn for j in self.state.copy_jobs.values() if j.state == "RUNNING"]
        return job.resource_arn in running

    def _try_start(self, job_id: str) -> None:
        job = self.state.backup_jobs.get(job_id)
        if job is None or job.state != "CREATED":
            return
        busy = self._resource_busy(job)
        if not busy and FAULTS.job_effect("backup", NO_CAPACITY, job.resource_arn) is None:
            pending = FAULTS.job_effect("backup", PENDING, job.resource_arn)
            if pending is None:
                self._run(job)
                return
            job.state, job.status_message = "PENDING", pending.message
            emit_backup_job(job)
            runtime.clock().call_later(
                pending.seconds, lambda: self._end_pending(job_id), label=f"pending {job_id}"
            )
            return
        clock = runtime.clock()
        retry_at = utcnow() + dt.timedelta(seconds=RETRY_SECONDS)
        message = RUNNING_JOB_MESSAGE if busy else START_WINDOW_MESSAGE
        if retry_at > job.start_by:
            clock.call_at(
                job.start_by, lambda: self._expire_job(job_id, message), label=f"expire job {job_id}"
            )
        else:
            job.retry_count += 1
            clock.call_at(retry_at, lambda: self._try_start(job_id), label=f"retry {job_id}")

    def _end_pending(self, job_id: str) -> None:
        job = self.state.backup_jobs.get(job_id)
        if job is not None and job.state == "PENDING":
            self._run(job)

    def _expire_job(self, job_id: str, message: str) -> None:
        job = self.state.backup_jobs.get(job_id)
        if job is not None and job.state == "CREATED":
            self._finish(job, "EXPIRED", message)

    def _run(self, job: BackupJob) -> None:
        adapter = self._adapter(job.resource_arn)
        progress = self.state.job_progress[job.job_id]
        job.state, job.status_message = "RUNNING", ""
        refusal = role_refusal(job.iam_role_arn) or self._vault_lock.retention_refusal(
            job.vault_name, retention_days(job.lifecycle)
        )
        if refusal is not None:
            emit_backup_job(job)
            self._finish(job, "FAILED", refusal)
            return
        live = adapter.describe(job.resource_arn)
        if live is None:
            emit_backup_job(job)
            self._finish(job, "FAILED", f"Resource not found: {job.resource_arn}")
            return
        progress.resource_tags = dict(live.tags)  # copied onto the recovery point (job_points.point_tags)
        try:
            capture = adapter.capture(
                job.resource_arn, account=job.account, region=job.region, job_id=job.job_id
            )
        except CaptureError as error:
            emit_backup_job(job)
            self._finish(job, "FAILED", error.message)
            return
        progress.capture = capture
        if job.continuous:
            job.recovery_point_arn = continuous_point_arn(self.state, job.resource_arn, job.vault_name)
        elif not progress.fully_managed:
            job.recovery_point_arn = capture.native_arn or self.state.new_recovery_point_arn()
        duration = BASE_DURATION_SECONDS + capture.size_bytes / THROUGHPUT_BYTES_PER_SECOND
        progress.expected_completion = utcnow() + dt.timedelta(seconds=duration)
        emit_backup_job(job, expected_completion=progress.expected_completion)
        job_id = job.job_id
        runtime.clock().call_at(
            progress.expected_completion, lambda: self._complete(job_id), label=f"complete {job_id}"
        )
        if job.complete_by is not None and job.complete_by < progress.expected_completion:
            runtime.clock().call_at(
                job.complete_by, lambda: self._window_closed(job_id), label=f"complete window {job_id}"
            )

    def _window_closed(self, job_id: str) -> None:
        """The complete window closed on a job still RUNNING: EXPIRED, nothing kept."""
        job = self.state.backup_jobs.get(job_id)
        if job is None or job.state != "RUNNING":
            return
        capture = self.state.job_progress[job_id].capture
        if capture is not None:
            self._adapter(job.resource_arn).delete_capture(capture)
        self._finish(job, "EXPIRED", COMPLETE_WINDOW_MESSAGE)

    def _complete(self, job_id: str) -> None:
        job = self.state.backup_jobs.get(job_id)
        if job is None or job.state != "RUNNING":
            return
        progress = self.state.job_progress[job_id]
        capture = progress.capture
        assert capture is not None and job.recovery_point_arn is not None
        failure = FAULTS.job_failure("backup", job.resource_arn)
        if failure is not None:
            self._adapter(job.resource_arn).delete_capture(capture)
            self._finish(job, "FAILED", failure)
            return
        now = utcnow()
        job.backup_size_bytes = job.bytes_transferred = capture.size_bytes
        job.percent_done = "100.0"
        partial = FAULTS.job_effect("backup", PARTIAL, job.resource_arn)
        issues = None if partial else FAULTS.job_effect("backup", WITH_ISSUES, job.resource_arn)
        existing = self.state.recovery_points.get(job.recovery_point_arn) if job.continuous else None
        if existing is not None:  # a continuous point: refreshed, not made again
            refresh_continuous(existing, capture, now=now)
            point = existing
        else:
            vault = self.state.vaults.get(job.vault_name)
            status = "PARTIAL" if partial else "COMPLETED"
            point = new_point(job, progress, capture, vault, status=status, now=now)
            self._register_point(point)
        if partial is not None:
            self._finish(job, "PARTIAL", partial.message)
            return
        self._finish(job, "COMPLETED", issues.message if issues else "")
        self._after_completed(job, point)

    def _finish(self, job: BackupJob, state: str, message: str) -> None:
        job.state = state
        job.status_message = message
        job.completion_date = utcnow()
        emit_backup_job(job)

    # -- StopBackupJob ---------------------------------------------------------------------------
    def stop_backup_job(self, job_id: str) -> None:
        """ABORTING now, ABORTED :data:`ABORT_SECONDS` later (AWS refuses some types: the API's list)."""
        job = self.describe_backup_job(job_id)
        if job.resource_type in STOP_UNSUPPORTED_TYPES:
            raise InvalidRequestException(
                f"StopBackupJob is not supported for resource type {job.resource_type} (backup job {job_id})"
            )
        if job.state not in {"CREATED", "PENDING", "RUNNING"}:
            raise InvalidRequestException(f"Backup job {job_id} is {job.state} and cannot be stopped")
        job.state = "ABORTING"
        runtime.clock().call_later(ABORT_SECONDS, lambda: self._abort(job_id), label=f"abort {job_id}")

    def _abort(self, job_id: str) -> None:
        job = self.state.backup_jobs.get(job_id)
        if job is None or job.state != "ABORTING":
            return
        progress = self.state.job_progress.get(job_id)
        if progress is not None and progress.capture is not None:
            self._adapter(job.resource_arn).delete_capture(progress.capture)
            progress.capture = None
        self._finish(job, "ABORTED", STOPPED_MESSAGE)

    # -- DescribeBackupJob / ListBackupJobs ------------------------------------------------------
    def describe_backup_job(self, job_id: str) -> BackupJob:
        job = self.state.backup_jobs.get(job_id)
        if job is None:
            raise ResourceNotFoundException(f"Backup job {job_id} not found")
        return job

    def list_backup_jobs(
        self, filters: dict[str, Any], max_results: int | None, next_token: str | None
    ) -> tuple[list[BackupJob], str | None]:
        """Jobs of the last 30 days (AWS's horizon), oldest first, filtered."""
        horizon = utcnow() - LIST_HORIZON
        jobs = [
            job
            for job in self.state.backup_jobs.values()
            if job.creation_date >= horizon and _job_filters_hold(job, filters, self.job_view(job))
        ]
        return paginate(jobs, max_results, next_token)

    def job_view(self, job: BackupJob) -> dict[str, Any]:
        """DescribeBackupJob / ListBackupJobs fields."""
        progress = self.state.job_progress.get(job.job_id)
        vault = self.state.vaults.get(job.vault_name)
        view: dict[str, Any] = {
            "AccountId": job.account,
            "BackupJobId": job.job_id,
            "BackupVaultName": job.vault_name,
            "BackupVaultArn": job.vault_arn,
            "VaultType": "BACKUP_VAULT",
            "RecoveryPointArn": job.recovery_point_arn,
            "RecoveryPointLifecycle": job.lifecycle or None,
            "EncryptionKeyArn": vault.encryption_key_arn if vault else None,
            "ResourceArn": job.resource_arn,
            "ResourceType": job.resource_type,
            "ResourceName": progress.resource_name if progress else None,
            "CreationDate": job.creation_date,
            "CompletionDate": job.completion_date,
            "State": job.state,
            "StatusMessage": job.status_message or None,
            "PercentDone": job.percent_done,
            "BackupSizeInBytes": job.backup_size_bytes,
            "BytesTransferred": job.bytes_transferred,
            "IamRoleArn": job.iam_role_arn,
            "CreatedBy": job.created_by or None,
            "ExpectedCompletionDate": progress.expected_completion if progress else None,
            "StartBy": job.start_by,
            "BackupOptions": job.backup_options or None,
            "IsParent": False,
            "MessageCategory": "SUCCESS" if job.state == "COMPLETED" else None,
        }
        return {k: v for k, v in view.items() if v is not None}


def _job_filters_hold(job: BackupJob, filters: dict[str, Any], view: dict[str, Any]) -> bool:
    completed = job.completion_date
    checks: list[tuple[str, Callable[[Any], bool]]] = [
        ("ByResourceArn", lambda v: job.resource_arn == v),
        ("ByState", lambda v: job.state == v),
        ("ByBackupVaultName", lambda v: job.vault_name == v),
        ("ByCreatedBefore", lambda v: job.creation_date <= as_utc(v)),
        ("ByCreatedAfter", lambda v: job.creation_date >= as_utc(v)),
        ("ByResourceType", lambda v: job.resource_type == v),
        ("ByAccountId", lambda v: job.account == v),
        ("ByCompleteAfter", lambda v: completed is not None and completed >= as_utc(v)),
        ("ByCompleteBefore", lambda v: completed is not None and completed <= as_utc(v)),
        ("ByParentJobId", lambda v: False),  # no composite (parent) jobs in the sandbox
        ("ByMessageCategory", lambda v: v == "AGGREGATE_ALL" or view.get("MessageCategory") == v),
    ]
    return all(check(filters[name]) for name, check in checks if filters.get(name) is not None)
