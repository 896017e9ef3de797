"""Shared state of the extended AWS Backup backend, and the helpers every part of it uses.

The parts of ``SandboxBackupBackend`` (region settings, recovery points, backup jobs, selections,
plan schedules, and ``CopyRestoreBackendMixin``) all read and write the dictionaries set up here:

* ``recovery_points``: by ARN; ``backup_jobs``, ``copy_jobs``, ``restore_jobs``: by job id;
* ``selections``: by selection id (each knows its plan);
* ``idempotency``: ``(operation, token) -> IdempotencyRecord``, through :meth:`_idempotent` and
  :meth:`_remember_token`.

Another account's or Region's backend: ``backup_backends[account][region]`` (see
:func:`backend_for`), vaults there by name in ``.vaults``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any, cast

from moto.backup.models import BackupBackend, Vault, backup_backends
from moto.moto_api._internal import mock_random

from sandbox.backup.errors import InvalidParameterValueException, ResourceNotFoundException
from sandbox.backup.records import BackupJob, CopyJob, IdempotencyRecord, RecoveryPoint, RestoreJob, Selection

UTC = dt.UTC
#: how long AWS honours an idempotency token. UNVERIFIED (fact sheet 0.3 and 2.2): AWS documents
#: only that a retried successful request with the same token succeeds with no action.
IDEMPOTENCY_WINDOW = dt.timedelta(hours=1)
VAULT_NAME_PATTERN = r"^[a-zA-Z0-9\-\_]{2,50}$"


def utcnow() -> dt.datetime:
    """The sandbox's "now" (the process clock, moved by the SimClock)."""
    return dt.datetime.now(UTC)


def as_utc(when: dt.datetime) -> dt.datetime:
    """Request timestamps arrive naive (UTC) from moto's parser."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def new_id() -> str:
    """A job or recovery-point id as AWS prints them (an upper-case UUID; seedable through moto)."""
    return str(mock_random.uuid4()).upper()


def request_fingerprint(params: dict[str, Any]) -> str:
    """A stable digest of a request's parameters (token excluded by the caller)."""
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def backend_for(account: str, region: str) -> BackendState:
    """The extended backend of another account/Region (after install)."""
    return cast("BackendState", backup_backends[account][region])


class BackendState(BackupBackend):
    """moto's BackupBackend plus the extension's state and shared helpers."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.recovery_points: dict[str, RecoveryPoint] = {}
        self.backup_jobs: dict[str, BackupJob] = {}
        self.copy_jobs: dict[str, CopyJob] = {}
        self.restore_jobs: dict[str, RestoreJob] = {}
        self.selections: dict[str, Selection] = {}
        self.idempotency: dict[tuple[str, str], IdempotencyRecord] = {}

    @property
    def _url_module(self) -> Any:
        """moto derives the URL map from the class's module; the extension's lives in urls.py."""
        from sandbox.backup import urls  # urls -> responses -> models -> here: imported on use

        return urls

    def new_recovery_point_arn(self) -> str:
        """A fully managed recovery point's ARN (``arn:aws:backup:<region>:<acct>:recovery-point:<id>``)."""
        return f"arn:{self.partition}:backup:{self.region_name}:{self.account_id}:recovery-point:{new_id()}"

    # -- vaults --------------------------------------------------------------------------------
    def vault_or_404(self, name: str | None) -> Vault:
        """The vault, as AWS reports a bad or unknown vault name."""
        if not name or not re.match(VAULT_NAME_PATTERN, name):
            raise InvalidParameterValueException(f"Invalid backup vault name: {name!r}")
        vault = self.vaults.get(name)
        if vault is None:
            raise ResourceNotFoundException(
                f"Backup vault {name} does not exist in account {self.account_id}"
            )
        return vault

    # -- idempotency ---------------------------------------------------------------------------
    def _idempotent(self, operation: str, token: str | None, fingerprint: str) -> str | None:
        """The job id an earlier request with this token created, or None.

        AWS documents only that retrying a successful request with the same token "returns
        success with no action". Assumptions (UNVERIFIED, fact sheet 2.2): a token is honoured for
        :data:`IDEMPOTENCY_WINDOW` (1 hour); the same token with DIFFERENT parameters also returns
        the original job (no IdempotencyParameterMismatch error: the model declares none).
        ``fingerprint`` is kept in the record for inspection.
        """
        if not token:
            return None
        record = self.idempotency.get((operation, token))
        if record is None or utcnow() - record.created > IDEMPOTENCY_WINDOW:
            return None
        return record.job_id

    def _remember_token(self, operation: str, token: str | None, fingerprint: str, job_id: str) -> None:
        """Record the job a token created (call after the job exists)."""
        if token:
            self.idempotency[(operation, token)] = IdempotencyRecord(
                operation=operation,
                token=token,
                request_fingerprint=fingerprint,
                job_id=job_id,
                created=utcnow(),
            )
