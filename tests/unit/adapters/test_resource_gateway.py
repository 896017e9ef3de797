"""The protected resources themselves (botocore's Stubber): a resource's tags now, in its own Region;
a bucket's versioning; the instance an EBS volume is attached to, with the instance's tags; the one
tag write (EC2 only); and a resource that is gone, told apart from an error a retry may fix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from backup_autopilot.adapters.resources import ResourceGateway
from backup_autopilot.logic.protection import ResourceGone

if TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"
VOLUME = f"arn:aws:ec2:eu-west-1:{ACCOUNT}:volume/vol-0123456789abcdef0"
INSTANCE_ID = "i-0123456789abcdef0"


class Clients:
    """The gateway's client factory: one stubbed client per service, and the Regions asked for."""

    def __init__(self) -> None:
        self.clients: dict[str, Any] = {}
        self.stubs: dict[str, Stubber] = {}
        self.asked: list[tuple[str, str | None]] = []
        for service in ("resourcegroupstaggingapi", "s3", "ec2"):
            client = boto3.client(service, region_name="eu-west-1")
            self.clients[service] = client
            self.stubs[service] = Stubber(client)

    def __call__(self, service: str, region: str | None) -> Any:
        self.asked.append((service, region))
        return self.clients[service]


@pytest.fixture
def aws() -> Iterator[Clients]:
    clients = Clients()
    for stub in clients.stubs.values():
        stub.activate()
    yield clients
    for stub in clients.stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def test_tags_now_are_the_resource_s_own_read_in_its_region(aws: Clients) -> None:
    aws.stubs["resourcegroupstaggingapi"].add_response(
        "get_resources",
        {
            "ResourceTagMappingList": [
                {"ResourceARN": TABLE, "Tags": [{"Key": "backup-autopilot:plan", "Value": "daily"}]},
                {
                    "ResourceARN": TABLE + "-other",
                    "Tags": [{"Key": "backup-autopilot:plan", "Value": "weekly"}],
                },
            ]
        },
        {"ResourceARNList": [TABLE]},
    )
    assert ResourceGateway(aws).tags_now(TABLE, "eu-west-1") == {"backup-autopilot:plan": "daily"}
    assert aws.asked == [("resourcegroupstaggingapi", "eu-west-1")]


def test_a_resource_without_tags_or_gone_has_none(aws: Clients) -> None:
    tagging = aws.stubs["resourcegroupstaggingapi"]
    tagging.add_response("get_resources", {"ResourceTagMappingList": [{"ResourceARN": TABLE}]}, None)
    tagging.add_response("get_resources", {}, None)
    gateway = ResourceGateway(aws)
    assert gateway.tags_now(TABLE, None) == {}
    assert gateway.tags_now(TABLE, None) == {}


@pytest.mark.parametrize(
    ("answer", "enabled"), [({"Status": "Enabled"}, True), ({"Status": "Suspended"}, False), ({}, False)]
)
def test_versioning_is_on_only_when_enabled(aws: Clients, answer: dict[str, Any], enabled: bool) -> None:
    aws.stubs["s3"].add_response("get_bucket_versioning", answer, {"Bucket": "data"})
    assert ResourceGateway(aws).s3_versioning_enabled("data") is enabled


def test_a_bucket_that_is_gone_is_gone_and_other_errors_raise(aws: Clients) -> None:
    s3 = aws.stubs["s3"]
    s3.add_client_error("get_bucket_versioning", "NoSuchBucket", http_status_code=404)
    s3.add_client_error("get_bucket_versioning", "SlowDown", http_status_code=503)
    gateway = ResourceGateway(aws)
    with pytest.raises(ResourceGone):
        gateway.s3_versioning_enabled("data")
    with pytest.raises(ClientError, match="SlowDown"):
        gateway.s3_versioning_enabled("data")


def _volume(*attachments: dict[str, str]) -> dict[str, Any]:
    return {"Volumes": [{"VolumeId": "vol-0123456789abcdef0", "Attachments": list(attachments)}]}


def test_the_instance_a_volume_is_attached_to_with_its_tags(aws: Clients) -> None:
    ec2 = aws.stubs["ec2"]
    ec2.add_response(
        "describe_volumes",
        _volume(
            {"InstanceId": "i-0000000000000000d", "State": "detached"},
            {"InstanceId": INSTANCE_ID, "State": "attaching"},
        ),
        {"VolumeIds": ["vol-0123456789abcdef0"]},
    )
    ec2.add_response(
        "describe_instances",
        {
            "Reservations": [
                {
                    "Instances": [
                        {
                            "InstanceId": INSTANCE_ID,
                            "Tags": [{"Key": "backup-autopilot:plan", "Value": "daily"}],
                        }
                    ]
                }
            ]
        },
        {"InstanceIds": [INSTANCE_ID]},
    )
    assert ResourceGateway(aws).instance_of_volume(VOLUME) == (
        f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/{INSTANCE_ID}",
        {"backup-autopilot:plan": "daily"},
    )
    assert aws.asked == [("ec2", "eu-west-1")]


def test_an_attached_instance_without_tags_has_none(aws: Clients) -> None:
    ec2 = aws.stubs["ec2"]
    ec2.add_response("describe_volumes", _volume({"InstanceId": INSTANCE_ID, "State": "attached"}), None)
    ec2.add_response(
        "describe_instances", {"Reservations": [{"Instances": [{"InstanceId": INSTANCE_ID}]}]}, None
    )
    found = ResourceGateway(aws).instance_of_volume(VOLUME)
    assert found is not None and found[1] == {}


def test_a_volume_attached_to_nothing_or_not_a_volume_has_no_instance(aws: Clients) -> None:
    ec2 = aws.stubs["ec2"]
    ec2.add_response("describe_volumes", _volume({"InstanceId": INSTANCE_ID, "State": "detaching"}), None)
    ec2.add_response("describe_volumes", {"Volumes": [{"VolumeId": "vol-0123456789abcdef0"}]}, None)
    gateway = ResourceGateway(aws)
    assert gateway.instance_of_volume(VOLUME) is None
    assert gateway.instance_of_volume(VOLUME) is None
    assert gateway.instance_of_volume("not an arn") is None  # no call


def test_a_volume_that_is_gone_is_gone_and_other_errors_raise(aws: Clients) -> None:
    ec2 = aws.stubs["ec2"]
    ec2.add_client_error("describe_volumes", "InvalidVolume.NotFound")
    ec2.add_client_error("describe_volumes", "RequestLimitExceeded", http_status_code=503)
    gateway = ResourceGateway(aws)
    with pytest.raises(ResourceGone):
        gateway.instance_of_volume(VOLUME)
    with pytest.raises(ClientError, match="RequestLimitExceeded"):
        gateway.instance_of_volume(VOLUME)


def test_tags_are_written_on_ec2_volumes_and_instances_only(aws: Clients) -> None:
    aws.stubs["ec2"].add_response(
        "create_tags",
        {},
        {
            "Resources": ["vol-0123456789abcdef0"],
            "Tags": [
                {"Key": "backup-autopilot:covered-by", "Value": INSTANCE_ID},
                {"Key": "b", "Value": "2"},
            ],
        },
    )
    gateway = ResourceGateway(aws)
    gateway.tag(VOLUME, {"backup-autopilot:covered-by": INSTANCE_ID, "b": "2"})
    assert aws.asked == [("ec2", "eu-west-1")]
    for arn in (TABLE, "not an arn"):
        with pytest.raises(ValueError, match="only used on EC2 volumes and instances"):
            gateway.tag(arn, {"a": "1"})
