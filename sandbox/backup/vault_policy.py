"""Vault policies: Put/Get/DeleteBackupVaultAccessPolicy, and what a copy into a vault may do.

Access policies are kept in ``state.vault_access_policies`` (vault name -> document) and evaluated
by ``access_policy`` when a cross-account copy runs (:meth:`VaultPolicy.allows_copy_into`, read
at that moment, so a policy added while the job waits still counts). A deleted vault loses its
policy (:meth:`VaultPolicy.vault_deleted`, after moto's DeleteBackupVault). Vault Lock enforcement
(minimum/maximum retention, the lock's grace time) belongs here too; moto stores the lock
configuration on its ``Vault``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.backup.access_policy import check_policy_document, policy_allows_copy_into
from sandbox.backup.errors import ResourceNotFoundException

if TYPE_CHECKING:
    from moto.backup.models import Vault

    from sandbox.backup.state import BackupState


class VaultPolicy:
    """The access policies of the vaults of one account and Region."""

    def __init__(self, state: BackupState) -> None:
        self.state = state

    def put_backup_vault_access_policy(self, backup_vault_name: str, policy: str | None) -> None:
        self.state.vault_or_404(backup_vault_name)
        self.state.vault_access_policies[backup_vault_name] = check_policy_document(policy)

    def get_backup_vault_access_policy(self, backup_vault_name: str) -> tuple[Vault, str]:
        vault = self.state.vault_or_404(backup_vault_name)
        policy = self.state.vault_access_policies.get(backup_vault_name)
        if policy is None:
            raise ResourceNotFoundException(f"Backup vault {backup_vault_name} has no access policy")
        return vault, policy

    def delete_backup_vault_access_policy(self, backup_vault_name: str) -> None:
        self.state.vault_or_404(backup_vault_name)
        self.state.vault_access_policies.pop(backup_vault_name, None)

    def vault_deleted(self, backup_vault_name: str) -> None:
        """Forget the policy of a vault moto deleted."""
        self.state.vault_access_policies.pop(backup_vault_name, None)

    def allows_copy_into(
        self, backup_vault_name: str, *, vault_arn: str, role_arn: str, account: str
    ) -> bool:
        """Whether the vault's access policy lets ``account`` (through ``role_arn``) copy into it."""
        policy = self.state.vault_access_policies.get(backup_vault_name)
        return policy_allows_copy_into(policy, vault_arn=vault_arn, role_arn=role_arn, account=account)
