"""S3 adapter: versioned buckets captured with their objects and restored into new buckets."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from sandbox.resources import CaptureError
from sandbox.resources.base import Capture, RestoreError
from sandbox.resources.s3 import S3Adapter
from tests.sandbox.resources_support import ACCOUNT, DR_REGION, OTHER_ACCOUNT, REGION, mocked_adapter

if TYPE_CHECKING:
    from collections.abc import Iterator

BUCKET_ARN = "arn:aws:s3:::shop-assets"


@pytest.fixture
def adapter() -> Iterator[S3Adapter]:
    with mocked_adapter("S3", S3Adapter) as found:
        yield found


def _s3(region: str = REGION) -> Any:
    return boto3.client("s3", region_name=region)


def _bucket(name: str = "shop-assets", *, versioned: bool = True, region: str = REGION) -> None:
    _s3(region).create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if versioned:
        _s3(region).put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def _fill() -> None:
    s3 = _s3()
    s3.put_object(Bucket="shop-assets", Key="index.html", Body=b"<h1>v1</h1>", ContentType="text/html")
    s3.put_object(Bucket="shop-assets", Key="index.html", Body=b"<h1>v2</h1>", ContentType="text/html")
    s3.put_object(
        Bucket="shop-assets",
        Key="img/logo.png",
        Body=bytes(range(256)) * 40,
        Metadata={"owner": "design"},
        Tagging="team=web",
    )
    s3.put_object(Bucket="shop-assets", Key="gone.txt", Body=b"deleted before backup")
    s3.delete_object(Bucket="shop-assets", Key="gone.txt")


def _objects(bucket: str, region: str = REGION) -> dict[str, dict[str, Any]]:
    s3 = _s3(region)
    result = {}
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        got = s3.get_object(Bucket=bucket, Key=item["Key"])
        result[item["Key"]] = {
            "body": got["Body"].read(),
            "etag": got["ETag"],
            "type": got["ContentType"],
            "meta": got["Metadata"],
            "tags": s3.get_object_tagging(Bucket=bucket, Key=item["Key"])["TagSet"],
        }
    return result


def _capture(adapter: S3Adapter, job_id: str = "JOB-1") -> Capture:
    return adapter.capture(BUCKET_ARN, account=ACCOUNT, region=REGION, job_id=job_id)


def test_restore_into_a_new_bucket_holds_the_objects_as_they_were(adapter: S3Adapter) -> None:
    _bucket()
    _fill()
    before = _objects("shop-assets")
    capture = _capture(adapter)
    _s3().put_object(Bucket="shop-assets", Key="index.html", Body=b"<h1>v3</h1>")
    _s3().delete_object(Bucket="shop-assets", Key="img/logo.png")

    created = adapter.restore(
        capture,
        {"DestinationBucketName": "shop-assets-restored", "NewBucket": "true"},
        account=ACCOUNT,
        region=REGION,
    )

    assert created == "arn:aws:s3:::shop-assets-restored"
    restored = _objects("shop-assets-restored")
    assert restored == before
    assert sorted(restored) == ["img/logo.png", "index.html"]
    assert [obj["ETag"] for obj in sorted(capture.payload, key=lambda o: o["Key"])] == [
        before["img/logo.png"]["etag"],
        before["index.html"]["etag"],
    ]
    assert _s3().get_bucket_versioning(Bucket="shop-assets-restored")["Status"] == "Enabled"
    assert _s3().get_bucket_location(Bucket="shop-assets-restored")["LocationConstraint"] == REGION
    assert capture.size_bytes == len(b"<h1>v2</h1>") + 256 * 40


def test_a_bucket_without_versioning_cannot_be_backed_up(adapter: S3Adapter) -> None:
    _bucket(versioned=False)

    with pytest.raises(CaptureError) as failed:
        _capture(adapter)

    assert failed.value.code == "InvalidRequestException"
    assert "versioning" in failed.value.message


def test_restore_into_an_existing_bucket_skips_keys_already_there(adapter: S3Adapter) -> None:
    _bucket()
    _fill()
    capture = _capture(adapter)
    _bucket("landing")
    _s3().put_object(Bucket="landing", Key="index.html", Body=b"keep me")

    adapter.restore(
        capture, {"DestinationBucketName": "landing", "NewBucket": "false"}, account=ACCOUNT, region=REGION
    )

    landing = _objects("landing")
    assert landing["index.html"]["body"] == b"keep me"
    assert landing["img/logo.png"]["body"] == bytes(range(256)) * 40


def test_restore_refuses_taken_or_missing_buckets(adapter: S3Adapter) -> None:
    _bucket()
    _fill()
    capture = _capture(adapter)
    _bucket("unversioned", versioned=False)

    cases = {
        "BucketAlreadyOwnedByYou": {"DestinationBucketName": "shop-assets", "NewBucket": "true"},
        "NoSuchBucket": {"DestinationBucketName": "nowhere-bucket", "NewBucket": "false"},
        "InvalidParameterValueException": {"DestinationBucketName": "unversioned"},
        "MissingParameterValueException": {"NewBucket": "true"},
        "InvalidBucketName": {"DestinationBucketName": "Bad_Name", "NewBucket": "true"},
    }
    for code, metadata in cases.items():
        with pytest.raises(RestoreError) as refused:
            adapter.restore(capture, metadata, account=ACCOUNT, region=REGION)
        assert refused.value.code == code, metadata


def test_copy_to_another_region_and_account_restores_there(adapter: S3Adapter) -> None:
    _bucket()
    _fill()
    before = _objects("shop-assets")
    capture = _capture(adapter)
    regional = adapter.copy_to(capture, account=ACCOUNT, region=DR_REGION, job_id="COPY-1")
    foreign = adapter.copy_to(capture, account=OTHER_ACCOUNT, region=DR_REGION, job_id="COPY-2")

    with pytest.raises(RestoreError):
        adapter.restore(
            regional,
            {"DestinationBucketName": "dr-copy", "NewBucket": "true"},
            account=ACCOUNT,
            region=REGION,
        )
    adapter.restore(
        regional, {"DestinationBucketName": "dr-copy", "NewBucket": "true"}, account=ACCOUNT, region=DR_REGION
    )
    foreign_arn = adapter.restore(
        foreign,
        {"DestinationBucketName": "dr-foreign", "NewBucket": "true"},
        account=OTHER_ACCOUNT,
        region=DR_REGION,
    )

    assert _objects("dr-copy", DR_REGION) == before
    assert adapter.locate("arn:aws:s3:::dr-copy") == (ACCOUNT, DR_REGION)
    assert adapter.locate(foreign_arn) == (OTHER_ACCOUNT, DR_REGION)
    foreign_live = adapter.describe(foreign_arn)
    assert foreign_live is not None and foreign_live.size_bytes == capture.size_bytes


def test_restore_of_an_empty_payload_leaves_an_empty_versioned_bucket(adapter: S3Adapter) -> None:
    _bucket()
    _fill()
    capture = _capture(adapter)

    adapter.restore(
        dataclasses.replace(capture, payload=None),
        {"DestinationBucketName": "hollow-bucket", "NewBucket": "true"},
        account=ACCOUNT,
        region=REGION,
    )

    assert _objects("hollow-bucket") == {}
    assert _s3().get_bucket_versioning(Bucket="hollow-bucket")["Status"] == "Enabled"


def test_sse_kms_restore_encrypts_objects_with_the_given_key(adapter: S3Adapter) -> None:
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    _bucket()
    _fill()
    capture = _capture(adapter)

    adapter.restore(
        capture,
        {
            "DestinationBucketName": "kms-bucket",
            "NewBucket": "true",
            "EncryptionType": "SSE-KMS",
            "KMSKey": key,
        },
        account=ACCOUNT,
        region=REGION,
    )

    head = _s3().head_object(Bucket="kms-bucket", Key="index.html")
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key


def test_live_buckets_are_listed_per_region_with_tags(adapter: S3Adapter) -> None:
    _bucket()
    _bucket("elsewhere", region=DR_REGION)
    _s3().put_bucket_tagging(
        Bucket="shop-assets", Tagging={"TagSet": [{"Key": "backup-plan", "Value": "daily"}]}
    )

    [live] = list(adapter.iter_resources(ACCOUNT, REGION))

    assert (live.arn, live.name, live.tags) == (BUCKET_ARN, "shop-assets", {"backup-plan": "daily"})
    assert [r.name for r in adapter.iter_resources(ACCOUNT, DR_REGION)] == ["elsewhere"]
    assert adapter.describe("arn:aws:s3:::no-such-bucket") is None
