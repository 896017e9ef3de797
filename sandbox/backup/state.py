"""The shared state of one account and Region's AWS Backup, and the small helpers every concept uses.

:class:`BackupState` is the one place the extension keeps what it knows; every service
(``region_settings``, ``recovery_points``, ``backup_jobs``, ``selections``, ``plan_schedule``,
``vault_policy``, ``copies``, ``restores``, ``restore_metadata``, ``restore_testing``,
``restore_test_cleanup``) is built over the same instance by
``backend.SandboxBackupBackend``, and reads and writes it directly. Nothing here imports a service.

* ``vaults`` and ``plans`` are moto's own dictionaries (``BackupBackend.vaults``/``.plans``, shared,
  never copied): moto's plan and vault operations and the extension see the same objects;
* ``recovery_points``: by ARN; ``backup_jobs``, ``job_progress``, ``copy_jobs``, ``restore_jobs``:
  by job id; ``selections``: by selection id (each knows its plan);
* ``idempotency``: ``(operation, token) -> IdempotencyRecord`` (:meth:`BackupState.idempotent`,
  :meth:`BackupState.remember_token`);
* ``opt_in``/``management``: the Region's settings (defaults from ``region_settings``);
* ``vault_access_policies``: vault name -> policy document; ``plan_schedules``: plan id -> the clock
  its rules are scheduled on and their cancel functions;
* ``restore_testing_plans``: plan name -> ``RestoreTestingPlan`` (its selections inside);
  ``restore_testing_schedules``: plan name -> the clock its runs are scheduled on and the cancel
  function; ``restore_tests``: restore job id -> ``RestoreTestJob`` (jobs a restore testing plan
  started, for the clean-up of what they restored).

Vault Lock will keep its state here too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moto.backup.models import BackupBackend, backup_backends
from moto.moto_api._internal import mock_random

from sandbox.backup.errors import InvalidParameterValueException, ResourceNotFoundException
from sandbox.backup.records import IdempotencyRecord

if TYPE_CHECKING:
    from collections.abc import Callable

    from moto.backup.models import Plan, Vault

    from sandbox.backup.records import (
        BackupJob,
        CopyJob,
        JobProgress,
        RecoveryPoint,
        RestoreJob,
        RestoreTestingPlan,
        RestoreTestJob,
        Selection,
    )
    from sandbox.clock import SimClock

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


def backend_for(account: str, region: str) -> BackupBackend:
    """moto's AWS Backup backend of an account/Region: a ``SandboxBackupBackend`` once installed."""
    backend: BackupBackend = backup_backends[account][region]
    return backend


@dataclass(eq=False)
class BackupState:
    """Everything the extension knows about AWS Backup in one account and Region."""

    account_id: str
    region_name: str
    partition: str
    vaults: dict[str, Vault]
    plans: dict[str, Plan]
    opt_in: dict[str, bool]
    management: dict[str, bool]
    recovery_points: dict[str, RecoveryPoint] = field(default_factory=dict)
    backup_jobs: dict[str, BackupJob] = field(default_factory=dict)
    job_progress: dict[str, JobProgress] = field(default_factory=dict)
    copy_jobs: dict[str, CopyJob] = field(default_factory=dict)
    restore_jobs: dict[str, RestoreJob] = field(default_factory=dict)
    selections: dict[str, Selection] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    vault_access_policies: dict[str, str] = field(default_factory=dict)
    plan_schedules: dict[str, tuple[SimClock, list[Callable[[], None]]]] = field(default_factory=dict)
    restore_testing_plans: dict[str, RestoreTestingPlan] = field(default_factory=dict)
    restore_testing_schedules: dict[str, tuple[SimClock, Callable[[], None]]] = field(default_factory=dict)
    restore_tests: dict[str, RestoreTestJob] = field(default_factory=dict)

    def new_recovery_point_arn(self) -> str:
        """A fully managed recovery point's ARN (``arn:aws:backup:<region>:<acct>:recovery-point:<id>``)."""
        return f"arn:{self.partition}:backup:{self.region_name}:{self.account_id}:recovery-point:{new_id()}"

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
    def idempotent(self, operation: str, token: str | None, fingerprint: str) -> str | None:
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

    def remember_token(self, operation: str, token: str | None, fingerprint: str, job_id: str) -> None:
        """Record the job a token created (call after the job exists)."""
        if token:
            self.idempotency[(operation, token)] = IdempotencyRecord(
                operation=operation,
                token=token,
                request_fingerprint=fingerprint,
                job_id=job_id,
                created=utcnow(),
            )
