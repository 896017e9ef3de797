"""AWS's validation of names and tags on the resource types the stack protects
(sandbox/resources/validation.py): what moto accepts and AWS refuses is refused with AWS's code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from sandbox.resources import validation

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

REGION = "eu-west-1"
KEYS = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}
BUCKET = {"CreateBucketConfiguration": {"LocationConstraint": REGION}}
DB = {"Engine": "postgres", "DBInstanceClass": "db.t3.micro", "AllocatedStorage": 20}
CREDENTIALS = {"MasterUsername": "admin", "MasterUserPassword": "password1"}  # pragma: allowlist secret


@pytest.fixture
def clients() -> Iterator[dict[str, Any]]:
    validation.install()
    with mock_aws():
        # path-style S3 (as the sandbox configures it): moto routes logs.s3.amazonaws.com to CloudWatch Logs
        path_style = Config(s3={"addressing_style": "path"})
        yield {
            name: boto3.client(name, region_name=REGION, config=path_style)
            for name in ("dynamodb", "s3", "rds", "efs", "ec2")
        }


def refused(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as excinfo:
        call()
    return str(excinfo.value.response["Error"]["Code"])


def test_a_table_named_t1_is_refused(clients: dict[str, Any]) -> None:
    dynamodb = clients["dynamodb"]
    with pytest.raises(ClientError) as excinfo:
        dynamodb.create_table(TableName="t1", **KEYS)
    error = excinfo.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "Member must have length greater than or equal to 3" in error["Message"]
    assert refused(lambda: dynamodb.create_table(TableName="my table", **KEYS)) == "ValidationException"
    assert refused(lambda: dynamodb.create_table(TableName="x" * 256, **KEYS)) == "ValidationException"
    dynamodb.create_table(TableName="t01", **KEYS)
    dynamodb.create_table(TableName="Orders_2026.v-1", **KEYS)
    assert sorted(dynamodb.list_tables()["TableNames"]) == ["Orders_2026.v-1", "t01"]


@pytest.mark.parametrize(
    "name",
    [
        "Logs",
        "ab",
        "a" * 64,
        "-logs",
        "logs-",
        "my..logs",
        "192.168.5.4",
        "xn--logs",
        "logs-s3alias",
        "my_logs",
    ],
)
def test_bucket_names_aws_refuses(clients: dict[str, Any], name: str) -> None:
    assert refused(lambda: clients["s3"].create_bucket(Bucket=name, **BUCKET)) == "InvalidBucketName"


def test_bucket_names_aws_accepts(clients: dict[str, Any]) -> None:
    for name in ("logs", "my.logs-2026", "a" * 63):
        clients["s3"].create_bucket(Bucket=name, **BUCKET)


@pytest.mark.parametrize("identifier", ["1orders", "orders--db", "orders-", "a" * 64, "orders_db"])
def test_db_instance_and_cluster_identifiers(clients: dict[str, Any], identifier: str) -> None:
    rds = clients["rds"]
    assert refused(lambda: rds.create_db_instance(DBInstanceIdentifier=identifier, **DB, **CREDENTIALS)) == (
        "InvalidParameterValue"
    )
    create_cluster = lambda: rds.create_db_cluster(  # noqa: E731
        DBClusterIdentifier=identifier, Engine="aurora-postgresql", **CREDENTIALS
    )
    assert refused(create_cluster) == "InvalidParameterValue"


def test_valid_db_identifiers_are_accepted(clients: dict[str, Any]) -> None:
    clients["rds"].create_db_cluster(
        DBClusterIdentifier="orders-cluster-1", Engine="aurora-postgresql", **CREDENTIALS
    )
    clients["rds"].create_db_instance(DBInstanceIdentifier="orders-db", **DB, **CREDENTIALS)


def test_efs_creation_token_is_1_to_64_characters(clients: dict[str, Any]) -> None:
    assert refused(lambda: clients["efs"].create_file_system(CreationToken="t" * 65)) == "BadRequest"
    clients["efs"].create_file_system(CreationToken="t" * 64)


@pytest.mark.parametrize(
    ("size", "kind"),
    [(0, "gp2"), (16_385, "gp3"), (3, "io1"), (100, "st1"), (1_025, "standard"), (10, "gp9")],
)
def test_ebs_volume_sizes_and_types(clients: dict[str, Any], size: int, kind: str) -> None:
    extra = {"Iops": 100} if kind.startswith("io") else {}
    create = lambda: clients["ec2"].create_volume(  # noqa: E731
        Size=size, AvailabilityZone=f"{REGION}a", VolumeType=kind, **extra
    )
    assert refused(create) == "InvalidParameterValue"


@pytest.mark.parametrize(
    "tag",
    [{"Key": "aws:owner", "Value": "x"}, {"Key": "k" * 129, "Value": "x"}, {"Key": "k", "Value": "v" * 257}],
)
def test_tags_aws_refuses_on_every_service(clients: dict[str, Any], tag: dict[str, str]) -> None:
    dynamodb, s3, rds, efs, ec2 = (clients[n] for n in ("dynamodb", "s3", "rds", "efs", "ec2"))
    table = dynamodb.create_table(TableName="orders", **KEYS)["TableDescription"]["TableArn"]
    assert refused(lambda: dynamodb.tag_resource(ResourceArn=table, Tags=[tag])) == "ValidationException"
    assert (
        refused(lambda: dynamodb.create_table(TableName="other", Tags=[tag], **KEYS)) == "ValidationException"
    )
    s3.create_bucket(Bucket="logs", **BUCKET)
    assert refused(lambda: s3.put_bucket_tagging(Bucket="logs", Tagging={"TagSet": [tag]})) == "InvalidTag"
    db = rds.create_db_instance(DBInstanceIdentifier="orders-db", **DB, **CREDENTIALS)["DBInstance"]
    assert refused(lambda: rds.add_tags_to_resource(ResourceName=db["DBInstanceArn"], Tags=[tag])) == (
        "InvalidParameterValue"
    )
    fs = efs.create_file_system(CreationToken="orders-files")
    assert refused(lambda: efs.tag_resource(ResourceId=fs["FileSystemId"], Tags=[tag])) == "BadRequest"
    volume = ec2.create_volume(Size=10, AvailabilityZone=f"{REGION}a")["VolumeId"]
    assert refused(lambda: ec2.create_tags(Resources=[volume], Tags=[tag])) == "InvalidParameterValue"


def test_ordinary_tags_pass(clients: dict[str, Any]) -> None:
    tag = {"Key": "backup-plan", "Value": "daily"}
    table = clients["dynamodb"].create_table(TableName="orders", Tags=[tag], **KEYS)["TableDescription"][
        "TableArn"
    ]
    clients["dynamodb"].tag_resource(ResourceArn=table, Tags=[{"Key": "owner", "Value": ""}])
    assert len(clients["dynamodb"].list_tags_of_resource(ResourceArn=table)["Tags"]) == 2
