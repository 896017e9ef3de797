"""Recovery points and protected resources: listings, filters, lifecycle on the clock, deletion."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.backup_support import ACCOUNT, JOB_SECONDS, REGION, World, error_code, world
from tests.sandbox.model_check import assert_matches_output_shape

__all__ = ["world"]

DAY = 86400


def _backed_up(world: World, table: str, **kwargs: object) -> str:
    job_id = world.start_backup(table, **kwargs)["BackupJobId"]
    world.clock.advance(JOB_SECONDS)
    job = world.backup.describe_backup_job(BackupJobId=job_id)
    assert job["State"] == "COMPLETED"
    return str(job["RecoveryPointArn"])


def test_list_and_describe_recovery_points(world: World) -> None:
    world.vault()
    world.vault("other-vault")
    orders = world.table("orders")
    users = world.table("users")
    first = _backed_up(world, orders)
    second = _backed_up(world, orders)
    third = _backed_up(world, users, BackupVaultName="other-vault")
    backup = world.backup

    listed = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")
    assert_matches_output_shape("backup", "ListRecoveryPointsByBackupVault", listed)
    assert [p["RecoveryPointArn"] for p in listed["RecoveryPoints"]] == [first, second]
    assert all(
        p["Status"] == "COMPLETED" and p["ResourceType"] == "DynamoDB" for p in listed["RecoveryPoints"]
    )
    filtered = backup.list_recovery_points_by_backup_vault(BackupVaultName="other-vault", ByResourceArn=users)
    assert [p["RecoveryPointArn"] for p in filtered["RecoveryPoints"]] == [third]
    assert (
        backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault", ByResourceType="EBS")[
            "RecoveryPoints"
        ]
        == []
    )
    assert (
        backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault", ByBackupPlanId="p")[
            "RecoveryPoints"
        ]
        == []
    )
    after = world.clock.now() - dt.timedelta(seconds=2 * JOB_SECONDS + 1)  # between first and second
    assert [
        p["RecoveryPointArn"]
        for p in backup.list_recovery_points_by_backup_vault(
            BackupVaultName="prod-vault", ByCreatedAfter=after
        )["RecoveryPoints"]
    ] == [second]
    page = backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault", MaxResults=1)
    assert len(page["RecoveryPoints"]) == 1 and page["NextToken"]

    described = backup.describe_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=first)
    assert_matches_output_shape("backup", "DescribeRecoveryPoint", described)
    assert described["StorageClass"] == "WARM"
    assert described["ResourceArn"] == orders and described["ResourceName"] == "orders"
    with pytest.raises(ClientError) as excinfo:
        backup.describe_recovery_point(BackupVaultName="other-vault", RecoveryPointArn=first)
    assert error_code(excinfo) == "ResourceNotFoundException"

    by_resource = backup.list_recovery_points_by_resource(ResourceArn=orders)
    assert_matches_output_shape("backup", "ListRecoveryPointsByResource", by_resource)
    assert [p["RecoveryPointArn"] for p in by_resource["RecoveryPoints"]] == [first, second]
    assert "BackupVaultName" not in by_resource["RecoveryPoints"][0]  # only EFS and EC2 entries carry it

    vaults = {v["BackupVaultName"]: v for v in backup.list_backup_vaults()["BackupVaultList"]}
    assert vaults["prod-vault"]["NumberOfRecoveryPoints"] == 2


def test_unknown_vault_is_not_found(world: World) -> None:
    with pytest.raises(ClientError) as excinfo:
        world.backup.list_recovery_points_by_backup_vault(BackupVaultName="nope")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_protected_resources_are_those_with_a_completed_backup(world: World) -> None:
    world.vault()
    orders = world.table("orders")
    world.table("never-backed-up")
    failing = world.table("failing")
    from sandbox.faults import FAULTS

    FAULTS.fail_job("backup", "boom", resource_arn=failing)
    world.start_backup(failing)
    _backed_up(world, orders)
    latest = _backed_up(world, orders)

    listed = world.backup.list_protected_resources()
    assert_matches_output_shape("backup", "ListProtectedResources", listed)
    [resource] = listed["Results"]
    assert resource["ResourceArn"] == orders
    assert resource["LastRecoveryPointArn"] == latest
    assert resource["ResourceType"] == "DynamoDB"
    described = world.backup.describe_protected_resource(ResourceArn=orders)
    assert_matches_output_shape("backup", "DescribeProtectedResource", described)
    assert described["LastRecoveryPointArn"] == latest
    with pytest.raises(ClientError) as excinfo:
        world.backup.describe_protected_resource(ResourceArn=failing)
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_recovery_point_expires_on_the_clock_and_is_deleted(world: World) -> None:
    world.vault()
    orders = world.table("orders")
    arn = _backed_up(world, orders, Lifecycle={"DeleteAfterDays": 7})
    stored = world.backend().state.recovery_points[arn]
    native_backups = world.client("dynamodb").list_backups(TableName="orders")["BackupSummaries"]
    assert [b["BackupArn"] for b in native_backups] == [arn]

    world.clock.advance(6 * DAY)
    assert (
        world.backup.describe_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=arn)["Status"]
        == "COMPLETED"
    )
    world.clock.advance(DAY)
    with pytest.raises(ClientError):
        world.backup.describe_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=arn)
    last = world.events_of("Recovery Point State Change")[-1]
    assert last["resources"] == [arn]
    assert last["detail"]["status"] == "DELETING" and last["detail"]["storageClass"] == "DELETED"
    assert last["detail"]["lifecycle"] == {"deleteAfterDays": 7}
    assert world.client("dynamodb").list_backups(TableName="orders")["BackupSummaries"] == []
    assert stored.creation_date + dt.timedelta(days=7) <= world.clock.now()


def test_advanced_dynamodb_point_moves_to_cold_storage(world: World) -> None:
    world.vault()
    world.backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    orders = world.table("orders")
    arn = _backed_up(world, orders, Lifecycle={"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 100})
    point = world.backup.describe_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=arn)
    assert set(point["CalculatedLifecycle"]) == {"MoveToColdStorageAt", "DeleteAt"}
    world.clock.advance(10 * DAY)
    assert (
        world.backup.describe_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=arn)[
            "StorageClass"
        ]
        == "COLD"
    )
    cold = world.events_of("Recovery Point State Change")[-1]["detail"]
    assert cold["storageClass"] == "COLD" and cold["status"] == "COMPLETED"
    assert set(cold["calculatedLifeCycle"]) == {"moveToColdStorageAt", "deleteAt"}


def test_plain_dynamodb_ignores_cold_storage(world: World) -> None:
    world.vault()
    orders = world.table("orders")
    arn = _backed_up(world, orders, Lifecycle={"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 100})
    point = world.backup.describe_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=arn)
    assert set(point["CalculatedLifecycle"]) == {"DeleteAt"}
    world.clock.advance(11 * DAY)
    assert (
        world.backup.describe_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=arn)[
            "StorageClass"
        ]
        == "WARM"
    )


def test_delete_recovery_point_and_vault_guard(world: World) -> None:
    world.vault()
    orders = world.table("orders")
    arn = _backed_up(world, orders)
    with pytest.raises(ClientError) as excinfo:
        world.backup.delete_backup_vault(BackupVaultName="prod-vault")
    assert error_code(excinfo) == "InvalidRequestException"
    world.backup.delete_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=arn)
    assert (
        world.backup.list_recovery_points_by_backup_vault(BackupVaultName="prod-vault")["RecoveryPoints"]
        == []
    )
    assert world.backup.list_protected_resources()["Results"] == []
    with pytest.raises(ClientError) as excinfo:
        world.backup.delete_recovery_point(BackupVaultName="prod-vault", RecoveryPointArn=arn)
    assert error_code(excinfo) == "ResourceNotFoundException"
    world.backup.delete_backup_vault(BackupVaultName="prod-vault")


def test_rds_listing_needs_max_results_of_at_least_20(world: World) -> None:
    rds_arn = f"arn:aws:rds:{REGION}:{ACCOUNT}:db:orders"
    from sandbox.resources import adapter_for_arn

    if adapter_for_arn(rds_arn) is None:
        pytest.skip("no RDS adapter registered")
    with pytest.raises(ClientError) as excinfo:
        world.backup.list_recovery_points_by_resource(ResourceArn=rds_arn, MaxResults=19)
    assert error_code(excinfo) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as excinfo:  # MaxResults is fine; AWS Backup never backed it up
        world.backup.list_recovery_points_by_resource(ResourceArn=rds_arn, MaxResults=20)
    assert error_code(excinfo) == "ResourceNotFoundException"
