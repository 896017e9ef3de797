"""The extended AWS Backup backend: moto's BackupBackend, composed with the sandbox's services.

``SandboxBackupBackend`` is the one place the parts meet. It builds the shared
:class:`~sandbox.backup.state.BackupState` (over moto's own ``vaults`` and ``plans``) and one
service per AWS concept over it, each given the peers it needs:

=====================  ==========================================================================
``region_settings``    Describe/UpdateRegionSettings (opt-in, full management)
``recovery_points``    recovery points and protected resources, their lifecycle on the clock
``backup_jobs``        StartBackupJob, DescribeBackupJob, ListBackupJobs, the job life cycle
``selections``         Create/Get/List/DeleteBackupSelection
``plan_schedule``      plan rules' windows on the clock, the plan jobs they start
``vault_policy``       Put/Get/DeleteBackupVaultAccessPolicy
``vault_lock``         what a locked vault refuses (jobs, lifecycle updates, deletes), over moto's lock
``copies``             StartCopyJob, DescribeCopyJob, ListCopyJobs, the copy life cycle
``restores``           StartRestoreJob, Describe/ListRestoreJobs, PutRestoreValidationResult
``restore_metadata``   GetRecoveryPointRestoreMetadata, GetRestoreTestingInferredMetadata
``restore_testing``    Create/Get/List/Update/DeleteRestoreTestingPlan and -Selection, the plans'
                       runs on the clock (restore jobs through ``restores``)
``restore_test_cleanup``  what restore tests restored: tagged, kept for validation, deleted
=====================  ==========================================================================

Cross-concept reactions are wired here and nowhere else:

* a backup job that completes registers its recovery point (``recovery_points.register``), then
  the CopyActions of the plan rule that started it start copy jobs (:meth:`_start_copy_actions`);
* a restore job that finishes, or gets a validation result, is handed to ``restore_test_cleanup``
  (which acts on the jobs of restore testing plans only);
* a service reaches its counterpart in another account or Region (a copy's destination, a vault of
  ``BackupVaultAccountId``) through ``peers``, which looks that backend up in moto at call time;
* moto's own operations keep their behaviour, with the extension's rules around them:
  CreateBackupPlan validates the rules and schedules them, DeleteBackupPlan refuses a plan with
  selections and cancels its schedule, DeleteBackupVault refuses a vault with recovery points and
  forgets its access policy.

``sandbox.backup.install.install()`` makes moto build this class for every account and Region.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from moto.backup.models import BackupBackend
from moto.core.exceptions import JsonRESTError

from sandbox.backup import urls
from sandbox.backup.backup_jobs import BackupJobs
from sandbox.backup.copies import Copies
from sandbox.backup.plan_schedule import PlanSchedule
from sandbox.backup.recovery_points import RecoveryPoints
from sandbox.backup.region_settings import RegionSettings, default_management, default_opt_in
from sandbox.backup.restore_metadata import RestoreMetadata
from sandbox.backup.restore_test_cleanup import RestoreTestCleanup
from sandbox.backup.restore_testing import RestoreTesting
from sandbox.backup.restores import Restores
from sandbox.backup.selections import Selections
from sandbox.backup.state import BackupState, backend_for
from sandbox.backup.vault_lock import VaultLock
from sandbox.backup.vault_policy import VaultPolicy

if TYPE_CHECKING:
    import datetime as dt

    from moto.backup.models import Plan

    from sandbox.backup.records import BackupJob, RecoveryPoint
    from sandbox.backup.responses import BackupServices

LOG = logging.getLogger(__name__)


def _backend_of(account: str, region: str) -> SandboxBackupBackend:
    """The extended backend of an account/Region (moto builds it on first use)."""
    backend = backend_for(account, region)
    assert isinstance(backend, SandboxBackupBackend), "sandbox.backup.install() has not run"
    return backend


class SandboxBackupBackend(BackupBackend):
    """AWS Backup for one account and Region, as the sandbox runs it."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.state = BackupState(
            account_id=account_id,
            region_name=region_name,
            partition=self.partition,
            vaults=self.vaults,
            plans=self.plans,
            opt_in=default_opt_in(),
            management=default_management(),
        )
        state = self.state
        self.region_settings = RegionSettings(state)
        self.vault_lock = VaultLock(state)
        self.recovery_points = RecoveryPoints(
            state,
            peers=lambda account, region: _backend_of(account, region).recovery_points,
            vault_lock=self.vault_lock,
        )
        self.backup_jobs = BackupJobs(
            state,
            region_settings=self.region_settings,
            register_point=self.recovery_points.register,
            after_completed=self._start_copy_actions,
            vault_lock=self.vault_lock,
        )
        self.selections = Selections(state)
        self.plan_schedule = PlanSchedule(
            state,
            selections=self.selections,
            region_settings=self.region_settings,
            backup_jobs=self.backup_jobs,
        )
        self.vault_policy = VaultPolicy(state)
        self.copies = Copies(
            state,
            recovery_points=self.recovery_points,
            vault_policy=self.vault_policy,
            vault_lock=self.vault_lock,
            peers=lambda account, region: _backend_of(account, region).copies,
        )
        self.restore_test_cleanup = RestoreTestCleanup(state)
        self.restores = Restores(
            state,
            after_finished=self.restore_test_cleanup.restore_finished,
            after_validation=self.restore_test_cleanup.validation_put,
        )
        self.restore_metadata = RestoreMetadata(recovery_points=self.recovery_points)
        self.restore_testing = RestoreTesting(state, restores=self.restores, tag_resource=self.tag_resource)

    @property
    def _url_module(self) -> Any:
        """moto derives the URL map from the class's module name (``x.models`` -> ``x.urls``): the
        extension's is ``sandbox.backup.urls``, which routes every backup path to its Response."""
        return urls

    # -- reactions -------------------------------------------------------------------------------
    def _start_copy_actions(self, job: BackupJob, point: RecoveryPoint) -> None:
        """Start the copies the plan rule asks for (as AWS does after a plan backup completes)."""
        for action in self.plan_schedule.copy_actions(job):
            try:
                self.copies.start_copy_job(
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

    # -- moto's plan and vault operations, with the extension's rules ----------------------------
    def create_backup_plan(
        self, backup_plan: dict[str, Any], backup_plan_tags: dict[str, str], creator_request_id: str
    ) -> Plan:
        self.plan_schedule.validate_plan(backup_plan)
        plan = super().create_backup_plan(backup_plan, backup_plan_tags, creator_request_id)
        self.plan_schedule.plan_created()
        return plan

    def delete_backup_plan(self, backup_plan_id: str) -> tuple[str, str, float, str]:
        self.selections.check_plan_deletable(backup_plan_id)
        result = super().delete_backup_plan(backup_plan_id)
        self.plan_schedule.unschedule(backup_plan_id)
        return result

    def list_tags(self, resource_arn: str) -> dict[str, str]:
        """ListTags of a recovery point answers its tags too (the resource's at backup time and the
        job's RecoveryPointTags: ``job_points.point_tags``), as the API documents ("a target recovery
        point, backup plan, or backup vault"); moto keeps only what TagResource gave it."""
        own = super().list_tags(resource_arn)
        point = self.state.recovery_points.get(resource_arn)
        return {**point.tags, **own} if point is not None else own

    def delete_backup_vault(self, backup_vault_name: str) -> None:
        self.recovery_points.check_vault_deletable(backup_vault_name)
        super().delete_backup_vault(backup_vault_name)
        self.vault_policy.vault_deleted(backup_vault_name)

    # -- sandbox conveniences --------------------------------------------------------------------
    def plan_next_window(self, plan_id: str, rule_name: str | None = None) -> dt.datetime:
        """When the plan rule's next window opens (``plan_schedule.plan_next_window``)."""
        return self.plan_schedule.plan_next_window(plan_id, rule_name)

    def restore_testing_next_run(self, plan_name: str) -> dt.datetime:
        """When the restore testing plan runs next (``restore_testing.plan_next_run``)."""
        return self.restore_testing.plan_next_run(plan_name)


if TYPE_CHECKING:
    #: the response layer reaches the services through ``responses.BackupServices`` (mypy checks it)
    _AS_THE_RESPONSES_SEE_IT: type[BackupServices] = SandboxBackupBackend
