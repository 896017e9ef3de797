"""FSx adapter: a real moto FSx backup plus configuration, restored into a new file system."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from sandbox.resources import adapter_for_arn
from sandbox.resources.base import RestoreError
from sandbox.resources.fsx import FSxAdapter
from tests.sandbox.resources_support import ACCOUNT, DR_REGION, OTHER_ACCOUNT, REGION, mocked_adapter

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def adapter() -> Iterator[FSxAdapter]:
    with mocked_adapter("FSx", FSxAdapter) as found:
        yield found


def _fsx(region: str = REGION) -> Any:
    return boto3.client("fsx", region_name=region)


def _lustre() -> str:
    fs = _fsx().create_file_system(
        FileSystemType="LUSTRE",
        StorageCapacity=1200,
        StorageType="SSD",
        SubnetIds=["subnet-0123456789abcdef0"],
        SecurityGroupIds=["sg-0123456789abcdef0"],
        LustreConfiguration={"DeploymentType": "PERSISTENT_2", "PerUnitStorageThroughput": 125},
        Tags=[{"Key": "backup-plan", "Value": "daily"}],
    )["FileSystem"]
    return str(fs["ResourceARN"])


def _described(arn: str, region: str = REGION) -> dict[str, Any]:
    fs: dict[str, Any] = _fsx(region).describe_file_systems(FileSystemIds=[arn.rsplit("/", 1)[1]])[
        "FileSystems"
    ][0]
    return fs


def test_restore_creates_a_new_file_system_with_the_backed_up_configuration(adapter: FSxAdapter) -> None:
    arn = _lustre()
    capture = adapter.capture(arn, account=ACCOUNT, region=REGION, job_id="JOB-1")

    created = adapter.restore(capture, capture.restore_metadata, account=ACCOUNT, region=REGION)

    restored = _described(created)
    assert created != arn
    assert (restored["FileSystemType"], restored["StorageCapacity"], restored["StorageType"]) == (
        "LUSTRE",
        1200,
        "SSD",
    )
    assert restored["LustreConfiguration"]["DeploymentType"] == "PERSISTENT_2"
    assert restored["SubnetIds"] == ["subnet-0123456789abcdef0"]
    backups = _fsx().describe_backups()["Backups"]
    assert [b["ResourceARN"] for b in backups] == [capture.native_arn]
    assert backups[0]["Lifecycle"] == "AVAILABLE"
    assert json.loads(capture.inferred_metadata["subnetIds"]) == ["subnet-0123456789abcdef0"]


def test_copy_restores_in_the_other_region_with_new_subnets_and_cleans_up(adapter: FSxAdapter) -> None:
    arn = _lustre()
    capture = adapter.capture(arn, account=ACCOUNT, region=REGION, job_id="JOB-2")

    copied = adapter.copy_to(capture, account=OTHER_ACCOUNT, region=DR_REGION, job_id="COPY-1")
    with pytest.raises(RestoreError) as no_subnet:
        adapter.restore(copied, copied.restore_metadata, account=OTHER_ACCOUNT, region=DR_REGION)
    created = adapter.restore(
        dataclasses.replace(copied, payload=None),
        {**copied.restore_metadata, "subnetIds": '["subnet-0fedcba9876543210"]'},
        account=OTHER_ACCOUNT,
        region=DR_REGION,
    )
    adapter.delete_capture(capture)

    assert no_subnet.value.code == "MissingParameterValueException"
    assert copied.native_arn is not None and copied.native_arn.startswith(
        f"arn:aws:fsx:{DR_REGION}:{OTHER_ACCOUNT}:backup/"
    )
    live = adapter.describe(created)
    assert live is not None and live.size_bytes == 1200 * 1024**3
    assert _fsx().describe_backups()["Backups"] == []


def test_windows_restore_needs_an_active_directory(adapter: FSxAdapter) -> None:
    fs = _fsx().create_file_system(
        FileSystemType="WINDOWS",
        StorageCapacity=32,
        SubnetIds=["subnet-0123456789abcdef0"],
        WindowsConfiguration={"ThroughputCapacity": 8},
    )["FileSystem"]
    capture = adapter.capture(fs["ResourceARN"], account=ACCOUNT, region=REGION, job_id="JOB-3")

    with pytest.raises(RestoreError) as refused:
        adapter.restore(capture, capture.restore_metadata, account=ACCOUNT, region=REGION)
    created = adapter.restore(
        capture,
        {**capture.restore_metadata, "windowsConfiguration": '{"ActiveDirectoryId": "d-1234567890"}'},
        account=ACCOUNT,
        region=REGION,
    )

    assert refused.value.code == "MissingParameterValueException"
    assert _described(created)["WindowsConfiguration"] == {
        "ThroughputCapacity": 8,
        "ActiveDirectoryId": "d-1234567890",
    }


def test_live_file_systems_carry_tags(adapter: FSxAdapter) -> None:
    arn = _lustre()

    [live] = list(adapter.iter_resources(ACCOUNT, REGION))

    assert (live.arn, live.tags) == (arn, {"backup-plan": "daily"})
    assert adapter_for_arn(arn) is adapter
    _fsx().delete_file_system(FileSystemId=arn.rsplit("/", 1)[1])
    assert adapter.describe(arn) is None


def test_ontap_restores_are_refused(adapter: FSxAdapter) -> None:
    fs = _fsx().create_file_system(
        FileSystemType="ONTAP", StorageCapacity=1024, SubnetIds=["subnet-0123456789abcdef0"]
    )["FileSystem"]
    capture = adapter.capture(fs["ResourceARN"], account=ACCOUNT, region=REGION, job_id="JOB-4")

    with pytest.raises(RestoreError) as refused:
        adapter.restore(capture, capture.restore_metadata, account=ACCOUNT, region=REGION)

    assert refused.value.code == "InvalidRequestException"
