"""Recovery points: registration, lifecycle on the clock, and the read/delete operations.

Every recovery point, from a backup job or a copy, enters through
:meth:`RecoveryPointsMixin.register_recovery_point` on the backend of the account and Region of
its vault: stored, counted in the vault, announced with a ``Recovery Point State Change`` event
(status COMPLETED), and its lifecycle scheduled on the SimClock:

* ``MoveToColdStorageAfterDays``: the point turns COLD (event: status COMPLETED, storageClass
  COLD), only for types that support cold storage: EFS, DynamoDB with advanced backup (a
  ``recovery-point:`` ARN), EBS when ``OptInToArchiveForSupportedResources`` is set, Timestream,
  VMware and SAP HANA (fact sheet 5; for other types the setting is ignored, as AWS ignores it).
* ``DeleteAfterDays``: the point is deleted (event: status DELETING, storageClass DELETED; the
  adapter's capture, such as a moto snapshot, is deleted too). Both counted from the point's
  creation date.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sandbox import runtime
from sandbox.backup.errors import (
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from sandbox.backup.events import emit_recovery_point
from sandbox.backup.paging import paginate
from sandbox.backup.settings import RegionSettingsMixin
from sandbox.backup.state import as_utc, backend_for
from sandbox.resources import adapter_for_arn, adapter_for_type

if TYPE_CHECKING:
    from collections.abc import Callable

    from moto.backup.models import Vault

    from sandbox.backup.records import RecoveryPoint

COLD_STORAGE_TYPES = {"EFS", "Timestream", "VirtualMachine", "SAP HANA on Amazon EC2"}
#: ListRecoveryPointsByResource: "RDS requires MaxResults of at least 20" (fact sheet 2.3)
RDS_MIN_MAX_RESULTS = 20
#: ListRecoveryPointsByResource returns BackupVaultName only for these types (fact sheet 2.3)
TYPES_LISTED_WITH_VAULT_NAME = {"EFS", "EC2"}


def supports_cold_storage(point: RecoveryPoint) -> bool:
    if point.resource_type in COLD_STORAGE_TYPES:
        return True
    if point.resource_type == "DynamoDB":
        return ":recovery-point:" in point.arn
    return point.resource_type == "EBS" and bool(point.lifecycle.get("OptInToArchiveForSupportedResources"))


def calculated_lifecycle(point: RecoveryPoint) -> dict[str, dt.datetime]:
    """The API's CalculatedLifecycle: when the point moves to cold storage and when it is deleted."""
    result: dict[str, dt.datetime] = {}
    cold_days = point.lifecycle.get("MoveToColdStorageAfterDays")
    if cold_days and cold_days > 0 and supports_cold_storage(point):
        result["MoveToColdStorageAt"] = point.creation_date + dt.timedelta(days=cold_days)
    delete_days = point.lifecycle.get("DeleteAfterDays")
    if delete_days and delete_days > 0:
        result["DeleteAt"] = point.creation_date + dt.timedelta(days=delete_days)
    return result


def recovery_point_view(point: RecoveryPoint) -> dict[str, Any]:
    """DescribeRecoveryPoint / RecoveryPointByBackupVault fields (the serializer keeps each shape's own)."""
    view: dict[str, Any] = {
        "RecoveryPointArn": point.arn,
        "BackupVaultName": point.vault_name,
        "BackupVaultArn": point.vault_arn,
        "SourceBackupVaultArn": point.source_vault_arn,
        "ResourceArn": point.resource_arn,
        "ResourceType": point.resource_type,
        "ResourceName": point.resource_name,
        "CreatedBy": point.created_by or None,
        "IamRoleArn": point.iam_role_arn,
        "Status": point.status,
        "CreationDate": point.creation_date,
        "CompletionDate": point.completion_date,
        "BackupSizeInBytes": point.backup_size_bytes,
        "CalculatedLifecycle": calculated_lifecycle(point) or None,
        "Lifecycle": point.lifecycle or None,
        "EncryptionKeyArn": point.encryption_key_arn,
        "IsEncrypted": point.is_encrypted,
        "StorageClass": point.storage_class,
        "LastRestoreTime": point.last_restore_time,
        "IsParent": False,
        "VaultType": "BACKUP_VAULT",
    }
    return {k: v for k, v in view.items() if v is not None}


def _by_resource_view(point: RecoveryPoint) -> dict[str, Any]:
    view: dict[str, Any] = {
        "RecoveryPointArn": point.arn,
        "CreationDate": point.creation_date,
        "Status": point.status,
        "EncryptionKeyArn": point.encryption_key_arn,
        "BackupSizeBytes": point.backup_size_bytes,
        "IsParent": False,
        "ResourceName": point.resource_name,
        "VaultType": "BACKUP_VAULT",
    }
    if point.resource_type in TYPES_LISTED_WITH_VAULT_NAME:
        view["BackupVaultName"] = point.vault_name
    return {k: v for k, v in view.items() if v is not None}


class RecoveryPointsMixin(RegionSettingsMixin):
    """Recovery points of one account and Region (all its vaults)."""

    # -- registration and lifecycle ------------------------------------------------------------
    def register_recovery_point(self, point: RecoveryPoint) -> None:
        """Add a COMPLETED point to its vault here (call on the backend of the vault's account/Region)."""
        self.recovery_points[point.arn] = point
        self._count_in_vault(point.vault_name, +1)
        lifecycle = calculated_lifecycle(point)
        emit_recovery_point(point, lifecycle)
        clock = runtime.clock()
        arn = point.arn
        if "MoveToColdStorageAt" in lifecycle:
            clock.call_at(
                lifecycle["MoveToColdStorageAt"], lambda: self._move_to_cold(arn), label=f"cold {arn}"
            )
        if "DeleteAt" in lifecycle:
            clock.call_at(lifecycle["DeleteAt"], lambda: self._expire(arn), label=f"expire {arn}")

    def _count_in_vault(self, vault_name: str, delta: int) -> None:
        vault = self.vaults.get(vault_name)
        if vault is not None:
            vault.num_of_recovery_points = max(0, vault.num_of_recovery_points + delta)

    def _move_to_cold(self, arn: str) -> None:
        point = self.recovery_points.get(arn)
        if point is None or point.storage_class != "WARM":
            return
        point.storage_class = "COLD"
        emit_recovery_point(point, calculated_lifecycle(point))

    def _expire(self, arn: str) -> None:
        point = self.recovery_points.get(arn)
        if point is not None:
            self._remove_recovery_point(point)

    def _remove_recovery_point(self, point: RecoveryPoint) -> None:
        lifecycle = calculated_lifecycle(point)
        del self.recovery_points[point.arn]
        self._count_in_vault(point.vault_name, -1)
        point.status = "DELETING"
        point.storage_class = "DELETED"
        emit_recovery_point(point, lifecycle)
        adapter = adapter_for_type(point.resource_type)
        if adapter is not None:
            adapter.delete_capture(point.capture)

    # -- lookups -------------------------------------------------------------------------------
    def _vault_backend(self, account_id: str | None) -> RecoveryPointsMixin:
        if not account_id or account_id == self.account_id:
            return self
        other = backend_for(account_id, self.region_name)
        assert isinstance(other, RecoveryPointsMixin)
        return other

    def point_in_vault(self, vault: Vault, arn: str) -> RecoveryPoint:
        point = self.recovery_points.get(arn)
        if point is None or point.vault_name != vault.backup_vault_name:
            raise ResourceNotFoundException(
                f"Recovery point {arn} not found in backup vault {vault.backup_vault_name}"
            )
        return point

    # -- operations ----------------------------------------------------------------------------
    def describe_recovery_point(
        self, vault_name: str, arn: str, vault_account_id: str | None
    ) -> RecoveryPoint:
        owner = self._vault_backend(vault_account_id)
        return owner.point_in_vault(owner.vault_or_404(vault_name), arn)

    def delete_recovery_point(self, vault_name: str, arn: str) -> None:
        self._remove_recovery_point(self.point_in_vault(self.vault_or_404(vault_name), arn))

    def list_recovery_points_by_backup_vault(
        self, vault_name: str, filters: dict[str, Any], max_results: int | None, next_token: str | None
    ) -> tuple[list[RecoveryPoint], str | None]:
        owner = self._vault_backend(filters.get("BackupVaultAccountId"))
        vault = owner.vault_or_404(vault_name)
        points = [
            p
            for p in sorted(owner.recovery_points.values(), key=lambda p: p.creation_date)
            if p.vault_name == vault.backup_vault_name and _vault_filters_hold(p, filters)
        ]
        return paginate(points, max_results, next_token)

    def list_recovery_points_by_resource(
        self, resource_arn: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        adapter_type = _resource_type_of(resource_arn)
        if adapter_type == "RDS" and max_results is not None and max_results < RDS_MIN_MAX_RESULTS:
            raise InvalidParameterValueException(
                f"MaxResults must be at least {RDS_MIN_MAX_RESULTS} for RDS resources, got {max_results}"
            )
        points = sorted(
            (p for p in self.recovery_points.values() if p.resource_arn == resource_arn),
            key=lambda p: p.creation_date,
        )
        page, token = paginate(points, max_results, next_token)
        return [_by_resource_view(p) for p in page], token

    def protected_resources(self) -> list[dict[str, Any]]:
        """Resources with at least one recovery point here, with their latest one."""
        latest: dict[str, RecoveryPoint] = {}
        for point in self.recovery_points.values():
            current = latest.get(point.resource_arn)
            if current is None or point.creation_date >= current.creation_date:
                latest[point.resource_arn] = point
        return [
            {
                "ResourceArn": arn,
                "ResourceType": point.resource_type,
                "ResourceName": point.resource_name,
                "LastBackupTime": point.creation_date,
                "LastBackupVaultArn": point.vault_arn,
                "LastRecoveryPointArn": point.arn,
            }
            for arn, point in sorted(latest.items())
        ]

    def describe_protected_resource(self, resource_arn: str) -> dict[str, Any]:
        for resource in self.protected_resources():
            if resource["ResourceArn"] == resource_arn:
                return resource
        raise ResourceNotFoundException(f"Resource {resource_arn} is not protected by AWS Backup")

    def delete_backup_vault(self, backup_vault_name: str) -> None:
        """AWS refuses to delete a vault that still holds recovery points."""
        vault = self.vaults.get(backup_vault_name)
        if vault is not None and any(
            p.vault_name == backup_vault_name for p in self.recovery_points.values()
        ):
            raise InvalidRequestException(
                "Backup vault cannot be deleted because it contains recovery points"
            )
        super().delete_backup_vault(backup_vault_name)


def _resource_type_of(resource_arn: str) -> str | None:
    adapter = adapter_for_arn(resource_arn)
    return adapter.resource_type if adapter is not None else None


def _vault_filters_hold(point: RecoveryPoint, filters: dict[str, Any]) -> bool:
    checks: list[tuple[str, Callable[[Any], bool]]] = [
        ("ByResourceArn", lambda v: point.resource_arn == v),
        ("ByResourceType", lambda v: point.resource_type == v),
        ("ByBackupPlanId", lambda v: point.created_by.get("BackupPlanId") == v),
        ("ByCreatedBefore", lambda v: point.creation_date <= as_utc(v)),
        ("ByCreatedAfter", lambda v: point.creation_date >= as_utc(v)),
        ("ByParentRecoveryPointArn", lambda v: False),  # the sandbox has no composite points
    ]
    return all(check(filters[name]) for name, check in checks if filters.get(name) is not None)


def validate_lifecycle(lifecycle: dict[str, Any] | None, *, allow_indefinite: bool = False) -> None:
    """AWS's lifecycle rules: cold storage lasts at least 90 days before deletion.

    ``allow_indefinite``: copy jobs accept ``-1`` for both values (keep indefinitely).
    """
    if not lifecycle:
        return
    cold = lifecycle.get("MoveToColdStorageAfterDays")
    delete = lifecycle.get("DeleteAfterDays")
    for name, value in (("MoveToColdStorageAfterDays", cold), ("DeleteAfterDays", delete)):
        if value is not None and value < 1 and not (allow_indefinite and value == -1):
            raise InvalidParameterValueException(
                f"Invalid lifecycle. {name} must be a positive number of days"
            )
    if cold is not None and cold > 0 and delete is not None and delete > 0 and delete < cold + 90:
        raise InvalidParameterValueException(
            "Invalid lifecycle. DeleteAfterDays cannot be less than 90 days apart from "
            "MoveToColdStorageAfterDays"
        )
