"""Tag Change on Resource events emitted by tag operations on moto resources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from sandbox import eventbus
from sandbox.resources import tagevents

if TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "123456789012"
REGION = "eu-west-1"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"


@pytest.fixture
def events() -> Iterator[list[dict[str, Any]]]:
    """The aws.tag events that entered EventBridge during the test."""
    seen: list[dict[str, Any]] = []
    tagevents.install()
    tagevents.reset()
    eventbus.add_observer(lambda event: seen.append(event) if event["source"] == "aws.tag" else None)
    with mock_aws():
        yield seen
    eventbus.clear_observers()
    tagevents.reset()


def _table() -> Any:
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "owner", "Value": "team-a"}],
    )
    return client


def test_dynamodb_tag_and_untag_emit_aws_shaped_events_with_rising_versions(
    events: list[dict[str, Any]],
) -> None:
    client = _table()

    client.tag_resource(ResourceArn=TABLE_ARN, Tags=[{"Key": "backup-plan", "Value": "daily"}])
    client.tag_resource(
        ResourceArn=TABLE_ARN, Tags=[{"Key": "backup-plan", "Value": "weekly"}, {"Key": "x", "Value": "1"}]
    )
    client.untag_resource(ResourceArn=TABLE_ARN, TagKeys=["backup-plan"])

    assert [event["detail"] for event in events] == [
        {
            "changed-tag-keys": ["backup-plan"],
            "service": "dynamodb",
            "resource-type": "table",
            "version": 1,
            "tags": {"owner": "team-a", "backup-plan": "daily"},
        },
        {
            "changed-tag-keys": ["backup-plan", "x"],
            "service": "dynamodb",
            "resource-type": "table",
            "version": 2,
            "tags": {"owner": "team-a", "backup-plan": "weekly", "x": "1"},
        },
        {
            "changed-tag-keys": ["backup-plan"],
            "service": "dynamodb",
            "resource-type": "table",
            "version": 3,
            "tags": {"owner": "team-a", "x": "1"},
        },
    ]
    envelope = events[0]
    assert {
        key: envelope[key] for key in ("version", "detail-type", "source", "account", "region", "resources")
    } == {
        "version": "0",
        "detail-type": "Tag Change on Resource",
        "source": "aws.tag",
        "account": ACCOUNT,
        "region": REGION,
        "resources": [TABLE_ARN],
    }
    assert envelope["time"].endswith("Z") and envelope["id"]
    assert tagevents.version(TABLE_ARN) == 3


def test_create_time_tags_and_no_op_tag_calls_emit_nothing(events: list[dict[str, Any]]) -> None:
    client = _table()

    client.tag_resource(ResourceArn=TABLE_ARN, Tags=[{"Key": "owner", "Value": "team-a"}])
    client.untag_resource(ResourceArn=TABLE_ARN, TagKeys=["never-there"])

    assert events == [] and tagevents.version(TABLE_ARN) == 0


def test_ec2_instances_and_volumes_emit_for_create_and_delete_tags(events: list[dict[str, Any]]) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    instance = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "api-1"}]}],
    )["Instances"][0]["InstanceId"]
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    assert events == []

    ec2.create_tags(Resources=[instance, volume], Tags=[{"Key": "backup-plan", "Value": "daily"}])
    ec2.delete_tags(Resources=[instance], Tags=[{"Key": "Name"}])

    summary = [
        (e["resources"], e["detail"]["resource-type"], e["detail"]["changed-tag-keys"], e["detail"]["tags"])
        for e in events
    ]
    assert summary == [
        (
            [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance}"],
            "instance",
            ["backup-plan"],
            {"Name": "api-1", "backup-plan": "daily"},
        ),
        (
            [f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume}"],
            "volume",
            ["backup-plan"],
            {"backup-plan": "daily"},
        ),
        (
            [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance}"],
            "instance",
            ["Name"],
            {"backup-plan": "daily"},
        ),
    ]
    assert {e["detail"]["service"] for e in events} == {"ec2"}


def test_s3_rds_efs_and_fsx_tag_operations_emit(events: list[dict[str, Any]]) -> None:
    s3: Any = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="shop-assets", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(
        Bucket="shop-assets", Tagging={"TagSet": [{"Key": "backup-plan", "Value": "daily"}]}
    )
    s3.delete_bucket_tagging(Bucket="shop-assets")
    rds = boto3.client("rds", region_name=REGION)
    db_arn = rds.create_db_instance(
        DBInstanceIdentifier="orders", DBInstanceClass="db.t3.micro", Engine="postgres"
    )["DBInstance"]["DBInstanceArn"]
    rds.add_tags_to_resource(ResourceName=db_arn, Tags=[{"Key": "backup-plan", "Value": "daily"}])
    rds.remove_tags_from_resource(ResourceName=db_arn, TagKeys=["backup-plan"])
    efs = boto3.client("efs", region_name=REGION)
    fs = efs.create_file_system(CreationToken="home")
    efs.tag_resource(ResourceId=fs["FileSystemId"], Tags=[{"Key": "backup-plan", "Value": "daily"}])
    efs.create_tags(FileSystemId=fs["FileSystemId"], Tags=[{"Key": "owner", "Value": "ops"}])
    efs.delete_tags(FileSystemId=fs["FileSystemId"], TagKeys=["owner"])
    efs.untag_resource(ResourceId=fs["FileSystemId"], TagKeys=["backup-plan"])
    fsx = boto3.client("fsx", region_name=REGION)
    fsx_arn = fsx.create_file_system(
        FileSystemType="LUSTRE", StorageCapacity=1200, SubnetIds=["subnet-0123456789abcdef0"]
    )["FileSystem"]["ResourceARN"]
    fsx.tag_resource(ResourceARN=fsx_arn, Tags=[{"Key": "backup-plan", "Value": "daily"}])

    summary = [
        (
            e["detail"]["service"],
            e["detail"]["resource-type"],
            e["detail"]["changed-tag-keys"],
            e["detail"]["version"],
        )
        for e in events
    ]
    assert summary == [
        ("s3", "bucket", ["backup-plan"], 1),
        ("s3", "bucket", ["backup-plan"], 2),
        ("rds", "db", ["backup-plan"], 1),
        ("rds", "db", ["backup-plan"], 2),
        ("elasticfilesystem", "file-system", ["backup-plan"], 1),
        ("elasticfilesystem", "file-system", ["owner"], 2),
        ("elasticfilesystem", "file-system", ["owner"], 3),
        ("elasticfilesystem", "file-system", ["backup-plan"], 4),
        ("fsx", "file-system", ["backup-plan"], 1),
    ]
    assert events[0]["resources"] == ["arn:aws:s3:::shop-assets"] and events[0]["region"] == REGION
    assert events[1]["detail"]["tags"] == {} and events[3]["detail"]["tags"] == {}
    assert efs.list_tags_for_resource(ResourceId=fs["FileSystemId"])["Tags"] == []


def test_tagging_api_emits_one_event_per_resource(events: list[dict[str, Any]]) -> None:
    _table()
    ec2 = boto3.client("ec2", region_name=REGION)
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    instance_arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance}"
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)

    tagging.tag_resources(ResourceARNList=[TABLE_ARN, instance_arn], Tags={"backup-plan": "daily"})
    tagging.untag_resources(ResourceARNList=[TABLE_ARN], TagKeys=["owner"])

    assert [(e["resources"][0], e["detail"]["changed-tag-keys"], e["detail"]["tags"]) for e in events] == [
        (TABLE_ARN, ["backup-plan"], {"owner": "team-a", "backup-plan": "daily"}),
        (instance_arn, ["backup-plan"], {"backup-plan": "daily"}),
        (TABLE_ARN, ["owner"], {"backup-plan": "daily"}),
    ]


def test_a_switched_off_type_emits_nothing_but_its_version_still_counts(events: list[dict[str, Any]]) -> None:
    client = _table()
    assert tagevents.enabled()["DynamoDB"] is True
    assert {"EC2", "RDS", "Aurora", "DynamoDB"} == tagevents.CONFIRMED

    tagevents.set_enabled("DynamoDB", False)
    client.tag_resource(ResourceArn=TABLE_ARN, Tags=[{"Key": "a", "Value": "1"}])
    tagevents.set_enabled("DynamoDB", True)
    client.tag_resource(ResourceArn=TABLE_ARN, Tags=[{"Key": "b", "Value": "2"}])

    assert [(e["detail"]["changed-tag-keys"], e["detail"]["version"]) for e in events] == [(["b"], 2)]
    assert tagevents.enabled()["S3"] is True
    with pytest.raises(ValueError):
        tagevents.set_enabled("Storage Gateway", False)


def test_events_reach_eventbridge_rules(events: list[dict[str, Any]]) -> None:
    client = _table()
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="tag-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bridge = boto3.client("events", region_name=REGION)
    bridge.put_rule(
        Name="backup-plan-tags",
        EventPattern='{"source": ["aws.tag"], "detail": {"changed-tag-keys": ["backup-plan"]}}',
    )
    bridge.put_targets(Rule="backup-plan-tags", Targets=[{"Id": "q", "Arn": queue_arn}])
    tagevents.install()  # idempotent

    client.tag_resource(ResourceArn=TABLE_ARN, Tags=[{"Key": "owner", "Value": "team-b"}])
    client.tag_resource(ResourceArn=TABLE_ARN, Tags=[{"Key": "backup-plan", "Value": "daily"}])

    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert len(events) == 2 and len(messages) == 1
    assert '"backup-plan": "daily"' in messages[0]["Body"]


def test_changes_made_while_silenced_emit_nothing(events: list[dict[str, Any]]) -> None:
    client = _table()

    with tagevents.silenced():
        client.tag_resource(ResourceArn=TABLE_ARN, Tags=[{"Key": "restored-from", "Value": "orders"}])

    assert events == []
    assert client.list_tags_of_resource(ResourceArn=TABLE_ARN)["Tags"][-1] == {
        "Key": "restored-from",
        "Value": "orders",
    }


def test_tag_calls_through_the_moto_server_emit_too() -> None:
    seen: list[dict[str, Any]] = []
    tagevents.install()
    tagevents.reset()
    eventbus.add_observer(lambda event: seen.append(event) if event["source"] == "aws.tag" else None)
    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        client = boto3.client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=f"http://{host}:{port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # pragma: allowlist secret (moto's fake credentials)
        )
        arn = client.create_table(
            TableName="served",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )["TableDescription"]["TableArn"]
        client.tag_resource(ResourceArn=arn, Tags=[{"Key": "backup-plan", "Value": "daily"}])
    finally:
        server.stop()
        eventbus.clear_observers()
        tagevents.reset()

    assert [(e["resources"], e["detail"]["tags"]) for e in seen] == [([arn], {"backup-plan": "daily"})]
