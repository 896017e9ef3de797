"""RestoreGateway (adapters.restores) against botocore's Stubber: the exact requests it sends to AWS
Backup and what it makes of the answers. A restore job as the logic reads it (every field, the
defaults of a sparse answer), a job AWS no longer knows, validation results, the plan's jobs page
by page, the resource's latest recovery point, the inferred metadata, and StartRestoreJob with the
stack's role and token."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from backup_autopilot.adapters.restores import RestoreGateway
from backup_autopilot.logic.restore_tests.facts import RestoreJob
from backup_autopilot.logic.restore_tests.first_test import LatestPoint

if TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/restore-tests"
PLAN = f"arn:aws:backup:us-east-1:{ACCOUNT}:restore-testing-plan:nightly_rt-1"
POINT = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:P1"
VAULT = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:primary"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
RESTORED = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/awsbackup-restore-test-orders"
T0 = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)


class Backup:
    """A stubbed AWS Backup client, and a record of the name checks the gateway delegates."""

    def __init__(self, taken: frozenset[tuple[str, str]] = frozenset()) -> None:
        self.client = boto3.client("backup", region_name="us-east-1")
        self.stub = Stubber(self.client)
        self.stub.activate()
        self.taken = taken
        self.asked: list[tuple[str, str]] = []

    def exists(self, resource_type: str, name: str) -> bool:
        self.asked.append((resource_type, name))
        return (resource_type, name) in self.taken

    def gateway(self) -> RestoreGateway:
        return RestoreGateway(self.client, restore_role_arn=ROLE, exists=self.exists)


@pytest.fixture
def aws() -> Iterator[Backup]:
    backup = Backup()
    yield backup
    backup.stub.assert_no_pending_responses()


def _full_job(**overrides: Any) -> dict[str, Any]:
    return {
        "RestoreJobId": "R1",
        "Status": "COMPLETED",
        "ResourceType": "DynamoDB",
        "RecoveryPointArn": POINT,
        "SourceResourceArn": TABLE,
        "CreatedResourceArn": RESTORED,
        "StatusMessage": "restored",
        "CreationDate": T0,
        "CompletionDate": T0 + dt.timedelta(minutes=12),
        "CreatedBy": {"RestoreTestingPlanArn": PLAN},
        "ValidationStatus": "VALIDATING",
        "DeletionStatus": "DELETING",
        "RecoveryPointCreationDate": T0 - dt.timedelta(hours=3),
        **overrides,
    }


def test_a_described_restore_job_keeps_every_fact_aws_gives(aws: Backup) -> None:
    aws.stub.add_response("describe_restore_job", _full_job(), {"RestoreJobId": "R1"})
    assert aws.gateway().describe_restore_job("R1") == RestoreJob(
        job_id="R1",
        status="COMPLETED",
        resource_type="DynamoDB",
        recovery_point_arn=POINT,
        source_resource_arn=TABLE,
        created_resource_arn=RESTORED,
        status_message="restored",
        creation_date=T0,
        completion_date=T0 + dt.timedelta(minutes=12),
        testing_plan_arn=PLAN,
        validation_status="VALIDATING",
        deletion_status="DELETING",
        recovery_point_created=T0 - dt.timedelta(hours=3),
    )


def test_a_sparse_answer_reads_as_an_unknown_job_with_nothing_else_known(aws: Backup) -> None:
    # AWS's model makes every output field optional: a job with only its id is still a job
    aws.stub.add_response("describe_restore_job", {"RestoreJobId": "R2"}, {"RestoreJobId": "R2"})
    assert aws.gateway().describe_restore_job("R2") == RestoreJob(
        job_id="R2", status="UNKNOWN", resource_type=""
    )


def test_an_empty_created_resource_arn_means_nothing_was_created(aws: Backup) -> None:
    # a failed restore may answer "" for the created resource: nothing to inspect or delete, and
    # a job not started by a restore testing plan (no CreatedBy) belongs to no plan
    aws.stub.add_response(
        "describe_restore_job",
        _full_job(Status="FAILED", CreatedResourceArn="", CreatedBy={}),
        {"RestoreJobId": "R1"},
    )
    job = aws.gateway().describe_restore_job("R1")
    assert job is not None and job.status == "FAILED"
    assert job.created_resource_arn is None and job.testing_plan_arn is None


@pytest.mark.parametrize("code", ["ResourceNotFoundException", "InvalidParameterValueException"])
def test_a_restore_job_that_aws_no_longer_knows_is_none(aws: Backup, code: str) -> None:
    aws.stub.add_client_error(
        "describe_restore_job", code, "no such restore job", 400, {"RestoreJobId": "R9"}
    )
    assert aws.gateway().describe_restore_job("R9") is None


def test_throttling_while_describing_a_restore_job_propagates_for_a_retry(aws: Backup) -> None:
    aws.stub.add_client_error("describe_restore_job", "ThrottlingException", "Rate exceeded")
    with pytest.raises(ClientError) as caught:
        aws.gateway().describe_restore_job("R1")
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"


def test_the_validation_result_is_sent_with_its_status_and_message(aws: Backup) -> None:
    aws.stub.add_response(
        "put_restore_validation_result",
        {},
        {"RestoreJobId": "R1", "ValidationStatus": "FAILED", "ValidationStatusMessage": "table is empty"},
    )
    aws.gateway().put_validation("R1", "FAILED", "table is empty")


def test_the_plans_jobs_are_listed_page_by_page_since_the_given_time(aws: Backup) -> None:
    since = T0 - dt.timedelta(days=2)
    asked = {"ByRestoreTestingPlanArn": PLAN, "ByCreatedAfter": since, "MaxResults": 1000}
    aws.stub.add_response("list_restore_jobs", {"RestoreJobs": [_full_job()], "NextToken": "n"}, asked)
    aws.stub.add_response(
        "list_restore_jobs",
        {"RestoreJobs": [{"RestoreJobId": "R2", "Status": "RUNNING", "ResourceType": "EBS"}]},
        {**asked, "NextToken": "n"},
    )
    jobs = aws.gateway().plan_jobs(PLAN, since)
    assert [(j.job_id, j.status, j.resource_type, j.testing_plan_arn) for j in jobs] == [
        ("R1", "COMPLETED", "DynamoDB", PLAN),
        ("R2", "RUNNING", "EBS", None),
    ]
    assert jobs[0].created_resource_arn == RESTORED


def test_the_latest_point_is_the_resources_last_one_in_its_vault(aws: Backup) -> None:
    aws.stub.add_response(
        "describe_protected_resource",
        {"ResourceArn": TABLE, "LastRecoveryPointArn": POINT, "LastBackupVaultArn": VAULT},
        {"ResourceArn": TABLE},
    )
    assert aws.gateway().latest_point(TABLE) == LatestPoint(arn=POINT, vault_name="primary")


@pytest.mark.parametrize(
    "answer",
    [
        {"ResourceArn": TABLE, "LastBackupVaultArn": VAULT},
        {"ResourceArn": TABLE, "LastRecoveryPointArn": POINT},
        {"ResourceArn": TABLE, "LastRecoveryPointArn": "", "LastBackupVaultArn": VAULT},
    ],
    ids=["no point", "no vault", "empty point"],
)
def test_a_resource_without_both_its_last_point_and_vault_has_no_latest_point(
    aws: Backup, answer: dict[str, Any]
) -> None:
    aws.stub.add_response("describe_protected_resource", answer, {"ResourceArn": TABLE})
    assert aws.gateway().latest_point(TABLE) is None


def test_a_resource_aws_never_backed_up_has_no_latest_point(aws: Backup) -> None:
    aws.stub.add_client_error("describe_protected_resource", "ResourceNotFoundException", "not protected")
    assert aws.gateway().latest_point(TABLE) is None


def test_other_errors_reading_the_protected_resource_propagate(aws: Backup) -> None:
    aws.stub.add_client_error("describe_protected_resource", "InvalidParameterValueException", "bad arn")
    with pytest.raises(ClientError) as caught:
        aws.gateway().latest_point(TABLE)
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_the_inferred_metadata_is_asked_for_the_point_in_its_vault(aws: Backup) -> None:
    metadata = {"targetTableName": "orders-restored", "encryptionType": "Default"}
    aws.stub.add_response(
        "get_restore_testing_inferred_metadata",
        {"InferredMetadata": metadata},
        {"BackupVaultName": "primary", "RecoveryPointArn": POINT},
    )
    found = aws.gateway().inferred_metadata(LatestPoint(arn=POINT, vault_name="primary"))
    assert found == metadata


def test_whether_a_name_is_taken_is_asked_of_the_inspector_for_that_type() -> None:
    backup = Backup(taken=frozenset({("DynamoDB", "orders-restored")}))
    gateway = backup.gateway()
    assert gateway.name_taken("DynamoDB", "orders-restored") is True
    assert gateway.name_taken("RDS", "orders-restored") is False
    assert backup.asked == [("DynamoDB", "orders-restored"), ("RDS", "orders-restored")]


def test_a_restore_is_started_with_the_stacks_role_and_the_given_token(aws: Backup) -> None:
    metadata = {"targetTableName": "awsbackup-restore-test-orders", "encryptionType": "Default"}
    aws.stub.add_response(
        "start_restore_job",
        {"RestoreJobId": "R7"},
        {
            "RecoveryPointArn": POINT,
            "Metadata": metadata,
            "IamRoleArn": ROLE,
            "IdempotencyToken": "first-test-orders",
            "ResourceType": "DynamoDB",
        },
    )
    job_id = aws.gateway().start_restore(
        point=LatestPoint(arn=POINT, vault_name="primary"),
        resource_type="DynamoDB",
        metadata=metadata,
        token="first-test-orders",
    )
    assert job_id == "R7"
