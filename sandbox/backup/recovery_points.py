"""Recovery points and protected resources: registration, lifecycle on the clock, read/delete.

Every recovery point, from a backup job or a copy, enters through :meth:`RecoveryPoints.register`
of the account and Region of its vault: stored, counted in the vault, announced with a ``Recovery
Point State Change`` event (status COMPLETED), and its lifecycle (``lifecycle``) scheduled on the
SimClock: at ``MoveToColdStorageAt`` the point turns COLD (event: status COMPLETED, storageClass
COLD); at ``DeleteAt`` it is deleted (event: status DELETING, storageClass DELETED; the adapter's
capture, such as a moto snapshot, is deleted too).

Operations: DescribeRecoveryPoint, DeleteRecoveryPoint, UpdateRecoveryPointLifecycle,
ListRecoveryPointsByBackupVault, ListRecoveryPointsByResource, ListProtectedResources,
DescribeProtectedResource, and the guard of moto's DeleteBackupVault (a vault with recovery points
is not deleted). A vault of another account (``BackupVaultAccountId``) is read through that
account's ``RecoveryPoints`` (``peers``). Vault Lock (``vault_lock``) refuses deletes and lifecycle
updates in a locked vault.

UpdateRecoveryPointLifecycle (botocore model): the new ``Lifecycle`` replaces the old one (values
left out become null, as the model warns); ``DeleteAfterDays`` >= ``MoveToColdStorageAfterDays`` +
90 (InvalidParameterValueException); ``-1`` for both keeps the point indefinitely; the cold
transition is ignored for types without cold storage ("Backup ignores this expression for other
resource types") and cannot change once the point is COLD (InvalidRequestException; message
UNVERIFIED); continuous points are refused ("does not support continuous backups",
InvalidRequestException). The point's timers follow the new lifecycle (a date already past runs at
once).

ListRecoveryPointsByResource and DescribeProtectedResource answer ResourceNotFoundException for a
resource AWS Backup holds no recovery point of here (never backed up, or every point gone: the
latter UNVERIFIED).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox import runtime
from sandbox.backup.errors import (
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from sandbox.backup.events import emit_recovery_point
from sandbox.backup.lifecycle import calculated_lifecycle, supports_cold_storage, validate_lifecycle
from sandbox.backup.paging import paginate
from sandbox.backup.state import as_utc, utcnow
from sandbox.backup.vault_lock import retention_days
from sandbox.resources import adapter_for_arn, adapter_for_type

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from moto.backup.models import Vault

    from sandbox.backup.records import RecoveryPoint
    from sandbox.backup.state import BackupState
    from sandbox.backup.vault_lock import VaultLock

#: ListRecoveryPointsByResource: "RDS requires MaxResults of at least 20" (fact sheet 2.3)
RDS_MIN_MAX_RESULTS = 20
#: ListRecoveryPointsByResource returns BackupVaultName only for these types (fact sheet 2.3)
TYPES_LISTED_WITH_VAULT_NAME = {"EFS", "EC2"}


# -- wire shapes -----------------------------------------------------------------------------------
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


def by_resource_view(point: RecoveryPoint) -> dict[str, Any]:
    """ListRecoveryPointsByResource's ``RecoveryPointByResource``."""
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


class RecoveryPoints:
    """Recovery points of one account and Region (all its vaults).

    ``peers(account, region)`` is the ``RecoveryPoints`` of another account and Region.
    """

    def __init__(
        self, state: BackupState, *, peers: Callable[[str, str], RecoveryPoints], vault_lock: VaultLock
    ) -> None:
        self.state = state
        self._peers = peers
        self._vault_lock = vault_lock

    # -- registration and lifecycle ------------------------------------------------------------
    def register(self, point: RecoveryPoint) -> None:
        """Add a COMPLETED point to its vault here (call on the service of the vault's account/Region)."""
        self.state.recovery_points[point.arn] = point
        self._count_in_vault(point.vault_name, +1)
        lifecycle = calculated_lifecycle(point)
        emit_recovery_point(point, lifecycle)
        self._schedule_lifecycle(point, lifecycle)

    def _schedule_lifecycle(self, point: RecoveryPoint, lifecycle: dict[str, dt.datetime]) -> None:
        """Timers at the point's cold and delete dates (each re-checks the lifecycle when it fires)."""
        clock = runtime.clock()
        arn = point.arn
        if "MoveToColdStorageAt" in lifecycle:
            clock.call_at(
                lifecycle["MoveToColdStorageAt"], lambda: self._move_to_cold(arn), label=f"cold {arn}"
            )
        if "DeleteAt" in lifecycle:
            clock.call_at(lifecycle["DeleteAt"], lambda: self._expire(arn), label=f"expire {arn}")

    def _count_in_vault(self, vault_name: str, delta: int) -> None:
        vault = self.state.vaults.get(vault_name)
        if vault is not None:
            vault.num_of_recovery_points = max(0, vault.num_of_recovery_points + delta)

    def _move_to_cold(self, arn: str) -> None:
        point = self.state.recovery_points.get(arn)
        if point is None or point.storage_class != "WARM" or not _due(point, "MoveToColdStorageAt"):
            return
        point.storage_class = "COLD"
        emit_recovery_point(point, calculated_lifecycle(point))

    def _expire(self, arn: str) -> None:
        point = self.state.recovery_points.get(arn)
        if point is not None and _due(point, "DeleteAt"):
            self._remove(point)

    def _remove(self, point: RecoveryPoint) -> None:
        lifecycle = calculated_lifecycle(point)
        del self.state.recovery_points[point.arn]
        self._count_in_vault(point.vault_name, -1)
        point.status = "DELETING"
        point.storage_class = "DELETED"
        emit_recovery_point(point, lifecycle)
        adapter = adapter_for_type(point.resource_type)
        if adapter is not None:
            adapter.delete_capture(point.capture)

    # -- lookups -------------------------------------------------------------------------------
    def _owner(self, account_id: str | None) -> RecoveryPoints:
        """This service, or the one of ``account_id`` in this Region."""
        if not account_id or account_id == self.state.account_id:
            return self
        return self._peers(account_id, self.state.region_name)

    def point_in_vault(self, vault: Vault, arn: str) -> RecoveryPoint:
        point = self.state.recovery_points.get(arn)
        if point is None or point.vault_name != vault.backup_vault_name:
            raise ResourceNotFoundException(
                f"Recovery point {arn} not found in backup vault {vault.backup_vault_name}"
            )
        return point

    def locate(
        self, vault_name: str, arn: str, vault_account_id: str | None = None
    ) -> tuple[Vault, RecoveryPoint]:
        """The vault and the point in it (the vault of ``vault_account_id`` when given)."""
        owner = self._owner(vault_account_id)
        vault = owner.state.vault_or_404(vault_name)
        return vault, owner.point_in_vault(vault, arn)

    # -- operations ----------------------------------------------------------------------------
    def describe_recovery_point(
        self, vault_name: str, arn: str, vault_account_id: str | None
    ) -> RecoveryPoint:
        return self.locate(vault_name, arn, vault_account_id)[1]

    def delete_recovery_point(self, vault_name: str, arn: str) -> None:
        point = self.point_in_vault(self.state.vault_or_404(vault_name), arn)
        self._vault_lock.check_point_deletable(point.vault_name)
        self._remove(point)

    def update_recovery_point_lifecycle(
        self, vault_name: str, arn: str, lifecycle: dict[str, Any] | None
    ) -> RecoveryPoint:
        """UpdateRecoveryPointLifecycle: the rules in the module docstring."""
        point = self.point_in_vault(self.state.vault_or_404(vault_name), arn)
        if getattr(point, "continuous", False):
            raise InvalidRequestException("UpdateRecoveryPointLifecycle does not support continuous backups")
        new = {k: v for k, v in (lifecycle or {}).items() if v is not None}
        validate_lifecycle(new, allow_indefinite=True)
        cold = new.get("MoveToColdStorageAfterDays")
        if point.storage_class == "COLD" and cold != point.lifecycle.get("MoveToColdStorageAfterDays"):
            raise InvalidRequestException(
                f"Recovery point {arn} has been transitioned to cold storage: its MoveToColdStorageAfterDays "
                "cannot be changed"
            )
        self._vault_lock.check_lifecycle_update(
            point.vault_name, retention_days(point.lifecycle), retention_days(new)
        )
        if not supports_cold_storage(point):  # "Backup ignores this expression for other resource types"
            new.pop("MoveToColdStorageAfterDays", None)
        # EBS archive opt-in is a property of the backup, not of this request: it stays
        for kept in ("OptInToArchiveForSupportedResources",):
            if kept in point.lifecycle and kept not in new:
                new[kept] = point.lifecycle[kept]
        point.lifecycle = new
        self._schedule_lifecycle(point, calculated_lifecycle(point))
        return point

    def list_recovery_points_by_backup_vault(
        self, vault_name: str, filters: dict[str, Any], max_results: int | None, next_token: str | None
    ) -> tuple[list[RecoveryPoint], str | None]:
        owner = self._owner(filters.get("BackupVaultAccountId")).state
        vault = owner.vault_or_404(vault_name)
        points = [
            p
            for p in sorted(owner.recovery_points.values(), key=lambda p: p.creation_date)
            if p.vault_name == vault.backup_vault_name and _vault_filters_hold(p, filters)
        ]
        return paginate(points, max_results, next_token)

    def list_recovery_points_by_resource(
        self, resource_arn: str, max_results: int | None, next_token: str | None
    ) -> tuple[list[RecoveryPoint], str | None]:
        adapter_type = _resource_type_of(resource_arn)
        if adapter_type == "RDS" and max_results is not None and max_results < RDS_MIN_MAX_RESULTS:
            raise InvalidParameterValueException(
                f"MaxResults must be at least {RDS_MIN_MAX_RESULTS} for RDS resources, got {max_results}"
            )
        points = sorted(
            (p for p in self.state.recovery_points.values() if p.resource_arn == resource_arn),
            key=lambda p: p.creation_date,
        )
        if not points:
            raise ResourceNotFoundException(f"Resource {resource_arn} is not protected by AWS Backup")
        return paginate(points, max_results, next_token)

    def protected_resources(self) -> list[dict[str, Any]]:
        """Resources with at least one recovery point here, with their latest one."""
        latest: dict[str, RecoveryPoint] = {}
        for point in self.state.recovery_points.values():
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

    def list_protected_resources(
        self, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        return paginate(self.protected_resources(), max_results, next_token)

    def describe_protected_resource(self, resource_arn: str) -> dict[str, Any]:
        for resource in self.protected_resources():
            if resource["ResourceArn"] == resource_arn:
                return resource
        raise ResourceNotFoundException(f"Resource {resource_arn} is not protected by AWS Backup")

    def check_vault_deletable(self, backup_vault_name: str) -> None:
        """AWS refuses to delete a vault that still holds recovery points (moto's DeleteBackupVault)."""
        state = self.state
        if backup_vault_name in state.vaults and any(
            p.vault_name == backup_vault_name for p in state.recovery_points.values()
        ):
            raise InvalidRequestException(
                "Backup vault cannot be deleted because it contains recovery points"
            )


def _due(point: RecoveryPoint, key: str) -> bool:
    """Whether the point's lifecycle (as it is now, after any update) says ``key`` has come."""
    when = calculated_lifecycle(point).get(key)
    return when is not None and when <= utcnow()


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
