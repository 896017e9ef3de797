"""RDS and Aurora adapters: real moto DB snapshots named awsbackup:job-..., restored as new resources."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from sandbox.resources import adapter_for_arn
from sandbox.resources.base import RestoreError
from sandbox.resources.rds import AuroraAdapter, RDSAdapter
from tests.sandbox.resources_support import ACCOUNT, DR_REGION, OTHER_ACCOUNT, REGION, mocked_adapter

if TYPE_CHECKING:
    from collections.abc import Iterator

DB_ARN = f"arn:aws:rds:{REGION}:{ACCOUNT}:db:orders"
CLUSTER_ARN = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:ledger"


@pytest.fixture
def rds_adapter() -> Iterator[RDSAdapter]:
    with mocked_adapter("RDS", RDSAdapter) as found:
        yield found


@pytest.fixture
def aurora_adapter() -> Iterator[AuroraAdapter]:
    with mocked_adapter("Aurora", AuroraAdapter) as found:
        yield found


def _rds(region: str = REGION) -> Any:
    return boto3.client("rds", region_name=region)


def _db() -> None:
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    _rds().create_db_instance(
        DBInstanceIdentifier="orders",
        DBInstanceClass="db.m5.large",
        Engine="postgres",
        EngineVersion="16.3",
        AllocatedStorage=120,
        StorageType="gp3",
        StorageEncrypted=True,
        KmsKeyId=key,
        MasterUsername="admin",
        MasterUserPassword="secret-password",  # pragma: allowlist secret (a fixture in moto)
        Tags=[{"Key": "backup-plan", "Value": "daily"}],
    )


def _described(identifier: str, region: str = REGION) -> dict[str, Any]:
    db: dict[str, Any] = _rds(region).describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    return db


def _shape(db: dict[str, Any]) -> tuple[Any, ...]:
    return (
        db["Engine"],
        db["EngineVersion"],
        db["DBInstanceClass"],
        db["AllocatedStorage"],
        db["StorageType"],
    )


def test_restore_creates_a_new_instance_from_the_awsbackup_snapshot(rds_adapter: RDSAdapter) -> None:
    _db()
    source = _described("orders")
    capture = rds_adapter.capture(DB_ARN, account=ACCOUNT, region=REGION, job_id="5B1E7C2A")
    _rds().modify_db_instance(DBInstanceIdentifier="orders", AllocatedStorage=500, ApplyImmediately=True)
    _rds().delete_db_instance(DBInstanceIdentifier="orders", SkipFinalSnapshot=True)

    created = rds_adapter.restore(
        capture,
        {**capture.restore_metadata, "DBInstanceIdentifier": "orders-restored"},
        account=ACCOUNT,
        region=REGION,
    )

    assert created == f"arn:aws:rds:{REGION}:{ACCOUNT}:db:orders-restored"
    restored = _described("orders-restored")
    assert _shape(restored) == _shape(source) == ("postgres", "16.3", "db.m5.large", 120, "gp3")
    assert restored["StorageEncrypted"] and restored["KmsKeyId"] == source["KmsKeyId"]
    assert restored["TagList"] == []
    assert capture.native_arn == f"arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:awsbackup:job-5b1e7c2a"
    snapshot = _rds().describe_db_snapshots(
        DBSnapshotIdentifier="awsbackup:job-5b1e7c2a", SnapshotType="awsbackup"
    )["DBSnapshots"][0]
    assert snapshot["SnapshotType"] == "awsbackup" and snapshot["AllocatedStorage"] == 120


def test_restore_applies_overrides_and_refuses_existing_or_missing_identifiers(
    rds_adapter: RDSAdapter,
) -> None:
    _db()
    capture = rds_adapter.capture(DB_ARN, account=ACCOUNT, region=REGION, job_id="JOB-2")

    rds_adapter.restore(
        capture,
        {
            "DBInstanceIdentifier": "Orders-Small",
            "DBInstanceClass": "db.t3.medium",
            "MultiAZ": "true",
            "Port": "6543",
        },
        account=ACCOUNT,
        region=REGION,
    )

    small = _described("orders-small")
    assert (small["DBInstanceClass"], small["MultiAZ"], small["Endpoint"]["Port"]) == (
        "db.t3.medium",
        True,
        6543,
    )
    for metadata, code in (
        ({"DBInstanceIdentifier": "orders"}, "DBInstanceAlreadyExists"),
        ({"DBInstanceClass": "db.t3.medium"}, "MissingParameterValueException"),
        ({"DBInstanceIdentifier": "x", "Port": "five"}, "InvalidParameterValueException"),
    ):
        with pytest.raises(RestoreError) as refused:
            rds_adapter.restore(capture, metadata, account=ACCOUNT, region=REGION)
        assert refused.value.code == code


def test_copy_to_another_region_and_account_then_restore_there(rds_adapter: RDSAdapter) -> None:
    _db()
    source = _described("orders")
    capture = rds_adapter.capture(DB_ARN, account=ACCOUNT, region=REGION, job_id="JOB-3")

    regional = rds_adapter.copy_to(capture, account=ACCOUNT, region=DR_REGION, job_id="C0FFEE")
    foreign = rds_adapter.copy_to(capture, account=OTHER_ACCOUNT, region=DR_REGION, job_id="C0FFEF")

    assert regional.native_arn == f"arn:aws:rds:{DR_REGION}:{ACCOUNT}:snapshot:awsbackup:copyjob-c0ffee"
    assert _rds(DR_REGION).describe_db_snapshots(
        DBSnapshotIdentifier="awsbackup:copyjob-c0ffee", SnapshotType="awsbackup"
    )["DBSnapshots"]
    rds_adapter.restore(
        regional,
        {**regional.restore_metadata, "DBInstanceIdentifier": "orders-dr"},
        account=ACCOUNT,
        region=DR_REGION,
    )
    restored = _described("orders-dr", DR_REGION)
    assert _shape(restored) == _shape(source)
    assert restored["AvailabilityZone"] == f"{DR_REGION}a"
    foreign_arn = rds_adapter.restore(
        foreign, {"DBInstanceIdentifier": "orders-dr"}, account=OTHER_ACCOUNT, region=DR_REGION
    )
    assert foreign_arn == f"arn:aws:rds:{DR_REGION}:{OTHER_ACCOUNT}:db:orders-dr"
    live = rds_adapter.describe(foreign_arn)
    assert live is not None and live.size_bytes == 120 * 1024**3 and live.encrypted


def test_empty_payload_restores_the_configuration_and_delete_capture_drops_the_snapshot(
    rds_adapter: RDSAdapter,
) -> None:
    _db()
    capture = rds_adapter.capture(DB_ARN, account=ACCOUNT, region=REGION, job_id="JOB-4")

    rds_adapter.restore(
        dataclasses.replace(capture, payload=None),
        {"DBInstanceIdentifier": "hollow"},
        account=ACCOUNT,
        region=REGION,
    )
    rds_adapter.delete_capture(capture)

    assert _shape(_described("hollow")) == _shape(_described("orders"))
    assert _rds().describe_db_snapshots(SnapshotType="awsbackup")["DBSnapshots"] == []


def test_live_instances_exclude_aurora_members_and_deleted_instances(rds_adapter: RDSAdapter) -> None:
    _db()
    _rds().create_db_cluster(
        DBClusterIdentifier="ledger",
        Engine="aurora-postgresql",
        MasterUsername="a",
        MasterUserPassword="password1",  # pragma: allowlist secret (a fixture in moto)
    )
    _rds().create_db_instance(
        DBInstanceIdentifier="ledger-1",
        DBInstanceClass="db.r6g.large",
        Engine="aurora-postgresql",
        DBClusterIdentifier="ledger",
    )

    assert [(r.arn, r.tags) for r in rds_adapter.iter_resources(ACCOUNT, REGION)] == [
        (DB_ARN, {"backup-plan": "daily"})
    ]
    assert adapter_for_arn(DB_ARN) is rds_adapter
    assert rds_adapter.describe(f"arn:aws:rds:{REGION}:{ACCOUNT}:db:ledger-1") is None
    _rds().delete_db_instance(DBInstanceIdentifier="orders", SkipFinalSnapshot=True)
    assert rds_adapter.describe(DB_ARN) is None


def _cluster() -> None:
    _rds().create_db_cluster(
        DBClusterIdentifier="ledger",
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="admin",
        MasterUserPassword="secret-password",  # pragma: allowlist secret (a fixture in moto)
        StorageEncrypted=True,
        Tags=[{"Key": "backup-plan", "Value": "weekly"}],
    )
    _rds().create_db_instance(
        DBInstanceIdentifier="ledger-1",
        DBInstanceClass="db.r6g.large",
        Engine="aurora-postgresql",
        DBClusterIdentifier="ledger",
    )


def _cluster_shape(identifier: str, region: str = REGION) -> tuple[Any, ...]:
    cluster = _rds(region).describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
    return (
        cluster["Engine"],
        cluster["EngineVersion"],
        cluster["StorageEncrypted"],
        cluster["DBClusterMembers"],
    )


def test_aurora_restore_creates_only_the_cluster(aurora_adapter: AuroraAdapter) -> None:
    _cluster()
    capture = aurora_adapter.capture(CLUSTER_ARN, account=ACCOUNT, region=REGION, job_id="JOB-5")

    created = aurora_adapter.restore(
        capture,
        {**capture.restore_metadata, "dbClusterIdentifier": "ledger-restored"},
        account=ACCOUNT,
        region=REGION,
    )

    assert created == f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:ledger-restored"
    assert _cluster_shape("ledger-restored") == ("aurora-postgresql", "15.4", True, [])
    assert capture.native_arn == f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster-snapshot:awsbackup:job-job-5"
    with pytest.raises(RestoreError) as refused:
        aurora_adapter.restore(capture, {"dbClusterIdentifier": "ledger"}, account=ACCOUNT, region=REGION)
    assert refused.value.code == "DBClusterAlreadyExistsFault"
    [live] = [r for r in aurora_adapter.iter_resources(ACCOUNT, REGION) if r.arn == CLUSTER_ARN]
    assert live.tags == {"backup-plan": "weekly"} and live.encrypted


def test_aurora_copy_restores_in_the_other_region_and_empty_payload_still_builds_the_cluster(
    aurora_adapter: AuroraAdapter,
) -> None:
    _cluster()
    capture = aurora_adapter.capture(CLUSTER_ARN, account=ACCOUNT, region=REGION, job_id="JOB-6")

    copied = aurora_adapter.copy_to(capture, account=OTHER_ACCOUNT, region=DR_REGION, job_id="JOB-7")
    aurora_adapter.restore(
        copied, {"dbClusterIdentifier": "ledger-dr"}, account=OTHER_ACCOUNT, region=DR_REGION
    )
    aurora_adapter.restore(
        dataclasses.replace(capture, payload=None),
        {"dbClusterIdentifier": "hollow"},
        account=ACCOUNT,
        region=REGION,
    )
    aurora_adapter.delete_capture(capture)

    dr = aurora_adapter.describe(f"arn:aws:rds:{DR_REGION}:{OTHER_ACCOUNT}:cluster:ledger-dr")
    assert dr is not None and dr.encrypted
    assert _cluster_shape("hollow")[:3] == ("aurora-postgresql", "15.4", True)
    assert _rds().describe_db_cluster_snapshots(SnapshotType="awsbackup")["DBClusterSnapshots"] == []
