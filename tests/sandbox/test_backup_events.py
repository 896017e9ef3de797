"""Event builders against the documented shapes (fact sheet section 1), every job kind and state."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from sandbox.backup import events
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
    )
    for key, value in changes.items():
        setattr(job, key, value)
    return job


def test_backup_created_event_has_only_id_state_and_date() -> None:
    assert events.backup_job_detail(_backup_job("CREATED")) == {
        "backupJobId": "JOB-1",
        "state": "CREATED",
        "creationDate": "2026-03-02T09:00:00.123Z",
    }


@pytest.mark.parametrize("state", ["RUNNING", "COMPLETED", "FAILED", "EXPIRED", "ABORTED"])
def test_backup_event_fields_per_state(state: str) -> None:
    job = _backup_job(
        state,
        completion_date=T0 + dt.timedelta(minutes=5),
        status_message="why" if state != "COMPLETED" else "",
    )
    detail = events.backup_job_detail(job, expected_completion=T0 + dt.timedelta(minutes=3))
    assert detail["state"] == state
    assert detail["backupSizeInBytes"] == "36048" and detail["bytesTransferred"] == "36048"
    assert isinstance(detail["percentDone"], int)
    assert ISO_MILLIS.match(detail["startBy"])
    assert ("completionDate" in detail) == (state in {"COMPLETED", "ABORTED", "EXPIRED"})
    assert ("statusMessage" in detail) == (state in {"FAILED", "ABORTED", "EXPIRED"})
    assert ("expectedCompletionDate" in detail) == (state == "RUNNING")
    assert "createdBy" not in detail


def test_running_expected_completion_uses_awss_locale_format() -> None:
    detail = events.backup_job_detail(
        _backup_job("RUNNING"), expected_completion=dt.datetime(2020, 7, 15, 21, 39, 7, tzinfo=UTC)
    )
    assert detail["expectedCompletionDate"] == "Jul 15, 2020 9:39:07 PM"


def test_plan_job_events_carry_created_by_with_backup_plan_rule_id() -> None:
    detail = events.backup_job_detail(_backup_job("COMPLETED", created_by=PLAN_CREATED_BY))
    assert detail["createdBy"] == EVENT_CREATED_BY


def _copy_job(state: str) -> CopyJob:
    return CopyJob(
        job_id="COPY-1",
        account="123456789012",
        region="eu-west-1",
        source_vault_arn="arn:aws:backup:eu-west-1:123456789012:backup-vault:prod-vault",
        source_recovery_point_arn="arn:aws:backup:eu-west-1:123456789012:recovery-point:RP-1",
        destination_vault_arn="arn:aws:backup:eu-central-1:123456789012:backup-vault:dr-vault",
        resource_arn="arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
        resource_type="DynamoDB",
        iam_role_arn="arn:aws:iam::123456789012:role/BackupRole",
        creation_date=T0,
        lifecycle={},
        state=state,
        backup_size_bytes=8589934592,
        destination_recovery_point_arn="arn:aws:backup:eu-central-1:123456789012:recovery-point:RP-2",
        completion_date=T0 + dt.timedelta(minutes=11) if state in {"COMPLETED", "FAILED"} else None,
    )


def test_copy_events_numbers_and_empty_destination_until_completed() -> None:
    created = events.copy_job_detail(_copy_job("CREATED"))
    assert "copyJobId" not in created  # as the documentation's CREATED example
    running = events.copy_job_detail(_copy_job("RUNNING"))
    assert running["copyJobId"] == "COPY-1"
    assert running["destinationRecoveryPointArn"] == {}
    assert running["backupSizeInBytes"] == 8589934592
    completed = events.copy_job_detail(_copy_job("COMPLETED"))
    assert completed["destinationRecoveryPointArn"].endswith("RP-2")
    assert ISO_MILLIS.match(completed["completionDate"])
    assert events.copy_job_detail(_copy_job("FAILED"))["destinationRecoveryPointArn"] == {}


def _restore_job(status: str, **changes: Any) -> RestoreJob:
    job = RestoreJob(
        job_id="RESTORE-1",
        account="123456789012",
        region="eu-west-1",
        recovery_point_arn="arn:aws:backup:eu-west-1:123456789012:recovery-point:RP-1",
        vault_arn="arn:aws:backup:eu-west-1:123456789012:backup-vault:prod-vault",
        source_resource_arn="arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
        resource_type="DynamoDB",
        iam_role_arn="arn:aws:iam::123456789012:role/RestoreRole",
        metadata={},
        creation_date=T0,
        status=status,
        backup_size_bytes=0,
        created_resource_arn="arn:aws:dynamodb:eu-west-1:123456789012:table/orders-restored",
    )
    for key, value in changes.items():
        setattr(job, key, value)
    return job


def test_restore_events_use_status_except_created_which_uses_state() -> None:
    created = events.restore_job_detail(_restore_job("PENDING"), created=True)
    assert created["state"] == "CREATED" and "status" not in created
    completed = events.restore_job_detail(_restore_job("COMPLETED", completion_date=T0))
    assert completed["status"] == "COMPLETED" and "state" not in completed
    assert completed["createdResourceArn"].endswith("orders-restored")
    assert completed["backupSizeInBytes"] == "0" and completed["percentDone"] == 0
    running = events.restore_job_detail(_restore_job("RUNNING"))
    assert "createdResourceArn" not in running and "restoreTestingPlanArn" not in running
    tested = events.restore_job_detail(
        _restore_job(
            "COMPLETED",
            created_by={"RestoreTestingPlanArn": "arn:aws:backup:eu-west-1:1:restore-testing-plan:p"},
        )
    )
    assert tested["restoreTestingPlanArn"].endswith(":p")


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
