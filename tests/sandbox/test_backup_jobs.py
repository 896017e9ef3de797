"""StartBackupJob, DescribeBackupJob, ListBackupJobs: validation, idempotency, life cycle, events."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from botocore.exceptions import ClientError

from sandbox.backup import backup_jobs
from sandbox.backup.backup_jobs import RUNNING_JOB_MESSAGE, START_DELAY_SECONDS
from sandbox.faults import FAULTS
from tests.sandbox.backup_support import ACCOUNT, JOB_SECONDS, REGION, ROLE, VAULT, World, error_code, world
from tests.sandbox.model_check import assert_matches_output_shape

__all__ = ["world"]

ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_on_demand_job_moves_created_running_completed_over_simulated_time(world: World) -> None:
    world.vault()
    table = world.table("orders", items=10)

    started = world.start_backup(table)
    assert_matches_output_shape("backup", "StartBackupJob", started)
    job_id = started["BackupJobId"]
    assert "RecoveryPointArn" not in started  # plain DynamoDB: only EFS and advanced DynamoDB return it

    described = world.backup.describe_backup_job(BackupJobId=job_id)
    assert_matches_output_shape("backup", "DescribeBackupJob", described)
    assert described["State"] == "CREATED"

    world.clock.advance(START_DELAY_SECONDS)
    running = world.backup.describe_backup_job(BackupJobId=job_id)
    assert running["State"] == "RUNNING"
    assert running["ExpectedCompletionDate"] > running["CreationDate"]

    world.clock.advance(JOB_SECONDS)
    done = world.backup.describe_backup_job(BackupJobId=job_id)
    assert_matches_output_shape("backup", "DescribeBackupJob", done)
    assert done["State"] == "COMPLETED"
    assert done["PercentDone"] == "100.0"
    assert done["BackupSizeInBytes"] > 0
    assert done["RecoveryPointArn"].startswith(f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders/backup/")
    assert [e["detail"]["state"] for e in world.job_events(job_id)] == ["CREATED", "RUNNING", "COMPLETED"]


def test_backup_job_events_have_the_documented_shapes(world: World) -> None:
    world.vault()
    table = world.table("orders")
    job_id = world.start_backup(table)["BackupJobId"]
    world.clock.advance(JOB_SECONDS)
    created, running, completed = world.job_events(job_id)

    assert created["source"] == "aws.backup"
    assert created["resources"] == []
    assert set(created["detail"]) == {"backupJobId", "state", "creationDate"}
    assert ISO_MILLIS.match(created["detail"]["creationDate"])

    assert running["resources"] == []
    assert re.match(
        r"^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d\d:\d\d [AP]M$", running["detail"]["expectedCompletionDate"]
    )
    assert "completionDate" not in running["detail"]

    detail = completed["detail"]
    point_arn = world.backup.describe_backup_job(BackupJobId=job_id)["RecoveryPointArn"]
    assert completed["resources"] == [point_arn]
    assert detail["state"] == "COMPLETED"
    assert detail["backupVaultName"] == VAULT
    assert detail["resourceArn"] == table and detail["resourceType"] == "DynamoDB"
    assert detail["iamRoleArn"] == ROLE
    assert isinstance(detail["backupSizeInBytes"], str) and int(detail["backupSizeInBytes"]) > 0
    assert isinstance(detail["bytesTransferred"], str)
    assert detail["percentDone"] == 100
    assert "createdBy" not in detail  # on-demand job
    for key in ("creationDate", "completionDate", "startBy"):
        assert ISO_MILLIS.match(detail[key]), key

    point_event = world.events_of("Recovery Point State Change")[0]
    assert point_event["resources"] == [point_arn]
    assert point_event["detail"]["status"] == "COMPLETED"
    assert point_event["detail"]["isEncrypted"] == "true"


def test_same_idempotency_token_twice_makes_one_job(world: World) -> None:
    world.vault()
    table = world.table("orders")
    first = world.start_backup(table, IdempotencyToken="orders-2026-03-02")
    again = world.start_backup(table, IdempotencyToken="orders-2026-03-02")
    # same token, other parameters: AWS's behaviour is undocumented; the sandbox returns the original job
    changed = world.start_backup(table, IdempotencyToken="orders-2026-03-02", StartWindowMinutes=120)
    other = world.start_backup(table, IdempotencyToken="orders-other")

    assert first["BackupJobId"] == again["BackupJobId"] == changed["BackupJobId"]
    assert other["BackupJobId"] != first["BackupJobId"]
    assert len(world.backup.list_backup_jobs()["BackupJobs"]) == 2


def test_idempotency_token_is_honoured_for_one_hour(world: World) -> None:
    world.vault()
    table = world.table("orders")
    first = world.start_backup(table, IdempotencyToken="t-1")
    world.clock.advance(3601)
    later = world.start_backup(table, IdempotencyToken="t-1")
    assert later["BackupJobId"] != first["BackupJobId"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"BackupVaultName": "missing-vault"}, "ResourceNotFoundException"),
        ({"BackupVaultName": "bad name!"}, "InvalidParameterValueException"),
        ({"ResourceArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/ghost"}, "ResourceNotFoundException"),
        ({"ResourceArn": "arn:aws:sqs:eu-west-1:123456789012:queue"}, "InvalidParameterValueException"),
        ({"IamRoleArn": "not-a-role"}, "InvalidParameterValueException"),
        ({"StartWindowMinutes": 59}, "InvalidParameterValueException"),
        (
            {"Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 100}},
            "InvalidParameterValueException",
        ),
        ({"Lifecycle": {"DeleteAfterDays": 0}}, "InvalidParameterValueException"),
    ],
)
def test_start_backup_job_rejects_what_aws_rejects(
    world: World, kwargs: dict[str, object], code: str
) -> None:
    world.vault()
    table = world.table("orders")
    with pytest.raises(ClientError) as excinfo:
        world.start_backup(table, **kwargs)
    assert error_code(excinfo) == code
    assert world.backup.list_backup_jobs()["BackupJobs"] == []


def test_valid_lifecycle_and_start_window_are_accepted(world: World) -> None:
    world.vault()
    table = world.table("orders")
    job_id = world.start_backup(
        table, StartWindowMinutes=60, Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}
    )["BackupJobId"]
    described = world.backup.describe_backup_job(BackupJobId=job_id)
    assert described["StartBy"] - described["CreationDate"] == dt.timedelta(minutes=60)
    assert described["RecoveryPointLifecycle"] == {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}


def test_a_resource_in_another_region_is_refused(world: World) -> None:
    world.vault()
    table = world.table("orders", region="us-east-1")
    with pytest.raises(ClientError) as excinfo:
        world.start_backup(table)
    assert error_code(excinfo) == "InvalidParameterValueException"


def test_describe_unknown_job_is_not_found(world: World) -> None:
    with pytest.raises(ClientError) as excinfo:
        world.backup.describe_backup_job(BackupJobId="00000000-0000-0000-0000-000000000000")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_injected_fault_fails_the_job_with_its_message(world: World) -> None:
    world.vault()
    table = world.table("orders")
    FAULTS.fail_job("backup", "Access denied by the KMS key policy", resource_arn=table)
    job_id = world.start_backup(table)["BackupJobId"]
    world.clock.advance(JOB_SECONDS)

    described = world.backup.describe_backup_job(BackupJobId=job_id)
    assert described["State"] == "FAILED"
    assert described["StatusMessage"] == "Access denied by the KMS key policy"
    failed = world.job_events(job_id)[-1]
    assert failed["detail"]["state"] == "FAILED"
    assert failed["detail"]["statusMessage"] == "Access denied by the KMS key policy"
    assert failed["resources"] == []
    assert world.backup.list_recovery_points_by_backup_vault(BackupVaultName=VAULT)["RecoveryPoints"] == []


def test_a_deleted_resource_fails_the_job(world: World) -> None:
    world.vault()
    table = world.table("orders")
    job_id = world.start_backup(table)["BackupJobId"]
    world.client("dynamodb").delete_table(TableName="orders")
    world.clock.advance(JOB_SECONDS)
    described = world.backup.describe_backup_job(BackupJobId=job_id)
    assert described["State"] == "FAILED"
    assert "not found" in described["StatusMessage"].lower()


def test_second_job_for_a_running_resource_waits_then_expires(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.vault()
    table = world.table("orders", items=5)
    monkeypatch.setattr(backup_jobs, "THROUGHPUT_BYTES_PER_SECOND", 0.01)  # a job of several hours
    first = world.start_backup(table)["BackupJobId"]
    world.clock.advance(START_DELAY_SECONDS)
    second = world.start_backup(table, StartWindowMinutes=60)["BackupJobId"]
    world.clock.advance(30 * 60)
    assert world.backup.describe_backup_job(BackupJobId=first)["State"] == "RUNNING"
    assert world.backup.describe_backup_job(BackupJobId=second)["State"] == "CREATED"

    world.clock.advance(31 * 60)
    described = world.backup.describe_backup_job(BackupJobId=second)
    assert described["State"] == "EXPIRED"
    assert described["StatusMessage"] == RUNNING_JOB_MESSAGE
    expired = world.job_events(second)[-1]["detail"]
    assert expired["state"] == "EXPIRED" and expired["statusMessage"] == RUNNING_JOB_MESSAGE
    assert "completionDate" in expired
    world.clock.advance(86400)
    assert world.backup.describe_backup_job(BackupJobId=first)["State"] == "COMPLETED"


def test_a_job_waiting_for_a_running_one_starts_when_it_finishes(world: World) -> None:
    world.vault()
    table = world.table("orders")
    first = world.start_backup(table)["BackupJobId"]
    world.clock.advance(START_DELAY_SECONDS)
    second = world.start_backup(table)["BackupJobId"]  # default 8-hour start window
    world.clock.advance(START_DELAY_SECONDS)
    assert world.backup.describe_backup_job(BackupJobId=second)["State"] == "CREATED"
    world.clock.advance(2 * JOB_SECONDS)
    assert world.backup.describe_backup_job(BackupJobId=first)["State"] == "COMPLETED"
    assert world.backup.describe_backup_job(BackupJobId=second)["State"] == "COMPLETED"


def test_list_backup_jobs_filters_and_pages(world: World) -> None:
    world.vault()
    world.vault("other-vault")
    orders = world.table("orders")
    users = world.table("users")
    FAULTS.fail_job("backup", "boom", resource_arn=users)
    world.start_backup(orders)
    world.start_backup(users)
    world.start_backup(orders, BackupVaultName="other-vault")
    world.clock.advance(JOB_SECONDS)

    backup = world.backup
    listed = backup.list_backup_jobs()
    assert_matches_output_shape("backup", "ListBackupJobs", listed)
    assert len(listed["BackupJobs"]) == 3
    assert {j["ResourceArn"] for j in backup.list_backup_jobs(ByResourceArn=orders)["BackupJobs"]} == {orders}
    assert [j["ResourceArn"] for j in backup.list_backup_jobs(ByState="FAILED")["BackupJobs"]] == [users]
    assert len(backup.list_backup_jobs(ByBackupVaultName="other-vault")["BackupJobs"]) == 1
    assert len(backup.list_backup_jobs(ByResourceType="DynamoDB")["BackupJobs"]) == 3
    assert backup.list_backup_jobs(ByResourceType="EBS")["BackupJobs"] == []
    assert len(backup.list_backup_jobs(ByAccountId=ACCOUNT)["BackupJobs"]) == 3
    now = world.clock.now()
    assert backup.list_backup_jobs(ByCreatedAfter=now)["BackupJobs"] == []
    assert len(backup.list_backup_jobs(ByCreatedBefore=now)["BackupJobs"]) == 3
    assert len(backup.list_backup_jobs(ByCompleteBefore=now)["BackupJobs"]) == 3
    assert len(backup.list_backup_jobs(ByMessageCategory="SUCCESS")["BackupJobs"]) == 2

    first = backup.list_backup_jobs(MaxResults=2)
    assert len(first["BackupJobs"]) == 2 and first["NextToken"]
    rest = backup.list_backup_jobs(MaxResults=2, NextToken=first["NextToken"])
    assert len(rest["BackupJobs"]) == 1 and "NextToken" not in rest
    paged = [
        j["BackupJobId"]
        for page in backup.get_paginator("list_backup_jobs").paginate(PaginationConfig={"PageSize": 1})
        for j in page["BackupJobs"]
    ]
    assert paged == [j["BackupJobId"] for j in listed["BackupJobs"]]

    with pytest.raises(ClientError) as excinfo:
        backup.list_backup_jobs(MaxResults=1001)
    assert error_code(excinfo) == "InvalidParameterValueException"


def test_list_backup_jobs_covers_only_the_last_30_days(world: World) -> None:
    world.vault()
    table = world.table("orders")
    old = world.start_backup(table)["BackupJobId"]
    world.clock.advance(31 * 86400)
    recent = world.start_backup(table)["BackupJobId"]
    listed = [j["BackupJobId"] for j in world.backup.list_backup_jobs()["BackupJobs"]]
    assert listed == [recent]
    assert world.backup.describe_backup_job(BackupJobId=old)["State"] == "COMPLETED"


def test_advanced_dynamodb_returns_a_backup_recovery_point_arn(world: World) -> None:
    world.vault()
    world.backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    table = world.table("orders")
    started = world.start_backup(table)
    arn = started["RecoveryPointArn"]
    assert re.match(rf"^arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:[0-9A-F-]{{36}}$", arn)
    world.clock.advance(JOB_SECONDS)
    assert world.backup.describe_backup_job(BackupJobId=started["BackupJobId"])["RecoveryPointArn"] == arn
    point = world.backup.describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=arn)
    assert point["Status"] == "COMPLETED"


def test_api_faults_reach_the_extensions_operations(world: World) -> None:
    world.vault()
    table = world.table("orders")
    FAULTS.throttle("backup", "StartBackupJob", count=1)
    with pytest.raises(ClientError) as excinfo:
        world.start_backup(table)
    assert error_code(excinfo) == "ThrottlingException"
    assert world.start_backup(table)["BackupJobId"]
