"""The extension served by moto's ThreadedMotoServer (server mode: werkzeug routing, real HTTP)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from sandbox import runtime
from sandbox.backup.install import install
from sandbox.clock import SimClock
from tests.sandbox.backup_support import JOB_SECONDS, REGION, ROLE, VAULT, backup_role
from tests.sandbox.model_check import assert_matches_output_shape

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def endpoint() -> Iterator[str]:
    install()  # before the server sees its first backup request
    clock = SimClock().start()
    runtime.set_clock(clock)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    backup_role(ROLE)  # the server shares this process's moto state: jobs assume this role
    try:
        yield url
    finally:
        requests.post(f"{url}/moto-api/reset", timeout=10)
        server.stop()
        runtime.set_clock(None)
        clock.stop()


def _client(service: Any, url: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=url)


def test_selections_jobs_and_recovery_points_over_http(endpoint: str) -> None:
    backup = _client("backup", endpoint)
    dynamodb = _client("dynamodb", endpoint)
    backup.create_backup_vault(BackupVaultName=VAULT)
    document = {"BackupPlanName": "daily", "Rules": [{"RuleName": "r", "TargetBackupVaultName": VAULT}]}
    plan_id = backup.create_backup_plan(BackupPlan=document)["BackupPlanId"]
    assert backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["BackupPlanName"] == "daily"
    selection = {
        "SelectionName": "tag-daily",
        "IamRoleArn": ROLE,
        "Resources": ["*"],
        "Conditions": {
            "StringEquals": [{"ConditionKey": "aws:ResourceTag/backup-plan", "ConditionValue": "daily"}]
        },
    }
    selection_id = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection)[
        "SelectionId"
    ]
    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert got["BackupSelection"] == selection
    assert len(backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]) == 1

    table = dynamodb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "backup-plan", "Value": "daily"}],
    )["TableDescription"]["TableArn"]
    dynamodb.put_item(TableName="orders", Item={"pk": {"S": "a"}})

    job_id = backup.start_backup_job(
        BackupVaultName=VAULT, ResourceArn=table, IamRoleArn=ROLE, IdempotencyToken="t"
    )["BackupJobId"]
    runtime.clock().advance(JOB_SECONDS)
    job = backup.describe_backup_job(BackupJobId=job_id)
    assert_matches_output_shape("backup", "DescribeBackupJob", job)
    assert job["State"] == "COMPLETED"
    point_arn = job["RecoveryPointArn"]
    assert "/backup/" in point_arn  # a native DynamoDB backup ARN: slashes inside a URI label

    by_resource = backup.list_recovery_points_by_resource(ResourceArn=table)
    assert [p["RecoveryPointArn"] for p in by_resource["RecoveryPoints"]] == [point_arn]
    described = backup.describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=point_arn)
    assert described["ResourceArn"] == table
    assert [
        p["RecoveryPointArn"]
        for p in backup.list_recovery_points_by_backup_vault(BackupVaultName=VAULT)["RecoveryPoints"]
    ] == [point_arn]
    assert [r["ResourceArn"] for r in backup.list_protected_resources()["Results"]] == [table]
    assert backup.describe_region_settings()["ResourceTypeManagementPreference"]["DynamoDB"] is False

    runtime.clock().advance(86400)  # the plan's window (05:00 UTC) passes
    plan_jobs = backup.list_backup_jobs(ByResourceArn=table)["BackupJobs"]
    assert len(plan_jobs) == 2
    assert [j["CreatedBy"]["BackupPlanId"] for j in plan_jobs if "CreatedBy" in j] == [plan_id]
    backup.delete_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=point_arn)
    assert (
        backup.list_recovery_points_by_resource(ResourceArn=table)["RecoveryPoints"][0]["RecoveryPointArn"]
        != point_arn
    )


def test_errors_keep_their_aws_codes_over_http(endpoint: str) -> None:
    backup = _client("backup", endpoint)
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.describe_backup_job(BackupJobId="nope")
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.list_backup_selections(BackupPlanId="nope")
