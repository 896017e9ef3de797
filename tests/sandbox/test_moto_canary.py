"""Canary: fails when moto changes an internal the Backup extension relies on, or implements one of
the extension's operations itself (then the extension should defer to moto, or drop its copy).

What the extension relies on (see sandbox/backup/install.py and urls.py):
* ``backup_backends`` is a BackendDict whose ``backend`` class (and each per-account ``backend``)
  builds the region backends;
* ``BaseBackend._url_module`` names the URL map, and ``urls``/``flask_paths`` read its
  ``url_paths``; the server turns regexes into werkzeug rules and drops a trailing ``/?``;
* moto's own backup paths (rebound in sandbox/backup/urls.py) are exactly the ones listed below;
* the response parses parameters from the botocore model when ``automated_parameter_parsing``;
* moto's Plan and Vault objects have the attributes the extension reads.
"""

from __future__ import annotations

from importlib.metadata import version

import moto.backup.urls as moto_backup_urls
from moto.backup.models import BackupBackend, Plan, Vault, backup_backends
from moto.backup.responses import BackupResponse
from moto.core.base_backend import AccountSpecificBackend, BackendDict, BaseBackend
from moto.core.responses import BaseResponse
from moto.core.utils import camelcase_to_underscores, convert_regex_to_flask_path

from sandbox.backup import urls as sandbox_urls

#: operations the extension implements (the handlers of sandbox.backup.responses)
EXTENSION_OPERATIONS = [
    "CreateBackupSelection",
    "GetBackupSelection",
    "ListBackupSelections",
    "DeleteBackupSelection",
    "StartBackupJob",
    "DescribeBackupJob",
    "ListBackupJobs",
    "ListProtectedResources",
    "DescribeProtectedResource",
    "ListRecoveryPointsByResource",
    "ListRecoveryPointsByBackupVault",
    "DescribeRecoveryPoint",
    "DeleteRecoveryPoint",
    "UpdateRecoveryPointLifecycle",
    "DescribeRegionSettings",
    "UpdateRegionSettings",
    "StartCopyJob",
    "DescribeCopyJob",
    "ListCopyJobs",
    "StartRestoreJob",
    "DescribeRestoreJob",
    "ListRestoreJobs",
    "GetRecoveryPointRestoreMetadata",
    "GetRestoreTestingInferredMetadata",
    "PutRestoreValidationResult",
    "PutBackupVaultAccessPolicy",
    "GetBackupVaultAccessPolicy",
    "DeleteBackupVaultAccessPolicy",
]

#: moto 5.2.5's backup paths, all rebound to the extension's response class
MOTO_BACKUP_PATHS = {
    "{0}/audit/report-plans",
    "{0}/backup/plans/?$",
    "{0}/backup/plans/(?P<name>.+)/?$",
    "{0}/backup-vaults/$",
    "{0}/backup-vaults/(?P<name>[^/]+)$",
    "{0}/backup-vaults/(?P<name>[^/]+)/vault-lock$",
    "{0}/tags/(?P<resource_arn>.+)$",
    "{0}/untag/(?P<resource_arn>.+)$",
    "{0}/audit/report-plans$",
    "{0}/audit/report-plans/(?P<reportPlanName>[^/]+)$",
}


def test_moto_is_the_pinned_version() -> None:
    assert version("moto") == "5.2.5"


def test_moto_implements_none_of_the_extensions_operations() -> None:
    native = [op for op in EXTENSION_OPERATIONS if hasattr(BackupResponse, camelcase_to_underscores(op))]
    assert native == [], f"moto now implements {native}: defer to it or drop the extension's copy"


def test_moto_backup_paths_are_the_ones_the_extension_rebinds() -> None:
    assert set(moto_backup_urls.url_paths) == MOTO_BACKUP_PATHS
    assert moto_backup_urls.url_bases == sandbox_urls.url_bases


def test_every_extension_path_is_bound_to_the_extension() -> None:
    from sandbox.backup.responses import SandboxBackupResponse

    for path, handler in sandbox_urls.url_paths.items():
        assert getattr(handler, "__self__", None) is SandboxBackupResponse, path


def test_backend_dict_internals() -> None:
    assert isinstance(backup_backends, BackendDict)
    assert issubclass(backup_backends.backend, BackupBackend)
    account = backup_backends["123456789012"]
    assert isinstance(account, AccountSpecificBackend)
    assert hasattr(account, "backend")


def test_url_module_and_routing_internals() -> None:
    assert isinstance(BaseBackend.__dict__["_url_module"], property)
    assert isinstance(BaseBackend.__dict__["urls"], property)
    assert isinstance(BaseBackend.__dict__["flask_paths"], property)
    # the server drops a trailing /? (so the extension spells /$ out) and keeps regex labels
    assert convert_regex_to_flask_path("/a/(?P<x>[^/]+)/?$") == '/a/<regex("[^/]+"):x>'
    assert convert_regex_to_flask_path("/a/$") == "/a/"
    assert BaseResponse().automated_parameter_parsing is False  # the extension turns it on
    assert callable(BaseResponse.parse_parameters)
    assert isinstance(BaseResponse.__dict__["dispatch"], classmethod)


def test_plan_and_vault_attributes_the_extension_reads() -> None:
    backend = BackupBackend("eu-west-1", "123456789012")
    vault = backend.create_backup_vault("v", {}, "arn:aws:kms:eu-west-1:123456789012:key/k", "r")
    plan = backend.create_backup_plan(
        {"BackupPlanName": "p", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "v"}]}, {}, "c"
    )
    assert isinstance(vault, Vault) and isinstance(plan, Plan)
    for name in ("backup_vault_name", "backup_vault_arn", "encryption_key_arn", "num_of_recovery_points"):
        assert hasattr(vault, name), name
    for name in ("backup_plan_id", "backup_plan_arn", "version_id", "deletion_date", "backup_plan"):
        assert hasattr(plan, name), name
    rule = plan.backup_plan["Rules"][0]
    # moto fills these defaults in; the scheduler reads them
    assert rule["ScheduleExpression"] == "cron(0 5 ? * * *)"
    assert rule["StartWindowMinutes"] == 480
    assert rule["CompletionWindowMinutes"] == 10080
    assert rule["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert rule["RuleId"]
    assert backend.vaults["v"] is vault and backend.plans[plan.backup_plan_id] is plan
