"""StartRestoreJob and friends through boto3: restores that create new moto resources with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError

from sandbox.faults import FAULTS
from tests.sandbox.copy_restore_support import (
    ACCOUNT,
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
from tests.sandbox.model_check import assert_matches_output_shape

__all__ = ["aws", "world"]  # fixtures, imported for pytest


@pytest.fixture
def table(aws: World) -> str:
    return aws.table("orders", 40)


@pytest.fixture
def point(aws: World, table: str) -> str:
    return aws.recovery_point(table)


def _restore(aws: World, point: str, target: str, **extra: object) -> str:
    response = aws.backup.start_restore_job(
        RecoveryPointArn=point, Metadata={"targetTableName": target}, IamRoleArn=ROLE, **extra
    )
    assert_matches_output_shape("backup", "StartRestoreJob", response)
    return str(response["RestoreJobId"])


def test_a_restore_creates_a_new_table_with_the_items_at_backup_time(aws: World, point: str) -> None:
    aws.client("dynamodb").delete_item(TableName="orders", Key={"pk": {"S": "item-00000"}})
    job_id = _restore(aws, point, "orders-restored")
    pending = aws.backup.describe_restore_job(RestoreJobId=job_id)
    assert pending["Status"] == "PENDING"

    aws.clock.advance(JOB_SECONDS)

    described = aws.backup.describe_restore_job(RestoreJobId=job_id)
    assert_matches_output_shape("backup", "DescribeRestoreJob", described)
    assert described["Status"] == "COMPLETED"
    assert described["PercentDone"] == "100.0"
    assert described["CreatedResourceArn"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders-restored"
    assert described["SourceResourceArn"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
    assert described["RecoveryPointArn"] == point
    assert described["BackupVaultArn"] == vault_arn(VAULT)
    assert described["ResourceType"] == "DynamoDB"
    assert "CreatedBy" not in described
    restored = aws.items("orders-restored")
    assert len(restored) == 40
    assert {"pk": {"S": "item-00000"}, "body": {"S": "x" * 40}} in restored
    recovery_point = aws.backup.describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=point)
    assert recovery_point["LastRestoreTime"] == described["CompletionDate"]


def test_restore_events_say_state_on_created_then_status(aws: World, point: str) -> None:
    job_id = _restore(aws, point, "orders-restored")
    aws.clock.advance(JOB_SECONDS)

    restore_events = aws.events_in("Restore Job State Change")
    assert [e["detail"].get("status", e["detail"].get("state")) for e in restore_events] == [
        "CREATED",
        "PENDING",
        "RUNNING",
        "COMPLETED",
    ]
    created, *rest = (e["detail"] for e in restore_events)
    assert created["state"] == "CREATED" and "status" not in created
    assert all("status" in d and "state" not in d for d in rest)
    assert all(e["detail"]["restoreJobId"] == job_id for e in restore_events)
    # the recovery point: in resources and detail of the COMPLETED event only (AWS's examples)
    assert [e["resources"] for e in restore_events] == [[], [], [], [point]]
    completed = rest[-1]
    assert completed["createdResourceArn"] == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders-restored"
    assert completed["recoveryPointArn"] == point
    assert "restoreTestingPlanArn" not in completed
    assert isinstance(completed["backupSizeInBytes"], str)
    assert "createdResourceArn" not in rest[1] and "recoveryPointArn" not in rest[1]


def test_a_restore_onto_an_existing_table_fails_the_job(aws: World, point: str) -> None:
    job_id = _restore(aws, point, "orders")
    aws.clock.advance(JOB_SECONDS)

    job = aws.backup.describe_restore_job(RestoreJobId=job_id)
    assert job["Status"] == "FAILED"
    assert "Table already exists" in job["StatusMessage"]
    assert "CreatedResourceArn" not in job
    failed = aws.events_in("Restore Job State Change")[-1]["detail"]
    assert failed["status"] == "FAILED" and failed["statusMessage"] == job["StatusMessage"]


def test_an_empty_restore_fault_completes_into_a_table_without_items(aws: World, point: str) -> None:
    FAULTS.empty_restore("DynamoDB")
    job_id = _restore(aws, point, "orders-empty")
    aws.clock.advance(JOB_SECONDS)

    assert aws.backup.describe_restore_job(RestoreJobId=job_id)["Status"] == "COMPLETED"
    assert aws.items("orders-empty") == []


def test_a_restore_job_fault_fails_the_job_with_its_message(aws: World, point: str, table: str) -> None:
    FAULTS.fail_job("restore", "Restore failed: the role cannot be assumed", resource_arn=table)
    job_id = _restore(aws, point, "orders-never")
    aws.clock.advance(JOB_SECONDS)

    job = aws.backup.describe_restore_job(RestoreJobId=job_id)
    assert job["Status"] == "FAILED"
    assert job["StatusMessage"] == "Restore failed: the role cannot be assumed"
    assert "orders-never" not in aws.client("dynamodb").list_tables()["TableNames"]


def test_the_same_token_twice_makes_one_restore_job(aws: World, point: str) -> None:
    first = _restore(aws, point, "orders-once", IdempotencyToken="restore-test-1")
    second = _restore(aws, point, "orders-once", IdempotencyToken="restore-test-1")
    aws.clock.advance(JOB_SECONDS)

    assert first == second
    assert len(aws.backup.list_restore_jobs()["RestoreJobs"]) == 1
    assert aws.backup.describe_restore_job(RestoreJobId=first)["Status"] == "COMPLETED"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {"RecoveryPointArn": f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:nope"},
            "ResourceNotFoundException",
        ),
        ({"IamRoleArn": "arn:aws:iam::123:user/bob"}, "InvalidParameterValueException"),
        ({"ResourceType": "EBS"}, "InvalidParameterValueException"),
        ({"CopySourceTagsToRestoredResource": True}, "InvalidParameterValueException"),
    ],
)
def test_invalid_restore_requests_fail_with_aws_error_codes(
    aws: World, point: str, change: dict[str, object], code: str
) -> None:
    request: dict[str, object] = {
        "RecoveryPointArn": point,
        "Metadata": {"targetTableName": "x-restored"},
        "IamRoleArn": ROLE,
        **change,
    }
    with pytest.raises(ClientError) as excinfo:
        aws.backup.start_restore_job(**request)
    assert error_code(excinfo) == code
    assert aws.backup.list_restore_jobs()["RestoreJobs"] == []


def test_describe_and_metadata_of_an_unknown_restore_job_are_not_found(aws: World) -> None:
    backup = aws.backup
    for call in (backup.describe_restore_job, backup.get_restore_job_metadata):
        with pytest.raises(ClientError) as excinfo:
            call(RestoreJobId="no-such-job")
        assert error_code(excinfo) == "ResourceNotFoundException"


def test_restore_metadata_operations_return_the_capture_metadata(aws: World, point: str) -> None:
    backup = aws.backup
    metadata = backup.get_recovery_point_restore_metadata(BackupVaultName=VAULT, RecoveryPointArn=point)
    assert_matches_output_shape("backup", "GetRecoveryPointRestoreMetadata", metadata)
    assert metadata["RestoreMetadata"]["targetTableName"] == "orders"
    assert metadata["ResourceType"] == "DynamoDB"
    assert metadata["BackupVaultArn"] == vault_arn(VAULT)
    assert metadata["RecoveryPointArn"] == point

    inferred = backup.get_restore_testing_inferred_metadata(BackupVaultName=VAULT, RecoveryPointArn=point)
    assert_matches_output_shape("backup", "GetRestoreTestingInferredMetadata", inferred)
    target = inferred["InferredMetadata"]["targetTableName"]
    assert target != "orders"

    job_id = backup.start_restore_job(RecoveryPointArn=point, Metadata=inferred["InferredMetadata"])[
        "RestoreJobId"
    ]
    used = backup.get_restore_job_metadata(RestoreJobId=job_id)
    assert_matches_output_shape("backup", "GetRestoreJobMetadata", used)
    assert used["Metadata"] == inferred["InferredMetadata"]
    aws.clock.advance(JOB_SECONDS)
    assert len(aws.items(target)) == 40

    for call in (backup.get_recovery_point_restore_metadata, backup.get_restore_testing_inferred_metadata):
        with pytest.raises(ClientError) as excinfo:
            call(BackupVaultName=VAULT, RecoveryPointArn=f"{point}-missing")
        assert error_code(excinfo) == "ResourceNotFoundException"


def test_restore_validation_result_can_be_set_once(aws: World, point: str) -> None:
    backup = aws.backup
    job_id = _restore(aws, point, "orders-validated")
    with pytest.raises(ClientError) as excinfo:
        backup.put_restore_validation_result(RestoreJobId=job_id, ValidationStatus="SUCCESSFUL")
    assert error_code(excinfo) == "InvalidRequestException"  # not COMPLETED yet
    aws.clock.advance(JOB_SECONDS)

    backup.put_restore_validation_result(
        RestoreJobId=job_id, ValidationStatus="SUCCESSFUL", ValidationStatusMessage="40 items match"
    )
    described = backup.describe_restore_job(RestoreJobId=job_id)
    assert (described["ValidationStatus"], described["ValidationStatusMessage"]) == (
        "SUCCESSFUL",
        "40 items match",
    )
    listed = backup.list_restore_jobs()["RestoreJobs"][0]
    assert listed["ValidationStatus"] == "SUCCESSFUL"

    with pytest.raises(ClientError) as excinfo:
        backup.put_restore_validation_result(RestoreJobId=job_id, ValidationStatus="FAILED")
    assert error_code(excinfo) == "InvalidRequestException"
    with pytest.raises(ClientError) as excinfo:
        backup.put_restore_validation_result(RestoreJobId="no-such-job", ValidationStatus="FAILED")
    assert error_code(excinfo) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        backup.put_restore_validation_result(RestoreJobId=job_id, ValidationStatus="GREAT")
    assert error_code(excinfo) == "InvalidParameterValueException"
    assert backup.describe_restore_job(RestoreJobId=job_id)["ValidationStatus"] == "SUCCESSFUL"


def test_list_restore_jobs_filters_and_pages(aws: World, point: str, table: str) -> None:
    backup = aws.backup
    started = aws.clock.now()
    first = _restore(aws, point, "orders-a")
    aws.clock.advance(60)
    second = _restore(aws, point, "orders")  # fails: the table exists
    aws.clock.advance(JOB_SECONDS)

    def ids(**filters: object) -> list[str]:
        response = backup.list_restore_jobs(**filters)
        assert_matches_output_shape("backup", "ListRestoreJobs", response)
        return [job["RestoreJobId"] for job in response["RestoreJobs"]]

    assert ids() == [first, second]
    assert ids(ByStatus="COMPLETED") == [first]
    assert ids(ByStatus="FAILED") == [second]
    assert ids(ByResourceType="DynamoDB", ByAccountId=ACCOUNT) == [first, second]
    assert ids(ByResourceType="S3") == []
    assert ids(ByCreatedAfter=started + dt.timedelta(seconds=30)) == [second]
    assert ids(ByCreatedBefore=started + dt.timedelta(seconds=30)) == [first]
    assert ids(ByCompleteBefore=started) == []
    assert ids(ByRestoreTestingPlanArn=f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:rt") == []

    page = backup.list_restore_jobs(MaxResults=1)
    assert [job["RestoreJobId"] for job in page["RestoreJobs"]] == [first]
    rest = backup.list_restore_jobs(MaxResults=1, NextToken=page["NextToken"])
    assert [job["RestoreJobId"] for job in rest["RestoreJobs"]] == [second]

    by_resource = backup.list_restore_jobs_by_protected_resource(ResourceArn=table, ByStatus="COMPLETED")
    assert_matches_output_shape("backup", "ListRestoreJobsByProtectedResource", by_resource)
    assert [job["RestoreJobId"] for job in by_resource["RestoreJobs"]] == [first]
    other = backup.list_restore_jobs_by_protected_resource(ResourceArn=f"{table}-other")
    assert other["RestoreJobs"] == []

    with pytest.raises(ClientError) as excinfo:
        backup.list_restore_jobs(ByStatus="DONE")
    assert error_code(excinfo) == "InvalidParameterValueException"


def test_a_recovery_point_deleted_during_the_restore_fails_the_job(aws: World, point: str) -> None:
    job_id = _restore(aws, point, "orders-late")
    aws.backup.delete_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=point)
    aws.clock.advance(JOB_SECONDS)

    job = aws.backup.describe_restore_job(RestoreJobId=job_id)
    assert job["Status"] == "FAILED"
    assert "was deleted" in job["StatusMessage"]
    assert "orders-late" not in aws.client("dynamodb").list_tables()["TableNames"]


def test_a_restore_started_for_a_restore_testing_plan_carries_its_arn(aws: World, point: str) -> None:
    plan_arn = f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:nightly_rt-1234"
    job = aws.backend().restores.start_restore_job(
        recovery_point_arn=point,
        metadata={"targetTableName": "orders-rt"},
        iam_role_arn=ROLE,
        created_by={"RestoreTestingPlanArn": plan_arn},
    )
    aws.clock.advance(JOB_SECONDS)

    described = aws.backup.describe_restore_job(RestoreJobId=job.job_id)
    assert described["CreatedBy"] == {"RestoreTestingPlanArn": plan_arn}
    listed = aws.backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]
    assert [j["RestoreJobId"] for j in listed] == [job.job_id]
    completed = aws.events_in("Restore Job State Change")[-1]["detail"]
    assert (completed["status"], completed["restoreTestingPlanArn"]) == ("COMPLETED", plan_arn)
