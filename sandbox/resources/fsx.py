"""FSx file systems (AWS Backup resource type ``FSx``, not fully managed).

moto 5.2.5 models FSx file systems (type, capacity, storage type, network, KMS key and the
per-type configuration) and FSx backups, but no file content, no volumes and no
``CreateFileSystemFromBackup``. A capture is therefore a real moto FSx backup (the recovery point
is its ARN, ``arn:aws:fsx:<region>:<acct>:backup/backup-...``) plus the configuration; a restore
creates a NEW file system with that configuration and the ``subnetIds`` (required),
``securityGroupIds``, ``kmsKeyId`` and per-type configuration metadata. Windows restores need
``windowsConfiguration.activeDirectoryId``. FSx for ONTAP restores create volumes, which moto
cannot model: they are refused.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from moto.fsx.models import Backup, FileSystem, FSxBackend, fsx_backends

from sandbox.resources import (
    CaptureError,
    capture_errors,
    metadata_json,
    relocated,
    require_location,
    restore_errors,
    tag_dict,
)
from sandbox.resources._common import MotoAdapter
from sandbox.resources.base import Capture, LiveResource, RestoreError

if TYPE_CHECKING:
    from collections.abc import Iterable

GIB = 1024**3
_FS_ARN = re.compile(r"arn:aws[\w-]*:fsx:[a-z0-9-]+:\d{12}:file-system/(fs-[0-9a-f]+)")
#: per-type configuration: (metadata key, configuration key)
_TYPE_CONFIGS = {
    "LUSTRE": ("lustreConfiguration", "LustreConfiguration"),
    "WINDOWS": ("windowsConfiguration", "WindowsConfiguration"),
    "ONTAP": ("ontapConfiguration", "OntapConfiguration"),
    "OPENZFS": ("openZfsConfiguration", "OpenZFSConfiguration"),
}


# -- moto internals (moto 5.2.5) ----------------------------------------------------------------
_moto_file_system_to_dict = FileSystem.to_dict


def _file_system_to_dict(self: FileSystem) -> dict[str, Any]:
    """DescribeFileSystems as AWS answers it: every file system has a ``Lifecycle`` (moto's none; a
    file system the sandbox made is ``AVAILABLE``, as AWS Backup leaves a restored one)."""
    described: dict[str, Any] = _moto_file_system_to_dict(self)
    described.setdefault("Lifecycle", "AVAILABLE")
    return described


def install() -> None:
    """moto's FSx file systems described with their ``Lifecycle`` (idempotent)."""
    FileSystem.to_dict = _file_system_to_dict  # type: ignore[method-assign]


def _moto_config(backend: FSxBackend, fs: FileSystem) -> dict[str, Any]:
    return {
        "FileSystemType": fs.file_system_type,
        "StorageCapacity": fs.storage_capacity,
        "StorageType": fs.storage_type,
        "SubnetIds": list(fs.subnet_ids or []),
        "SecurityGroupIds": list(fs.security_group_ids or []),
        "KmsKeyId": fs.kms_key_id,
        "LustreConfiguration": fs.lustre_configuration,
        "WindowsConfiguration": fs.windows_configuration,
        "OntapConfiguration": fs.ontap_configuration,
        "OpenZFSConfiguration": fs.open_zfs_configuration,
        "Tags": tag_dict(backend.list_tags_for_resource(fs.resource_arn)),
    }


def _moto_backup(backend: FSxBackend, file_system_id: str) -> Backup:
    backup = backend.create_backup(file_system_id, None, None, None)
    backup.lifecycle = "AVAILABLE"  # moto leaves backups CREATING forever; AWS Backup waits for it
    return backup


def _moto_copy_backup(source: Backup, account: str, region: str) -> Backup:
    """CopyBackup into another Region/account (moto has no CopyBackup)."""
    backend = fsx_backends[account][region]
    backup = Backup(account, region, source.file_system_id, None, None, None, backend)
    backup.lifecycle = "AVAILABLE"
    backend.backups[backup.backup_id] = backup
    return backup


def _moto_create(backend: FSxBackend, config: dict[str, Any]) -> FileSystem:
    return backend.create_file_system(
        client_request_token="",
        file_system_type=config["FileSystemType"],
        storage_capacity=config["StorageCapacity"],
        storage_type=config["StorageType"],
        subnet_ids=config["SubnetIds"],
        security_group_ids=config["SecurityGroupIds"],
        tags=None,
        kms_key_id=config["KmsKeyId"],
        windows_configuration=config["WindowsConfiguration"],
        lustre_configuration=config["LustreConfiguration"],
        ontap_configuration=config["OntapConfiguration"],
        file_system_type_version=None,
        open_zfs_configuration=config["OpenZFSConfiguration"],
    )


# -- the adapter --------------------------------------------------------------------------------


class FSxAdapter(MotoAdapter[FSxBackend, FileSystem]):
    """FSx file systems: an FSx backup + configuration; restores into a new file system."""

    resource_type = "FSx"
    fully_managed = False
    arn_service = "fsx"
    arn_resource_type = "file-system"
    arn_pattern = _FS_ARN
    backends = fsx_backends

    def _resources(self, backend: FSxBackend) -> Iterable[FileSystem]:
        return backend.file_systems.values()

    def _get(self, backend: FSxBackend, resource_id: str) -> FileSystem | None:
        return backend.file_systems.get(resource_id)

    def _live(self, backend: FSxBackend, fs: FileSystem) -> LiveResource:
        tags = tag_dict(backend.list_tags_for_resource(fs.resource_arn))
        return LiveResource(
            arn=fs.resource_arn,
            resource_type=self.resource_type,
            name=tags.get("Name", fs.file_system_id),
            tags=tags,
            encrypted=True,  # FSx encrypts every file system at rest
            kms_key_arn=fs.kms_key_id,
            size_bytes=int(fs.storage_capacity or 0) * GIB,
        )

    # -- backup -------------------------------------------------------------------------------
    def capture(self, arn: str, *, account: str, region: str, job_id: str) -> Capture:
        backend, fs = self._found(arn, "File system")
        with capture_errors():
            backup = _moto_backup(backend, fs.file_system_id)
        config = _moto_config(backend, fs)
        return self._capture(
            self._live(backend, fs),
            source_arn=arn,
            account=account,
            region=region,
            config=config,
            restore_metadata=_metadata(config),
            inferred_metadata={
                "subnetIds": json.dumps(config["SubnetIds"]),
                "securityGroupIds": json.dumps(config["SecurityGroupIds"]),
            },
            payload={"BackupId": backup.backup_id},
            native_arn=backup.resource_arn,
        )

    def copy_to(self, capture: Capture, *, account: str, region: str, job_id: str) -> Capture:
        home = self._home(capture)
        source = None if home is None else home.backups.get(capture.payload["BackupId"])
        if source is None:
            raise CaptureError("ResourceNotFoundException", f"FSx backup not found: {capture.native_arn}")
        backup = _moto_copy_backup(source, account, region)
        return relocated(
            capture,
            account=account,
            region=region,
            native_arn=backup.resource_arn,
            payload={"BackupId": backup.backup_id},
            config_changes={"SubnetIds": [], "SecurityGroupIds": []},
            drop_metadata=("subnetIds", "securityGroupIds"),
        )

    # -- restore ------------------------------------------------------------------------------
    def restore(self, capture: Capture, metadata: dict[str, str], *, account: str, region: str) -> str:
        require_location(capture, account, region)
        config = dict(capture.extra["config"])
        if config["FileSystemType"] == "ONTAP":
            raise RestoreError(
                "InvalidRequestException",
                "FSx for ONTAP restores create volumes, which the sandbox cannot model",
            )
        config["SubnetIds"] = metadata_json(metadata, "subnetIds", None)
        if not config["SubnetIds"]:
            raise RestoreError("MissingParameterValueException", "subnetIds is required to restore FSx")
        config["SecurityGroupIds"] = metadata_json(metadata, "securityGroupIds", config["SecurityGroupIds"])
        config["KmsKeyId"] = metadata.get("kmsKeyId") or config["KmsKeyId"]
        metadata_key, config_key = _TYPE_CONFIGS[config["FileSystemType"]]
        config[config_key] = {**(config[config_key] or {}), **metadata_json(metadata, metadata_key, {})}
        if config["FileSystemType"] == "WINDOWS" and not config[config_key].get("ActiveDirectoryId"):
            raise RestoreError(
                "MissingParameterValueException", "windowsConfiguration.activeDirectoryId is required"
            )
        with restore_errors():
            fs = _moto_create(fsx_backends[account][region], config)
        return str(fs.resource_arn)

    def delete_capture(self, capture: Capture) -> None:
        backend = self._home(capture)
        backup_id = (capture.payload or {}).get("BackupId")
        if backend is not None and backup_id in backend.backups:
            backend.delete_backup(backup_id, None)


def _metadata(config: dict[str, Any]) -> dict[str, str]:
    metadata = {
        "subnetIds": json.dumps(config["SubnetIds"]),
        "securityGroupIds": json.dumps(config["SecurityGroupIds"]),
        "storageCapacity": str(config["StorageCapacity"]),
        "storageType": str(config["StorageType"]),
    }
    if config["KmsKeyId"]:
        metadata["kmsKeyId"] = config["KmsKeyId"]
    metadata_key, config_key = _TYPE_CONFIGS[config["FileSystemType"]]
    if config[config_key]:
        metadata[metadata_key] = json.dumps(config[config_key])
    return metadata
