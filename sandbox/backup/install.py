"""Install the extended AWS Backup backend into moto (idempotent).

After :func:`install`, ``moto.backup.models.backup_backends`` builds ``SandboxBackupBackend`` for
every account and Region, and the backend's URL map (``sandbox.backup.urls``) routes every backup
path, moto's and the extension's, to ``SandboxBackupResponse``. Per-account backends that moto
built before (with the plain ``BackupBackend``) are dropped, so they are rebuilt as the subclass on
their next use: install before creating backup state you want to keep.

Server mode: moto's server builds one Flask app per service on the first request it sees for that
service and caches it, with the URL rules of that moment. Call :func:`install` before any backup
request reaches a server (``ThreadedMotoServer`` or ``python -m sandbox serve``).
"""

from __future__ import annotations

import threading

from moto.backup import models as moto_backup_models

from sandbox.backup.backend import SandboxBackupBackend

_lock = threading.Lock()


def install() -> None:
    """Make moto's AWS Backup the extended one (safe to call any number of times)."""
    with _lock:
        backends = moto_backup_models.backup_backends
        if backends.backend is SandboxBackupBackend:
            return
        backends.backend = SandboxBackupBackend
        for account_backends in backends.values():
            account_backends.backend = SandboxBackupBackend
            account_backends.clear()


def installed() -> bool:
    return moto_backup_models.backup_backends.backend is SandboxBackupBackend
