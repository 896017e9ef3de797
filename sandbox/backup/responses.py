"""Request handlers of the extended AWS Backup service.

``SandboxBackupResponse`` keeps moto's own handlers (plans, vaults, tags, vault lock, report plans)
and adds the extension's. Parameters are parsed from the botocore model
(``automated_parameter_parsing``): ``self._get_param("MemberName")`` returns the member by its
MODEL name, wherever the request carries it (JSON body, URI label, query string), already typed
(``MaxResults`` an int, ``ByCreatedAfter`` a naive UTC datetime, ``Lifecycle`` a dict). Handlers
return ``ActionResult`` dicts keyed by the output shape's member names; moto serialises them
through the botocore output shape (datetimes become the protocol's timestamps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from moto.backup.models import backup_backends
from moto.backup.responses import BackupResponse
from moto.core.responses import ActionResult, EmptyResult

from sandbox.backup.copy_restore import CopyRestoreResponseMixin
from sandbox.backup.paging import paginate
from sandbox.backup.recovery_points import recovery_point_view

if TYPE_CHECKING:
    from sandbox.backup.models import SandboxBackupBackend
    from sandbox.backup.records import Selection

#: ListRecoveryPointsByBackupVault filters (model member names)
_VAULT_FILTERS = (
    "BackupVaultAccountId",
    "ByResourceArn",
    "ByResourceType",
    "ByBackupPlanId",
    "ByCreatedBefore",
    "ByCreatedAfter",
    "ByParentRecoveryPointArn",
)
#: ListBackupJobs filters (model member names)
_JOB_FILTERS = (
    "ByResourceArn",
    "ByState",
    "ByBackupVaultName",
    "ByCreatedBefore",
    "ByCreatedAfter",
    "ByResourceType",
    "ByAccountId",
    "ByCompleteAfter",
    "ByCompleteBefore",
    "ByParentJobId",
    "ByMessageCategory",
)


def _page(key: str, items: list[Any], token: str | None) -> ActionResult:
    result: dict[str, Any] = {key: items}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def _selection_view(selection: Selection) -> dict[str, Any]:
    """GetBackupSelection / BackupSelectionsListMember fields (moto's serializer keeps each shape's own)."""
    return {
        "SelectionId": selection.selection_id,
        "SelectionName": selection.selection["SelectionName"],
        "BackupPlanId": selection.plan_id,
        "CreationDate": selection.creation_date,
        "CreatorRequestId": selection.creator_request_id,
        "IamRoleArn": selection.selection["IamRoleArn"],
    }


class SandboxBackupResponse(CopyRestoreResponseMixin, BackupResponse):
    """moto's BackupResponse plus the sandbox's operations."""

    def __init__(self) -> None:
        super().__init__()
        self.automated_parameter_parsing = True

    @property
    def sandbox_backend(self) -> SandboxBackupBackend:
        return cast("SandboxBackupBackend", backup_backends[self.current_account][self.region])

    def _filters(self, names: tuple[str, ...]) -> dict[str, Any]:
        return {name: self._get_param(name) for name in names if self._get_param(name) is not None}

    # -- selections ------------------------------------------------------------------------------
    def create_backup_selection(self) -> ActionResult:
        selection = self.sandbox_backend.create_backup_selection(
            self._get_param("BackupPlanId"),
            self._get_param("BackupSelection") or {},
            self._get_param("CreatorRequestId"),
        )
        return ActionResult(
            {
                "SelectionId": selection.selection_id,
                "BackupPlanId": selection.plan_id,
                "CreationDate": selection.creation_date,
            }
        )

    def get_backup_selection(self) -> ActionResult:
        selection = self.sandbox_backend.get_backup_selection(
            self._get_param("BackupPlanId"), self._get_param("SelectionId")
        )
        return ActionResult({**_selection_view(selection), "BackupSelection": selection.selection})

    def list_backup_selections(self) -> ActionResult:
        selections, token = self.sandbox_backend.list_backup_selections(
            self._get_param("BackupPlanId"), self._get_param("MaxResults"), self._get_param("NextToken")
        )
        return _page("BackupSelectionsList", [_selection_view(s) for s in selections], token)

    def delete_backup_selection(self) -> EmptyResult:
        self.sandbox_backend.delete_backup_selection(
            self._get_param("BackupPlanId"), self._get_param("SelectionId")
        )
        return EmptyResult()

    # -- backup jobs -----------------------------------------------------------------------------
    def start_backup_job(self) -> ActionResult:
        backend = self.sandbox_backend
        job = backend.start_backup_job(dict(self.params))
        result: dict[str, Any] = {
            "BackupJobId": job.job_id,
            "CreationDate": job.creation_date,
            "IsParent": False,
        }
        recovery_point_arn = backend.returned_recovery_point_arn(job)
        if recovery_point_arn:
            result["RecoveryPointArn"] = recovery_point_arn
        return ActionResult(result)

    def describe_backup_job(self) -> ActionResult:
        backend = self.sandbox_backend
        return ActionResult(backend.job_view(backend.describe_backup_job(self._get_param("BackupJobId"))))

    def list_backup_jobs(self) -> ActionResult:
        backend = self.sandbox_backend
        jobs, token = backend.list_backup_jobs(
            self._filters(_JOB_FILTERS), self._get_param("MaxResults"), self._get_param("NextToken")
        )
        return _page("BackupJobs", [backend.job_view(job) for job in jobs], token)

    # -- recovery points and protected resources -------------------------------------------------
    def list_recovery_points_by_backup_vault(self) -> ActionResult:
        points, token = self.sandbox_backend.list_recovery_points_by_backup_vault(
            self._get_param("BackupVaultName"),
            self._filters(_VAULT_FILTERS),
            self._get_param("MaxResults"),
            self._get_param("NextToken"),
        )
        return _page("RecoveryPoints", [recovery_point_view(p) for p in points], token)

    def list_recovery_points_by_resource(self) -> ActionResult:
        points, token = self.sandbox_backend.list_recovery_points_by_resource(
            self._get_param("ResourceArn"), self._get_param("MaxResults"), self._get_param("NextToken")
        )
        return _page("RecoveryPoints", points, token)

    def describe_recovery_point(self) -> ActionResult:
        point = self.sandbox_backend.describe_recovery_point(
            self._get_param("BackupVaultName"),
            self._get_param("RecoveryPointArn"),
            self._get_param("BackupVaultAccountId"),
        )
        return ActionResult(recovery_point_view(point))

    def delete_recovery_point(self) -> EmptyResult:
        self.sandbox_backend.delete_recovery_point(
            self._get_param("BackupVaultName"), self._get_param("RecoveryPointArn")
        )
        return EmptyResult()

    def list_protected_resources(self) -> ActionResult:
        resources, token = paginate(
            self.sandbox_backend.protected_resources(),
            self._get_param("MaxResults"),
            self._get_param("NextToken"),
        )
        return _page("Results", resources, token)

    def describe_protected_resource(self) -> ActionResult:
        return ActionResult(self.sandbox_backend.describe_protected_resource(self._get_param("ResourceArn")))

    # -- region settings -------------------------------------------------------------------------
    def describe_region_settings(self) -> ActionResult:
        return ActionResult(self.sandbox_backend.describe_region_settings())

    def update_region_settings(self) -> EmptyResult:
        self.sandbox_backend.update_region_settings(
            self._get_param("ResourceTypeOptInPreference"),
            self._get_param("ResourceTypeManagementPreference"),
        )
        return EmptyResult()
