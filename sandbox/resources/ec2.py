"""EC2 instances (AWS Backup resource type ``EC2``, not fully managed).

A capture is a real moto AMI (``create_image``, AWS Backup's name and description) plus one EBS
snapshot per attached volume (frozen at backup time, linked to the AMI as AWS does), and the
instance's configuration (InstanceType, SubnetId, SecurityGroupIds, KeyName, Placement,
BlockDeviceMappings, tags ...). The recovery point is named by the AMI's ARN
(``arn:aws:ec2:<region>::image/ami-...``). moto's own AMI has a single fixed 15 GiB snapshot, so the
adapter keeps its own per-volume snapshots to rebuild the volumes faithfully.

A restore launches a NEW instance from the AMI (``run_instances``) with the restore metadata; its
volumes are created from the snapshots with the sizes, types and encryption recorded in
``BlockDeviceMappings``. An empty payload launches the source's original image with blank
volumes of the same sizes (an instance that holds none of the backed-up data).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from moto.ec2.models import EC2Backend, ec2_backends
from moto.ec2.models.amis import Ami
from moto.ec2.models.instances import Instance
from moto.ec2.utils import random_ami_id

from sandbox.resources import (
    CaptureError,
    bool_text,
    capture_errors,
    capture_location,
    metadata_bool,
    metadata_json,
    relocated,
    require_location,
    restore_errors,
)
from sandbox.resources._common import MotoAdapter
from sandbox.resources.base import Capture, LiveResource
from sandbox.resources.ebs import (
    GIB,
    copy_snapshot,
    delete_snapshot,
    ec2_tags,
    find_snapshot,
    snapshot_volume,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

_INSTANCE_ARN = re.compile(r"arn:aws[\w-]*:ec2:[a-z0-9-]+:\d{12}:instance/(i-[0-9a-f]+)")
_GONE_STATES = {"shutting-down", "terminated"}
IMAGE_DESCRIPTION = "This image is created by the AWS Backup service."
#: the descriptions EC2 gives the snapshots of an image it creates / copies
CREATE_IMAGE_SNAPSHOT = "Created by CreateImage({instance}) for {image}"
COPY_IMAGE_SNAPSHOT = "Copied for DestinationAmi {image} from SourceAmi {source}"
#: metadata keys that name things of the source's Region (meaningless after a copy)
_REGIONAL_KEYS = ("SubnetId", "SecurityGroupIds", "KeyName", "Placement", "vpcId")
_METADATA_JSON_KEYS = ("SecurityGroupIds", "Placement", "Monitoring", "BlockDeviceMappings")


# -- moto internals (moto 5.2.5) ----------------------------------------------------------------


def _moto_instance(backend: EC2Backend, instance_id: str) -> Instance | None:
    for reservation in backend.reservations.values():
        for instance in reservation.instances:
            if instance.id == instance_id and instance.state not in _GONE_STATES:
                return instance
    return None


def _moto_instances(backend: EC2Backend) -> list[Instance]:
    return [
        instance
        for reservation in list(backend.reservations.values())
        for instance in reservation.instances
        if instance.state not in _GONE_STATES
    ]


def _moto_volumes(backend: EC2Backend, instance: Instance) -> list[tuple[str, Any, bool]]:
    """(device name, Volume, DeleteOnTermination) of every attached EBS volume."""
    return [
        (device, backend.volumes[block.volume_id], bool(block.delete_on_termination))
        for device, block in instance.get_block_device_mapping
        if block.volume_id in backend.volumes
    ]


def _moto_config(backend: EC2Backend, instance: Instance) -> dict[str, Any]:
    mappings = []
    for device, volume, delete_on_termination in _moto_volumes(backend, instance):
        ebs = {
            "VolumeSize": volume.size,
            "VolumeType": volume.volume_type,
            "Encrypted": bool(volume.encrypted),
            "DeleteOnTermination": delete_on_termination,
        }
        if volume.kms_key_id:
            ebs["KmsKeyId"] = volume.kms_key_id
        mappings.append({"DeviceName": device, "Ebs": ebs})
    return {
        "ImageId": instance.image_id,
        "InstanceType": instance.instance_type,
        "SubnetId": instance.subnet_id,
        "SecurityGroupIds": [group.id for group in instance.security_groups],
        "KeyName": instance.key_name,
        "Placement": {"AvailabilityZone": instance.placement.zone, "Tenancy": "default"},
        "EbsOptimized": bool(instance.ebs_optimized),
        "Monitoring": {"State": instance.monitoring_state},
        "DisableApiTermination": bool(instance.disable_api_termination),
        "InstanceInitiatedShutdownBehavior": instance.instance_initiated_shutdown_behavior or "stop",
        "Architecture": instance.architecture,
        "VirtualizationType": instance.virtualization_type,
        "RootDeviceType": instance.root_device_type,
        "RequireIMDSv2": instance.metadata_options.http_tokens == "required",
        "BlockDeviceMappings": mappings,
        "vpcId": instance.vpc_id,
        "Tags": ec2_tags(backend, instance.id),
    }


def _moto_create_image(backend: EC2Backend, instance: Instance, job_id: str) -> Ami:
    return backend.create_image(instance.id, f"AwsBackup_{instance.id}_{job_id}", IMAGE_DESCRIPTION, [])


def _moto_copy_image(source: Ami, account: str, region: str) -> Ami:
    """CopyImage into another Region and/or account (moto's own copy is same-account only)."""
    backend = ec2_backends[account][region]
    image = Ami(backend, random_ami_id(), source_ami=source, name=source.name, description=source.description)
    backend.amis[image.id] = image
    return image


def _moto_run_instance(backend: EC2Backend, image_id: str, region: str, launch: dict[str, Any]) -> Instance:
    kwargs: dict[str, Any] = {
        "instance_type": launch["InstanceType"],
        "is_instance_type_default": False,
        "placement": launch.get("AvailabilityZone"),
        "region_name": region,
        "subnet_id": launch.get("SubnetId"),
        "key_name": launch.get("KeyName"),
        "security_group_ids": launch.get("SecurityGroupIds", []),
        "nics": [],
        "tags": {},
        "ebs_optimized": launch.get("EbsOptimized", False),
        "disable_api_termination": launch.get("DisableApiTermination", False),
        "instance_initiated_shutdown_behavior": launch.get("InstanceInitiatedShutdownBehavior"),
        "monitoring_state": launch.get("MonitoringState", "disabled"),
        "metadata_options": {"HttpTokens": "required"} if launch.get("RequireIMDSv2") else {},
    }
    if launch.get("BlockDeviceMappings"):
        kwargs["block_device_mappings"] = launch["BlockDeviceMappings"]
    reservation = backend.run_instances(image_id, 1, None, [], **kwargs)
    instance: Instance = reservation.instances[0]
    return instance


# -- the adapter --------------------------------------------------------------------------------


class EC2Adapter(MotoAdapter[EC2Backend, Instance]):
    """EC2 instances: AMI + volume snapshots + configuration; restores into a new instance."""

    resource_type = "EC2"
    fully_managed = False
    arn_service = "ec2"
    arn_resource_type = "instance"
    arn_pattern = _INSTANCE_ARN
    backends = ec2_backends

    def _resources(self, backend: EC2Backend) -> Iterable[Instance]:
        return _moto_instances(backend)

    def _get(self, backend: EC2Backend, resource_id: str) -> Instance | None:
        return _moto_instance(backend, resource_id)

    def _live(self, backend: EC2Backend, instance: Instance) -> LiveResource:
        volumes = [volume for _, volume, _ in _moto_volumes(backend, instance)]
        tags = ec2_tags(backend, instance.id)
        return LiveResource(
            arn=f"arn:aws:ec2:{backend.region_name}:{backend.account_id}:instance/{instance.id}",
            resource_type=self.resource_type,
            name=tags.get("Name", instance.id),
            tags=tags,
            encrypted=bool(volumes) and all(volume.encrypted for volume in volumes),
            kms_key_arn=next((volume.kms_key_id for volume in volumes if volume.kms_key_id), None),
            size_bytes=sum(volume.size for volume in volumes) * GIB,
        )

    # -- backup -------------------------------------------------------------------------------
    def capture(self, arn: str, *, account: str, region: str, job_id: str) -> Capture:
        backend, instance = self._found(arn, "Instance")
        config = _moto_config(backend, instance)
        with capture_errors():
            image = _moto_create_image(backend, instance, job_id)
            snapshots = {
                device: snapshot_volume(
                    backend,
                    volume,
                    CREATE_IMAGE_SNAPSHOT.format(instance=instance.id, image=image.id),
                    image.id,
                ).id
                for device, volume, _ in _moto_volumes(backend, instance)
            }
        return self._capture(
            self._live(backend, instance),
            source_arn=arn,
            account=account,
            region=region,
            config=config,
            restore_metadata=_metadata(config),
            inferred_metadata={
                "InstanceType": config["InstanceType"],
                **({"SubnetId": config["SubnetId"]} if config["SubnetId"] else {}),
                "SecurityGroupIds": json.dumps(config["SecurityGroupIds"]),
                "DisableApiTermination": "false",
                "InstanceInitiatedShutdownBehavior": "stop",
                "RequireIMDSv2": "true",
            },
            payload={"ImageId": image.id, "Snapshots": snapshots},
            native_arn=f"arn:aws:ec2:{region}::image/{image.id}",
        )

    def copy_to(self, capture: Capture, *, account: str, region: str, job_id: str) -> Capture:
        home_account, home_region = capture_location(capture)
        source = self._home(capture)
        source_image = None if source is None else source.amis.get(capture.payload["ImageId"])
        if source_image is None:
            raise CaptureError("ResourceNotFoundException", f"Image not found: {capture.native_arn}")
        image = _moto_copy_image(source_image, account, region)
        snapshots = {}
        for device, snapshot_id in capture.payload["Snapshots"].items():
            snapshot = find_snapshot(home_account, home_region, snapshot_id)
            if snapshot is None:
                raise CaptureError("ResourceNotFoundException", f"Snapshot not found: {snapshot_id}")
            description = COPY_IMAGE_SNAPSHOT.format(image=image.id, source=source_image.id)
            snapshots[device] = copy_snapshot(snapshot, account, region, description, from_ami=image.id).id
        return relocated(
            capture,
            account=account,
            region=region,
            native_arn=f"arn:aws:ec2:{region}::image/{image.id}",
            payload={"ImageId": image.id, "Snapshots": snapshots},
            config_changes=dict.fromkeys(_REGIONAL_KEYS),
            drop_metadata=_REGIONAL_KEYS,
        )

    # -- restore ------------------------------------------------------------------------------
    def restore(self, capture: Capture, metadata: dict[str, str], *, account: str, region: str) -> str:
        require_location(capture, account, region)
        launch = _launch_spec(metadata, capture.extra["config"], capture.payload)
        image_id = capture.payload["ImageId"] if capture.payload else capture.extra["config"]["ImageId"]
        backend = ec2_backends[account][region]
        with restore_errors():
            instance = _moto_run_instance(backend, image_id, region, launch)
        return f"arn:aws:ec2:{region}:{account}:instance/{instance.id}"

    def delete_capture(self, capture: Capture) -> None:
        """Deregister the AMI, then delete its snapshots (what AWS Backup does on expiry)."""
        account, region = capture_location(capture)
        backend = self._home(capture)
        payload = capture.payload or {}
        image = None if backend is None else backend.amis.get(payload.get("ImageId", ""))
        if backend is not None and image is not None:
            backend.deregister_image(image.id)
            delete_snapshot(account, region, image.ebs_snapshot.id)
        for snapshot_id in payload.get("Snapshots", {}).values():
            delete_snapshot(account, region, snapshot_id)


def _metadata(config: dict[str, Any]) -> dict[str, str]:
    """GetRecoveryPointRestoreMetadata for EC2: strings, JSON for structured values."""
    metadata: dict[str, str] = {}
    for key, value in config.items():
        if key in ("ImageId", "Tags") or value is None:
            continue
        if key in _METADATA_JSON_KEYS:
            metadata[key] = json.dumps(value)
        elif isinstance(value, bool):
            metadata[key] = bool_text(value)
        else:
            metadata[key] = str(value)
    return metadata


def _launch_spec(
    metadata: dict[str, str], config: dict[str, Any], payload: dict[str, Any] | None
) -> dict[str, Any]:
    """RunInstances parameters from the restore metadata (configuration at backup time as default)."""
    placement = metadata_json(metadata, "Placement", {})
    monitoring = metadata_json(metadata, "Monitoring", config["Monitoring"])
    snapshots = (payload or {}).get("Snapshots", {})
    mappings = []
    for mapping in metadata_json(metadata, "BlockDeviceMappings", config["BlockDeviceMappings"]):
        ebs = dict(mapping.get("Ebs", {}))
        ebs.pop("SnapshotId", None)  # not a restore parameter: the snapshots are the backup's own
        if mapping.get("DeviceName") in snapshots:
            ebs["SnapshotId"] = snapshots[mapping["DeviceName"]]
        mappings.append({"DeviceName": mapping.get("DeviceName"), "Ebs": ebs})
    return {
        "InstanceType": metadata.get("InstanceType") or config["InstanceType"],
        "SubnetId": metadata.get("SubnetId"),
        "SecurityGroupIds": metadata_json(metadata, "SecurityGroupIds", []),
        "KeyName": metadata.get("KeyName"),
        "AvailabilityZone": placement.get("AvailabilityZone") if not metadata.get("SubnetId") else None,
        "EbsOptimized": metadata_bool(metadata.get("EbsOptimized"), config["EbsOptimized"]),
        "DisableApiTermination": metadata_bool(
            metadata.get("DisableApiTermination"), config["DisableApiTermination"]
        ),
        "InstanceInitiatedShutdownBehavior": metadata.get("InstanceInitiatedShutdownBehavior")
        or config["InstanceInitiatedShutdownBehavior"],
        "MonitoringState": monitoring.get("State", "disabled"),
        "RequireIMDSv2": metadata_bool(metadata.get("RequireIMDSv2"), config["RequireIMDSv2"]),
        "BlockDeviceMappings": mappings,
    }
