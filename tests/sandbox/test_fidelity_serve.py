"""Refusals as AWS refuses them, against ``make serve``: plain boto3 clients and the clock route.

Issue 7's done-when, over HTTP: ``UpdateRecoveryPointLifecycle`` works; a copy into the locked DR
vault with ``DeleteAfterDays=1`` fails as AWS fails it; ``DeleteRecoveryPoint`` in that vault is
refused; an operation the sandbox does not implement answers JSON with an error code, never HTML.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.test_restore_test_serve import aws, clock
from tests.sandbox.test_restore_test_serve import endpoint as endpoint  # the served sandbox

if TYPE_CHECKING:
    from collections.abc import Callable

DR_REGION = "us-west-2"
REGION = "us-east-1"


def _stack(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/_sandbox/stack", timeout=60) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def _client(url: str, region: str) -> Any:
    import boto3

    new: Callable[..., Any] = boto3.client
    return new(
        "backup",
        region_name=region,
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # the sandbox accepts any credentials  # pragma: allowlist secret
    )


@pytest.fixture(scope="module")
def copied(endpoint: str) -> dict[str, str]:
    """A tagged table, backed up at once and copied into the locked DR vault."""
    dynamodb = aws("dynamodb", endpoint)
    # a DynamoDB backup is copied to another Region only with advanced DynamoDB backup on
    aws("backup", endpoint).update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    dynamodb.create_table(
        TableName="served-ledger",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table_arn = dynamodb.describe_table(TableName="served-ledger")["Table"]["TableArn"]
    dynamodb.tag_resource(ResourceArn=table_arn, Tags=[{"Key": "backup-plan", "Value": "daily"}])
    clock(endpoint, {"advance_seconds": 30 * 60})  # the tag event, the first backup, then its copy
    backup, dr = _client(endpoint, REGION), _client(endpoint, DR_REGION)
    outputs = _stack(endpoint)["outputs"]
    [point] = backup.list_recovery_points_by_backup_vault(
        BackupVaultName=outputs["PrimaryVaultName"], ByResourceArn=table_arn
    )["RecoveryPoints"]
    dr_vault = next(
        v for v in dr.list_backup_vaults()["BackupVaultList"] if v.get("Locked") or "MinRetentionDays" in v
    )
    [copy] = dr.list_recovery_points_by_backup_vault(BackupVaultName=dr_vault["BackupVaultName"])[
        "RecoveryPoints"
    ]
    return {
        "point": point["RecoveryPointArn"],
        "vault": outputs["PrimaryVaultName"],
        "dr_vault": dr_vault["BackupVaultName"],
        "dr_vault_arn": dr_vault["BackupVaultArn"],
        "copy": copy["RecoveryPointArn"],
        "role": outputs["BackupServiceRoleArn"],
    }


def test_update_recovery_point_lifecycle_works(endpoint: str, copied: dict[str, str]) -> None:
    answer = _client(endpoint, REGION).update_recovery_point_lifecycle(
        BackupVaultName=copied["vault"], RecoveryPointArn=copied["point"], Lifecycle={"DeleteAfterDays": 60}
    )
    assert answer["Lifecycle"] == {"DeleteAfterDays": 60}
    assert "DeleteAt" in answer["CalculatedLifecycle"]


def test_a_one_day_copy_into_the_locked_dr_vault_fails(endpoint: str, copied: dict[str, str]) -> None:
    backup = _client(endpoint, REGION)
    job = backup.start_copy_job(
        RecoveryPointArn=copied["point"],
        SourceBackupVaultName=copied["vault"],
        DestinationBackupVaultArn=copied["dr_vault_arn"],
        IamRoleArn=copied["role"],
        Lifecycle={"DeleteAfterDays": 1},
    )
    clock(endpoint, {"advance_seconds": 30 * 60})
    described = backup.describe_copy_job(CopyJobId=job["CopyJobId"])["CopyJob"]
    assert described["State"] == "FAILED"
    assert "retention" in described["StatusMessage"]


def test_deleting_a_recovery_point_in_the_locked_dr_vault_is_refused(
    endpoint: str, copied: dict[str, str]
) -> None:
    with pytest.raises(ClientError) as refused:
        _client(endpoint, DR_REGION).delete_recovery_point(
            BackupVaultName=copied["dr_vault"], RecoveryPointArn=copied["copy"]
        )
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"


def test_an_unsupported_operation_answers_json_with_an_error_code(endpoint: str) -> None:
    request = urllib.request.Request(
        f"{endpoint}/audit/frameworks",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260302/us-east-1/backup/aws4_request"
        },
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=60)
    body = json.loads(answer.value.read())
    assert answer.value.code == 400
    assert answer.value.headers["x-amzn-ErrorType"].startswith("UnsupportedOperationException")
    assert "ListFrameworks" in body["message"]
    with pytest.raises(ClientError) as refused:  # and an SDK sees AWS's shape, without retrying
        _client(endpoint, REGION).list_frameworks()
    assert refused.value.response["Error"]["Code"] == "UnsupportedOperationException"
    assert refused.value.response["ResponseMetadata"]["RetryAttempts"] == 0
