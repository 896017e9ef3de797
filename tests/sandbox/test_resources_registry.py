"""The adapter registry: one adapter per AWS Backup resource type, found by ARN or type name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws
from moto.ec2.models import ec2_backends

from sandbox.resources import adapter_for_arn, adapter_for_type, adapters, iter_all

if TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "123456789012"
REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def _aws() -> Iterator[None]:
    with mock_aws():
        yield


def test_every_supported_type_has_exactly_one_adapter() -> None:
    types = [adapter.resource_type for adapter in adapters()]

    assert types == ["EBS", "EC2", "RDS", "Aurora", "DynamoDB", "EFS", "S3", "FSx"]
    assert adapter_for_type("Storage Gateway") is None  # moto 5.2.5 has no Storage Gateway
    assert {a.resource_type for a in adapters() if a.fully_managed} == {"EFS", "S3"}
    arns = {
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-0123456789abcdef0": "EBS",
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0123456789abcdef0": "EC2",
        f"arn:aws:rds:{REGION}:{ACCOUNT}:db:orders": "RDS",
        f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:ledger": "Aurora",
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders": "DynamoDB",
        f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-0123abcd": "EFS",
        "arn:aws:s3:::shop-assets": "S3",
        f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/fs-0123abcd": "FSx",
    }
    for arn, resource_type in arns.items():
        found = adapter_for_arn(arn)
        assert found is not None and found.resource_type == resource_type, arn
    for foreign in (
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/subnet-0123",
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders/backup/01234567890123-abcdef01",
        f"arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:awsbackup:job-1",
        "arn:aws:s3:::shop-assets/key.txt",
    ):
        assert adapter_for_arn(foreign) is None, foreign


def test_iter_all_lists_live_resources_of_every_type_with_their_tags() -> None:
    tags: Any = [{"Key": "backup-plan", "Value": "daily"}]
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=tags,
    )
    s3: Any = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="shop-assets", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(Bucket="shop-assets", Tagging={"TagSet": tags})
    boto3.client("efs", region_name=REGION).create_file_system(CreationToken="home", Tags=tags)

    found = sorted((r.resource_type, r.tags) for r in iter_all(ACCOUNT, REGION))

    assert found == [
        ("DynamoDB", {"backup-plan": "daily"}),
        ("EFS", {"backup-plan": "daily"}),
        ("S3", {"backup-plan": "daily"}),
    ]


def test_reading_an_untouched_region_creates_no_moto_backend() -> None:
    assert list(iter_all(ACCOUNT, "ap-southeast-2")) == []
    assert "ap-southeast-2" not in dict.keys(ec2_backends.get(ACCOUNT) or {})
