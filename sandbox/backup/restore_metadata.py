"""Restore metadata: GetRecoveryPointRestoreMetadata and GetRestoreTestingInferredMetadata.

Both read the capture of a recovery point (``Capture.restore_metadata``: what a restore of it
needs, ``Capture.inferred_metadata``: what a restore testing plan would restore it with), found in
a vault of this account or of ``BackupVaultAccountId`` (through ``RecoveryPoints.locate``). Restore
testing (``restore_testing``) starts its jobs from the same ``Capture.inferred_metadata``, with new
``awsbackup-restore-test-`` names and the selection's overrides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from moto.backup.models import Vault

    from sandbox.backup.records import RecoveryPoint
    from sandbox.backup.recovery_points import RecoveryPoints


class RestoreMetadata:
    """The restore metadata of the recovery points one account and Region can read."""

    def __init__(self, *, recovery_points: RecoveryPoints) -> None:
        self._recovery_points = recovery_points

    def get_recovery_point_restore_metadata(
        self, backup_vault_name: str, recovery_point_arn: str, backup_vault_account_id: str | None = None
    ) -> tuple[Vault, RecoveryPoint, dict[str, str]]:
        """The vault, the point, and the metadata a restore of the point needs."""
        vault, point = self._recovery_points.locate(
            backup_vault_name, recovery_point_arn, backup_vault_account_id
        )
        return vault, point, dict(point.capture.restore_metadata)

    def get_restore_testing_inferred_metadata(
        self, backup_vault_name: str, recovery_point_arn: str, backup_vault_account_id: str | None = None
    ) -> dict[str, str]:
        """The metadata AWS infers for restoring the point in a restore test."""
        _, point = self._recovery_points.locate(
            backup_vault_name, recovery_point_arn, backup_vault_account_id
        )
        return dict(point.capture.inferred_metadata)
