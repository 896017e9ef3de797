"""EBS volumes (AWS Backup resource type ``EBS``, not fully managed).

A capture is a real moto EBS snapshot (``ec2 create_snapshot``, AWS Backup's description) plus
the volume's size, type, IOPS, throughput, encryption and KMS key; the recovery point is named by
the snapshot's ARN (``arn:aws:ec2:<region>::snapshot/snap-...``). moto's snapshot keeps a live
reference to its volume (a later resize would change the snapshot): the adapter gives the
snapshot a frozen copy of the volume as it was at backup time.

A copy is a copy of the snapshot into the destination Region/account's EC2; a restore creates a
new volume from the snapshot with the ``availabilityZone``, ``encrypted``, ``kmsKeyId``,
``volumeType``, ``volumeSize``, ``iops`` and ``throughput`` metadata.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from moto.ec2.models import EC2Backend, ec2_backends
from moto.ec2.models.elastic_block_store import Snapshot, Volume
from moto.ec2.utils import random_snapshot_id

from sandbox.resources import (
    CaptureError,
    bool_text,
    capture_errors,
    capture_location,
    existing_backend,
    metadata_bool,
    relocated,
    require_location,
    restore_errors,
)
from sandbox.resources._common import MotoAdapter
from sandbox.resources.base import Capture, LiveResource, RestoreError

if TYPE_CHECKING:
    from collections.abc import Iterable

_VOLUME_ARN = re.compile(r"arn:aws[\w-]*:ec2:[a-z0-9-]+:\d{12}:volume/(vol-[0-9a-f]+)")
GIB = 1024**3
#: the description AWS Backup gives the snapshots it creates
SNAPSHOT_DESCRIPTION = "This snapshot is created by the AWS Backup service."


# -- moto internals (moto 5.2.5), shared with the EC2 adapter -----------------------------------


def ec2_tags(backend: EC2Backend, resource_id: str) -> dict[str, str]:
    """Current tags of an EC2 resource (instance, volume ...) without creating an entry."""
    return dict(backend.tags.get(resource_id, {}))


def first_zone(backend: EC2Backend) -> str:
    return str(backend.describe_availability_zones()[0].name)


def zone_exists(backend: EC2Backend, zone: str) -> bool:
    return any(candidate.name == zone for candidate in backend.describe_availability_zones())


def snapshot_volume(
    backend: EC2Backend, volume: Volume, description: str, from_ami: str | None = None
) -> Snapshot:
    """A snapshot of ``volume`` that keeps the volume as it is now (moto links it live)."""
    snapshot = backend.create_snapshot(volume.id, description, from_ami=from_ami)
    snapshot.volume = copy.copy(volume)
    return snapshot


def copy_snapshot(
    source: Snapshot, account: str, region: str, description: str, from_ami: str | None = None
) -> Snapshot:
    """CopySnapshot into another Region and/or account (moto's own copy is same-account only)."""
    backend = ec2_backends[account][region]
    snapshot = Snapshot(
        backend,
        random_snapshot_id(),
        volume=source.volume,
        description=description,
        encrypted=source.encrypted,
        kms_key_id=source.kms_key_id,
        from_ami=from_ami,
    )
    backend.snapshots[snapshot.id] = snapshot
    return snapshot


def find_snapshot(account: str, region: str, snapshot_id: str) -> Snapshot | None:
    backend = existing_backend(ec2_backends, account, region)
    return None if backend is None else backend.snapshots.get(snapshot_id)


def delete_snapshot(account: str, region: str, snapshot_id: str | None) -> None:
    backend = existing_backend(ec2_backends, account, region)
    if backend is not None and snapshot_id in backend.snapshots:
        backend.delete_snapshot(snapshot_id)


def snapshot_arn(region: str, snapshot_id: str) -> str:
    return f"arn:aws:ec2:{region}::snapshot/{snapshot_id}"


def _moto_volume_config(volume: Volume) -> dict[str, Any]:
    return {
        "Size": volume.size,
        "VolumeType": volume.volume_type,
        "Iops": volume.iops,
        "Throughput": volume.throughput,
        "Encrypted": bool(volume.encrypted),
        "KmsKeyId": volume.kms_key_id,
        "AvailabilityZone": volume.zone.name,
    }


# -- the adapter --------------------------------------------------------------------------------


class EBSAdapter(MotoAdapter[EC2Backend, Volume]):
    """EBS volumes: snapshots; restores into a new volume."""

    resource_type = "EBS"
    fully_managed = False
    arn_service = "ec2"
    arn_resource_type = "volume"
    arn_pattern = _VOLUME_ARN
    backends = ec2_backends

    def _resources(self, backend: EC2Backend) -> Iterable[Volume]:
        return backend.volumes.values()

    def _get(self, backend: EC2Backend, resource_id: str) -> Volume | None:
        return backend.volumes.get(resource_id)

    def _live(self, backend: EC2Backend, volume: Volume) -> LiveResource:
        return LiveResource(
            arn=f"arn:aws:ec2:{backend.region_name}:{backend.account_id}:volume/{volume.id}",
            resource_type=self.resource_type,
            name=ec2_tags(backend, volume.id).get("Name", volume.id),
            tags=ec2_tags(backend, volume.id),
            encrypted=bool(volume.encrypted),
            kms_key_arn=volume.kms_key_id,
            size_bytes=volume.size * GIB,
        )

    # -- backup -------------------------------------------------------------------------------
    def capture(self, arn: str, *, account: str, region: str, job_id: str) -> Capture:
        backend, volume = self._found(arn, "Volume")
        with capture_errors():
            snapshot = snapshot_volume(backend, volume, SNAPSHOT_DESCRIPTION)
        config = _moto_volume_config(volume)
        return self._capture(
            self._live(backend, volume),
            source_arn=arn,
            account=account,
            region=region,
            config=config,
            restore_metadata=self._metadata(config),
            inferred_metadata={
                "availabilityZone": config["AvailabilityZone"],
                "encrypted": bool_text(config["Encrypted"]),
                "volumeType": config["VolumeType"],
                "volumeSize": str(config["Size"]),
            },
            payload={"SnapshotId": snapshot.id},
            native_arn=snapshot_arn(region, snapshot.id),
        )

    @staticmethod
    def _metadata(config: dict[str, Any]) -> dict[str, str]:
        metadata = {
            "availabilityZone": config["AvailabilityZone"],
            "encrypted": bool_text(config["Encrypted"]),
            "volumeType": config["VolumeType"],
            "volumeSize": str(config["Size"]),
        }
        if config["Encrypted"] and config["KmsKeyId"]:
            metadata["kmsKeyId"] = config["KmsKeyId"]
        for key, name in (("Iops", "iops"), ("Throughput", "throughput")):
            if config[key]:
                metadata[name] = str(config[key])
        return metadata

    def copy_to(self, capture: Capture, *, account: str, region: str, job_id: str) -> Capture:
        source = find_snapshot(*capture_location(capture), capture.payload["SnapshotId"])
        if source is None:
            raise CaptureError("ResourceNotFoundException", f"Snapshot not found: {capture.native_arn}")
        snapshot = copy_snapshot(source, account, region, SNAPSHOT_DESCRIPTION)
        zone = first_zone(ec2_backends[account][region])
        return relocated(
            capture,
            account=account,
            region=region,
            native_arn=snapshot_arn(region, snapshot.id),
            payload={"SnapshotId": snapshot.id},
            config_changes={"AvailabilityZone": zone},
            metadata_changes={"availabilityZone": zone},
        )

    # -- restore ------------------------------------------------------------------------------
    def restore(self, capture: Capture, metadata: dict[str, str], *, account: str, region: str) -> str:
        require_location(capture, account, region)
        backend = ec2_backends[account][region]
        config = capture.extra["config"]
        zone = metadata.get("availabilityZone") or first_zone(backend)
        if not zone_exists(backend, zone):
            raise RestoreError(
                "InvalidParameterValueException", f"availabilityZone {zone} is not a zone of Region {region}"
            )
        snapshot_id = (capture.payload or {}).get("SnapshotId")
        size: int = _int(metadata.get("volumeSize"), None) or config["Size"]
        if size < config["Size"]:
            raise RestoreError(
                "InvalidParameterValue",
                f"Volume of {size}GiB is smaller than snapshot {snapshot_id}, "
                f"expect size >= {config['Size']}GiB",
            )
        encrypted = metadata_bool(metadata.get("encrypted"), config["Encrypted"])
        volume_type = metadata.get("volumeType") or config["VolumeType"]
        # IOPS and throughput of the source only make sense for the source's volume type
        same_type = volume_type == config["VolumeType"]
        with restore_errors():
            volume = backend.create_volume(
                size=size,
                zone_name=zone,
                snapshot_id=snapshot_id,
                encrypted=encrypted,
                kms_key_id=metadata.get("kmsKeyId") or (config["KmsKeyId"] if encrypted else None),
                volume_type=volume_type,
                iops=_int(metadata.get("iops"), config["Iops"] if same_type else None),
                throughput=_int(metadata.get("throughput"), config["Throughput"] if same_type else None),
            )
        return f"arn:aws:ec2:{region}:{account}:volume/{volume.id}"

    def delete_capture(self, capture: Capture) -> None:
        delete_snapshot(*capture_location(capture), (capture.payload or {}).get("SnapshotId"))


def _int(value: str | None, default: int | None) -> int | None:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise RestoreError("InvalidParameterValueException", f"{value!r} is not an integer") from None
