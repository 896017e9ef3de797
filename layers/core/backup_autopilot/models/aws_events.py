"""Shapes of the AWS events the stack receives (see the AWS Backup EventBridge reference).

AWS is not consistent, so the models are tolerant where AWS varies and strict where we act:
backup and copy jobs carry ``state``, restore jobs ``status`` (but ``state`` on CREATED); sizes
are strings in backup-job events and numbers in copy-job events (not read); ``destinationRecoveryPointArn``
is ``{}`` until a copy completes; ``createdBy`` exists only for jobs a plan started. Dates are
ISO 8601 text with a zone, as AWS writes them: a number, or a date without its zone, makes the
event malformed (rejected, never guessed).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from backup_autopilot.models.base import Meta, Model, field

BACKUP_SOURCE = "aws.backup"
FAILURE_STATES = frozenset({"FAILED", "ABORTED", "EXPIRED", "PARTIAL"})


#: an ARN as AWS writes them (any partition), bounded: ``resources`` entries and ARN fields
Arn = Annotated[str, Meta(min_length=12, max_length=2048, pattern=r"^arn:aws[a-z-]*:[a-z0-9-]+:")]
NonEmpty = Annotated[str, Meta(min_length=1)]
#: ISO 8601 text with its zone (EventBridge's ``time``, AWS Backup's dates)
Timestamp = Annotated[dt.datetime, Meta(tz=True)]


class EventEnvelope(Model, kw_only=True):
    """The EventBridge envelope.

    Powertools' ``EventBridgeModel`` has the same fields, but it is a pydantic model (about 0.4x of
    ``import boto3`` at cold start), so the envelope is declared here.
    """

    version: str = "0"
    id: NonEmpty
    source: NonEmpty
    account: Annotated[str, Meta(pattern=r"^\d{12}$")]
    time: Timestamp
    region: Annotated[str, Meta(min_length=1, max_length=32)]
    resources: Annotated[list[Arn], Meta(max_length=20)] = []
    detail_type: NonEmpty = field(name="detail-type")
    #: the service's payload; subclasses give it a model
    detail: Any = None


class PlanCreator(Model, kw_only=True, rename="camel"):
    backup_plan_id: str | None = None
    backup_plan_arn: str | None = None
    backup_plan_rule_id: str | None = None


class JobDetail(Model, kw_only=True, rename="camel"):
    """Fields common to backup, copy and restore job events."""

    state: str | None = None
    status: str | None = None
    resource_arn: str | None = None
    resource_type: str | None = None
    status_message: str | None = None
    creation_date: Timestamp | None = None
    completion_date: Timestamp | None = None
    created_by: PlanCreator | None = None

    @property
    def outcome(self) -> str:
        """The job's state, whichever key AWS used."""
        return (self.state or self.status or "UNKNOWN").upper()


class BackupJobDetail(JobDetail, kw_only=True, rename="camel"):
    backup_job_id: NonEmpty
    backup_vault_name: str | None = None


class CopyJobDetail(JobDetail, kw_only=True, rename="camel"):
    copy_job_id: str | None = None
    source_backup_vault_arn: str | None = None
    destination_backup_vault_arn: str | None = None
    #: as AWS sends it: ``{}`` (or nothing) until the copy completes; code reads
    #: :attr:`destination_recovery_point_arn`
    destination_recovery_point: str | dict[str, Any] | None = field(
        default=None, name="destinationRecoveryPointArn"
    )

    @property
    def destination_recovery_point_arn(self) -> str | None:
        point = self.destination_recovery_point
        return point if isinstance(point, str) and point else None


class RestoreJobDetail(JobDetail, kw_only=True, rename="camel"):
    restore_job_id: NonEmpty
    recovery_point_arn: str | None = None
    source_resource_arn: str | None = None
    created_resource_arn: str | None = None
    iam_role_arn: str | None = None
    restore_testing_plan_arn: str | None = None

    @property
    def resource(self) -> str | None:
        return self.source_resource_arn or self.resource_arn


class BackupJobEvent(EventEnvelope, kw_only=True):
    detail_type: Literal["Backup Job State Change"] = field(name="detail-type")
    detail: BackupJobDetail


class CopyJobEvent(EventEnvelope, kw_only=True):
    detail_type: Literal["Copy Job State Change"] = field(name="detail-type")
    detail: CopyJobDetail


class RestoreJobEvent(EventEnvelope, kw_only=True):
    detail_type: Literal["Restore Job State Change"] = field(name="detail-type")
    detail: RestoreJobDetail


class ScheduledEvent(EventEnvelope, kw_only=True):
    """EventBridge's ``Scheduled Event`` (the reconcile's schedule)."""

    source: Literal["aws.events"]
    detail_type: Literal["Scheduled Event"] = field(name="detail-type")
    detail: dict[str, Any] = {}
