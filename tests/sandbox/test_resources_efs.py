"""EFS adapter: configuration captured (moto holds no file content), restored into new file systems."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from sandbox.resources import adapter_for_arn
from sandbox.resources.base import Capture, RestoreError
from sandbox.resources.efs import EFSAdapter
from tests.sandbox.resources_support import ACCOUNT, DR_REGION, OTHER_ACCOUNT, REGION, mocked_adapter

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def adapter() -> Iterator[EFSAdapter]:
    with mocked_adapter("EFS", EFSAdapter) as found:
        yield found


def _efs(region: str = REGION) -> Any:
    return boto3.client("efs", region_name=region)


def _file_system() -> tuple[str, str]:
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    fs = _efs().create_file_system(
        CreationToken="shared-home",
        PerformanceMode="maxIO",
        Encrypted=True,
        KmsKeyId=key,
        Tags=[{"Key": "Name", "Value": "home"}, {"Key": "backup-plan", "Value": "daily"}],
    )
    return fs["FileSystemArn"], key


def _described(arn: str, region: str = REGION) -> dict[str, Any]:
    fs: dict[str, Any] = _efs(region).describe_file_systems(FileSystemId=arn.rsplit("/", 1)[1])[
        "FileSystems"
    ][0]
    return fs


def _capture(adapter: EFSAdapter, arn: str) -> Capture:
    return adapter.capture(arn, account=ACCOUNT, region=REGION, job_id="JOB-1")


def test_restore_into_a_new_file_system_keeps_encryption_and_performance_mode(adapter: EFSAdapter) -> None:
    arn, key = _file_system()
    capture = _capture(adapter, arn)
    _efs().delete_file_system(FileSystemId=arn.rsplit("/", 1)[1])

    created = adapter.restore(
        capture,
        {**capture.restore_metadata, "newFileSystem": "true", "CreationToken": "rt-1"},
        account=ACCOUNT,
        region=REGION,
    )

    assert created != arn and created.startswith(
        f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-"
    )
    restored = _described(created)
    assert (restored["Encrypted"], restored["KmsKeyId"], restored["PerformanceMode"]) == (True, key, "maxIO")
    assert restored["CreationToken"] == "rt-1" and restored["Tags"] == []
    assert capture.native_arn is None and adapter.fully_managed
    assert capture.restore_metadata == {
        "file-system-id": arn.rsplit("/", 1)[1],
        "Encrypted": "true",
        "KmsKeyId": key,
        "PerformanceMode": "maxIO",
        "CreationToken": "shared-home",
        "newFileSystem": "false",
    }


def test_restore_refuses_a_used_creation_token_and_a_bad_kms_combination(adapter: EFSAdapter) -> None:
    arn, key = _file_system()
    capture = _capture(adapter, arn)

    for metadata, code in (
        ({"newFileSystem": "true", "CreationToken": "shared-home"}, "FileSystemAlreadyExists"),
        ({"newFileSystem": "true", "Encrypted": "false", "KmsKeyId": key}, "InvalidParameterValueException"),
        ({"newFileSystem": "true", "PerformanceMode": "turbo"}, "InvalidParameterValueException"),
    ):
        with pytest.raises(RestoreError) as refused:
            adapter.restore(capture, metadata, account=ACCOUNT, region=REGION)
        assert refused.value.code == code


def test_restore_without_new_file_system_goes_into_the_source(adapter: EFSAdapter) -> None:
    arn, _ = _file_system()
    capture = _capture(adapter, arn)

    assert adapter.restore(capture, capture.restore_metadata, account=ACCOUNT, region=REGION) == arn
    _efs().delete_file_system(FileSystemId=arn.rsplit("/", 1)[1])
    with pytest.raises(RestoreError) as gone:
        adapter.restore(capture, capture.restore_metadata, account=ACCOUNT, region=REGION)
    assert gone.value.code == "FileSystemNotFound"


def test_copy_to_another_region_and_account_restores_a_new_file_system_there(adapter: EFSAdapter) -> None:
    arn, _ = _file_system()
    capture = _capture(adapter, arn)

    regional = adapter.copy_to(capture, account=ACCOUNT, region=DR_REGION, job_id="COPY-1")
    foreign = adapter.copy_to(capture, account=OTHER_ACCOUNT, region=DR_REGION, job_id="COPY-2")

    assert (
        regional.restore_metadata["newFileSystem"] == "true"
        and "file-system-id" not in regional.restore_metadata
    )
    created = adapter.restore(
        regional, {**regional.restore_metadata, "KmsKeyId": ""}, account=ACCOUNT, region=DR_REGION
    )
    restored = _described(created, DR_REGION)
    assert (restored["Encrypted"], restored["PerformanceMode"]) == (True, "maxIO")
    foreign_arn = adapter.restore(foreign, foreign.restore_metadata, account=OTHER_ACCOUNT, region=DR_REGION)
    live = adapter.describe(foreign_arn)
    assert live is not None and live.encrypted


def test_empty_payload_restore_still_creates_the_file_system(adapter: EFSAdapter) -> None:
    arn, _ = _file_system()
    capture = _capture(adapter, arn)

    created = adapter.restore(
        dataclasses.replace(capture, payload=None), {"newFileSystem": "true"}, account=ACCOUNT, region=REGION
    )

    assert _described(created)["LifeCycleState"] == "available"


def test_live_file_systems_carry_tags(adapter: EFSAdapter) -> None:
    arn, key = _file_system()

    [live] = list(adapter.iter_resources(ACCOUNT, REGION))

    assert (live.arn, live.name, live.encrypted, live.kms_key_arn) == (arn, "home", True, key)
    assert live.tags == {"Name": "home", "backup-plan": "daily"}
    assert adapter_for_arn(arn) is adapter
    _efs().delete_file_system(FileSystemId=arn.rsplit("/", 1)[1])
    assert adapter.describe(arn) is None
