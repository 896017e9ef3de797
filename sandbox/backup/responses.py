"""Request handlers of the extended AWS Backup service (the response layer: no business logic).

``SandboxBackupResponse`` keeps moto's own handlers (plans, vaults, tags, vault lock, report plans)
and adds the extension's: each parses its parameters, calls ``<service>.<operation>`` of the
account and Region's backend (:class:`BackupServices`, what ``backend.SandboxBackupBackend``
composes) and shapes the result. Parameters are parsed from the botocore model
(``automated_parameter_parsing``): ``self._get_param("MemberName")`` returns the member by its
MODEL name, wherever the request carries it (JSON body, URI label, query string), already typed
(``MaxResults`` an int, ``ByCreatedAfter`` a naive UTC datetime, ``Lifecycle`` a dict). Handlers
return ``ActionResult`` dicts keyed by the output shape's member names; moto serialises them
through the botocore output shape (datetimes become the protocol's timestamps).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol, cast

from moto.backup.models import backup_backends
from moto.backup.responses import BackupResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import camelcase_to_underscores, method_names_from_class

from sandbox.backup.copies import copy_job_shape
from sandbox.backup.errors import UnsupportedOperationException
from sandbox.backup.lifecycle import calculated_lifecycle
from sandbox.backup.recovery_points import by_resource_view, recovery_point_view
from sandbox.backup.restore_testing_responses import RestoreTestingResponses
from sandbox.backup.restores import restore_job_shape

if TYPE_CHECKING:
    from sandbox.backup.backup_jobs import BackupJobs
    from sandbox.backup.copies import Copies
    from sandbox.backup.records import Selection
    from sandbox.backup.recovery_points import RecoveryPoints
    from sandbox.backup.region_settings import RegionSettings
    from sandbox.backup.restore_metadata import RestoreMetadata
    from sandbox.backup.restore_testing import RestoreTesting
    from sandbox.backup.restores import Restores
    from sandbox.backup.selections import Selections
    from sandbox.backup.vault_policy import VaultPolicy

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
_COPY_JOB_FILTERS = (
    "ByResourceArn", "ByState", "ByCreatedBefore", "ByCreatedAfter", "ByResourceType",
    "ByDestinationVaultArn", "ByAccountId", "ByCompleteBefore", "ByCompleteAfter", "ByParentJobId",
    "ByMessageCategory", "BySourceRecoveryPointArn",
)  # fmt: skip
_RESTORE_JOB_FILTERS = (
    "ByAccountId", "ByResourceType", "ByCreatedBefore", "ByCreatedAfter", "ByStatus",
    "ByCompleteBefore", "ByCompleteAfter", "ByRestoreTestingPlanArn", "ByParentJobId",
)  # fmt: skip
_RESTORES_BY_RESOURCE_FILTERS = (
    "ByStatus",
    "ByRecoveryPointCreationDateAfter",
    "ByRecoveryPointCreationDateBefore",
)


class BackupServices(Protocol):
    """The services of one account and Region's backend, as the handlers call them."""

    @property
    def region_settings(self) -> RegionSettings: ...
    @property
    def recovery_points(self) -> RecoveryPoints: ...
    @property
    def backup_jobs(self) -> BackupJobs: ...
    @property
    def selections(self) -> Selections: ...
    @property
    def vault_policy(self) -> VaultPolicy: ...
    @property
    def copies(self) -> Copies: ...
    @property
    def restores(self) -> Restores: ...
    @property
    def restore_metadata(self) -> RestoreMetadata: ...
    @property
    def restore_testing(self) -> RestoreTesting: ...


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


class SandboxBackupResponse(BackupResponse, RestoreTestingResponses):
    """moto's BackupResponse plus the sandbox's operations (restore testing's in a mixin)."""

    def __init__(self) -> None:
        super().__init__()
        self.automated_parameter_parsing = True

    @property
    def services(self) -> BackupServices:
        """The extended backend of the request's account and Region."""
        return cast("BackupServices", backup_backends[self.current_account][self.region])

    def _filters(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The filters the request sets."""
        return {name: self._get_param(name) for name in names if self._get_param(name) is not None}

    def _all_filters(self, names: tuple[str, ...]) -> dict[str, Any]:
        """Every filter, None when the request does not set it."""
        return {name: self._get_param(name) for name in names}

    def _paging(self) -> tuple[int | None, str | None]:
        return self._get_param("MaxResults"), self._get_param("NextToken")

    # -- every operation: handled, or refused as AWS-shaped JSON ---------------------------------
    def call_action(self) -> Any:
        """An operation without a handler here answers ``UnsupportedOperationException`` (HTTP 400,
        JSON, not retried by the SDKs: ``errors.UnsupportedOperationException``), never moto's
        NotImplementedError (HTML 500 in server mode) or "not yet implemented" 404."""
        operation = self._get_action()
        if not operation or camelcase_to_underscores(operation) not in method_names_from_class(type(self)):
            error = UnsupportedOperationException.for_operation(operation)
            headers = {**self.response_headers, **dict(error.get_headers()), "status": error.code}
            return error.code, headers, error.description
        return super().call_action()

    # -- moto's plan handlers, reading the model's member names -----------------------------------
    # moto's own get_backup_plan/list_backup_plans read the wire names (versionId, includeDeleted)
    # from raw parameters, which automated parameter parsing replaces with the model's names.
    def get_backup_plan(self) -> str:
        plan = self.backup_backend.get_backup_plan(
            backup_plan_id=self._get_param("BackupPlanId"), version_id=self._get_param("VersionId")
        )
        return json.dumps(dict(plan.to_get_dict()))

    def list_backup_plans(self) -> str:
        plans = self.backup_backend.list_backup_plans(include_deleted=self._get_param("IncludeDeleted"))
        return json.dumps({"BackupPlansList": [plan.to_list_dict() for plan in plans]})

    # -- selections ------------------------------------------------------------------------------
    def create_backup_selection(self) -> ActionResult:
        selection = self.services.selections.create_backup_selection(
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
        selection = self.services.selections.get_backup_selection(
            self._get_param("BackupPlanId"), self._get_param("SelectionId")
        )
        return ActionResult({**_selection_view(selection), "BackupSelection": selection.selection})

    def list_backup_selections(self) -> ActionResult:
        selections, token = self.services.selections.list_backup_selections(
            self._get_param("BackupPlanId"), *self._paging()
        )
        return _page("BackupSelectionsList", [_selection_view(s) for s in selections], token)

    def delete_backup_selection(self) -> EmptyResult:
        self.services.selections.delete_backup_selection(
            self._get_param("BackupPlanId"), self._get_param("SelectionId")
        )
        return EmptyResult()

    # -- backup jobs -----------------------------------------------------------------------------
    def start_backup_job(self) -> ActionResult:
        backup_jobs = self.services.backup_jobs
        job = backup_jobs.start_backup_job(dict(self.params))
        result: dict[str, Any] = {
            "BackupJobId": job.job_id,
            "CreationDate": job.creation_date,
            "IsParent": False,
        }
        recovery_point_arn = backup_jobs.returned_recovery_point_arn(job)
        if recovery_point_arn:
            result["RecoveryPointArn"] = recovery_point_arn
        return ActionResult(result)

    def describe_backup_job(self) -> ActionResult:
        backup_jobs = self.services.backup_jobs
        return ActionResult(
            backup_jobs.job_view(backup_jobs.describe_backup_job(self._get_param("BackupJobId")))
        )

    def stop_backup_job(self) -> EmptyResult:
        self.services.backup_jobs.stop_backup_job(self._get_param("BackupJobId"))
        return EmptyResult()

    def list_backup_jobs(self) -> ActionResult:
        backup_jobs = self.services.backup_jobs
        jobs, token = backup_jobs.list_backup_jobs(self._filters(_JOB_FILTERS), *self._paging())
        return _page("BackupJobs", [backup_jobs.job_view(job) for job in jobs], token)

    # -- recovery points and protected resources -------------------------------------------------
    def list_recovery_points_by_backup_vault(self) -> ActionResult:
        points, token = self.services.recovery_points.list_recovery_points_by_backup_vault(
            self._get_param("BackupVaultName"), self._filters(_VAULT_FILTERS), *self._paging()
        )
        return _page("RecoveryPoints", [recovery_point_view(p) for p in points], token)

    def list_recovery_points_by_resource(self) -> ActionResult:
        points, token = self.services.recovery_points.list_recovery_points_by_resource(
            self._get_param("ResourceArn"), *self._paging()
        )
        return _page("RecoveryPoints", [by_resource_view(p) for p in points], token)

    def describe_recovery_point(self) -> ActionResult:
        point = self.services.recovery_points.describe_recovery_point(
            self._get_param("BackupVaultName"),
            self._get_param("RecoveryPointArn"),
            self._get_param("BackupVaultAccountId"),
        )
        return ActionResult(recovery_point_view(point))

    def delete_recovery_point(self) -> EmptyResult:
        self.services.recovery_points.delete_recovery_point(
            self._get_param("BackupVaultName"), self._get_param("RecoveryPointArn")
        )
        return EmptyResult()

    def update_recovery_point_lifecycle(self) -> ActionResult:
        point = self.services.recovery_points.update_recovery_point_lifecycle(
            self._get_param("BackupVaultName"),
            self._get_param("RecoveryPointArn"),
            self._get_param("Lifecycle"),
        )
        return ActionResult(
            {
                "BackupVaultArn": point.vault_arn,
                "RecoveryPointArn": point.arn,
                "Lifecycle": point.lifecycle,
                "CalculatedLifecycle": calculated_lifecycle(point),
            }
        )

    def list_protected_resources(self) -> ActionResult:
        resources, token = self.services.recovery_points.list_protected_resources(*self._paging())
        return _page("Results", resources, token)

    def describe_protected_resource(self) -> ActionResult:
        resource = self.services.recovery_points.describe_protected_resource(self._get_param("ResourceArn"))
        return ActionResult(resource)

    # -- restore metadata ------------------------------------------------------------------------
    def _point_address(self) -> tuple[str, str, str | None]:
        return (
            self._get_param("BackupVaultName"),
            self._get_param("RecoveryPointArn"),
            self._get_param("BackupVaultAccountId"),
        )

    def get_recovery_point_restore_metadata(self) -> ActionResult:
        metadata = self.services.restore_metadata
        vault, point, restore_metadata = metadata.get_recovery_point_restore_metadata(*self._point_address())
        return ActionResult(
            {
                "BackupVaultArn": vault.backup_vault_arn,
                "RecoveryPointArn": point.arn,
                "RestoreMetadata": restore_metadata,
                "ResourceType": point.resource_type,
            }
        )

    def get_restore_testing_inferred_metadata(self) -> ActionResult:
        metadata = self.services.restore_metadata
        inferred = metadata.get_restore_testing_inferred_metadata(*self._point_address())
        return ActionResult({"InferredMetadata": inferred})

    # -- region settings -------------------------------------------------------------------------
    def describe_region_settings(self) -> ActionResult:
        return ActionResult(self.services.region_settings.describe_region_settings())

    def update_region_settings(self) -> EmptyResult:
        self.services.region_settings.update_region_settings(
            self._get_param("ResourceTypeOptInPreference"),
            self._get_param("ResourceTypeManagementPreference"),
        )
        return EmptyResult()

    # -- copy jobs -------------------------------------------------------------------------------
    def start_copy_job(self) -> ActionResult:
        job = self.services.copies.start_copy_job(
            recovery_point_arn=self._get_param("RecoveryPointArn"),
            source_backup_vault_name=self._get_param("SourceBackupVaultName"),
            destination_backup_vault_arn=self._get_param("DestinationBackupVaultArn"),
            iam_role_arn=self._get_param("IamRoleArn"),
            idempotency_token=self._get_param("IdempotencyToken"),
            lifecycle=self._get_param("Lifecycle"),
        )
        return ActionResult({"CopyJobId": job.job_id, "CreationDate": job.creation_date, "IsParent": False})

    def describe_copy_job(self) -> ActionResult:
        job = self.services.copies.describe_copy_job(self._get_param("CopyJobId"))
        return ActionResult({"CopyJob": copy_job_shape(job)})

    def list_copy_jobs(self) -> ActionResult:
        jobs, token = self.services.copies.list_copy_jobs(
            self._all_filters(_COPY_JOB_FILTERS), *self._paging()
        )
        return _page("CopyJobs", [copy_job_shape(job) for job in jobs], token)

    # -- restore jobs ----------------------------------------------------------------------------
    def start_restore_job(self) -> ActionResult:
        job = self.services.restores.start_restore_job(
            recovery_point_arn=self._get_param("RecoveryPointArn"),
            metadata=self._get_param("Metadata"),
            iam_role_arn=self._get_param("IamRoleArn"),
            idempotency_token=self._get_param("IdempotencyToken"),
            resource_type=self._get_param("ResourceType"),
            copy_source_tags=self._get_param("CopySourceTagsToRestoredResource"),
        )
        return ActionResult({"RestoreJobId": job.job_id})

    def describe_restore_job(self) -> ActionResult:
        job = self.services.restores.describe_restore_job(self._get_param("RestoreJobId"))
        return ActionResult(restore_job_shape(job))

    def list_restore_jobs(self) -> ActionResult:
        jobs, token = self.services.restores.list_restore_jobs(
            self._all_filters(_RESTORE_JOB_FILTERS), *self._paging()
        )
        return _page("RestoreJobs", [restore_job_shape(job) for job in jobs], token)

    def list_restore_jobs_by_protected_resource(self) -> ActionResult:
        jobs, token = self.services.restores.list_restore_jobs_by_protected_resource(
            self._get_param("ResourceArn"), self._all_filters(_RESTORES_BY_RESOURCE_FILTERS), *self._paging()
        )
        return _page("RestoreJobs", [restore_job_shape(job) for job in jobs], token)

    def get_restore_job_metadata(self) -> ActionResult:
        job = self.services.restores.describe_restore_job(self._get_param("RestoreJobId"))
        return ActionResult({"RestoreJobId": job.job_id, "Metadata": job.metadata})

    def put_restore_validation_result(self) -> EmptyResult:
        self.services.restores.put_restore_validation_result(
            self._get_param("RestoreJobId"),
            self._get_param("ValidationStatus"),
            self._get_param("ValidationStatusMessage"),
        )
        return EmptyResult()

    # -- vault access policies -------------------------------------------------------------------
    def put_backup_vault_access_policy(self) -> EmptyResult:
        self.services.vault_policy.put_backup_vault_access_policy(
            self._get_param("BackupVaultName"), self._get_param("Policy")
        )
        return EmptyResult()

    def get_backup_vault_access_policy(self) -> ActionResult:
        vault, policy = self.services.vault_policy.get_backup_vault_access_policy(
            self._get_param("BackupVaultName")
        )
        return ActionResult(
            {
                "BackupVaultName": vault.backup_vault_name,
                "BackupVaultArn": vault.backup_vault_arn,
                "Policy": policy,
            }
        )

    def delete_backup_vault_access_policy(self) -> EmptyResult:
        self.services.vault_policy.delete_backup_vault_access_policy(self._get_param("BackupVaultName"))
        return EmptyResult()
