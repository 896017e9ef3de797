"""State records of the extended AWS Backup backend (held by ``state.BackupState``).

Field names follow the API's output shapes (botocore ``backup`` model). Times are aware UTC
datetimes; the response layer turns them into what the wire protocol wants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt

    from sandbox.resources.base import Capture

# Terminal states per job kind (API enums: BackupJobState, CopyJobState, RestoreJobStatus)
BACKUP_TERMINAL = {"COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL"}
COPY_TERMINAL = {"COMPLETED", "FAILED", "PARTIAL", "ABORTED"}
RESTORE_TERMINAL = {"COMPLETED", "FAILED", "ABORTED"}


@dataclass
class Selection:
    selection_id: str
    plan_id: str
    selection: dict[str, Any]  # the BackupSelection document as sent (SelectionName, IamRoleArn, ...)
    creator_request_id: str | None
    creation_date: dt.datetime


@dataclass
class RecoveryPoint:
    arn: str
    vault_name: str
    vault_arn: str
    account: str
    region: str
    resource_arn: str
    resource_type: str
    resource_name: str
    capture: Capture
    iam_role_arn: str
    creation_date: dt.datetime
    completion_date: dt.datetime | None = None
    status: str = "COMPLETED"  # RecoveryPointStatus: COMPLETED, PARTIAL, DELETING, EXPIRED, ...
    storage_class: str = "WARM"  # WARM | COLD | DELETED
    lifecycle: dict[str, Any] = field(default_factory=dict)  # MoveToColdStorageAfterDays, DeleteAfterDays
    created_by: dict[str, Any] = field(
        default_factory=dict
    )  # API CreatedBy (BackupPlanId, ..., BackupRuleId)
    source_vault_arn: str | None = None  # set on copies
    encryption_key_arn: str | None = None
    is_encrypted: bool = False
    backup_size_bytes: int = 0
    last_restore_time: dt.datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class BackupJob:
    job_id: str
    account: str
    region: str
    vault_name: str
    vault_arn: str
    resource_arn: str
    resource_type: str
    iam_role_arn: str
    creation_date: dt.datetime
    start_by: dt.datetime
    complete_by: dt.datetime | None
    lifecycle: dict[str, Any]
    recovery_point_tags: dict[str, str]
    created_by: dict[str, Any] = field(default_factory=dict)  # empty for on-demand jobs
    idempotency_token: str | None = None
    state: str = "CREATED"
    status_message: str = ""
    percent_done: str = "0.0"
    recovery_point_arn: str | None = None
    completion_date: dt.datetime | None = None
    backup_size_bytes: int = 0
    bytes_transferred: int = 0
    backup_options: dict[str, str] = field(default_factory=dict)
    #: how many times the job retried to start (the event's ``retryCount``)
    retry_count: int = 0
    #: made by a plan rule with ``EnableContinuousBackup`` for a type that has continuous backups
    continuous: bool = False


@dataclass
class JobProgress:
    """What a backup job carries besides its record: the resource's name and the data captured."""

    resource_name: str
    fully_managed: bool
    capture: Capture | None = None
    expected_completion: dt.datetime | None = None
    #: the resource's tags when the backup ran (copied onto the recovery point)
    resource_tags: dict[str, str] = field(default_factory=dict)


@dataclass
class CopyJob:
    job_id: str
    account: str
    region: str
    source_vault_arn: str
    source_recovery_point_arn: str
    destination_vault_arn: str
    resource_arn: str
    resource_type: str
    iam_role_arn: str
    creation_date: dt.datetime
    lifecycle: dict[str, Any]
    created_by: dict[str, Any] = field(default_factory=dict)
    idempotency_token: str | None = None
    state: str = "CREATED"
    status_message: str = ""
    destination_recovery_point_arn: str | None = None
    completion_date: dt.datetime | None = None
    backup_size_bytes: int = 0
    created_by_backup_job_id: str | None = None
    message_category: str | None = None  # API MessageCategory: SUCCESS, AccessDenied, ...


@dataclass
class RestoreJob:
    job_id: str
    account: str
    region: str
    recovery_point_arn: str
    vault_arn: str
    source_resource_arn: str
    resource_type: str
    iam_role_arn: str | None
    metadata: dict[str, str]
    creation_date: dt.datetime
    idempotency_token: str | None = None
    created_by: dict[str, Any] = field(default_factory=dict)  # {RestoreTestingPlanArn} for restore tests
    status: str = "PENDING"
    status_message: str = ""
    percent_done: str = "0.0"
    created_resource_arn: str | None = None
    completion_date: dt.datetime | None = None
    backup_size_bytes: int = 0
    validation_status: str | None = None
    validation_status_message: str | None = None
    deletion_status: str | None = None
    deletion_status_message: str | None = None
    recovery_point_creation_date: dt.datetime | None = None
    expected_completion_minutes: int | None = None


@dataclass
class IdempotencyRecord:
    """What a StartXJob token maps to: AWS returns the original job for a retried request."""

    operation: str
    token: str
    request_fingerprint: str
    job_id: str
    created: dt.datetime


@dataclass
class RestoreTestingPlan:
    """A restore testing plan; ``document`` holds the RestoreTestingPlanForCreate members as stored
    (defaults applied), ``selections`` its selections by name, oldest first."""

    name: str
    arn: str
    document: dict[str, Any]
    creation_time: dt.datetime
    creator_request_id: str | None = None
    last_update_time: dt.datetime | None = None
    last_execution_time: dt.datetime | None = None
    selections: dict[str, RestoreTestingSelection] = field(default_factory=dict)


@dataclass
class RestoreTestingSelection:
    """A restore testing selection; ``document`` holds the RestoreTestingSelectionForCreate members."""

    name: str
    plan_name: str
    document: dict[str, Any]
    creation_time: dt.datetime
    creator_request_id: str | None = None


@dataclass
class RestoreTestJob:
    """A restore job a restore testing plan started: what the clean-up of its restored resource needs."""

    job_id: str
    plan_name: str
    selection_name: str
    validation_window_hours: int
    deletion_started: bool = False
