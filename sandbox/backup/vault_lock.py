"""Vault Lock: what a locked vault refuses (moto stores the configuration, the sandbox enforces it).

moto's Put/DeleteBackupVaultLockConfiguration keep the lock on its ``Vault`` (``locked``,
``min_retention_days``, ``max_retention_days``, ``lock_date`` = now + ``ChangeableForDays``) and
already refuse to change or delete it on and after the lock date (compliance mode; without
``ChangeableForDays`` it is governance mode, removable at any time): moto reads the process clock,
which the SimClock moves. What AWS documents (botocore model, PutBackupVaultLockConfiguration) and
the sandbox enforces on top:

* "any backup or copy job to the vault must have a lifecycle policy with a retention period" within
  ``[MinRetentionDays, MaxRetentionDays]``, "the vault fails that backup or copy job": the JOB
  fails (:meth:`VaultLock.retention_refusal`; a job that never expires breaks a maximum). The
  retention of a copy without a lifecycle (or ``-1``) is the source point's (it keeps the source's
  expiry).
* "Vault Lock also prevents attempts to update the lifecycle policy that controls the retention
  period of any recovery point currently stored": UpdateRecoveryPointLifecycle is refused when the
  new retention is outside the range or would delete the point earlier than its current lifecycle
  (extending it inside the range is accepted: UNVERIFIED), :meth:`VaultLock.check_lifecycle_update`.
* "preventing attempts to delete any recovery point stored in or created in a backup vault":
  DeleteRecoveryPoint in a locked vault is refused (InvalidRequestException), in either mode
  (UNVERIFIED: governance mode lets principals with the right IAM permissions delete; the sandbox
  has no IAM to grant it), :meth:`VaultLock.check_point_deletable`.

The message texts are the sandbox's (UNVERIFIED: AWS documents none); they name the retention and
the Vault Lock, the words the product's copy-failure classifier reads (``vault-lock-retention``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.backup.errors import InvalidParameterValueException, InvalidRequestException

if TYPE_CHECKING:
    from moto.backup.models import Vault

    from sandbox.backup.state import BackupState


def retention_days(lifecycle: dict[str, int] | None) -> int | None:
    """Days a lifecycle keeps a point (None: it never expires; ``-1`` keeps it indefinitely)."""
    days = (lifecycle or {}).get("DeleteAfterDays")
    return days if days is not None and days > 0 else None


def _range(vault: Vault) -> str:
    low = f"{vault.min_retention_days} days" if vault.min_retention_days is not None else "none"
    high = f"{vault.max_retention_days} days" if vault.max_retention_days is not None else "none"
    return f"minimum {low}, maximum {high}"


class VaultLock:
    """The Vault Lock rules of the vaults of one account and Region."""

    def __init__(self, state: BackupState) -> None:
        self.state = state

    def locked(self, vault_name: str) -> Vault | None:
        vault = self.state.vaults.get(vault_name)
        return vault if vault is not None and vault.locked else None

    def retention_refusal(self, vault_name: str, days: int | None) -> str | None:
        """Why a job keeping its point ``days`` (None: forever) fails in this vault (None: it does not)."""
        vault = self.locked(vault_name)
        if vault is None:
            return None
        low, high = vault.min_retention_days, vault.max_retention_days
        if (days is None and high is None) or (
            days is not None and (low is None or days >= low) and (high is None or days <= high)
        ):
            return None
        kept = "no expiry" if days is None else f"{days} days"
        return (
            f"The retention period of the recovery point ({kept}) is outside the retention range of the "
            f"Vault Lock of backup vault {vault_name} ({_range(vault)}); the vault is locked"
        )

    def check_lifecycle_update(self, vault_name: str, current_days: int | None, new_days: int | None) -> None:
        """UpdateRecoveryPointLifecycle in a locked vault: inside the range, and never shorter."""
        refusal = self.retention_refusal(vault_name, new_days)
        if refusal is not None:
            raise InvalidParameterValueException(refusal)
        shorter = new_days is not None and (current_days is None or new_days < current_days)
        if self.locked(vault_name) is not None and shorter:
            raise InvalidRequestException(
                f"Backup vault {vault_name} is locked (Vault Lock): the retention of its recovery points "
                "cannot be shortened"
            )

    def check_point_deletable(self, vault_name: str) -> None:
        if self.locked(vault_name) is not None:
            raise InvalidRequestException(
                f"Backup vault {vault_name} is locked (Vault Lock): its recovery points cannot be deleted "
                "before their retention ends"
            )
