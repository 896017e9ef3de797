"""Copy and restore half of the extended AWS Backup backend.

Operations: StartCopyJob, DescribeCopyJob, ListCopyJobs, StartRestoreJob, DescribeRestoreJob,
ListRestoreJobs, ListRestoreJobsByProtectedResource, GetRestoreJobMetadata,
GetRecoveryPointRestoreMetadata, GetRestoreTestingInferredMetadata, PutRestoreValidationResult and
Put/Get/DeleteBackupVaultAccessPolicy (moto 5.2.5 has none of them).

Copies. A copy job belongs to the source account and Region: its ``Copy Job State Change`` events
are sent there, while the ``Recovery Point State Change`` of the new point is sent where the point
lands. The job moves CREATED -> RUNNING -> COMPLETED (or FAILED) on the simulated clock; the data
moves with the resource adapter's ``copy_to`` when the job completes. What AWS documents and the
sandbox enforces at the request (fact sheet sections 2.2 and 5):

* the source vault and the recovery point exist, the point is COMPLETED (else
  ResourceNotFoundException / InvalidRequestException);
* ``DestinationBackupVaultArn`` is a backup-vault ARN (InvalidParameterValueException) of a vault
  that exists in that account and Region (ResourceNotFoundException; for another account AWS may
  instead fail the job: not documented, the sandbox rejects the request);
* a cross-account copy never goes to the ``Default`` vault (InvalidParameterValueException);
* a COLD recovery point is not copied to another Region or account (InvalidRequestException);
* ``Lifecycle``: DeleteAfterDays >= MoveToColdStorageAfterDays + 90 (InvalidParameterValueException);
* ``IdempotencyToken``: a replayed token returns the first job (see the backend's ``_idempotent``).

A cross-account copy needs the destination vault's access policy to allow
``backup:CopyIntoBackupVault`` for the source account (or its role). AWS checks that when the copy
runs, in the destination account, so the REQUEST succeeds and the JOB fails, with a status message
that names the access policy (MessageCategory ``AccessDenied``). The policy is read when the job
runs, so a policy added while the job waits still counts. Statements are evaluated for ``Effect``,
``Action``, ``Resource`` and ``Principal`` (``*``, an account id, ``arn:aws:iam::<acct>:root`` or a
role ARN, wildcards allowed) and ``Condition``: ``StringEquals``/``StringNotEquals`` on
``aws:PrincipalAccount``, ``aws:SourceAccount`` and ``aws:PrincipalArn`` are evaluated (the caller is
the source account and its backup role); any other condition cannot be evaluated (the sandbox has no
Organizations model): an Allow with such a condition is ignored, a Deny with one applies, so the
sandbox never allows more than AWS would. Organizations membership and ``isCrossAccountBackupEnabled``
are not modelled (treated as satisfied). Job faults come from ``FAULTS.job_failure("copy", ...)``
(the KMS access-denied fault among them). A copy the resource type does not support (a DynamoDB
backup made without advanced DynamoDB backup) fails the job with the adapter's message.
The new point keeps the source's creation date (a copy is the same point in time; its lifecycle
counts from there: an assumption, AWS does not say), takes the job's ``Lifecycle`` and the source
point's tags, and is encrypted with the destination vault's key.

Restores. A restore runs in the account and Region that hold the recovery point (restore a copy
from its own Region/account: "copy first, then restore there"). The job is PENDING (events CREATED,
which says ``state``, then PENDING), RUNNING, then COMPLETED with ``CreatedResourceArn`` or FAILED.
The new resource is created by the adapter's ``restore`` when the job completes; a restore AWS
refuses at that point (a target table that exists, ...) fails the JOB with the adapter's message,
as AWS fails a DynamoDB restore onto an existing table. ``FAULTS.restore_is_empty(type)`` makes the
restore complete into an empty resource; ``FAULTS.job_failure("restore", ...)`` fails it.
``CopySourceTagsToRestoredResource=true`` is refused (InvalidParameterValueException): the sandbox
does not keep the source's tags at backup time, and silently ignoring the flag would fake a result.

``PutRestoreValidationResult``: only on a COMPLETED restore job; a final status (SUCCESSFUL,
FAILED, TIMED_OUT) can be set once (a second one is an InvalidRequestException); VALIDATING may be
followed by a final status (UNVERIFIED in the fact sheet; this is the sandbox's choice).

Durations (simulated time): a job starts ``START_DELAY_SECONDS`` after it is created and transfers
at ``TRANSFER_BYTES_PER_SECOND`` after a fixed ``BASE_SECONDS`` of setup.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import re
from typing import TYPE_CHECKING, Any, cast

from moto.core.responses import ActionResult, EmptyResult

from sandbox import runtime
from sandbox.backup import events
from sandbox.backup.errors import (
    InvalidParameterValueException,
    InvalidRequestException,
    MissingParameterValueException,
    ResourceNotFoundException,
)
from sandbox.backup.paging import paginate
from sandbox.backup.records import CopyJob, RecoveryPoint, RestoreJob
from sandbox.backup.recovery_points import RecoveryPointsMixin, validate_lifecycle
from sandbox.backup.selection_eval import validate_iam_role_arn
from sandbox.backup.state import as_utc, backend_for, new_id, request_fingerprint
from sandbox.faults import FAULTS
from sandbox.resources import CaptureError, adapter_for_type
from sandbox.resources.base import Capture, ResourceAdapter, RestoreError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterable

    from moto.backup.models import Vault

START_DELAY_SECONDS = 30
BASE_SECONDS = 120
TRANSFER_BYTES_PER_SECOND = 100 * 1024 * 1024

COPY_INTO_ACTION = "backup:CopyIntoBackupVault"
DEFAULT_VAULT = "Default"
FINAL_VALIDATION = {"SUCCESSFUL", "FAILED", "TIMED_OUT"}
VALIDATION_STATUSES = FINAL_VALIDATION | {"VALIDATING"}
#: the model's CopyJobStatus (ByState filter) and RestoreJobStatus (ByStatus filter) enums
COPY_STATE_FILTERS = {
    "CREATED", "RUNNING", "ABORTING", "ABORTED", "COMPLETING", "COMPLETED", "FAILING", "FAILED", "PARTIAL",
    "AGGREGATE_ALL", "ANY",
}  # fmt: skip
#: filter values that select every job ("ANY", "AGGREGATE_ALL": the model's aggregate values)
_ALL_VALUES = {"ANY", "AGGREGATE_ALL"}
RESTORE_STATUS_FILTERS = {"PENDING", "RUNNING", "COMPLETED", "ABORTED", "FAILED"}
_VAULT_ARN = re.compile(
    r"^arn:aws[a-z-]*:backup:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):backup-vault:(?P<name>[a-zA-Z0-9\-_]{2,50})$"
)


def transfer_seconds(size_bytes: int) -> float:
    """How long a copy or restore of ``size_bytes`` runs (simulated time)."""
    return BASE_SECONDS + size_bytes / TRANSFER_BYTES_PER_SECOND


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else as_utc(value)


def _vault_location(vault_arn: str) -> tuple[str, str, str]:
    """(account, region, name) of a backup-vault ARN."""
    match = _VAULT_ARN.match(vault_arn)
    if match is None:
        raise InvalidParameterValueException(f"Invalid backup vault ARN: {vault_arn}")
    return match["account"], match["region"], match["name"]


def _in_window(when: dt.datetime | None, after: dt.datetime | None, before: dt.datetime | None) -> bool:
    if after is None and before is None:
        return True
    if when is None:
        return False
    return (after is None or when >= after) and (before is None or when <= before)


# -- vault access policies -------------------------------------------------------------------------
def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: Any, role_arn: str, account: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for value in _as_list(principal.get("AWS")):
        if value in {"*", account, f"arn:aws:iam::{account}:root"} or fnmatch.fnmatchcase(role_arn, value):
            return True
    return False


def _statement_applies(statement: dict[str, Any], *, vault_arn: str, role_arn: str, account: str) -> bool:
    actions = [action.lower() for action in _as_list(statement.get("Action"))]
    return (
        any(fnmatch.fnmatchcase(COPY_INTO_ACTION.lower(), action) for action in actions)
        and any(fnmatch.fnmatchcase(vault_arn, res) for res in _as_list(statement.get("Resource", "*")))
        and _principal_matches(statement.get("Principal"), role_arn, account)
    )


def policy_allows_copy_into(policy: str | None, *, vault_arn: str, role_arn: str, account: str) -> bool:
    """Whether a vault access policy lets ``account`` (through ``role_arn``) copy into ``vault_arn``."""
    if not policy:
        return False
    allowed = False
    for statement in _as_list(json.loads(policy).get("Statement")):
        if not _statement_applies(statement, vault_arn=vault_arn, role_arn=role_arn, account=account):
            continue
        holds = _conditions_hold(statement.get("Condition"), role_arn=role_arn, account=account)
        if statement.get("Effect") == "Deny" and holds is not False:
            return False  # a Deny whose condition the sandbox cannot evaluate still applies
        if statement.get("Effect") == "Allow" and holds is True:
            allowed = True  # an Allow counts only when its condition is known to hold
    return allowed


#: condition keys the sandbox can evaluate for a copy into a vault (the caller is the source account)
_CONDITION_KEYS = {
    "aws:principalaccount": "account",
    "aws:sourceaccount": "account",
    "aws:principalarn": "role",
}


def _conditions_hold(condition: Any, *, role_arn: str, account: str) -> bool | None:
    """True/False when every condition is StringEquals/StringNotEquals on a key the sandbox knows
    (aws:PrincipalAccount, aws:SourceAccount, aws:PrincipalArn); None when it cannot tell."""
    if not condition:
        return True
    if not isinstance(condition, dict):
        return None
    facts = {"account": account, "role": role_arn}
    for operator, pairs in condition.items():
        if operator not in {"StringEquals", "StringNotEquals"} or not isinstance(pairs, dict):
            return None
        for key, expected in pairs.items():
            fact = _CONDITION_KEYS.get(str(key).lower())
            if fact is None:
                return None
            matches = facts[fact] in {str(v) for v in _as_list(expected)}
            if matches != (operator == "StringEquals"):
                return False
    return True


def _check_policy_document(policy: str | None) -> str:
    if not policy:
        raise MissingParameterValueException("Policy is required")
    try:
        document = json.loads(policy)
    except ValueError:
        raise InvalidParameterValueException("Policy is not valid JSON") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise InvalidParameterValueException("Policy must be a JSON policy document with a Statement")
    return policy


# -- the backend mixin -----------------------------------------------------------------------------
def _peer(account: str, region: str) -> CopyRestoreBackendMixin:
    """The extended backend of another account/Region."""
    return cast("CopyRestoreBackendMixin", backend_for(account, region))


class CopyRestoreBackendMixin(RecoveryPointsMixin):
    """Copy jobs, restore jobs and vault access policies (mixed into ``SandboxBackupBackend``)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        #: vault name -> access policy document (PutBackupVaultAccessPolicy)
        self.vault_access_policies: dict[str, str] = {}

    def delete_backup_vault(self, backup_vault_name: str) -> None:
        super().delete_backup_vault(backup_vault_name)
        self.vault_access_policies.pop(backup_vault_name, None)

    def recovery_point_for_metadata(
        self, backup_vault_name: str, recovery_point_arn: str, backup_vault_account_id: str | None = None
    ) -> tuple[Vault, RecoveryPoint]:
        """The vault and the recovery point whose capture holds the restore and inferred metadata."""
        owner = self._vault_backend(backup_vault_account_id)
        vault = owner.vault_or_404(backup_vault_name)
        return vault, owner.point_in_vault(vault, recovery_point_arn)

    # -- vault access policies -----------------------------------------------------------------
    def put_backup_vault_access_policy(self, backup_vault_name: str, policy: str | None) -> None:
        self.vault_or_404(backup_vault_name)
        self.vault_access_policies[backup_vault_name] = _check_policy_document(policy)

    def get_backup_vault_access_policy(self, backup_vault_name: str) -> tuple[Vault, str]:
        vault = self.vault_or_404(backup_vault_name)
        policy = self.vault_access_policies.get(backup_vault_name)
        if policy is None:
            raise ResourceNotFoundException(f"Backup vault {backup_vault_name} has no access policy")
        return vault, policy

    def delete_backup_vault_access_policy(self, backup_vault_name: str) -> None:
        self.vault_or_404(backup_vault_name)
        self.vault_access_policies.pop(backup_vault_name, None)

    # -- copy jobs -----------------------------------------------------------------------------
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
        request = {
            "RecoveryPointArn": recovery_point_arn,
            "SourceBackupVaultName": source_backup_vault_name,
            "DestinationBackupVaultArn": destination_backup_vault_arn,
            "IamRoleArn": iam_role_arn,
            "Lifecycle": lifecycle,
        }
        fingerprint = request_fingerprint(request)
        replayed = self._idempotent("StartCopyJob", idempotency_token, fingerprint)
        if replayed is not None:
            return self.copy_jobs[replayed]
        validate_iam_role_arn(iam_role_arn)
        validate_lifecycle(lifecycle, allow_indefinite=True)
        point = self.point_in_vault(self.vault_or_404(source_backup_vault_name), recovery_point_arn)
        destination = self._copy_destination(point, destination_backup_vault_arn)
        job = CopyJob(
            job_id=new_id(),
            account=self.account_id,
            region=self.region_name,
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
        self.copy_jobs[job.job_id] = job
        self._remember_token("StartCopyJob", idempotency_token, fingerprint, job.job_id)
        events.emit_copy_job(job)
        self._later(START_DELAY_SECONDS, lambda: self._run_copy(job, point), f"copy {job.job_id} runs")
        return job

    def _copy_destination(self, point: RecoveryPoint, destination_vault_arn: str) -> Vault:
        account, region, name = _vault_location(destination_vault_arn)
        if point.status != "COMPLETED":
            raise InvalidRequestException(f"Recovery point {point.arn} is {point.status}, not COMPLETED")
        elsewhere = account != point.account or region != point.region
        if elsewhere and point.storage_class == "COLD":
            raise InvalidRequestException(
                "A recovery point in cold storage cannot be copied to another Region or account"
            )
        if account != point.account and name == DEFAULT_VAULT:
            raise InvalidParameterValueException("A cross-account copy cannot go to the Default backup vault")
        vault = backend_for(account, region).vaults.get(name)
        if vault is None:
            raise ResourceNotFoundException(f"Backup vault {destination_vault_arn} not found")
        return vault

    def _later(self, seconds: float, step: Callable[[], None], label: str) -> None:
        runtime.clock().call_later(seconds, step, label=label)

    def _run_copy(self, job: CopyJob, point: RecoveryPoint) -> None:
        job.state = "RUNNING"
        events.emit_copy_job(job)
        self._later(
            transfer_seconds(job.backup_size_bytes),
            lambda: self._finish_copy(job, point),
            f"copy {job.job_id} ends",
        )

    def _copy_failure(self, job: CopyJob) -> tuple[str, str] | None:
        """(message, MessageCategory) when the copy must fail."""
        account, region, name = _vault_location(job.destination_vault_arn)
        gone = self._gone(job.source_recovery_point_arn)
        if gone is None and name not in _peer(account, region).vaults:
            gone = f"Backup vault {job.destination_vault_arn} no longer exists"
        if gone is not None:
            return gone, "INVALIDPARAMETERS"
        if account != job.account:
            allowed = policy_allows_copy_into(
                _peer(account, region).vault_access_policies.get(name),
                vault_arn=job.destination_vault_arn,
                role_arn=job.iam_role_arn,
                account=job.account,
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
        if failure is None:
            account, region, name = _vault_location(job.destination_vault_arn)
            try:
                job.destination_recovery_point_arn = (
                    _peer(account, region)._receive_copy(job, point, name).arn
                )
            except CaptureError as error:  # a copy the type does not support (plain DynamoDB, ...)
                failure = error.message, "INVALIDPARAMETERS"
        if failure is None:
            job.state, job.message_category = "COMPLETED", "SUCCESS"
        else:
            job.state = "FAILED"
            job.status_message, job.message_category = failure
        events.emit_copy_job(job)

    def _receive_copy(self, job: CopyJob, source: RecoveryPoint, vault_name: str) -> RecoveryPoint:
        """The destination side of a copy: the new recovery point in this account/Region's vault."""
        vault = self.vault_or_404(vault_name)
        capture = _adapter(source.resource_type).copy_to(
            source.capture, account=self.account_id, region=self.region_name, job_id=job.job_id
        )
        arn = self._copied_point_arn(source, capture)
        point = RecoveryPoint(
            arn=arn,
            vault_name=vault.backup_vault_name,
            vault_arn=vault.backup_vault_arn,
            account=self.account_id,
            region=self.region_name,
            resource_arn=source.resource_arn,
            resource_type=source.resource_type,
            resource_name=source.resource_name,
            capture=capture,
            iam_role_arn=job.iam_role_arn,
            creation_date=source.creation_date,  # a copy is the same point in time (assumption)
            completion_date=runtime.clock().now(),
            lifecycle=dict(job.lifecycle),
            created_by=dict(job.created_by),
            source_vault_arn=job.source_vault_arn,
            encryption_key_arn=vault.encryption_key_arn or source.encryption_key_arn,
            is_encrypted=source.is_encrypted or bool(vault.encryption_key_arn),
            backup_size_bytes=source.backup_size_bytes,
            tags=dict(source.tags),
        )
        self.register_recovery_point(point)
        return point

    def _copied_point_arn(self, source: RecoveryPoint, capture: Capture) -> str:
        if ":recovery-point:" in source.arn or capture.native_arn is None:
            return (
                f"arn:{self.partition}:backup:{self.region_name}:{self.account_id}:recovery-point:{new_id()}"
            )
        return capture.native_arn

    def _gone(self, recovery_point_arn: str) -> str | None:
        """The failure message of a job whose recovery point was deleted while it ran."""
        if recovery_point_arn in self.recovery_points:
            return None
        return f"Recovery point {recovery_point_arn} was deleted before the job finished"

    def describe_copy_job(self, copy_job_id: str) -> CopyJob:
        job = self.copy_jobs.get(copy_job_id)
        if job is None:
            raise ResourceNotFoundException(f"Copy job {copy_job_id} not found")
        return job

    def list_copy_jobs(self, filters: dict[str, Any]) -> list[CopyJob]:
        _check_enum(filters, "ByState", COPY_STATE_FILTERS)
        return _filtered(self.copy_jobs.values(), _normalised(filters), _COPY_FILTERS)

    # -- restore jobs --------------------------------------------------------------------------
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
        request = {
            "RecoveryPointArn": recovery_point_arn,
            "Metadata": metadata,
            "IamRoleArn": iam_role_arn,
            "ResourceType": resource_type,
        }
        fingerprint = request_fingerprint(request)
        replayed = self._idempotent("StartRestoreJob", idempotency_token, fingerprint)
        if replayed is not None:
            return self.restore_jobs[replayed]
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
            account=self.account_id,
            region=self.region_name,
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
        self.restore_jobs[job.job_id] = job
        self._remember_token("StartRestoreJob", idempotency_token, fingerprint, job.job_id)
        events.emit_restore_job(job, created=True)
        events.emit_restore_job(job)
        self._later(START_DELAY_SECONDS, lambda: self._run_restore(job, point), f"restore {job.job_id} runs")
        return job

    def _restorable_point(self, recovery_point_arn: str, resource_type: str | None) -> RecoveryPoint:
        point = self.recovery_points.get(recovery_point_arn)
        if point is None:
            raise ResourceNotFoundException(
                f"Recovery point {recovery_point_arn} not found in {self.account_id}/{self.region_name}"
            )
        if point.status != "COMPLETED":
            raise InvalidRequestException(f"Recovery point {point.arn} is {point.status}, not COMPLETED")
        if resource_type is not None and resource_type != point.resource_type:
            raise InvalidParameterValueException(
                f"ResourceType {resource_type} does not match the recovery point's type {point.resource_type}"
            )
        _adapter(point.resource_type)
        return point

    def _run_restore(self, job: RestoreJob, point: RecoveryPoint) -> None:
        job.status = "RUNNING"
        events.emit_restore_job(job)
        self._later(
            transfer_seconds(job.backup_size_bytes),
            lambda: self._finish_restore(job, point),
            f"restore {job.job_id} ends",
        )

    def _finish_restore(self, job: RestoreJob, point: RecoveryPoint) -> None:
        job.completion_date = runtime.clock().now()
        message = self._gone(point.arn) or FAULTS.job_failure("restore", point.resource_arn)
        if message is None:
            capture = point.capture
            if FAULTS.restore_is_empty(point.resource_type):
                capture = dataclasses.replace(capture, payload=None)
            try:
                job.created_resource_arn = _adapter(point.resource_type).restore(
                    capture, job.metadata, account=self.account_id, region=self.region_name
                )
            except RestoreError as error:
                message = error.message
        if message is not None:
            job.status, job.status_message = "FAILED", message
        else:
            job.status, job.percent_done = "COMPLETED", "100.0"
            point.last_restore_time = job.completion_date
        events.emit_restore_job(job)

    def describe_restore_job(self, restore_job_id: str) -> RestoreJob:
        job = self.restore_jobs.get(restore_job_id)
        if job is None:
            raise ResourceNotFoundException(f"Restore job {restore_job_id} not found")
        return job

    def list_restore_jobs(self, filters: dict[str, Any]) -> list[RestoreJob]:
        _check_enum(filters, "ByStatus", RESTORE_STATUS_FILTERS)
        return _filtered(self.restore_jobs.values(), filters, _RESTORE_FILTERS)

    def list_restore_jobs_by_protected_resource(
        self, resource_arn: str, filters: dict[str, Any]
    ) -> list[RestoreJob]:
        _check_enum(filters, "ByStatus", RESTORE_STATUS_FILTERS)
        status = filters.get("ByStatus")
        after = _utc(filters.get("ByRecoveryPointCreationDateAfter"))
        before = _utc(filters.get("ByRecoveryPointCreationDateBefore"))
        return [
            job
            for job in self.restore_jobs.values()
            if job.source_resource_arn == resource_arn
            and status in {None, job.status}
            and _in_window(job.recovery_point_creation_date, after, before)
        ]

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
        if job.validation_status in FINAL_VALIDATION:
            raise InvalidRequestException(
                f"Restore job {restore_job_id} already has the validation status {job.validation_status}"
            )
        job.validation_status, job.validation_status_message = status, message


def _adapter(resource_type: str) -> ResourceAdapter:
    adapter = adapter_for_type(resource_type)
    if adapter is None:
        raise InvalidRequestException(f"The sandbox cannot copy or restore resources of type {resource_type}")
    return adapter


#: equality filters of ListCopyJobs / ListRestoreJobs: filter name -> the job's value
_COPY_FILTERS: dict[str, Callable[[Any], Any]] = {
    "ByResourceArn": lambda job: job.resource_arn,
    "ByState": lambda job: job.state,
    "ByResourceType": lambda job: job.resource_type,
    "ByDestinationVaultArn": lambda job: job.destination_vault_arn,
    "ByAccountId": lambda job: job.account,
    "ByParentJobId": lambda job: None,  # the sandbox has no composite (parent) jobs
    "ByMessageCategory": lambda job: (job.message_category or "").upper(),
    "BySourceRecoveryPointArn": lambda job: job.source_recovery_point_arn,
}
_RESTORE_FILTERS: dict[str, Callable[[Any], Any]] = {
    "ByAccountId": lambda job: job.account,
    "ByResourceType": lambda job: job.resource_type,
    "ByStatus": lambda job: job.status,
    "ByRestoreTestingPlanArn": lambda job: job.created_by.get("RestoreTestingPlanArn"),
    "ByParentJobId": lambda job: None,
}


def _check_enum(filters: dict[str, Any], name: str, allowed: set[str]) -> None:
    value = filters.get(name)
    if value is not None and value not in allowed:
        raise InvalidParameterValueException(f"Invalid value for {name}: {value}")


def _normalised(filters: dict[str, Any]) -> dict[str, Any]:
    """ANY / AGGREGATE_ALL select every job; message categories compare case-insensitively."""
    result = {name: value for name, value in filters.items() if value not in _ALL_VALUES}
    if result.get("ByMessageCategory") is not None:
        result["ByMessageCategory"] = result["ByMessageCategory"].upper()
    return result


def _filtered(
    jobs: Iterable[Any], filters: dict[str, Any], fields: dict[str, Callable[[Any], Any]]
) -> list[Any]:
    """Jobs (in creation order) matching every equality and time-window filter that is set."""
    wanted = {name: filters[name] for name in fields if filters.get(name) is not None}
    created = (_utc(filters.get("ByCreatedAfter")), _utc(filters.get("ByCreatedBefore")))
    complete = (_utc(filters.get("ByCompleteAfter")), _utc(filters.get("ByCompleteBefore")))
    return [
        job
        for job in jobs
        if all(fields[name](job) == value for name, value in wanted.items())
        and _in_window(job.creation_date, *created)
        and _in_window(job.completion_date, *complete)
    ]


# -- wire shapes -----------------------------------------------------------------------------------
def copy_job_shape(job: CopyJob) -> dict[str, Any]:
    """The API's ``CopyJob`` structure."""
    return _compact(
        {
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
    )


def restore_job_shape(job: RestoreJob) -> dict[str, Any]:
    """DescribeRestoreJob's output and ListRestoreJobs' ``RestoreJobsListMember``."""
    return _compact(
        {
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
    )


# -- the response mixin ----------------------------------------------------------------------------
class CopyRestoreResponseMixin:
    """Request handlers of the copy/restore operations (mixed into ``SandboxBackupResponse``).

    The response class parses parameters from the botocore model (``automated_parameter_parsing``),
    so ``_get_param`` takes the model's member names.
    """

    if TYPE_CHECKING:  # provided by moto's BaseResponse
        current_account: str
        region: str

        def _get_param(self, param_name: str, if_none: Any = None) -> Any: ...

    @property
    def _copy_restore(self) -> CopyRestoreBackendMixin:
        return _peer(self.current_account, self.region)

    def _list_filters(self, *names: str) -> dict[str, Any]:
        return {name: self._get_param(name) for name in names}

    def _list_page(self, key: str, items: list[dict[str, Any]]) -> ActionResult:
        page, token = paginate(items, self._get_param("MaxResults"), self._get_param("NextToken"))
        return ActionResult(_compact({key: page, "NextToken": token}))

    # copy jobs
    def start_copy_job(self) -> ActionResult:
        job = self._copy_restore.start_copy_job(
            recovery_point_arn=self._get_param("RecoveryPointArn"),
            source_backup_vault_name=self._get_param("SourceBackupVaultName"),
            destination_backup_vault_arn=self._get_param("DestinationBackupVaultArn"),
            iam_role_arn=self._get_param("IamRoleArn"),
            idempotency_token=self._get_param("IdempotencyToken"),
            lifecycle=self._get_param("Lifecycle"),
        )
        return ActionResult({"CopyJobId": job.job_id, "CreationDate": job.creation_date, "IsParent": False})

    def describe_copy_job(self) -> ActionResult:
        job = self._copy_restore.describe_copy_job(self._get_param("CopyJobId"))
        return ActionResult({"CopyJob": copy_job_shape(job)})

    def list_copy_jobs(self) -> ActionResult:
        filters = self._list_filters(
            "ByResourceArn", "ByState", "ByCreatedBefore", "ByCreatedAfter", "ByResourceType",
            "ByDestinationVaultArn", "ByAccountId", "ByCompleteBefore", "ByCompleteAfter", "ByParentJobId",
            "ByMessageCategory", "BySourceRecoveryPointArn",
        )  # fmt: skip
        jobs = self._copy_restore.list_copy_jobs(filters)
        return self._list_page("CopyJobs", [copy_job_shape(job) for job in jobs])

    # restore jobs
    def start_restore_job(self) -> ActionResult:
        job = self._copy_restore.start_restore_job(
            recovery_point_arn=self._get_param("RecoveryPointArn"),
            metadata=self._get_param("Metadata"),
            iam_role_arn=self._get_param("IamRoleArn"),
            idempotency_token=self._get_param("IdempotencyToken"),
            resource_type=self._get_param("ResourceType"),
            copy_source_tags=self._get_param("CopySourceTagsToRestoredResource"),
        )
        return ActionResult({"RestoreJobId": job.job_id})

    def describe_restore_job(self) -> ActionResult:
        job = self._copy_restore.describe_restore_job(self._get_param("RestoreJobId"))
        return ActionResult(restore_job_shape(job))

    def list_restore_jobs(self) -> ActionResult:
        filters = self._list_filters(
            "ByAccountId", "ByResourceType", "ByCreatedBefore", "ByCreatedAfter", "ByStatus",
            "ByCompleteBefore", "ByCompleteAfter", "ByRestoreTestingPlanArn", "ByParentJobId",
        )  # fmt: skip
        jobs = self._copy_restore.list_restore_jobs(filters)
        return self._list_page("RestoreJobs", [restore_job_shape(job) for job in jobs])

    def list_restore_jobs_by_protected_resource(self) -> ActionResult:
        filters = self._list_filters(
            "ByStatus", "ByRecoveryPointCreationDateAfter", "ByRecoveryPointCreationDateBefore"
        )
        jobs = self._copy_restore.list_restore_jobs_by_protected_resource(
            self._get_param("ResourceArn"), filters
        )
        return self._list_page("RestoreJobs", [restore_job_shape(job) for job in jobs])

    def get_restore_job_metadata(self) -> ActionResult:
        job = self._copy_restore.describe_restore_job(self._get_param("RestoreJobId"))
        return ActionResult({"RestoreJobId": job.job_id, "Metadata": job.metadata})

    def put_restore_validation_result(self) -> EmptyResult:
        self._copy_restore.put_restore_validation_result(
            self._get_param("RestoreJobId"),
            self._get_param("ValidationStatus"),
            self._get_param("ValidationStatusMessage"),
        )
        return EmptyResult()

    # recovery point metadata
    def _metadata_point(self) -> tuple[Vault, RecoveryPoint]:
        return self._copy_restore.recovery_point_for_metadata(
            self._get_param("BackupVaultName"),
            self._get_param("RecoveryPointArn"),
            self._get_param("BackupVaultAccountId"),
        )

    def get_recovery_point_restore_metadata(self) -> ActionResult:
        vault, point = self._metadata_point()
        return ActionResult(
            {
                "BackupVaultArn": vault.backup_vault_arn,
                "RecoveryPointArn": point.arn,
                "RestoreMetadata": dict(point.capture.restore_metadata),
                "ResourceType": point.resource_type,
            }
        )

    def get_restore_testing_inferred_metadata(self) -> ActionResult:
        _, point = self._metadata_point()
        return ActionResult({"InferredMetadata": dict(point.capture.inferred_metadata)})

    # vault access policies
    def put_backup_vault_access_policy(self) -> EmptyResult:
        self._copy_restore.put_backup_vault_access_policy(
            self._get_param("BackupVaultName"), self._get_param("Policy")
        )
        return EmptyResult()

    def get_backup_vault_access_policy(self) -> ActionResult:
        vault, policy = self._copy_restore.get_backup_vault_access_policy(self._get_param("BackupVaultName"))
        return ActionResult(
            {
                "BackupVaultName": vault.backup_vault_name,
                "BackupVaultArn": vault.backup_vault_arn,
                "Policy": policy,
            }
        )

    def delete_backup_vault_access_policy(self) -> EmptyResult:
        self._copy_restore.delete_backup_vault_access_policy(self._get_param("BackupVaultName"))
        return EmptyResult()
