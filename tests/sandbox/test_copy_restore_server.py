"""The copy/restore operations through moto's server (what ``python -m sandbox serve`` runs).

Paths carry ARNs with ``:`` and ``/`` (DynamoDB backup ARNs, table ARNs): the routes must match
them after the server percent-decodes the path.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.sandbox.copy_restore_support import ACCOUNT, JOB_SECONDS, REGION, ROLE, VAULT, World, aws, world

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["aws", "world"]  # fixtures, imported for pytest


@pytest.fixture
def endpoint(aws: World) -> Iterator[str]:
    """A moto server in this process (sharing the extension, the clock and ``aws``'s reset)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",  # pragma: allowlist secret (moto's fake credentials)
    )


def test_restore_and_its_metadata_through_the_server(aws: World, endpoint: str) -> None:
    table = aws.table("orders", 12)
    point = aws.recovery_point(table)
    assert "/backup/" in point  # a native DynamoDB backup ARN: slashes in the request path
    backup = _client("backup", endpoint)

    metadata = backup.get_recovery_point_restore_metadata(BackupVaultName=VAULT, RecoveryPointArn=point)
    assert metadata["RestoreMetadata"]["targetTableName"] == "orders"
    inferred = backup.get_restore_testing_inferred_metadata(BackupVaultName=VAULT, RecoveryPointArn=point)
    job_id = backup.start_restore_job(
        RecoveryPointArn=point, Metadata=inferred["InferredMetadata"], IamRoleArn=ROLE
    )["RestoreJobId"]
    aws.clock.advance(JOB_SECONDS)

    job = backup.describe_restore_job(RestoreJobId=job_id)
    assert job["Status"] == "COMPLETED"
    target = inferred["InferredMetadata"]["targetTableName"]
    assert _client("dynamodb", endpoint).describe_table(TableName=target)["Table"]["ItemCount"] == 12
    backup.put_restore_validation_result(RestoreJobId=job_id, ValidationStatus="SUCCESSFUL")
    assert backup.get_restore_job_metadata(RestoreJobId=job_id)["Metadata"] == inferred["InferredMetadata"]
    by_resource = backup.list_restore_jobs_by_protected_resource(ResourceArn=table)["RestoreJobs"]
    assert [(j["RestoreJobId"], j["ValidationStatus"]) for j in by_resource] == [(job_id, "SUCCESSFUL")]
    assert [j["RestoreJobId"] for j in backup.list_restore_jobs()["RestoreJobs"]] == [job_id]


def test_copy_jobs_and_vault_policies_through_the_server(aws: World, endpoint: str) -> None:
    aws.advanced_dynamodb()
    point = aws.recovery_point(aws.table("orders", 3))
    backup = _client("backup", endpoint)
    policy = json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "backup:*", "Resource": "*"}]}
    )
    backup.put_backup_vault_access_policy(BackupVaultName=VAULT, Policy=policy)
    assert backup.get_backup_vault_access_policy(BackupVaultName=VAULT)["Policy"] == policy
    backup.delete_backup_vault_access_policy(BackupVaultName=VAULT)

    destination = aws.vault("copies")
    job_id = aws.start_copy(point, destination, backup=backup)["CopyJobId"]
    aws.clock.advance(JOB_SECONDS)

    job = backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
    assert (job["State"], job["AccountId"]) == ("COMPLETED", ACCOUNT)
    assert [j["CopyJobId"] for j in backup.list_copy_jobs(ByDestinationVaultArn=destination)["CopyJobs"]] == [
        job_id
    ]
