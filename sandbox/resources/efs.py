"""EFS file systems (AWS Backup resource type ``EFS``, fully managed by AWS Backup).

moto models an EFS file system's configuration but holds no file content, so a capture is the
configuration only (PerformanceMode, Encrypted, KmsKeyId, ThroughputMode, provisioned throughput,
One Zone placement, tags); ``payload`` is an empty dict standing for content that does not exist.

A restore with ``newFileSystem=true`` creates a NEW file system (``CreationToken`` is its
idempotency token: an existing token is refused with ``FileSystemAlreadyExists``) with the
``Encrypted``, ``KmsKeyId`` and ``PerformanceMode`` metadata. Without it, AWS restores into the
source file system (``file-system-id``) under ``aws-backup-restore_<datetime>/``: the adapter
checks that file system exists and returns its ARN (there is no content to write in moto).
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from moto.efs.models import EFSBackend, FileSystem, efs_backends

from sandbox.resources import (
    bool_text,
    metadata_bool,
    relocated,
    require_location,
    restore_errors,
    restore_test_name,
    tag_dict,
)
from sandbox.resources._common import MotoAdapter
from sandbox.resources.base import Capture, LiveResource, RestoreError

if TYPE_CHECKING:
    from collections.abc import Iterable

_FS_ARN = re.compile(r"arn:aws[\w-]*:elasticfilesystem:[a-z0-9-]+:\d{12}:file-system/(fs-[0-9a-f]+)")
_PERFORMANCE_MODES = {"generalPurpose", "maxIO"}
_GONE = {"deleting", "deleted"}


# -- moto internals (moto 5.2.5) ----------------------------------------------------------------


def _moto_config(backend: EFSBackend, fs: FileSystem) -> dict[str, Any]:
    return {
        "CreationToken": fs.creation_token,
        "PerformanceMode": fs.performance_mode,
        "Encrypted": bool(fs.encrypted),
        "KmsKeyId": fs.kms_key_id,
        "ThroughputMode": fs.throughput_mode,
        "ProvisionedThroughputInMibps": fs.provisioned_throughput_in_mibps,
        "AvailabilityZoneName": fs.availability_zone_name,
        "Tags": tag_dict(backend.list_tags_for_resource(fs.file_system_id)),
    }


def _moto_create(backend: EFSBackend, token: str, config: dict[str, Any], spec: dict[str, Any]) -> FileSystem:
    return backend.create_file_system(
        creation_token=token,
        performance_mode=spec["PerformanceMode"],
        encrypted=spec["Encrypted"],
        kms_key_id=spec["KmsKeyId"],
        throughput_mode=config["ThroughputMode"],
        provisioned_throughput_in_mibps=config["ProvisionedThroughputInMibps"],
        availability_zone_name=spec["AvailabilityZoneName"],
        backup=False,
        tags=[],
    )


# -- the adapter --------------------------------------------------------------------------------


class EFSAdapter(MotoAdapter[EFSBackend, FileSystem]):
    """EFS file systems: configuration (moto has no file content); restores into a new one."""

    resource_type = "EFS"
    fully_managed = True
    arn_service = "elasticfilesystem"
    arn_resource_type = "file-system"
    arn_pattern = _FS_ARN
    backends = efs_backends

    def _resources(self, backend: EFSBackend) -> Iterable[FileSystem]:
        return [fs for fs in backend.file_systems_by_id.values() if fs.life_cycle_state not in _GONE]

    def _get(self, backend: EFSBackend, resource_id: str) -> FileSystem | None:
        fs = backend.file_systems_by_id.get(resource_id)
        return None if fs is None or fs.life_cycle_state in _GONE else fs

    def _live(self, backend: EFSBackend, fs: FileSystem) -> LiveResource:
        tags = tag_dict(backend.list_tags_for_resource(fs.file_system_id))
        return LiveResource(
            arn=fs.file_system_arn,
            resource_type=self.resource_type,
            name=tags.get("Name", fs.file_system_id),
            tags=tags,
            encrypted=bool(fs.encrypted),
            kms_key_arn=fs.kms_key_id,
            size_bytes=int(fs.size_in_bytes["Value"]),
        )

    # -- backup -------------------------------------------------------------------------------
    def capture(self, arn: str, *, account: str, region: str, job_id: str) -> Capture:
        backend, fs = self._found(arn, "File system")
        config = _moto_config(backend, fs)
        encryption = {"Encrypted": bool_text(config["Encrypted"])}
        if config["KmsKeyId"]:
            encryption["KmsKeyId"] = config["KmsKeyId"]
        return self._capture(
            self._live(backend, fs),
            source_arn=arn,
            account=account,
            region=region,
            config=config,
            restore_metadata={
                "file-system-id": fs.file_system_id,
                **encryption,
                "PerformanceMode": config["PerformanceMode"],
                "CreationToken": config["CreationToken"],
                "newFileSystem": "false",
            },
            inferred_metadata={
                **encryption,
                "PerformanceMode": config["PerformanceMode"],
                "CreationToken": restore_test_name(job_id),
                "newFileSystem": "true",
            },
            payload={},  # file content: moto 5.2.5 models none
        )

    def copy_to(self, capture: Capture, *, account: str, region: str, job_id: str) -> Capture:
        moved = relocated(
            capture,
            account=account,
            region=region,
            native_arn=None,
            payload={},
            drop_metadata=("file-system-id",),
        )
        moved.restore_metadata["newFileSystem"] = "true"  # the source file system is not there
        return moved

    # -- restore ------------------------------------------------------------------------------
    def restore(self, capture: Capture, metadata: dict[str, str], *, account: str, region: str) -> str:
        require_location(capture, account, region)
        backend = efs_backends[account][region]
        if not metadata_bool(metadata.get("newFileSystem"), False):
            return self._existing(
                backend, metadata.get("file-system-id") or capture.source_arn.rsplit("/", 1)[1]
            )
        config = capture.extra["config"]
        spec = self._spec(metadata, config)
        token = metadata.get("CreationToken") or str(uuid.uuid4())
        if token in backend.creation_tokens:
            raise RestoreError(
                "FileSystemAlreadyExists", f"File system with creation token {token} already exists"
            )
        with restore_errors():
            fs = _moto_create(backend, token, config, spec)
        return str(fs.file_system_arn)

    @staticmethod
    def _existing(backend: EFSBackend, file_system_id: str) -> str:
        fs = backend.file_systems_by_id.get(file_system_id)
        if fs is None or fs.life_cycle_state in _GONE:
            raise RestoreError("FileSystemNotFound", f"File system '{file_system_id}' does not exist.")
        return str(fs.file_system_arn)

    @staticmethod
    def _spec(metadata: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
        encrypted = metadata_bool(metadata.get("Encrypted"), config["Encrypted"])
        kms_key = metadata.get("KmsKeyId") or (config["KmsKeyId"] if encrypted else None)
        if kms_key and not encrypted:
            raise RestoreError(
                "InvalidParameterValueException", "KmsKeyId can only be used with Encrypted=true"
            )
        mode = metadata.get("PerformanceMode") or config["PerformanceMode"]
        if mode not in _PERFORMANCE_MODES:
            raise RestoreError("InvalidParameterValueException", f"Invalid PerformanceMode {mode!r}")
        single_az = metadata_bool(metadata.get("singleAzFilesystem"), False)
        zone = metadata.get("availabilityZoneName") if single_az else None
        return {
            "Encrypted": encrypted,
            "KmsKeyId": kms_key,
            "PerformanceMode": mode,
            "AvailabilityZoneName": zone,
        }

    def delete_capture(self, capture: Capture) -> None:
        """Nothing outside the vault: a fully managed recovery point holds its own data."""
