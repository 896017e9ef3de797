"""EBS adapter: volumes captured as real moto snapshots and restored into new volumes."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from sandbox.resources import adapter_for_arn
from sandbox.resources.base import RestoreError
from sandbox.resources.ebs import EBSAdapter
from tests.sandbox.resources_support import ACCOUNT, DR_REGION, OTHER_ACCOUNT, REGION, mocked_adapter

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def adapter() -> Iterator[EBSAdapter]:
    with mocked_adapter("EBS", EBSAdapter) as found:
        yield found


def _ec2(region: str = REGION) -> Any:
    return boto3.client("ec2", region_name=region)


def _volume(*, kms_key: str | None = None) -> str:
    kwargs: dict[str, Any] = {"Encrypted": True, "KmsKeyId": kms_key} if kms_key else {}
    volume = _ec2().create_volume(
        AvailabilityZone=f"{REGION}b",
        Size=42,
        VolumeType="gp3",
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "data"}]}],
        **kwargs,
    )
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume['VolumeId']}"


def _describe(arn: str, region: str = REGION) -> dict[str, Any]:
    volume: dict[str, Any] = _ec2(region).describe_volumes(VolumeIds=[arn.rsplit("/", 1)[1]])["Volumes"][0]
    return volume


def test_restore_creates_a_new_volume_from_the_snapshot_as_it_was(adapter: EBSAdapter) -> None:
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    arn = _volume(kms_key=key)
    capture = adapter.capture(arn, account=ACCOUNT, region=REGION, job_id="JOB-1")
    _ec2().modify_volume(VolumeId=arn.rsplit("/", 1)[1], Size=100)
    _ec2().delete_volume(VolumeId=arn.rsplit("/", 1)[1])

    created = adapter.restore(capture, capture.restore_metadata, account=ACCOUNT, region=REGION)

    assert re.fullmatch(rf"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-[0-9a-f]+", created) and created != arn
    restored = _describe(created)
    snapshot_id = capture.payload["SnapshotId"]
    assert (restored["Size"], restored["VolumeType"], restored["Encrypted"], restored["KmsKeyId"]) == (
        42,
        "gp3",
        True,
        key,
    )
    assert restored["SnapshotId"] == snapshot_id and restored["AvailabilityZone"] == f"{REGION}b"
    assert capture.native_arn == f"arn:aws:ec2:{REGION}::snapshot/{snapshot_id}"
    snapshot = _ec2().describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
    assert snapshot["VolumeSize"] == 42  # the resize after the backup does not leak into it
    assert snapshot["Description"] == "This snapshot is created by the AWS Backup service."
    assert capture.restore_metadata == {
        "availabilityZone": f"{REGION}b",
        "encrypted": "true",
        "kmsKeyId": key,
        "volumeType": "gp3",
        "volumeSize": "42",
        "iops": "3000",
    }


def test_restore_honours_size_type_and_zone_overrides(adapter: EBSAdapter) -> None:
    capture = adapter.capture(_volume(), account=ACCOUNT, region=REGION, job_id="JOB-2")

    created = adapter.restore(
        capture,
        {"availabilityZone": f"{REGION}c", "volumeSize": "64", "volumeType": "gp2", "encrypted": "true"},
        account=ACCOUNT,
        region=REGION,
    )

    restored = _describe(created)
    assert (restored["Size"], restored["VolumeType"], restored["Encrypted"]) == (64, "gp2", True)
    assert restored["AvailabilityZone"] == f"{REGION}c"
    for metadata, code in (
        ({"volumeSize": "8"}, "InvalidParameterValue"),
        ({"availabilityZone": "us-east-1a"}, "InvalidParameterValueException"),
        ({"volumeType": "io2"}, "InvalidParameterDependency"),
    ):
        with pytest.raises(RestoreError) as refused:
            adapter.restore(capture, metadata, account=ACCOUNT, region=REGION)
        assert refused.value.code == code


def test_copy_to_another_region_and_account_then_restore_there(adapter: EBSAdapter) -> None:
    arn = _volume()
    capture = adapter.capture(arn, account=ACCOUNT, region=REGION, job_id="JOB-3")

    regional = adapter.copy_to(capture, account=ACCOUNT, region=DR_REGION, job_id="COPY-1")
    foreign = adapter.copy_to(capture, account=OTHER_ACCOUNT, region=DR_REGION, job_id="COPY-2")

    copied_id = regional.payload["SnapshotId"]
    assert regional.native_arn == f"arn:aws:ec2:{DR_REGION}::snapshot/{copied_id}"
    assert _ec2(DR_REGION).describe_snapshots(SnapshotIds=[copied_id])["Snapshots"][0]["VolumeSize"] == 42
    assert regional.restore_metadata["availabilityZone"].startswith(DR_REGION)
    with pytest.raises(RestoreError):
        adapter.restore(regional, {}, account=ACCOUNT, region=REGION)
    restored = _describe(
        adapter.restore(regional, regional.restore_metadata, account=ACCOUNT, region=DR_REGION), DR_REGION
    )
    assert (restored["Size"], restored["VolumeType"], restored["SnapshotId"]) == (42, "gp3", copied_id)
    foreign_arn = adapter.restore(foreign, foreign.restore_metadata, account=OTHER_ACCOUNT, region=DR_REGION)
    assert foreign_arn.startswith(f"arn:aws:ec2:{DR_REGION}:{OTHER_ACCOUNT}:volume/vol-")
    live = adapter.describe(foreign_arn)
    assert live is not None and live.size_bytes == 42 * 1024**3


def test_empty_payload_restores_a_blank_volume_and_delete_capture_removes_the_snapshot(
    adapter: EBSAdapter,
) -> None:
    capture = adapter.capture(_volume(), account=ACCOUNT, region=REGION, job_id="JOB-4")

    blank = _describe(
        adapter.restore(dataclasses.replace(capture, payload=None), {}, account=ACCOUNT, region=REGION)
    )
    ours = [{"Name": "description", "Values": ["This snapshot is created by the AWS Backup service."]}]
    assert [s["SnapshotId"] for s in _ec2().describe_snapshots(Filters=ours)["Snapshots"]] == [
        capture.payload["SnapshotId"]
    ]
    adapter.delete_capture(capture)

    assert blank["Size"] == 42 and not blank.get("SnapshotId")
    assert _ec2().describe_snapshots(Filters=ours)["Snapshots"] == []


def test_live_volumes_carry_tags_encryption_and_size(adapter: EBSAdapter) -> None:
    arn = _volume()

    [live] = list(adapter.iter_resources(ACCOUNT, REGION))

    assert (live.arn, live.name, live.tags, live.encrypted) == (arn, "data", {"Name": "data"}, False)
    assert live.size_bytes == 42 * 1024**3
    assert adapter_for_arn(arn) is adapter
    assert adapter.describe(arn.replace("vol-", "vol-0")) is None
