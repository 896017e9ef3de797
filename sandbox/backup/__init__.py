"""The sandbox's AWS Backup: moto's backend extended with selections, jobs, recovery points,
plan schedules, copies, restores and the events AWS sends.

``install()`` (idempotent) makes moto serve it, under ``mock_aws`` and in moto's server. The
modules are imported on first use, so that importing a submodule (records, events) never drags
in the whole backend.
"""

from __future__ import annotations


def install() -> None:
    """Make moto's AWS Backup the extended one (see ``sandbox.backup.install``)."""
    from sandbox.backup.install import install as _install

    _install()
