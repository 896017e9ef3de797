"""Event builders against the documented shapes (fact sheet sections 1.2-1.5): one test per row of
sandbox/README.md's "Events, field by field" table (job kind x state -> the fields of ``detail`` and
the top-level ``resources``), plus the types and formats AWS uses."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from sandbox.backup import events
from sandbox.backup.backup_jobs import RUNNING_JOB_MESSAGE
from sandbox.backup.records import BackupJob, CopyJob, RecoveryPoint, RestoreJob
from sandbox.resources.base import Capture

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)
ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
PLAN_CREATED_BY = {
    "BackupPlanId": "plan-1",
    "BackupPlanArn": "arn:aws:backup:eu-west-1:123456789012:backup-plan:plan-1",
    "BackupPlanName": "daily",
    "BackupPlanVersion": "v1",
    "BackupRuleId": "rule-1",
    "BackupRuleName": "daily-rule",
}
EVENT_CREATED_BY = {
    "backupPlanId": "plan-1",
    "backupPlanArn": "arn:aws:backup:eu-west-1:123456789012:backup-plan:plan-1",
    "backupPlanVersion": "v1",
    "backupPlanRuleId": "rule-1",
}
POINT = "arn:aws:backup:eu-west-1:123456789012:recovery-point:RP-1"
#: the one copy failure text AWS's examples show (fact sheet 1.3)
LIST_TAGS_DENIED = "Access denied exception while trying to list tags"
TESTING_PLAN = "arn:aws:backup:eu-west-1:123456789012:restore-testing-plan:nightly_rt-1"

# -- the table (sandbox/README.md, "Events, field by field") ----------------------------------------
BACKUP_BASE = {
    "backupJobId", "state", "creationDate", "backupVaultArn", "backupVaultName", "resourceArn",
    "resourceType", "iamRoleArn", "percentDone", "startBy",
}  # fmt: skip
SIZES = {"backupSizeInBytes", "bytesTransferred"}
#: backup state -> (detail fields of an on-demand job, resources holds the recovery point)
BACKUP_ROWS: dict[str, tuple[set[str], bool]] = {
    "CREATED": ({"backupJobId", "state", "creationDate"}, False),
    "PENDING": (BACKUP_BASE | {"statusMessage"}, False),
    "RUNNING": (BACKUP_BASE | SIZES | {"expectedCompletionDate"}, False),
    "COMPLETED": (BACKUP_BASE | SIZES | {"completionDate", "retryCount"}, True),
    "FAILED": (BACKUP_BASE | {"statusMessage", "retryCount"}, False),
    "ABORTED": (BACKUP_BASE | {"completionDate", "statusMessage"}, False),
    "EXPIRED": (BACKUP_BASE | {"completionDate", "statusMessage"}, False),
    "PARTIAL": (BACKUP_BASE | {"completionDate", "statusMessage", "retryCount"}, False),  # UNVERIFIED
}
COPY_CREATED = {"creationDate", "state", "sourceBackupVaultArn", "destinationBackupVaultArn"}
COPY_BASE = COPY_CREATED | {
    "copyJobId", "destinationRecoveryPointArn", "resourceArn", "resourceType", "iamRoleArn",
    "backupSizeInBytes",
}  # fmt: skip
COPY_ROWS: dict[str, set[str]] = {
    "CREATED": COPY_CREATED,
    "RUNNING": COPY_BASE,
    "COMPLETED": COPY_BASE | {"completionDate"},
    "FAILED": COPY_BASE | {"completionDate", "statusMessage"},
    "PARTIAL": COPY_BASE | {"completionDate", "statusMessage"},  # UNVERIFIED
}
RESTORE_SHORT = {
    "restoreJobId", "backupSizeInBytes", "creationDate", "iamRoleArn", "percentDone", "resourceType",
    "status",
}  # fmt: skip
#: restore status -> (detail fields of a job not started by a restore testing plan, resources holds the point)
RESTORE_ROWS: dict[str, tuple[set[str], bool]] = {
    "CREATED": ({"restoreJobId", "creationDate", "state"}, False),
    "PENDING": (RESTORE_SHORT, False),
    "RUNNING": (RESTORE_SHORT, False),
    "FAILED": (RESTORE_SHORT | {"statusMessage"}, False),
    "COMPLETED": (
        RESTORE_SHORT
        | {"recoveryPointArn", "backupVaultArn", "sourceResourceArn", "createdResourceArn", "completionDate"},
        True,
    ),
}


def _backup_job(state: str, **changes: Any) -> BackupJob:
    job = BackupJob(
        job_id="JOB-1",
        account="123456789012",
        region="eu-west-1",
        vault_name="prod-vault",
        vault_arn="arn:aws:backup:eu-west-1:123456789012:backup-vault:prod-vault",
        resource_arn="arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
        resource_type="DynamoDB",
        iam_role_arn="arn:aws:iam::123456789012:role/BackupRole",
        creation_date=T0,
        start_by=T0 + dt.timedelta(hours=8),
        complete_by=None,
        lifecycle={},
        recovery_point_tags={},
        state=state,
        backup_size_bytes=36048,
        bytes_transferred=36048,
        recovery_point_arn=POINT,
        completion_date=T0 + dt.timedelta(minutes=5),
        status_message="" if state in {"CREATED", "RUNNING", "COMPLETED"} else "why",
    )
    for key, value in changes.items():
        setattr(job, key, value)
    return job


def _emitted(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The envelopes the builders hand to EventBridge."""
    sent: list[dict[str, Any]] = []

    def record(**envelope: Any) -> dict[str, Any]:
        sent.append(envelope)
        return envelope

    monkeypatch.setattr(events, "emit_service_event", record)
    return sent


# -- Backup Job State Change: one test per row -----------------------------------------------------
@pytest.mark.parametrize("state", sorted(BACKUP_ROWS))
def test_backup_job_row(state: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fields, carries_point = BACKUP_ROWS[state]
    sent = _emitted(monkeypatch)
    events.emit_backup_job(_backup_job(state), expected_completion=T0 + dt.timedelta(minutes=3))
    [envelope] = sent
    assert set(envelope["detail"]) == fields
    assert envelope["resources"] == ([POINT] if carries_point else [])
    assert envelope["source"] == "aws.backup" and envelope["detail_type"] == "Backup Job State Change"


def test_backup_event_types_and_formats() -> None:
    running = events.backup_job_detail(
        _backup_job("RUNNING"), expected_completion=dt.datetime(2020, 7, 15, 21, 39, 7, tzinfo=UTC)
    )
    assert running["expectedCompletionDate"] == "Jul 15, 2020 9:39:07 PM"  # AWS's locale format
    assert running["backupSizeInBytes"] == "36048" and running["bytesTransferred"] == "36048"  # strings
    assert isinstance(running["percentDone"], int)
    completed = events.backup_job_detail(_backup_job("COMPLETED", percent_done="100.0", retry_count=2))
    assert completed["percentDone"] == 100 and completed["retryCount"] == 2
    for key in ("creationDate", "completionDate", "startBy"):
        assert ISO_MILLIS.match(completed[key]), key
    assert "statusMessage" not in completed
    assert events.backup_job_detail(_backup_job("PENDING", status_message=""))["statusMessage"] == ""


def test_completed_with_issues_is_completed_with_a_status_message() -> None:
    detail = events.backup_job_detail(_backup_job("COMPLETED", status_message="Some objects were skipped"))
    assert detail["state"] == "COMPLETED" and detail["statusMessage"] == "Some objects were skipped"


def test_expired_event_carries_awss_message_as_aws_words_it() -> None:
    detail = events.backup_job_detail(_backup_job("EXPIRED", status_message=RUNNING_JOB_MESSAGE))
    expected = "Backup job failed because there was a running job for the same resource."
    assert detail["statusMessage"] == expected


def test_plan_job_events_carry_created_by_with_backup_plan_rule_id() -> None:
    for state in sorted(set(BACKUP_ROWS) - {"CREATED"}):
        detail = events.backup_job_detail(_backup_job(state, created_by=PLAN_CREATED_BY))
        assert detail["createdBy"] == EVENT_CREATED_BY, state
    assert "createdBy" not in events.backup_job_detail(_backup_job("CREATED", created_by=PLAN_CREATED_BY))


# -- Copy Job State Change -------------------------------------------------------------------------
def _copy_job(state: str, **changes: Any) -> CopyJob:
    job = CopyJob(
        job_id="COPY-1",
        account="123456789012",
        region="eu-west-1",
        source_vault_arn="arn:aws:backup:eu-west-1:123456789012:backup-vault:prod-vault",
        source_recovery_point_arn=POINT,
        destination_vault_arn="arn:aws:backup:eu-central-1:123456789012:backup-vault:dr-vault",
        resource_arn="arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
        resource_type="DynamoDB",
        iam_role_arn="arn:aws:iam::123456789012:role/BackupRole",
        creation_date=T0,
        lifecycle={},
        state=state,
        backup_size_bytes=8589934592,
        destination_recovery_point_arn="arn:aws:backup:eu-central-1:123456789012:recovery-point:RP-2",
        completion_date=T0 + dt.timedelta(minutes=11),
        status_message=LIST_TAGS_DENIED if state in {"FAILED", "PARTIAL"} else "",
    )
    for key, value in changes.items():
        setattr(job, key, value)
    return job


@pytest.mark.parametrize("state", sorted(COPY_ROWS))
def test_copy_job_row(state: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sent = _emitted(monkeypatch)
    events.emit_copy_job(_copy_job(state))
    [envelope] = sent
    assert set(envelope["detail"]) == COPY_ROWS[state]
    assert envelope["resources"] == [POINT]  # the SOURCE recovery point, in every state
    assert "bytesTransferred" not in envelope["detail"]


def test_copy_event_types_and_the_empty_destination_until_completed() -> None:
    running = events.copy_job_detail(_copy_job("RUNNING"))
    assert running["backupSizeInBytes"] == 8589934592  # a number in copy events
    assert running["destinationRecoveryPointArn"] == {}
    assert events.copy_job_detail(_copy_job("FAILED"))["destinationRecoveryPointArn"] == {}
    completed = events.copy_job_detail(_copy_job("COMPLETED"))
    assert completed["destinationRecoveryPointArn"].endswith("RP-2")
    assert ISO_MILLIS.match(completed["completionDate"])
    failed = events.copy_job_detail(_copy_job("FAILED"))
    assert failed["statusMessage"] == LIST_TAGS_DENIED
    planned = events.copy_job_detail(_copy_job("COMPLETED", created_by=PLAN_CREATED_BY))
    assert planned["createdBy"] == EVENT_CREATED_BY


# -- Restore Job State Change ----------------------------------------------------------------------
def _restore_job(status: str, **changes: Any) -> RestoreJob:
    job = RestoreJob(
        job_id="RESTORE-1",
        account="123456789012",
        region="eu-west-1",
        recovery_point_arn=POINT,
        vault_arn="arn:aws:backup:eu-west-1:123456789012:backup-vault:prod-vault",
        source_resource_arn="arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
        resource_type="DynamoDB",
        iam_role_arn="arn:aws:iam::123456789012:role/RestoreRole",
        metadata={},
        creation_date=T0,
        status="PENDING" if status == "CREATED" else status,
        status_message="Table already exists" if status == "FAILED" else "",
        backup_size_bytes=36048,
        created_resource_arn="arn:aws:dynamodb:eu-west-1:123456789012:table/orders-restored",
        completion_date=T0 + dt.timedelta(minutes=4),
    )
    for key, value in changes.items():
        setattr(job, key, value)
    return job


@pytest.mark.parametrize("status", sorted(RESTORE_ROWS))
def test_restore_job_row(status: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fields, carries_point = RESTORE_ROWS[status]
    sent = _emitted(monkeypatch)
    events.emit_restore_job(_restore_job(status), created=status == "CREATED")
    [envelope] = sent
    assert set(envelope["detail"]) == fields
    assert envelope["resources"] == ([POINT] if carries_point else [])


@pytest.mark.parametrize("status", sorted(set(RESTORE_ROWS) - {"CREATED"}))
def test_restore_events_of_a_restore_testing_plan_carry_its_arn(status: str) -> None:
    tested = _restore_job(status, created_by={"RestoreTestingPlanArn": TESTING_PLAN})
    detail = events.restore_job_detail(tested)
    assert detail["restoreTestingPlanArn"] == TESTING_PLAN
    assert set(detail) == RESTORE_ROWS[status][0] | {"restoreTestingPlanArn"}


def test_restore_event_types_status_versus_state_and_the_completed_quirks() -> None:
    created = events.restore_job_detail(_restore_job("CREATED"), created=True)
    assert created["state"] == "CREATED" and "status" not in created
    running = events.restore_job_detail(_restore_job("RUNNING"))
    assert running["status"] == "RUNNING" and "state" not in running
    assert running["backupSizeInBytes"] == "36048"  # a string
    completed = events.restore_job_detail(_restore_job("COMPLETED", percent_done="100.0"))
    assert completed["percentDone"] == 0  # as AWS's COMPLETED example
    assert completed["createdResourceArn"].endswith("orders-restored")
    assert events.restore_job_detail(_restore_job("FAILED"))["statusMessage"] == "Table already exists"


def test_recovery_point_event_shape() -> None:
    capture = Capture("DynamoDB", "arn:src", "orders", {}, {}, payload=[])
    point = RecoveryPoint(
        arn="arn:aws:backup:eu-west-1:123456789012:recovery-point:RP-1",
        vault_name="prod-vault",
        vault_arn="arn:aws:backup:eu-west-1:123456789012:backup-vault:prod-vault",
        account="123456789012",
        region="eu-west-1",
        resource_arn="arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
        resource_type="DynamoDB",
        resource_name="orders",
        capture=capture,
        iam_role_arn="arn:aws:iam::123456789012:role/BackupRole",
        creation_date=T0,
        completion_date=T0,
        lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120},
        created_by=PLAN_CREATED_BY,
    )
    calculated = {"MoveToColdStorageAt": T0 + dt.timedelta(days=30), "DeleteAt": T0 + dt.timedelta(days=120)}
    detail = events.recovery_point_detail(point, calculated)
    assert detail["status"] == "COMPLETED"
    assert detail["isEncrypted"] == "false"
    assert detail["storageClass"] == "WARM"
    assert detail["lifecycle"] == {"deleteAfterDays": 120, "moveToColdStorageAfterDays": 30}
    assert set(detail["calculatedLifeCycle"]) == {"moveToColdStorageAt", "deleteAt"}
    assert detail["createdBy"] == EVENT_CREATED_BY
