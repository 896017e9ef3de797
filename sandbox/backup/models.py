"""The extended AWS Backup backend: moto's BackupBackend plus the sandbox's operations.

``SandboxBackupBackend`` is composed of parts, each in its own module:

* ``state``: the shared state (recovery points, jobs, selections, idempotency records) and helpers;
* ``settings``: DescribeRegionSettings / UpdateRegionSettings (opt-in, full management);
* ``recovery_points``: recovery points, their lifecycle on the clock, and the read/delete operations;
* ``backup_jobs``: StartBackupJob, DescribeBackupJob, ListBackupJobs and the job life cycle;
* ``selections``: Create/Get/List/DeleteBackupSelection;
* ``scheduler``: plan rules firing on the SimClock;
* ``copy_restore`` (helper A2): copy jobs, restore jobs, restore metadata, vault access policies.

This class only joins them: a plan rule's ``CopyActions`` start copy jobs when its backup completes.
``sandbox.backup.install.install()`` makes moto build this class for every account and Region.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from moto.core.exceptions import JsonRESTError

from sandbox.backup.copy_restore import CopyRestoreBackendMixin
from sandbox.backup.scheduler import PlanSchedulerMixin

if TYPE_CHECKING:
    from sandbox.backup.records import BackupJob, RecoveryPoint

LOG = logging.getLogger(__name__)


class SandboxBackupBackend(CopyRestoreBackendMixin, PlanSchedulerMixin):
    """AWS Backup for one account and Region, as the sandbox runs it."""

    def after_backup_completed(self, job: BackupJob, point: RecoveryPoint) -> None:
        """Start the copies the plan rule asks for (as AWS does after a plan backup completes)."""
        for action in self.copy_actions(job):
            try:
                self.start_copy_job(
                    recovery_point_arn=point.arn,
                    source_backup_vault_name=point.vault_name,
                    destination_backup_vault_arn=action["DestinationBackupVaultArn"],
                    iam_role_arn=job.iam_role_arn,
                    lifecycle=action.get("Lifecycle"),
                    created_by=job.created_by,
                    created_by_backup_job_id=job.job_id,
                )
            except JsonRESTError as error:  # a copy AWS would refuse: the backup itself stands
                LOG.warning("copy action of backup job %s not started: %s", job.job_id, error.description)
