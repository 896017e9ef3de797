"""StartCopyJob, DescribeCopyJob, ListCopyJobs through boto3: copies that carry real data."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError

from sandbox.faults import FAULTS
from tests.sandbox.copy_restore_support import (
    ACCOUNT,
    DR_REGION,
    DR_VAULT,
    JOB_SECONDS,
    OTHER_ACCOUNT,
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
def point(aws: World) -> str:
    """A completed, fully managed (advanced DynamoDB) recovery point of a 25-item table."""
    aws.advanced_dynamodb()
    return aws.recovery_point(aws.table("orders", 25))


def _copy(aws: World, point: str, destination: str, **extra: object) -> str:
    response = aws.start_copy(point, destination, **extra)
    assert_matches_output_shape("backup", "StartCopyJob", response)
    return str(response["CopyJobId"])


def test_copy_to_another_region_then_restore_there_yields_the_data(aws: World, point: str) -> None:
    destination = aws.vault(DR_VAULT, region=DR_REGION)
    job_id = _copy(aws, point, destination)
    assert aws.backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]["State"] == "CREATED"

    aws.clock.advance(JOB_SECONDS)

    described = aws.backup.describe_copy_job(CopyJobId=job_id)
    assert_matches_output_shape("backup", "DescribeCopyJob", described)
    job = described["CopyJob"]
    assert job["State"] == "COMPLETED"
    assert job["SourceRecoveryPointArn"] == point
    assert job["DestinationBackupVaultArn"] == destination
    copied = job["DestinationRecoveryPointArn"]
    assert copied.startswith(f"arn:aws:backup:{DR_REGION}:{ACCOUNT}:recovery-point:")
    dr_points = aws.backup_in(DR_REGION).list_recovery_points_by_backup_vault(BackupVaultName=DR_VAULT)
    [listed] = dr_points["RecoveryPoints"]
    assert listed["RecoveryPointArn"] == copied
    assert listed["SourceBackupVaultArn"] == vault_arn(VAULT)

    restore_id = aws.backup_in(DR_REGION).start_restore_job(
        RecoveryPointArn=copied, Metadata={"targetTableName": "orders-dr"}, IamRoleArn=ROLE
    )["RestoreJobId"]
    aws.clock.advance(JOB_SECONDS)
    restore = aws.backup_in(DR_REGION).describe_restore_job(RestoreJobId=restore_id)
    assert restore["Status"] == "COMPLETED"
    assert restore["CreatedResourceArn"] == f"arn:aws:dynamodb:{DR_REGION}:{ACCOUNT}:table/orders-dr"
    assert aws.items("orders-dr", region=DR_REGION) == aws.items("orders")
    assert len(aws.items("orders-dr", region=DR_REGION)) == 25


def test_copy_events_are_sent_in_the_source_region_and_the_point_event_where_it_lands(
    aws: World, point: str
) -> None:
    destination = aws.vault(DR_VAULT, region=DR_REGION)
    job_id = _copy(aws, point, destination)
    aws.clock.advance(JOB_SECONDS)

    copy_events = aws.events_in("Copy Job State Change")
    assert [e["detail"]["state"] for e in copy_events] == ["CREATED", "RUNNING", "COMPLETED"]
    assert aws.events_in("Copy Job State Change", region=DR_REGION) == []
    assert all(e["resources"] == [point] for e in copy_events)
    created, running, completed = (e["detail"] for e in copy_events)
    assert "copyJobId" not in created
    assert running["copyJobId"] == job_id and running["destinationRecoveryPointArn"] == {}
    copied = aws.backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]["DestinationRecoveryPointArn"]
    assert completed["destinationRecoveryPointArn"] == copied
    assert completed["sourceBackupVaultArn"] == vault_arn(VAULT)
    assert completed["destinationBackupVaultArn"] == destination
    assert isinstance(completed["backupSizeInBytes"], int)
    [landed] = aws.events_in("Recovery Point State Change", region=DR_REGION)
    assert landed["resources"] == [copied]
    assert landed["detail"]["status"] == "COMPLETED"
    assert landed["detail"]["backupVaultArn"] == destination


def test_the_same_token_twice_makes_one_copy_job(aws: World, point: str) -> None:
    destination = aws.vault(DR_VAULT, region=DR_REGION)
    token = f"{point}-{destination}"[-64:]
    first = _copy(aws, point, destination, IdempotencyToken=token)
    second = _copy(aws, point, destination, IdempotencyToken=token)
    aws.clock.advance(JOB_SECONDS)

    assert first == second
    assert len(aws.backup.list_copy_jobs()["CopyJobs"]) == 1
    dr_points = aws.backup_in(DR_REGION).list_recovery_points_by_backup_vault(BackupVaultName=DR_VAULT)
    assert len(dr_points["RecoveryPoints"]) == 1


def test_a_cross_account_copy_without_the_vault_policy_fails_naming_the_access_policy(
    aws: World, point: str
) -> None:
    destination = aws.vault(DR_VAULT, account=OTHER_ACCOUNT)
    job_id = _copy(aws, point, destination)
    aws.clock.advance(JOB_SECONDS)

    job = aws.backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
    assert job["State"] == "FAILED"
    assert "access policy" in job["StatusMessage"]
    assert "backup:CopyIntoBackupVault" in job["StatusMessage"]
    assert job["MessageCategory"] == "AccessDenied"
    assert "DestinationRecoveryPointArn" not in job
    other = aws.backup_in(account=OTHER_ACCOUNT).list_recovery_points_by_backup_vault(
        BackupVaultName=DR_VAULT
    )
    assert other["RecoveryPoints"] == []
    [failed] = [e for e in aws.events_in("Copy Job State Change") if e["detail"]["state"] == "FAILED"]
    assert failed["detail"]["statusMessage"] == job["StatusMessage"]
    assert failed["detail"]["destinationRecoveryPointArn"] == {}


def test_a_cross_account_copy_with_the_vault_policy_lands_and_restores_in_that_account(
    aws: World, point: str
) -> None:
    destination = aws.vault(DR_VAULT, account=OTHER_ACCOUNT)
    aws.allow_copies_from(ACCOUNT, vault=DR_VAULT, region=REGION, owner=OTHER_ACCOUNT)
    job_id = _copy(aws, point, destination)
    aws.clock.advance(JOB_SECONDS)

    job = aws.backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
    assert job["State"] == "COMPLETED", job
    copied = job["DestinationRecoveryPointArn"]
    assert copied.startswith(f"arn:aws:backup:{REGION}:{OTHER_ACCOUNT}:recovery-point:")
    assert aws.events_in("Recovery Point State Change", account=OTHER_ACCOUNT)[0]["resources"] == [copied]

    other = aws.backup_in(account=OTHER_ACCOUNT)
    restore_id = other.start_restore_job(RecoveryPointArn=copied, Metadata={"targetTableName": "orders"})[
        "RestoreJobId"
    ]
    aws.clock.advance(JOB_SECONDS)
    assert other.describe_restore_job(RestoreJobId=restore_id)["Status"] == "COMPLETED"
    assert aws.items("orders", account=OTHER_ACCOUNT) == aws.items("orders")


def test_a_cross_account_copy_into_the_default_vault_is_refused(aws: World, point: str) -> None:
    aws.vault("Default", account=OTHER_ACCOUNT)
    with pytest.raises(ClientError) as excinfo:
        _copy(aws, point, vault_arn("Default", account=OTHER_ACCOUNT))
    assert error_code(excinfo) == "InvalidParameterValueException"


def test_a_cold_recovery_point_cannot_be_copied_to_another_region(aws: World) -> None:
    aws.advanced_dynamodb()
    cold = aws.recovery_point(
        aws.table("ledger", 3), Lifecycle={"MoveToColdStorageAfterDays": 1, "DeleteAfterDays": 120}
    )
    aws.clock.advance(2 * 86400)
    assert aws.backup.describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=cold)[
        "StorageClass"
    ] == ("COLD")
    destination = aws.vault(DR_VAULT, region=DR_REGION)

    with pytest.raises(ClientError) as excinfo:
        _copy(aws, cold, destination)
    assert error_code(excinfo) == "InvalidRequestException"
    assert aws.backup.list_copy_jobs()["CopyJobs"] == []


def test_kms_access_denied_fails_the_copy_with_that_message(aws: World, point: str) -> None:
    destination = aws.vault(DR_VAULT, region=DR_REGION)
    FAULTS.deny_kms_for_copies_to(destination)
    job_id = _copy(aws, point, destination)
    aws.clock.advance(JOB_SECONDS)

    job = aws.backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
    assert job["State"] == "FAILED"
    assert "kms:CreateGrant" in job["StatusMessage"]
    dr_points = aws.backup_in(DR_REGION).list_recovery_points_by_backup_vault(BackupVaultName=DR_VAULT)
    assert dr_points["RecoveryPoints"] == []
    assert aws.events_in("Copy Job State Change")[-1]["detail"]["state"] == "FAILED"


def test_a_plain_dynamodb_backup_cannot_be_copied_to_another_region(aws: World) -> None:
    native = aws.recovery_point(aws.table("plain", 2))
    assert native.startswith(f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/plain/backup/")
    job_id = _copy(aws, native, aws.vault(DR_VAULT, region=DR_REGION))
    aws.clock.advance(JOB_SECONDS)

    job = aws.backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
    assert job["State"] == "FAILED"
    assert "advanced" in job["StatusMessage"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"SourceBackupVaultName": "no-such-vault"}, "ResourceNotFoundException"),
        (
            {"RecoveryPointArn": f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:nope"},
            "ResourceNotFoundException",
        ),
        ({"DestinationBackupVaultArn": "arn:aws:s3:::not-a-vault"}, "InvalidParameterValueException"),
        ({"DestinationBackupVaultArn": vault_arn("missing", region=DR_REGION)}, "ResourceNotFoundException"),
        ({"IamRoleArn": "not-a-role"}, "InvalidParameterValueException"),
        (
            {"Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60}},
            "InvalidParameterValueException",
        ),
    ],
)
def test_invalid_copy_requests_fail_with_aws_error_codes(
    aws: World, point: str, change: dict[str, object], code: str
) -> None:
    aws.vault(DR_VAULT, region=DR_REGION)
    request: dict[str, object] = {
        "RecoveryPointArn": point,
        "SourceBackupVaultName": VAULT,
        "DestinationBackupVaultArn": vault_arn(DR_VAULT, region=DR_REGION),
        "IamRoleArn": ROLE,
        **change,
    }
    with pytest.raises(ClientError) as excinfo:
        aws.backup.start_copy_job(**request)
    assert error_code(excinfo) == code


def test_describe_copy_job_of_an_unknown_job_is_not_found(aws: World) -> None:
    with pytest.raises(ClientError) as excinfo:
        aws.backup.describe_copy_job(CopyJobId="00000000-0000-0000-0000-000000000000")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_list_copy_jobs_filters_and_pages(aws: World, point: str) -> None:
    dr = aws.vault(DR_VAULT, region=DR_REGION)
    local = aws.vault("local-copies")
    FAULTS.deny_kms_for_copies_to(local)
    started = aws.clock.now()
    first = _copy(aws, point, dr)
    aws.clock.advance(60)
    second = _copy(aws, point, local)
    aws.clock.advance(JOB_SECONDS)
    backup = aws.backup

    def ids(**filters: object) -> list[str]:
        response = backup.list_copy_jobs(**filters)
        assert_matches_output_shape("backup", "ListCopyJobs", response)
        return [job["CopyJobId"] for job in response["CopyJobs"]]

    assert ids() == [first, second]
    assert ids(ByDestinationVaultArn=dr) == [first]
    assert ids(ByState="FAILED") == [second]
    assert ids(ByState="COMPLETED") == [first]
    assert ids(ByState="ANY") == [first, second]
    assert ids(ByMessageCategory="SUCCESS") == [first]
    assert ids(ByMessageCategory="AccessDenied") == [second]
    assert ids(BySourceRecoveryPointArn=point) == [first, second]
    assert ids(ByResourceType="DynamoDB", ByAccountId=ACCOUNT) == [first, second]
    assert ids(ByResourceType="EBS") == []
    assert ids(ByCreatedAfter=started + dt.timedelta(seconds=30)) == [second]
    assert ids(ByCreatedBefore=started + dt.timedelta(seconds=30)) == [first]
    assert ids(ByCompleteAfter=started + dt.timedelta(hours=2)) == []
    assert ids(ByParentJobId="some-parent") == []

    page = backup.list_copy_jobs(MaxResults=1)
    assert [job["CopyJobId"] for job in page["CopyJobs"]] == [first]
    rest = backup.list_copy_jobs(MaxResults=1, NextToken=page["NextToken"])
    assert [job["CopyJobId"] for job in rest["CopyJobs"]] == [second]
    assert "NextToken" not in rest
    paged = [j["CopyJobId"] for p in backup.get_paginator("list_copy_jobs").paginate() for j in p["CopyJobs"]]
    assert paged == [first, second]

    with pytest.raises(ClientError) as excinfo:
        backup.list_copy_jobs(ByState="SLEEPING")
    assert error_code(excinfo) == "InvalidParameterValueException"


def test_a_destination_vault_deleted_while_the_copy_runs_fails_the_job(aws: World, point: str) -> None:
    destination = aws.vault(DR_VAULT, region=DR_REGION)
    job_id = _copy(aws, point, destination)
    aws.backup_in(DR_REGION).delete_backup_vault(BackupVaultName=DR_VAULT)
    aws.clock.advance(JOB_SECONDS)

    job = aws.backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
    assert job["State"] == "FAILED"
    assert "no longer exists" in job["StatusMessage"]
