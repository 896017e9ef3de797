"""Shapes of the AWS events the stack receives (see the AWS Backup EventBridge reference).

AWS is not consistent, so the models are tolerant where AWS varies and strict where we act:
backup and copy jobs carry ``state``, restore jobs ``status`` (but ``state`` on CREATED); sizes
are strings in backup-job events and numbers in copy-job events; ``destinationRecoveryPointArn``
is ``{}`` until a copy completes; ``createdBy`` exists only for jobs a plan started.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

BACKUP_SOURCE = "aws.backup"
FAILURE_STATES = frozenset({"FAILED", "ABORTED", "EXPIRED", "PARTIAL"})


#: an ARN as AWS writes them (any partition), bounded: ``resources`` entries and ARN fields
Arn = Annotated[str, Field(min_length=12, max_length=2048, pattern=r"^arn:aws[a-z-]*:[a-z0-9-]+:")]


def _blank_to_none(value: Any) -> Any:
    """``{}`` or ``""`` where AWS has nothing to say yet."""
    return None if value in ({}, "", None) else value


class EventEnvelope(BaseModel):
    """The EventBridge envelope.

    Powertools' ``EventBridgeModel`` has the same fields, but importing it builds every parser
    model (about 250 ms of cold start), so the envelope is declared here.
    """

    model_config = ConfigDict(defer_build=True, populate_by_name=True, extra="ignore")

    version: str = "0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    account: str = Field(pattern=r"^\d{12}$")
    time: dt.datetime
    region: str = Field(min_length=1, max_length=32)
    resources: list[Arn] = Field(default_factory=list, max_length=20)
    detail_type: str = Field(alias="detail-type", min_length=1)
    #: the service's payload; subclasses give it a model
    detail: Any

    @field_validator("time", mode="before")
    @classmethod
    def _iso_text(cls, value: Any) -> Any:
        """EventBridge writes ``time`` as ISO 8601 text; a number, or digits that pydantic would read
        as epoch seconds, are not."""
        if isinstance(value, dt.datetime):
            return value
        if not isinstance(value, str):
            raise ValueError("time must be ISO 8601 text")
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as error:
            raise ValueError("time must be ISO 8601 text") from error


class PlanCreator(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", populate_by_name=True)

    backup_plan_id: str | None = Field(default=None, alias="backupPlanId")
    backup_plan_arn: str | None = Field(default=None, alias="backupPlanArn")
    backup_plan_rule_id: str | None = Field(default=None, alias="backupPlanRuleId")


class JobDetail(BaseModel):
    """Fields common to backup, copy and restore job events."""

    model_config = ConfigDict(defer_build=True, extra="ignore", populate_by_name=True)

    state: str | None = None
    status: str | None = None
    resource_arn: str | None = Field(default=None, alias="resourceArn")
    resource_type: str | None = Field(default=None, alias="resourceType")
    status_message: str | None = Field(default=None, alias="statusMessage")
    #: ISO 8601 in AWS's events; anything else makes the event malformed (rejected, never guessed)
    creation_date: dt.datetime | None = Field(default=None, alias="creationDate")
    completion_date: dt.datetime | None = Field(default=None, alias="completionDate")
    created_by: PlanCreator | None = Field(default=None, alias="createdBy")

    @property
    def outcome(self) -> str:
        """The job's state, whichever key AWS used."""
        return (self.state or self.status or "UNKNOWN").upper()


class BackupJobDetail(JobDetail):
    backup_job_id: str = Field(alias="backupJobId", min_length=1)
    backup_vault_name: str | None = Field(default=None, alias="backupVaultName")


class CopyJobDetail(JobDetail):
    copy_job_id: str | None = Field(default=None, alias="copyJobId")
    source_backup_vault_arn: str | None = Field(default=None, alias="sourceBackupVaultArn")
    destination_backup_vault_arn: str | None = Field(default=None, alias="destinationBackupVaultArn")
    destination_recovery_point_arn: str | None = Field(default=None, alias="destinationRecoveryPointArn")

    _blank = field_validator("destination_recovery_point_arn", mode="before")(_blank_to_none)


class RestoreJobDetail(JobDetail):
    restore_job_id: str = Field(alias="restoreJobId", min_length=1)
    recovery_point_arn: str | None = Field(default=None, alias="recoveryPointArn")
    source_resource_arn: str | None = Field(default=None, alias="sourceResourceArn")
    created_resource_arn: str | None = Field(default=None, alias="createdResourceArn")
    iam_role_arn: str | None = Field(default=None, alias="iamRoleArn")
    restore_testing_plan_arn: str | None = Field(default=None, alias="restoreTestingPlanArn")

    @property
    def resource(self) -> str | None:
        return self.source_resource_arn or self.resource_arn


class BackupJobEvent(EventEnvelope):
    detail_type: Literal["Backup Job State Change"] = Field(alias="detail-type")
    detail: BackupJobDetail


class CopyJobEvent(EventEnvelope):
    detail_type: Literal["Copy Job State Change"] = Field(alias="detail-type")
    detail: CopyJobDetail


class RestoreJobEvent(EventEnvelope):
    detail_type: Literal["Restore Job State Change"] = Field(alias="detail-type")
    detail: RestoreJobDetail


class ScheduledEvent(EventEnvelope):
    """EventBridge's ``Scheduled Event`` (the reconcile's schedule)."""

    source: Literal["aws.events"]
    detail_type: Literal["Scheduled Event"] = Field(alias="detail-type")
    detail: dict[str, Any] = Field(default_factory=dict)
