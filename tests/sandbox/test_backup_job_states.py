"""The job states beyond CREATED -> RUNNING -> COMPLETED/FAILED, as AWS has them: PENDING, ABORTED
(StopBackupJob), EXPIRED (the start window missed), PARTIAL, "completed with issues", the copy that
stays CREATED while AWS retries a system error, and continuous (point-in-time) recovery points."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox.backup import backup_jobs
from sandbox.backup.backup_jobs import (
    ABORT_SECONDS,
    START_DELAY_SECONDS,
    START_WINDOW_MESSAGE,
    STOPPED_MESSAGE,
)
from sandbox.faults import FAULTS
from tests.sandbox.copy_restore_support import (
    ACCOUNT,
    DR_REGION,
    DR_VAULT,
    JOB_SECONDS,
    REGION,
    ROLE,
    VAULT,
    World,
    aws,
    error_code,
    vault_arn,
    world,
)

__all__ = ["aws", "world"]


def _states(aws: World, job_id: str) -> list[str]:
    return [e["detail"]["state"] for e in aws.job_events(job_id)]


def _state(aws: World, job_id: str) -> str:
    return str(aws.backup.describe_backup_job(BackupJobId=job_id)["State"])


def _points(aws: World, resource_arn: str) -> list[dict[str, Any]]:
    listed = aws.backup.list_recovery_points_by_backup_vault(
        BackupVaultName=VAULT, ByResourceArn=resource_arn
    )
    return list(listed["RecoveryPoints"])


# -- PENDING ---------------------------------------------------------------------------------------
def test_a_job_aws_makes_wait_is_pending_with_a_message_before_it_runs(aws: World) -> None:
    table = aws.table("orders")
    FAULTS.pending_backup("Waiting for the service to be ready", seconds=900)
    job_id = aws.start_backup(table)["BackupJobId"]

    aws.clock.advance(START_DELAY_SECONDS)
    assert _state(aws, job_id) == "PENDING"
    [_, pending] = aws.job_events(job_id)
    assert pending["detail"]["statusMessage"] == "Waiting for the service to be ready"
    aws.clock.advance(899)
    assert _state(aws, job_id) == "PENDING"
    aws.clock.advance(JOB_SECONDS)
    assert _states(aws, job_id) == ["CREATED", "PENDING", "RUNNING", "COMPLETED"]


def test_a_pending_job_holds_its_resource_like_a_running_one(aws: World) -> None:
    table = aws.table("orders")
    FAULTS.pending_backup("Waiting", seconds=1800)
    first = aws.start_backup(table)["BackupJobId"]
    aws.clock.advance(START_DELAY_SECONDS)
    second = aws.start_backup(table)["BackupJobId"]
    aws.clock.advance(START_DELAY_SECONDS)
    assert (_state(aws, first), _state(aws, second)) == ("PENDING", "CREATED")
    aws.clock.advance(2 * JOB_SECONDS)
    assert (_state(aws, first), _state(aws, second)) == ("COMPLETED", "COMPLETED")


# -- ABORTED: StopBackupJob ------------------------------------------------------------------------
def test_stop_backup_job_aborts_a_running_job_and_keeps_nothing(
    aws: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup_jobs, "THROUGHPUT_BYTES_PER_SECOND", 0.01)  # a long job
    table = aws.table("orders")
    job_id = aws.start_backup(table)["BackupJobId"]
    aws.clock.advance(START_DELAY_SECONDS)
    assert _state(aws, job_id) == "RUNNING"

    aws.backup.stop_backup_job(BackupJobId=job_id)
    assert _state(aws, job_id) == "ABORTING"
    aws.clock.advance(ABORT_SECONDS)
    described = aws.backup.describe_backup_job(BackupJobId=job_id)
    assert described["State"] == "ABORTED" and described["StatusMessage"] == STOPPED_MESSAGE
    assert _states(aws, job_id) == ["CREATED", "RUNNING", "ABORTED"]  # no ABORTING event
    aborted = aws.job_events(job_id)[-1]
    assert {"completionDate", "statusMessage"} <= set(aborted["detail"]) and aborted["resources"] == []
    aws.clock.advance(10 * JOB_SECONDS)
    assert _points(aws, table) == []
    with pytest.raises(ClientError) as ended:
        aws.backup.stop_backup_job(BackupJobId=job_id)
    assert error_code(ended) == "InvalidRequestException"


def test_stop_backup_job_of_a_created_job_aborts_it_before_it_starts(aws: World) -> None:
    job_id = aws.start_backup(aws.table("orders"))["BackupJobId"]
    aws.backup.stop_backup_job(BackupJobId=job_id)
    aws.clock.advance(JOB_SECONDS)
    assert _states(aws, job_id) == ["CREATED", "ABORTED"]


def test_stop_backup_job_is_refused_for_rds_as_the_api_says(aws: World) -> None:
    boto3.client("rds", region_name=REGION).create_db_instance(
        DBInstanceIdentifier="ledger",
        DBInstanceClass="db.m5.large",
        Engine="postgres",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="secret-password",  # pragma: allowlist secret (a fixture in moto)
    )
    job_id = aws.start_backup(f"arn:aws:rds:{REGION}:{ACCOUNT}:db:ledger")["BackupJobId"]
    with pytest.raises(ClientError) as refused:
        aws.backup.stop_backup_job(BackupJobId=job_id)
    assert error_code(refused) == "InvalidRequestException"
    assert "not supported for resource type RDS" in refused.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as unknown:
        aws.backup.stop_backup_job(BackupJobId="NO-SUCH-JOB")
    assert error_code(unknown) == "ResourceNotFoundException"


# -- EXPIRED: the start window missed ----------------------------------------------------------------
def test_no_capacity_keeps_a_job_created_past_its_start_window_then_it_expires(aws: World) -> None:
    FAULTS.no_capacity()
    job_id = aws.start_backup(aws.table("orders"), StartWindowMinutes=60)["BackupJobId"]
    aws.clock.advance(59 * 60)
    assert _state(aws, job_id) == "CREATED"
    aws.clock.advance(2 * 60)
    described = aws.backup.describe_backup_job(BackupJobId=job_id)
    assert described["State"] == "EXPIRED" and described["StatusMessage"] == START_WINDOW_MESSAGE
    expired = aws.job_events(job_id)[-1]["detail"]
    assert expired["statusMessage"] == START_WINDOW_MESSAGE and "completionDate" in expired


def test_capacity_back_within_the_window_lets_the_job_run_and_counts_its_retries(aws: World) -> None:
    FAULTS.no_capacity(minutes=25)
    job_id = aws.start_backup(aws.table("orders"), StartWindowMinutes=60)["BackupJobId"]
    aws.clock.advance(JOB_SECONDS)
    completed = aws.job_events(job_id)[-1]["detail"]
    assert completed["state"] == "COMPLETED"
    assert completed["retryCount"] == 3  # tried at +1 min, +11, +21; ran at +31


# -- COMPLETED with issues, PARTIAL ----------------------------------------------------------------------
def test_completed_with_issues_is_a_completed_job_with_a_status_message(aws: World) -> None:
    table = aws.table("orders")
    FAULTS.complete_with_issues("Some items were not backed up", resource_arn=table)
    job_id = aws.start_backup(table)["BackupJobId"]
    aws.clock.advance(JOB_SECONDS)
    completed = aws.job_events(job_id)[-1]
    assert completed["detail"]["state"] == "COMPLETED"
    assert completed["detail"]["statusMessage"] == "Some items were not backed up"
    assert completed["resources"] == [_points(aws, table)[0]["RecoveryPointArn"]]


def test_a_partial_backup_keeps_a_partial_recovery_point(aws: World) -> None:
    table = aws.table("orders")
    FAULTS.partial_job("backup", "1 of 2 parts failed")
    job_id = aws.start_backup(table)["BackupJobId"]
    aws.clock.advance(JOB_SECONDS)
    assert _states(aws, job_id)[-1] == "PARTIAL"
    assert aws.job_events(job_id)[-1]["detail"]["statusMessage"] == "1 of 2 parts failed"
    [point] = _points(aws, table)
    assert point["Status"] == "PARTIAL"


# -- copies: CREATED while AWS retries a system error; PARTIAL --------------------------------------
@pytest.fixture
def copyable(aws: World) -> tuple[str, str]:
    """A completed, copyable recovery point of a table, and the DR vault's ARN."""
    aws.advanced_dynamodb()
    aws.vault(DR_VAULT, region=DR_REGION)
    return aws.recovery_point(aws.table("orders")), vault_arn(DR_VAULT, region=DR_REGION)


def _copy_states(aws: World, copy_id: str) -> list[str]:
    copy_events = aws.events_of("Copy Job State Change")
    ours = [e for e in copy_events if e["detail"].get("copyJobId") in {copy_id, None}]
    return [e["detail"]["state"] for e in ours]


def test_a_copy_stays_created_while_aws_retries_a_system_error(aws: World, copyable: tuple[str, str]) -> None:
    point, destination = copyable
    FAULTS.copy_system_error(minutes=90)
    copy_id = aws.start_copy(point, destination)["CopyJobId"]
    aws.clock.advance(89 * 60)
    assert aws.backup.describe_copy_job(CopyJobId=copy_id)["CopyJob"]["State"] == "CREATED"
    aws.clock.advance(JOB_SECONDS)
    assert aws.backup.describe_copy_job(CopyJobId=copy_id)["CopyJob"]["State"] == "COMPLETED"
    assert _copy_states(aws, copy_id) == ["CREATED", "RUNNING", "COMPLETED"]


def test_a_system_error_longer_than_two_hours_fails_the_copy(aws: World, copyable: tuple[str, str]) -> None:
    point, destination = copyable
    FAULTS.copy_system_error(minutes=300, message="Copy job failed because of a system error")
    copy_id = aws.start_copy(point, destination)["CopyJobId"]
    aws.clock.advance(2 * 3600 - 60)
    assert aws.backup.describe_copy_job(CopyJobId=copy_id)["CopyJob"]["State"] == "CREATED"
    aws.clock.advance(JOB_SECONDS)
    job = aws.backup.describe_copy_job(CopyJobId=copy_id)["CopyJob"]
    assert (job["State"], job["StatusMessage"]) == ("FAILED", "Copy job failed because of a system error")
    assert _copy_states(aws, copy_id) == ["CREATED", "FAILED"]


def test_a_partial_copy_lands_nothing(aws: World, copyable: tuple[str, str]) -> None:
    point, destination = copyable
    FAULTS.partial_job("copy", "some parts were not copied")
    copy_id = aws.start_copy(point, destination)["CopyJobId"]
    aws.clock.advance(JOB_SECONDS)
    job = aws.backup.describe_copy_job(CopyJobId=copy_id)["CopyJob"]
    assert (job["State"], job["StatusMessage"]) == ("PARTIAL", "some parts were not copied")
    partial = aws.events_of("Copy Job State Change")[-1]["detail"]
    assert partial["state"] == "PARTIAL" and partial["destinationRecoveryPointArn"] == {}


# -- continuous (point-in-time) recovery points ---------------------------------------------------
def _continuous_plan(aws: World) -> str:
    plan_id = aws.plan(EnableContinuousBackup=True, Lifecycle={"DeleteAfterDays": 35})
    selection = {
        "SelectionName": "pitr",
        "IamRoleArn": ROLE,
        "Resources": ["*"],
        "Conditions": {"StringEquals": [{"ConditionKey": "aws:ResourceTag/pitr", "ConditionValue": "on"}]},
    }
    aws.backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection)
    return plan_id


def test_a_continuous_rule_makes_one_continuous_point_that_each_window_refreshes(aws: World) -> None:
    plan_id = _continuous_plan(aws)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="invoices", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket="invoices", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="invoices", Key="a.pdf", Body=b"%PDF a")
    s3.put_bucket_tagging(Bucket="invoices", Tagging={"TagSet": [{"Key": "pitr", "Value": "on"}]})
    bucket = "arn:aws:s3:::invoices"

    aws.clock.advance_to(aws.backend().plan_next_window(plan_id))
    aws.clock.advance(JOB_SECONDS)
    [point] = _points(aws, bucket)
    arn = point["RecoveryPointArn"]
    assert arn.startswith(f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:continuous:")
    [completed] = [e for e in aws.events_of("Backup Job State Change") if e["detail"]["state"] == "COMPLETED"]
    assert completed["resources"] == [arn]

    s3.put_object(Bucket="invoices", Key="b.pdf", Body=b"%PDF b")
    aws.clock.advance_to(aws.backend().plan_next_window(plan_id))
    aws.clock.advance(JOB_SECONDS)
    assert [p["RecoveryPointArn"] for p in _points(aws, bucket)] == [arn]  # the same point, refreshed
    point_events = [e for e in aws.events_of("Recovery Point State Change") if e["resources"] == [arn]]
    assert len(point_events) == 2

    with pytest.raises(ClientError) as refused:
        aws.start_copy(arn, vault_arn(VAULT))
    assert error_code(refused) == "InvalidParameterValueException"
    assert "does not support continuous backups" in refused.value.response["Error"]["Message"]


def test_a_continuous_rule_on_a_dynamodb_table_makes_a_continuous_point_unverified(aws: World) -> None:
    plan_id = _continuous_plan(aws)
    table = aws.table("orders", tags={"pitr": "on"})
    aws.clock.advance_to(aws.backend().plan_next_window(plan_id))
    aws.clock.advance(JOB_SECONDS)
    [point] = _points(aws, table)
    assert ":recovery-point:continuous:" in point["RecoveryPointArn"]
