"""EC2 adapter: instances captured as a real AMI plus volume snapshots, restored as new instances."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from sandbox.resources import adapter_for_arn
from sandbox.resources.base import Capture, RestoreError
from sandbox.resources.ec2 import EC2Adapter
from tests.sandbox.resources_support import ACCOUNT, DR_REGION, OTHER_ACCOUNT, REGION, mocked_adapter

if TYPE_CHECKING:
    from collections.abc import Iterator

SOURCE_IMAGE = "ami-12c6146b"


@pytest.fixture
def adapter() -> Iterator[EC2Adapter]:
    with mocked_adapter("EC2", EC2Adapter) as found:
        yield found


def _ec2(region: str = REGION) -> Any:
    return boto3.client("ec2", region_name=region)


def _instance() -> tuple[str, str, str]:
    """A t3.large in its own subnet and security group with a root and a data volume."""
    ec2 = _ec2()
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24", AvailabilityZone=f"{REGION}b")["Subnet"][
        "SubnetId"
    ]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    instance = ec2.run_instances(
        ImageId=SOURCE_IMAGE,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.large",
        SubnetId=subnet,
        SecurityGroupIds=[group],
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "VolumeType": "gp3", "Encrypted": True}},
            {
                "DeviceName": "/dev/sdf",
                "Ebs": {"VolumeSize": 50, "VolumeType": "gp2", "DeleteOnTermination": True},
            },
        ],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "api-1"}]}],
    )["Instances"][0]["InstanceId"]
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance}", subnet, group


def _described(arn: str, region: str) -> dict[str, Any]:
    reservations = _ec2(region).describe_instances(InstanceIds=[arn.rsplit("/", 1)[1]])["Reservations"]
    instance: dict[str, Any] = reservations[0]["Instances"][0]
    return instance


def _volumes(instance: dict[str, Any], region: str) -> dict[str, tuple[int, str, bool, str]]:
    ids = {m["Ebs"]["VolumeId"]: m["DeviceName"] for m in instance["BlockDeviceMappings"]}
    volumes = _ec2(region).describe_volumes(VolumeIds=list(ids))["Volumes"]
    return {
        ids[v["VolumeId"]]: (v["Size"], v["VolumeType"], v["Encrypted"], v.get("SnapshotId", ""))
        for v in volumes
    }


def _capture(adapter: EC2Adapter, arn: str, job_id: str = "JOB-1") -> Capture:
    return adapter.capture(arn, account=ACCOUNT, region=REGION, job_id=job_id)


def test_restore_launches_a_new_instance_from_the_backup_image(adapter: EC2Adapter) -> None:
    arn, subnet, group = _instance()
    capture = _capture(adapter, arn)
    _ec2().terminate_instances(InstanceIds=[arn.rsplit("/", 1)[1]])

    created = adapter.restore(capture, capture.restore_metadata, account=ACCOUNT, region=REGION)

    assert created != arn and created.startswith(f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-")
    instance = _described(created, REGION)
    image_id = capture.payload["ImageId"]
    snapshots = capture.payload["Snapshots"]
    assert (instance["InstanceType"], instance["ImageId"], instance["State"]["Name"]) == (
        "t3.large",
        image_id,
        "running",
    )
    assert instance["SubnetId"] == subnet
    assert [g["GroupId"] for g in instance["SecurityGroups"]] == [group]
    assert _volumes(instance, REGION) == {
        "/dev/xvda": (20, "gp3", True, snapshots["/dev/xvda"]),
        "/dev/sdf": (50, "gp2", False, snapshots["/dev/sdf"]),
    }
    assert capture.native_arn == f"arn:aws:ec2:{REGION}::image/{image_id}"
    image = _ec2().describe_images(ImageIds=[image_id])["Images"][0]
    assert image["Name"] == f"AwsBackup_{arn.rsplit('/', 1)[1]}_JOB-1"
    assert image["Description"] == "This image is created by the AWS Backup service."
    metadata = capture.restore_metadata
    assert (metadata["InstanceType"], metadata["SubnetId"], json.loads(metadata["SecurityGroupIds"])) == (
        "t3.large",
        subnet,
        [group],
    )
    assert capture.extra["config"]["Tags"] == {"Name": "api-1"}


def test_restore_applies_instance_type_override_and_reports_bad_subnets(adapter: EC2Adapter) -> None:
    arn, _, _ = _instance()
    capture = _capture(adapter, arn)

    created = adapter.restore(
        capture, {**capture.restore_metadata, "InstanceType": "m5.xlarge"}, account=ACCOUNT, region=REGION
    )

    assert _described(created, REGION)["InstanceType"] == "m5.xlarge"
    with pytest.raises(RestoreError) as refused:
        adapter.restore(
            capture,
            {"InstanceType": "t3.large", "SubnetId": "subnet-00000000"},
            account=ACCOUNT,
            region=REGION,
        )
    assert refused.value.code == "InvalidSubnetID.NotFound"


def test_copy_to_another_region_and_account_then_restore_there(adapter: EC2Adapter) -> None:
    arn, _, _ = _instance()
    capture = _capture(adapter, arn)

    regional = adapter.copy_to(capture, account=ACCOUNT, region=DR_REGION, job_id="COPY-1")
    foreign = adapter.copy_to(capture, account=OTHER_ACCOUNT, region=DR_REGION, job_id="COPY-2")

    copied_image = regional.payload["ImageId"]
    assert regional.native_arn == f"arn:aws:ec2:{DR_REGION}::image/{copied_image}"
    assert _ec2(DR_REGION).describe_images(ImageIds=[copied_image])["Images"]
    assert "SubnetId" not in regional.restore_metadata and "SecurityGroupIds" not in regional.restore_metadata
    instance = _described(
        adapter.restore(regional, regional.restore_metadata, account=ACCOUNT, region=DR_REGION), DR_REGION
    )
    assert (instance["InstanceType"], instance["ImageId"]) == ("t3.large", copied_image)
    assert {device: spec[:3] for device, spec in _volumes(instance, DR_REGION).items()} == {
        "/dev/xvda": (20, "gp3", True),
        "/dev/sdf": (50, "gp2", False),
    }
    foreign_arn = adapter.restore(foreign, foreign.restore_metadata, account=OTHER_ACCOUNT, region=DR_REGION)
    live = adapter.describe(foreign_arn)
    assert live is not None and live.size_bytes == 70 * 1024**3


def test_empty_payload_launches_blank_volumes_and_delete_capture_cleans_up(adapter: EC2Adapter) -> None:
    arn, _, _ = _instance()
    capture = _capture(adapter, arn)

    created = adapter.restore(
        dataclasses.replace(capture, payload=None), capture.restore_metadata, account=ACCOUNT, region=REGION
    )
    adapter.delete_capture(capture)

    instance = _described(created, REGION)
    assert instance["ImageId"] == SOURCE_IMAGE
    assert {device: spec[3] for device, spec in _volumes(instance, REGION).items()} == {
        "/dev/xvda": "",
        "/dev/sdf": "",
    }
    assert _ec2().describe_images(Owners=["self"])["Images"] == []
    leftover = _ec2().describe_snapshots(SnapshotIds=[]).get("Snapshots", [])
    assert not {s["SnapshotId"] for s in leftover} & set(capture.payload["Snapshots"].values())


def test_live_instances_carry_tags_and_vanish_once_terminated(adapter: EC2Adapter) -> None:
    arn, _, _ = _instance()

    [live] = list(adapter.iter_resources(ACCOUNT, REGION))
    assert (live.arn, live.name, live.tags) == (arn, "api-1", {"Name": "api-1"})
    assert live.size_bytes == 70 * 1024**3 and not live.encrypted
    assert adapter_for_arn(arn) is adapter
    _ec2().terminate_instances(InstanceIds=[arn.rsplit("/", 1)[1]])
    assert adapter.describe(arn) is None and list(adapter.iter_resources(ACCOUNT, REGION)) == []
