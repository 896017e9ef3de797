"""Copy jobs: StartCopyJob, DescribeCopyJob, ListCopyJobs, and the copy life cycle.

A copy job belongs to the source account and Region: its ``Copy Job State Change`` events are sent
there, while the ``Recovery Point State Change`` of the new point is sent where the point lands
(:meth:`Copies.receive_copy`, run by the ``Copies`` of the destination, reached through ``peers``).
The job moves CREATED -> RUNNING -> COMPLETED (or FAILED) on the simulated clock (``transfers``);
the data moves with the resource adapter's ``copy_to`` when the job completes. What AWS documents
and the sandbox enforces at the request (fact sheet sections 2.2 and 5):

* the source vault and the recovery point exist, the point is COMPLETED (else
  ResourceNotFoundException / InvalidRequestException);
* ``DestinationBackupVaultArn`` is a backup-vault ARN (InvalidParameterValueException) of a vault
  that exists in that account and Region (ResourceNotFoundException; for another account AWS may
  instead fail the job: not documented, the sandbox rejects the request);
* a cross-account copy never goes to the ``Default`` vault (InvalidParameterValueException);
* a COLD recovery point is not copied to another Region or account (InvalidRequestException);
* a continuous recovery point is not copied: StartCopyJob "does not support continuous backups"
  (the API's documentation; InvalidParameterValueException: the exact error is UNVERIFIED);
* ``Lifecycle``: DeleteAfterDays >= MoveToColdStorageAfterDays + 90 (InvalidParameterValueException);
* ``IdempotencyToken``: a replayed token returns the first job (``BackupState.idempotent``).

A cross-account copy needs the destination vault's access policy to allow
``backup:CopyIntoBackupVault`` for the source account (or its role; see ``access_policy``). AWS
checks that when the copy runs, in the destination account, so the REQUEST succeeds and the JOB
fails, with a status message that names the access policy (MessageCategory ``AccessDenied``). The
policy is read when the job runs, so a policy added while the job waits still counts. Job faults
come from ``FAULTS.job_failure("copy", ...)`` (the KMS access-denied fault among them). A copy the
resource type does not support (a DynamoDB backup made without advanced DynamoDB backup) fails the
job with the adapter's message. The new point keeps the source's creation date (a copy is the same
point in time; its lifecycle counts from there: an assumption, AWS does not say), takes the job's
``Lifecycle`` (none, or ``-1``: the source's expiry, ``lifecycle.copy_lifecycle``) and the source
point's tags, and is encrypted with the destination vault's key.

When the copy runs, AWS Backup assumes the job's role (``roles.role_refusal``: a missing or
untrusting role fails the job) and the destination vault's Vault Lock judges the copy's retention
(``VaultLock.retention_refusal``, read on the destination side through ``peers``): outside the
lock's range, the job FAILS with a message naming the retention and the Vault Lock (UNVERIFIED).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sandbox import runtime
from sandbox.backup import events
from sandbox.backup.access_policy import COPY_INTO_ACTION
from sandbox.backup.errors import (
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from sandbox.backup.job_filters import COPY_FILTERS, COPY_STATE_FILTERS, check_enum, filtered, normalised
from sandbox.backup.job_points import is_continuous
from sandbox.backup.lifecycle import copy_lifecycle, validate_lifecycle
from sandbox.backup.paging import paginate
from sandbox.backup.records import CopyJob, RecoveryPoint
from sandbox.backup.roles import role_refusal
from sandbox.backup.selection_eval import validate_iam_role_arn
from sandbox.backup.state import new_id, request_fingerprint
from sandbox.backup.transfers import START_DELAY_SECONDS, adapter_for, gone, later, transfer_seconds
from sandbox.backup.vault_lock import retention_days
from sandbox.faults import COPY_RETRY_HOURS, FAULTS, PARTIAL, SYSTEM_ERROR
from sandbox.resources import CaptureError

if TYPE_CHECKING:
    from collections.abc import Callable

    from moto.backup.models import Vault

    from sandbox.backup.recovery_points import RecoveryPoints
    from sandbox.backup.state import BackupState
    from sandbox.backup.vault_lock import VaultLock
    from sandbox.backup.vault_policy import VaultPolicy
    from sandbox.resources.base import Capture

DEFAULT_VAULT = "Default"
_VAULT_ARN = re.compile(
    r"^arn:aws[a-z-]*:backup:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):backup-vault:(?P<name>[a-zA-Z0-9\-_]{2,50})$"
)


def vault_location(vault_arn: str) -> tuple[str, str, str]:
    """(account, region, name) of a backup-vault ARN."""
    match = _VAULT_ARN.match(vault_arn)
    if match is None:
        raise InvalidParameterValueException(f"Invalid backup vault ARN: {vault_arn}")
    return match["account"], match["region"], match["name"]


def copy_job_shape(job: CopyJob) -> dict[str, Any]:
    """The API's ``CopyJob`` structure."""
    shape = {
        "AccountId": job.account,
        "CopyJobId": job.job_id,
        "SourceBackupVaultArn": job.source_vault_arn,
        "SourceRecoveryPointArn": job.source_recovery_point_arn,
        "DestinationBackupVaultArn": job.destination_vault_arn,
        "DestinationRecoveryPointArn": job.destination_recovery_point_arn,
        "DestinationRecoveryPointLifecycle": job.lifecycle or None,
        "ResourceArn": job.resource_arn,
        "CreationDate": job.creation_date,
        "CompletionDate": job.completion_date,
        "State": job.state,
        "StatusMessage": job.status_message or None,
        "BackupSizeInBytes": job.backup_size_bytes,
        "IamRoleArn": job.iam_role_arn,
        "CreatedBy": job.created_by or None,
        "CreatedByBackupJobId": job.created_by_backup_job_id,
        "ResourceType": job.resource_type,
        "IsParent": False,
        "MessageCategory": job.message_category,
    }
    return {key: value for key, value in shape.items() if value is not None}


class Copies:
    """Copy jobs of one account and Region, and the copies landing in its vaults.

    ``recovery_points`` finds source points and registers the points copies create here;
    ``vault_policy`` answers whether another account may copy into a vault here; ``peers(account,
    region)`` is the ``Copies`` of the destination's account and Region.
    """

    def __init__(
        self,
        state: BackupState,
        *,
        recovery_points: RecoveryPoints,
        vault_policy: VaultPolicy,
        vault_lock: VaultLock,
        peers: Callable[[str, str], Copies],
    ) -> None:
        self.state = state
        self._recovery_points = recovery_points
        self._vault_policy = vault_policy
        self._vault_lock = vault_lock
        self._peers = peers

    # -- StartCopyJob ----------------------------------------------------------------------------
    def start_copy_job(
        self,
        *,
        recovery_point_arn: str,
        source_backup_vault_name: str,
        destination_backup_vault_arn: str,
        iam_role_arn: str,
        idempotency_token: str | None = None,
        lifecycle: dict[str, Any] | None = None,
        created_by: dict[str, Any] | None = None,
        created_by_backup_job_id: str | None = None,
    ) -> CopyJob:
        state = self.state
        request = {
            "RecoveryPointArn": recovery_point_arn,
            "SourceBackupVaultName": source_backup_vault_name,
            "DestinationBackupVaultArn": destination_backup_vault_arn,
            "IamRoleArn": iam_role_arn,
            "Lifecycle": lifecycle,
        }
        fingerprint = request_fingerprint(request)
        replayed = state.idempotent("StartCopyJob", idempotency_token, fingerprint)
        if replayed is not None:
            return state.copy_jobs[replayed]
        validate_iam_role_arn(iam_role_arn)
        validate_lifecycle(lifecycle, allow_indefinite=True)
        source_vault = state.vault_or_404(source_backup_vault_name)
        point = self._recovery_points.point_in_vault(source_vault, recovery_point_arn)
        destination = self._copy_destination(point, destination_backup_vault_arn)
        job = CopyJob(
            job_id=new_id(),
            account=state.account_id,
            region=state.region_name,
            source_vault_arn=point.vault_arn,
            source_recovery_point_arn=point.arn,
            destination_vault_arn=destination.backup_vault_arn,
            resource_arn=point.resource_arn,
            resource_type=point.resource_type,
            iam_role_arn=iam_role_arn,
            creation_date=runtime.clock().now(),
            lifecycle=dict(lifecycle or {}),
            created_by=dict(created_by or {}),
            idempotency_token=idempotency_token,
            backup_size_bytes=point.backup_size_bytes,
            created_by_backup_job_id=created_by_backup_job_id,
        )
        state.copy_jobs[job.job_id] = job
        state.remember_token("StartCopyJob", idempotency_token, fingerprint, job.job_id)
        events.emit_copy_job(job)
        later(START_DELAY_SECONDS, lambda: self._start_copy(job, point), f"copy {job.job_id} starts")
        return job

    def _copy_destination(self, point: RecoveryPoint, destination_vault_arn: str) -> Vault:
        account, region, name = vault_location(destination_vault_arn)
        if point.status != "COMPLETED":
            raise InvalidRequestException(f"Recovery point {point.arn} is {point.status}, not COMPLETED")
        if is_continuous(point.arn):
            raise InvalidParameterValueException(
                f"StartCopyJob does not support continuous backups: {point.arn} is a continuous "
                "recovery point"
            )
        elsewhere = account != point.account or region != point.region
        if elsewhere and point.storage_class == "COLD":
            raise InvalidRequestException(
                "A recovery point in cold storage cannot be copied to another Region or account"
            )
        if account != point.account and name == DEFAULT_VAULT:
            raise InvalidParameterValueException("A cross-account copy cannot go to the Default backup vault")
        vault = self._peers(account, region).destination_vault(name)
        if vault is None:
            raise ResourceNotFoundException(f"Backup vault {destination_vault_arn} not found")
        return vault

    # -- the life cycle (source side) ------------------------------------------------------------
    def _start_copy(self, job: CopyJob, point: RecoveryPoint) -> None:
        """RUNNING now; or, after a system error (``FAULTS.copy_system_error``), CREATED while AWS
        retries (fact sheet 1.3: up to two hours), then RUNNING, or FAILED when the error outlasts
        the retries (UNVERIFIED message; the sandbox retries silently, without events)."""
        error = FAULTS.job_effect("copy", SYSTEM_ERROR, job.resource_arn, job.destination_vault_arn)
        if error is None:
            self._run_copy(job, point)
            return
        retries = COPY_RETRY_HOURS * 3600
        if error.seconds <= retries:
            later(error.seconds, lambda: self._run_copy(job, point), f"copy {job.job_id} retried")
            return

        def give_up() -> None:
            job.completion_date = runtime.clock().now()
            job.state, job.status_message, job.message_category = "FAILED", error.message, "ERROR"
            events.emit_copy_job(job)

        later(retries, give_up, f"copy {job.job_id} retries exhausted")

    def _run_copy(self, job: CopyJob, point: RecoveryPoint) -> None:
        job.state = "RUNNING"
        events.emit_copy_job(job)
        later(
            transfer_seconds(job.backup_size_bytes),
            lambda: self._finish_copy(job, point),
            f"copy {job.job_id} ends",
        )

    def _copy_failure(self, job: CopyJob) -> tuple[str, str] | None:
        """(message, MessageCategory) when the copy must fail."""
        account, region, name = vault_location(job.destination_vault_arn)
        missing = gone(self.state.recovery_points, job.source_recovery_point_arn)
        if missing is None and self._peers(account, region).destination_vault(name) is None:
            missing = f"Backup vault {job.destination_vault_arn} no longer exists"
        if missing is not None:
            return missing, "INVALIDPARAMETERS"
        refusal = role_refusal(job.iam_role_arn)
        if refusal is not None:
            return refusal, "AccessDenied"
        source = self.state.recovery_points[job.source_recovery_point_arn]
        days = retention_days(copy_lifecycle(job.lifecycle, source.lifecycle))
        locked = self._peers(account, region).lock_refusal(name, days)
        if locked is not None:
            return locked, "ERROR"
        if account != job.account:
            allowed = self._peers(account, region).accepts_copy_from(
                name, vault_arn=job.destination_vault_arn, role_arn=job.iam_role_arn, account=job.account
            )
            if not allowed:
                denied = (
                    f"Access denied: the access policy of backup vault {job.destination_vault_arn} does not "
                    f"allow {COPY_INTO_ACTION} for account {job.account}"
                )
                return denied, "AccessDenied"
        message = FAULTS.job_failure("copy", job.resource_arn, job.destination_vault_arn)
        if message is not None:
            category = "AccessDenied" if message.lower().startswith("access denied") else "ERROR"
            return message, category
        return None

    def _finish_copy(self, job: CopyJob, point: RecoveryPoint) -> None:
        job.completion_date = runtime.clock().now()
        failure = self._copy_failure(job)
        partial = None if failure else FAULTS.job_effect("copy", PARTIAL, job.resource_arn)
        if partial is not None:  # UNVERIFIED: AWS documents PARTIAL for composite jobs; no point lands
            job.state, job.status_message, job.message_category = "PARTIAL", partial.message, "ERROR"
            events.emit_copy_job(job)
            return
        if failure is None:
            account, region, name = vault_location(job.destination_vault_arn)
            destination = self._peers(account, region)
            try:
                job.destination_recovery_point_arn = destination.receive_copy(job, point, name).arn
            except CaptureError as error:  # a copy the type does not support (plain DynamoDB, ...)
                failure = error.message, "INVALIDPARAMETERS"
        if failure is None:
            job.state, job.message_category = "COMPLETED", "SUCCESS"
        else:
            job.state = "FAILED"
            job.status_message, job.message_category = failure
        events.emit_copy_job(job)

    # -- the destination side --------------------------------------------------------------------
    def destination_vault(self, name: str) -> Vault | None:
        """A vault here that copies can go to (None: no such vault)."""
        return self.state.vaults.get(name)

    def lock_refusal(self, vault_name: str, days: int | None) -> str | None:
        """Why this vault's Vault Lock fails a copy kept ``days`` (None: it accepts it)."""
        return self._vault_lock.retention_refusal(vault_name, days)

    def accepts_copy_from(self, vault_name: str, *, vault_arn: str, role_arn: str, account: str) -> bool:
        """Whether the vault's access policy lets ``account`` (through ``role_arn``) copy into it now."""
        policy = self._vault_policy
        return policy.allows_copy_into(vault_name, vault_arn=vault_arn, role_arn=role_arn, account=account)

    def receive_copy(self, job: CopyJob, source: RecoveryPoint, vault_name: str) -> RecoveryPoint:
        """The destination side of a copy: the new recovery point in this account/Region's vault."""
        state = self.state
        vault = state.vault_or_404(vault_name)
        capture = adapter_for(source.resource_type).copy_to(
            source.capture, account=state.account_id, region=state.region_name, job_id=job.job_id
        )
        point = RecoveryPoint(
            arn=self._copied_point_arn(source, capture),
            vault_name=vault.backup_vault_name,
            vault_arn=vault.backup_vault_arn,
            account=state.account_id,
            region=state.region_name,
            resource_arn=source.resource_arn,
            resource_type=source.resource_type,
            resource_name=source.resource_name,
            capture=capture,
            iam_role_arn=job.iam_role_arn,
            creation_date=source.creation_date,  # a copy is the same point in time (assumption)
            completion_date=runtime.clock().now(),
            lifecycle=copy_lifecycle(job.lifecycle, source.lifecycle),
            created_by=dict(job.created_by),
            source_vault_arn=job.source_vault_arn,
            encryption_key_arn=vault.encryption_key_arn or source.encryption_key_arn,
            is_encrypted=source.is_encrypted or bool(vault.encryption_key_arn),
            backup_size_bytes=source.backup_size_bytes,
            tags=dict(source.tags),
        )
        self._recovery_points.register(point)
        return point

    def _copied_point_arn(self, source: RecoveryPoint, capture: Capture) -> str:
        if ":recovery-point:" in source.arn or capture.native_arn is None:
            return self.state.new_recovery_point_arn()
        return capture.native_arn

    # -- DescribeCopyJob / ListCopyJobs ----------------------------------------------------------
    def describe_copy_job(self, copy_job_id: str) -> CopyJob:
        job = self.state.copy_jobs.get(copy_job_id)
        if job is None:
            raise ResourceNotFoundException(f"Copy job {copy_job_id} not found")
        return job

    def list_copy_jobs(
        self, filters: dict[str, Any], max_results: int | None, next_token: str | None
    ) -> tuple[list[CopyJob], str | None]:
        check_enum(filters, "ByState", COPY_STATE_FILTERS)
        jobs = filtered(self.state.copy_jobs.values(), normalised(filters), COPY_FILTERS)
        return paginate(jobs, max_results, next_token)
