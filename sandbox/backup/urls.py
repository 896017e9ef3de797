"""URL map of the extended AWS Backup service (the ``_url_module`` of ``backend.SandboxBackupBackend``).

Every path of moto's own ``moto.backup.urls`` is listed again here, bound to
``SandboxBackupResponse.dispatch``: moto resolves the operation from the botocore model (method +
URI) and then calls ``camelcase_to_underscores(operation)`` on the Response class bound to the URL
that matched, so a path left bound to moto's ``BackupResponse`` would answer "not implemented" for
the extension's operations. Under ``mock_aws`` the first matching regex wins, so the most specific
paths come first. In server mode moto turns each regex into a werkzeug rule, drops ``$`` and a
trailing ``/?`` (``strict_slashes=False``), so a path whose URI ends in ``/`` is listed with an
explicit ``/$``. ARNs in paths are matched with ``.+``: the server hands them over percent-decoded,
slashes included (``arn:aws:ec2:...::snapshot/snap-...``).

URIs are those of the botocore ``backup`` model (``operation_model(X).http["requestUri"]``).
"""

from __future__ import annotations

from sandbox.backup.responses import SandboxBackupResponse

url_bases = [
    r"https?://backup\.(.+)\.amazonaws\.com",
]

_dispatch = SandboxBackupResponse.dispatch

url_paths = {
    # -- the extension's operations ------------------------------------------------------------------
    # Create/ListBackupSelections: /backup/plans/{backupPlanId}/selections/
    "{0}/backup/plans/(?P<backupPlanId>[^/]+)/selections/$": _dispatch,
    # Get/DeleteBackupSelection
    "{0}/backup/plans/(?P<backupPlanId>[^/]+)/selections/(?P<selectionId>[^/]+)$": _dispatch,
    # StartBackupJob (PUT /backup-jobs), ListBackupJobs (GET /backup-jobs/)
    "{0}/backup-jobs$": _dispatch,
    "{0}/backup-jobs/$": _dispatch,
    # DescribeBackupJob
    "{0}/backup-jobs/(?P<backupJobId>[^/]+)$": _dispatch,
    # StartCopyJob, ListCopyJobs, DescribeCopyJob
    "{0}/copy-jobs$": _dispatch,
    "{0}/copy-jobs/$": _dispatch,
    "{0}/copy-jobs/(?P<copyJobId>[^/]+)$": _dispatch,
    # StartRestoreJob, ListRestoreJobs, PutRestoreValidationResult, GetRestoreJobMetadata, DescribeRestoreJob
    "{0}/restore-jobs$": _dispatch,
    "{0}/restore-jobs/$": _dispatch,
    "{0}/restore-jobs/(?P<restoreJobId>[^/]+)/validations$": _dispatch,
    "{0}/restore-jobs/(?P<restoreJobId>[^/]+)/metadata$": _dispatch,
    "{0}/restore-jobs/(?P<restoreJobId>[^/]+)$": _dispatch,
    # GetRestoreTestingInferredMetadata
    "{0}/restore-testing/inferred-metadata$": _dispatch,
    # Create/ListRestoreTestingPlans, Get/Update/DeleteRestoreTestingPlan,
    # Create/ListRestoreTestingSelections, Get/Update/DeleteRestoreTestingSelection
    "{0}/restore-testing/plans$": _dispatch,
    "{0}/restore-testing/plans/$": _dispatch,
    "{0}/restore-testing/plans/(?P<RestoreTestingPlanName>[^/]+)/selections$": _dispatch,
    "{0}/restore-testing/plans/(?P<RestoreTestingPlanName>[^/]+)/selections/$": _dispatch,
    "{0}/restore-testing/plans/(?P<RestoreTestingPlanName>[^/]+)/selections/"
    "(?P<RestoreTestingSelectionName>[^/]+)$": _dispatch,
    "{0}/restore-testing/plans/(?P<RestoreTestingPlanName>[^/]+)$": _dispatch,
    # ListProtectedResources, ListRecoveryPointsByResource, ListRestoreJobsByProtectedResource,
    # DescribeProtectedResource
    "{0}/resources/$": _dispatch,
    "{0}/resources/(?P<resourceArn>.+)/recovery-points/$": _dispatch,
    "{0}/resources/(?P<resourceArn>.+)/restore-jobs/$": _dispatch,
    "{0}/resources/(?P<resourceArn>.+)$": _dispatch,
    # ListRecoveryPointsByBackupVault, GetRecoveryPointRestoreMetadata,
    # Describe/Delete/UpdateRecoveryPoint(Lifecycle)
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/$": _dispatch,
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/(?P<recoveryPointArn>.+)"
    "/restore-metadata$": _dispatch,
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/(?P<recoveryPointArn>.+)$": _dispatch,
    # Put/Get/DeleteBackupVaultAccessPolicy
    "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/access-policy$": _dispatch,
    # Describe/UpdateRegionSettings
    "{0}/account-settings$": _dispatch,
    # -- moto's own paths (moto.backup.urls), rebound to the subclass ------------------------------
    "{0}/audit/report-plans$": _dispatch,
    "{0}/audit/report-plans/(?P<reportPlanName>[^/]+)$": _dispatch,
    "{0}/backup/plans/$": _dispatch,
    "{0}/backup/plans$": _dispatch,
    # moto matches (?P<name>.+)/?$ here; [^/]+ keeps it from swallowing .../selections/..., and
    # werkzeug needs the trailing-slash form (GetBackupPlan: GET /backup/plans/{id}/) spelled out
    "{0}/backup/plans/(?P<name>[^/]+)/$": _dispatch,
    "{0}/backup/plans/(?P<name>[^/]+)$": _dispatch,
    "{0}/backup-vaults/$": _dispatch,
    "{0}/backup-vaults/(?P<name>[^/]+)/vault-lock$": _dispatch,
    "{0}/backup-vaults/(?P<name>[^/]+)$": _dispatch,
    "{0}/tags/(?P<resource_arn>.+)$": _dispatch,
    "{0}/untag/(?P<resource_arn>.+)$": _dispatch,
    # -- every other path of the backup endpoint (LAST: the first match wins under mock_aws): the
    # response resolves the operation from the model and refuses it as JSON
    # (UnsupportedOperationException), instead of moto's 404 (HTML in server mode)
    "{0}/(?P<unsupported_path>.*)$": _dispatch,
}
