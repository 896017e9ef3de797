"""adapters.inspect: what a restore test reads of a source and of its restored copy, per type, and
how the stack tags and deletes what its own tests restored (and nothing else).

A resource a Describe call does not return is gone, never a crash: FSx's DescribeFileSystems (and
moto's) can answer an empty list for a deleted file system; the hourly sweep reads what it deleted
before, so an IndexError there stopped every reconcile. The rest runs against botocore's Stubber:
the exact requests (the resource's own Region, bounded reads), AWS's answers and its errors.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from backup_autopilot.adapters.inspect import MAX_PAGES, SAMPLES, NotATestResource, ResourceInspector
from backup_autopilot.logic.restore_tests.recording import item_digest
from backup_autopilot.logic.restore_tests.validation import RESTORE_TEST_TAG

if TYPE_CHECKING:
    from tests.unit.adapters.conftest import StubbedClients

EMPTY: dict[str, dict[str, Any]] = {
    "ec2": {"describe_volumes": {"Volumes": []}, "describe_instances": {"Reservations": []}},
    "rds": {"describe_db_instances": {"DBInstances": []}, "describe_db_clusters": {"DBClusters": []}},
    "efs": {"describe_file_systems": {"FileSystems": []}},
    "fsx": {"describe_file_systems": {"FileSystems": []}},
}


class EmptyClient:
    def __init__(self, answers: dict[str, Any]) -> None:
        self._answers = answers

    def __getattr__(self, operation: str) -> Any:
        return lambda **_: self._answers[operation]


@pytest.mark.parametrize(
    ("resource_type", "arn"),
    [
        ("EBS", "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"),
        ("EC2", "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"),
        ("RDS", "arn:aws:rds:us-east-1:123456789012:db:awsbackup-restore-test-1"),
        ("Aurora", "arn:aws:rds:us-east-1:123456789012:cluster:awsbackup-restore-test-1"),
        ("EFS", "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123abcd"),
        ("FSx", "arn:aws:fsx:us-east-1:123456789012:file-system/fs-0123456789abcdef0"),
    ],
)
def test_an_empty_describe_means_the_resource_is_gone(resource_type: str, arn: str) -> None:
    inspector = ResourceInspector(lambda service, region: EmptyClient(EMPTY[service]))
    facts = inspector.restored_facts(resource_type, arn, [])
    assert facts.exists is False and facts.arn == arn and facts.resource_type == resource_type


def test_an_fsx_file_system_without_a_lifecycle_is_not_ready() -> None:
    described = {"FileSystems": [{"FileSystemType": "LUSTRE", "StorageCapacity": 1200}]}
    inspector = ResourceInspector(lambda service, region: EmptyClient({"describe_file_systems": described}))
    facts = inspector.restored_facts("FSx", "arn:aws:fsx:us-east-1:123456789012:file-system/fs-1", [])
    assert facts.exists and facts.status is None and facts.size == 1200


# -- against botocore's Stubber: the requests each type's facts are read with, and what is kept ----
ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"
BUCKET = "arn:aws:s3:::orders-archive"
KEY = {"pk": {"S": "order#1"}, "sk": {"N": "7"}}
T0 = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)
DESCRIBED_TABLE = {
    "TableName": "orders",
    "TableStatus": "ACTIVE",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by-status"}, {"IndexName": "by-customer"}],
    "LocalSecondaryIndexes": [{"IndexName": "by-date"}],
    "SSEDescription": {"Status": "ENABLED"},
}


def _scan_page(count: int, more: bool) -> dict[str, Any]:
    page: dict[str, Any] = {"Count": count, "ScannedCount": count}
    if more:
        page["LastEvaluatedKey"] = KEY
    return page


def test_a_source_table_is_counted_page_by_page_and_sampled_by_its_key(stubbed: StubbedClients) -> None:
    dynamodb = stubbed.stub("dynamodb", "eu-west-1")
    dynamodb.add_response("describe_table", {"Table": DESCRIBED_TABLE}, {"TableName": "orders"})
    counting = {"TableName": "orders", "Select": "COUNT", "ConsistentRead": True}
    dynamodb.add_response("scan", _scan_page(3, more=True), counting)
    dynamodb.add_response("scan", _scan_page(2, more=False), {**counting, "ExclusiveStartKey": KEY})
    item = {**KEY, "total": {"N": "12"}}
    dynamodb.add_response(
        "scan",
        {"Items": [item], "Count": 1},
        {"TableName": "orders", "Limit": SAMPLES, "ConsistentRead": True},
    )
    facts = ResourceInspector(stubbed).source_facts("DynamoDB", TABLE, None)
    # the table's own Region, every page counted, the count exact (the last page had no next key)
    assert stubbed.asked == [("dynamodb", "eu-west-1")]
    assert (facts.resource_type, facts.arn, facts.exists, facts.status) == ("DynamoDB", TABLE, True, "ACTIVE")
    assert facts.item_count == 5 and facts.count_exact is True
    assert facts.key_schema == ("HASH:pk", "RANGE:sk")
    assert facts.indexes == ("by-customer", "by-date", "by-status")
    assert facts.encrypted is True
    # a sample is the item's key (only the key attributes, as JSON) and a digest of the whole item
    [(key, digest)] = facts.samples
    assert json.loads(key) == KEY and key == json.dumps(KEY, sort_keys=True)
    assert digest == item_digest(item)


def test_a_table_too_large_to_count_says_its_count_is_not_exact(stubbed: StubbedClients) -> None:
    dynamodb = stubbed.stub("dynamodb", "eu-west-1")
    plain = {"TableName": "orders", "TableStatus": "ACTIVE", "KeySchema": DESCRIBED_TABLE["KeySchema"]}
    dynamodb.add_response("describe_table", {"Table": plain}, {"TableName": "orders"})
    counting = {"TableName": "orders", "Select": "COUNT", "ConsistentRead": True}
    dynamodb.add_response("scan", _scan_page(100, more=True), counting)
    for _ in range(MAX_PAGES - 1):
        dynamodb.add_response("scan", _scan_page(100, more=True), {**counting, "ExclusiveStartKey": KEY})
    facts = ResourceInspector(stubbed).restored_facts("DynamoDB", TABLE, [])
    # MAX_PAGES pages read, then it stops: a lower bound, said to be one; no index, no encryption said
    assert facts.item_count == 100 * MAX_PAGES and facts.count_exact is False
    assert facts.indexes == () and facts.encrypted is False and facts.samples == ()


def test_a_restored_table_looks_up_the_source_s_samples_and_keeps_those_it_has(
    stubbed: StubbedClients,
) -> None:
    dynamodb = stubbed.stub("dynamodb", "eu-west-1")
    dynamodb.add_response("describe_table", {"Table": DESCRIBED_TABLE}, {"TableName": "orders"})
    dynamodb.add_response(
        "scan", _scan_page(1, more=False), {"TableName": "orders", "Select": "COUNT", "ConsistentRead": True}
    )
    other = {"pk": {"S": "order#2"}, "sk": {"N": "1"}}
    found = {**KEY, "total": {"N": "12"}}
    dynamodb.add_response(
        "get_item", {"Item": found}, {"TableName": "orders", "Key": KEY, "ConsistentRead": True}
    )
    dynamodb.add_response("get_item", {}, {"TableName": "orders", "Key": other, "ConsistentRead": True})
    keys = [json.dumps(KEY, sort_keys=True), json.dumps(other, sort_keys=True)]
    facts = ResourceInspector(stubbed).restored_facts("DynamoDB", TABLE, keys)
    assert facts.samples == ((keys[0], item_digest(found)),)


def _version(key: str, etag: str, when: dt.datetime, *, latest: bool) -> dict[str, Any]:
    return {"Key": key, "ETag": etag, "LastModified": when, "IsLatest": latest, "VersionId": f"{key}-{etag}"}


def _marker(key: str, when: dt.datetime, *, latest: bool) -> dict[str, Any]:
    return {"Key": key, "LastModified": when, "IsLatest": latest, "VersionId": f"{key}-deleted"}


HOUR = dt.timedelta(hours=1)
VERSIONS = {
    "Versions": [
        _version("a.csv", '"a2"', T0 + HOUR, latest=True),  # rewritten after the backup
        _version("a.csv", '"a1"', T0 - HOUR, latest=False),
        _version("b.csv", '"b1"', T0 - 2 * HOUR, latest=False),  # deleted after the backup
        _version("c.csv", '"c1"', T0 - 3 * HOUR, latest=False),  # deleted before it
        _version("d.csv", '"d1"', T0 + 2 * HOUR, latest=True),  # created after it
    ],
    "DeleteMarkers": [
        _marker("b.csv", T0 + HOUR, latest=True),
        _marker("c.csv", T0 - HOUR, latest=True),
    ],
    "IsTruncated": False,
}


def test_a_source_bucket_is_read_as_it_was_at_backup_time(stubbed: StubbedClients) -> None:
    s3 = stubbed.stub("s3", None)
    s3.add_response("head_bucket", {}, {"Bucket": "orders-archive"})
    s3.add_response("list_object_versions", VERSIONS, {"Bucket": "orders-archive"})
    facts = ResourceInspector(stubbed).source_facts("S3", BUCKET, T0)
    # at T0: a.csv's first version and b.csv (deleted later); c.csv was already deleted, d.csv not yet made
    assert facts.samples == (("a.csv", '"a1"'), ("b.csv", '"b1"'))
    assert facts.item_count == 2 and facts.count_exact is True and facts.status == "available"
    assert (facts.resource_type, facts.arn) == ("S3", BUCKET)


def test_a_restored_bucket_is_read_as_it_is_now(stubbed: StubbedClients) -> None:
    s3 = stubbed.stub("s3", None)
    s3.add_response("head_bucket", {}, {"Bucket": "orders-archive"})
    s3.add_response("list_object_versions", VERSIONS, {"Bucket": "orders-archive"})
    facts = ResourceInspector(stubbed).restored_facts("S3", BUCKET, ["a.csv", "b.csv", "d.csv"])
    # now: the latest versions of a.csv and d.csv; b.csv and c.csv are deleted
    assert facts.samples == (("a.csv", '"a2"'), ("d.csv", '"d1"'))
    assert facts.item_count == 2


def test_a_bucket_is_read_page_by_page_up_to_the_limit(stubbed: StubbedClients) -> None:
    s3 = stubbed.stub("s3", None)
    s3.add_response("head_bucket", {}, {"Bucket": "orders-archive"})
    request: dict[str, Any] = {"Bucket": "orders-archive"}
    for page in range(MAX_PAGES):
        s3.add_response(
            "list_object_versions",
            {
                "Versions": [
                    _version(f"{page:02}-{i}", f'"{page}"', T0 - HOUR, latest=True) for i in range(3)
                ],
                "IsTruncated": True,
                "NextKeyMarker": f"{page:02}-2",
                "NextVersionIdMarker": f"v{page}",
            },
            request,
        )
        request = {"Bucket": "orders-archive", "KeyMarker": f"{page:02}-2", "VersionIdMarker": f"v{page}"}
    facts = ResourceInspector(stubbed).source_facts("S3", BUCKET, None)
    # every page's objects counted, the count a lower bound; the samples the first keys in order
    assert facts.item_count == 3 * MAX_PAGES and facts.count_exact is False
    assert [key for key, _ in facts.samples] == ["00-0", "00-1", "00-2", "01-0", "01-1"][:SAMPLES]


def test_a_bucket_that_is_gone_is_said_gone(stubbed: StubbedClients) -> None:
    stubbed.stub("s3", None).add_client_error("head_bucket", "404", http_status_code=404)
    facts = ResourceInspector(stubbed).restored_facts("S3", BUCKET, ["a.csv"])
    assert facts.exists is False and facts.resource_type == "S3" and facts.arn == BUCKET


def test_an_error_that_is_not_a_missing_resource_is_raised(stubbed: StubbedClients) -> None:
    stubbed.stub("dynamodb", "eu-west-1").add_client_error("describe_table", "AccessDeniedException")
    with pytest.raises(ClientError, match="AccessDenied"):
        ResourceInspector(stubbed).restored_facts("DynamoDB", TABLE, [])


def test_a_type_without_a_reader_is_unsupported_and_asks_nothing(stubbed: StubbedClients) -> None:
    gateway = f"arn:aws:storagegateway:us-east-1:{ACCOUNT}:gateway/sgw-1/volume/vol-1"
    facts = ResourceInspector(stubbed).restored_facts("Storage Gateway", gateway, [])
    assert (facts.exists, facts.status, facts.arn, facts.resource_type) == (
        False,
        "unsupported",
        gateway,
        "Storage Gateway",
    )
    assert stubbed.asked == []


def test_each_type_keeps_what_its_describe_call_says(stubbed: StubbedClients) -> None:
    ec2, rds = stubbed.stub("ec2", "eu-west-1"), stubbed.stub("rds", "eu-west-1")
    efs, fsx = stubbed.stub("efs", "eu-west-1"), stubbed.stub("fsx", "eu-west-1")
    ec2.add_response(
        "describe_volumes",
        {
            "Volumes": [
                {
                    "VolumeId": "vol-1",
                    "State": "available",
                    "Size": 100,
                    "Encrypted": True,
                    "VolumeType": "gp3",
                }
            ]
        },
        {"VolumeIds": ["vol-1"]},
    )
    ec2.add_response(
        "describe_instances",
        {"Reservations": [{"Instances": [{"State": {"Name": "running"}, "InstanceType": "t4g.small"}]}]},
        {"InstanceIds": ["i-1"]},
    )
    rds.add_response(
        "describe_db_instances",
        {
            "DBInstances": [
                {
                    "DBInstanceStatus": "available",
                    "Engine": "postgres",
                    "EngineVersion": "16.3",
                    "StorageType": "gp3",
                    "AllocatedStorage": 50,
                    "StorageEncrypted": True,
                }
            ]
        },
        {"DBInstanceIdentifier": "orders-db"},
    )
    rds.add_response(
        "describe_db_clusters",
        {
            "DBClusters": [
                {
                    "Status": "available",
                    "Engine": "aurora-mysql",
                    "EngineVersion": "8.0",
                    "StorageType": "aurora-iopt1",
                    "StorageEncrypted": False,
                }
            ]
        },
        {"DBClusterIdentifier": "orders-cluster"},
    )
    efs.add_response(
        "describe_file_systems",
        {"FileSystems": [_file_system(LifeCycleState="available", Encrypted=True)]},
        {"FileSystemId": "fs-1"},
    )
    fsx.add_response(
        "describe_file_systems",
        {"FileSystems": [{"Lifecycle": "AVAILABLE", "FileSystemType": "WINDOWS", "StorageCapacity": 32}]},
        {"FileSystemIds": ["fs-0123456789abcdef2"]},
    )
    inspector = ResourceInspector(stubbed)
    region = f"eu-west-1:{ACCOUNT}"
    ebs = inspector.restored_facts("EBS", f"arn:aws:ec2:{region}:volume/vol-1", [])
    assert (ebs.status, ebs.size, ebs.encrypted, ebs.storage_type) == ("available", 100, True, "gp3")
    instance = inspector.restored_facts("EC2", f"arn:aws:ec2:{region}:instance/i-1", [])
    assert (instance.exists, instance.status, instance.engine) == (True, "running", "t4g.small")
    db = inspector.restored_facts("RDS", f"arn:aws:rds:{region}:db:orders-db", [])
    assert (db.status, db.engine, db.engine_version, db.storage_type, db.size, db.encrypted) == (
        "available",
        "postgres",
        "16.3",
        "gp3",
        50,
        True,
    )
    cluster = inspector.restored_facts("Aurora", f"arn:aws:rds:{region}:cluster:orders-cluster", [])
    assert (
        cluster.status,
        cluster.engine,
        cluster.engine_version,
        cluster.storage_type,
        cluster.encrypted,
    ) == (
        "available",
        "aurora-mysql",
        "8.0",
        "aurora-iopt1",
        False,
    )
    assert cluster.resource_type == "Aurora" and db.resource_type == "RDS"
    shared = inspector.restored_facts("EFS", f"arn:aws:elasticfilesystem:{region}:file-system/fs-1", [])
    assert (shared.resource_type, shared.status, shared.encrypted) == ("EFS", "available", True)
    windows = inspector.restored_facts("FSx", f"arn:aws:fsx:{region}:file-system/fs-0123456789abcdef2", [])
    assert (windows.resource_type, windows.status, windows.engine, windows.size) == (
        "FSx",
        "AVAILABLE",
        "WINDOWS",
        32,
    )
    # each answer kept under its own type and ARN (what the verdict compares source and copy by)
    kept = [
        (f.resource_type, f.arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1], f.exists)
        for f in [ebs, instance, db, cluster, shared, windows]
    ]
    assert kept == [
        ("EBS", "vol-1", True),
        ("EC2", "i-1", True),
        ("RDS", "orders-db", True),
        ("Aurora", "orders-cluster", True),
        ("EFS", "fs-1", True),
        ("FSx", "fs-0123456789abcdef2", True),
    ]
    # every read in the resource's own Region (the ARN's), never the function's
    assert {region for _, region in stubbed.asked} == {"eu-west-1"}


def _file_system(**fields: Any) -> dict[str, Any]:
    return {
        "OwnerId": ACCOUNT,
        "CreationToken": "t",
        "FileSystemId": "fs-1",
        "CreationTime": T0,
        "NumberOfMountTargets": 0,
        "SizeInBytes": {"Value": 0},
        "PerformanceMode": "generalPurpose",
        "Tags": [],
        "LifeCycleState": "available",
        **fields,
    }


@pytest.mark.parametrize("state", ["terminated", "shutting-down"])
def test_an_instance_on_its_way_out_is_gone(stubbed: StubbedClients, state: str) -> None:
    stubbed.stub("ec2", "eu-west-1").add_response(
        "describe_instances",
        {"Reservations": [{"Instances": [{"State": {"Name": state}, "InstanceType": "t4g.small"}]}]},
        {"InstanceIds": ["i-1"]},
    )
    facts = ResourceInspector(stubbed).restored_facts(
        "EC2", f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-1", []
    )
    assert facts.exists is False and facts.resource_type == "EC2"


def test_a_resource_s_tags_now_are_its_own_read_in_its_region(stubbed: StubbedClients) -> None:
    tagging = stubbed.stub("resourcegroupstaggingapi", "eu-west-1")
    tagging.add_response(
        "get_resources",
        {
            "ResourceTagMappingList": [
                {"ResourceARN": TABLE, "Tags": [{"Key": "backup-plan", "Value": "daily"}]},
                {"ResourceARN": TABLE + "-other", "Tags": [{"Key": "backup-plan", "Value": "weekly"}]},
                {"ResourceARN": TABLE},
            ]
        },
        {"ResourceARNList": [TABLE]},
    )
    assert ResourceInspector(stubbed).tags_now(TABLE) == {"backup-plan": "daily"}
    assert stubbed.asked == [("resourcegroupstaggingapi", "eu-west-1")]


# -- whether a name is taken (a restore must not collide with what exists) ---------------------
@pytest.mark.parametrize(
    ("resource_type", "service", "operation", "params", "missing"),
    [
        ("DynamoDB", "dynamodb", "describe_table", {"TableName": "orders"}, "ResourceNotFoundException"),
        ("RDS", "rds", "describe_db_instances", {"DBInstanceIdentifier": "orders"}, "DBInstanceNotFound"),
        (
            "Aurora",
            "rds",
            "describe_db_clusters",
            {"DBClusterIdentifier": "orders"},
            "DBClusterNotFoundFault",
        ),
        ("S3", "s3", "head_bucket", {"Bucket": "orders"}, "404"),
    ],
)
def test_a_name_is_taken_when_the_service_finds_it(
    stubbed: StubbedClients,
    resource_type: str,
    service: str,
    operation: str,
    params: dict[str, Any],
    missing: str,
) -> None:
    stub = stubbed.stub(service, None)
    stub.add_response(operation, {}, params)
    stub.add_client_error(operation, missing, expected_params=params)
    stub.add_client_error(operation, "ThrottlingException", expected_params=params)
    inspector = ResourceInspector(stubbed)
    assert inspector.name_exists(resource_type, "orders") is True
    assert inspector.name_exists(resource_type, "orders") is False
    with pytest.raises(ClientError, match="Throttling"):  # an error that says nothing about the name
        inspector.name_exists(resource_type, "orders")


def test_an_efs_name_is_its_creation_token(stubbed: StubbedClients) -> None:
    efs = stubbed.stub("efs", None)
    efs.add_response("describe_file_systems", {"FileSystems": [_file_system()]}, {"CreationToken": "orders"})
    efs.add_response("describe_file_systems", {"FileSystems": []}, {"CreationToken": "orders"})
    inspector = ResourceInspector(stubbed)
    assert inspector.name_exists("EFS", "orders") is True
    assert inspector.name_exists("EFS", "orders") is False


@pytest.mark.parametrize("resource_type", ["EBS", "EC2", "FSx"])
def test_names_aws_gives_never_clash(stubbed: StubbedClients, resource_type: str) -> None:
    assert ResourceInspector(stubbed).name_exists(resource_type, "vol-1") is False
    assert stubbed.asked == []


# -- the restore-test tag on what the stack's own tests restored -------------------------------
TAG = [{"Key": RESTORE_TEST_TAG, "Value": "job-1"}]


@pytest.mark.parametrize(
    ("resource_type", "arn", "service", "operation", "params"),
    [
        ("DynamoDB", TABLE, "dynamodb", "tag_resource", {"ResourceArn": TABLE, "Tags": TAG}),
        (
            "EBS",
            f"arn:aws:ec2:eu-west-1:{ACCOUNT}:volume/vol-1",
            "ec2",
            "create_tags",
            {"Resources": ["vol-1"], "Tags": TAG},
        ),
        (
            "EC2",
            f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-1",
            "ec2",
            "create_tags",
            {"Resources": ["i-1"], "Tags": TAG},
        ),
        (
            "RDS",
            f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:restored",
            "rds",
            "add_tags_to_resource",
            {"ResourceName": f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:restored", "Tags": TAG},
        ),
        (
            "Aurora",
            f"arn:aws:rds:eu-west-1:{ACCOUNT}:cluster:restored",
            "rds",
            "add_tags_to_resource",
            {"ResourceName": f"arn:aws:rds:eu-west-1:{ACCOUNT}:cluster:restored", "Tags": TAG},
        ),
        (
            "EFS",
            f"arn:aws:elasticfilesystem:eu-west-1:{ACCOUNT}:file-system/fs-1",
            "efs",
            "tag_resource",
            {"ResourceId": "fs-1", "Tags": TAG},
        ),
        (
            "FSx",
            f"arn:aws:fsx:eu-west-1:{ACCOUNT}:file-system/fs-0123456789abcdef2",
            "fsx",
            "tag_resource",
            {"ResourceARN": f"arn:aws:fsx:eu-west-1:{ACCOUNT}:file-system/fs-0123456789abcdef2", "Tags": TAG},
        ),
    ],
)
def test_a_restored_resource_is_tagged_with_the_restore_job_in_its_region(
    stubbed: StubbedClients,
    resource_type: str,
    arn: str,
    service: str,
    operation: str,
    params: dict[str, Any],
) -> None:
    stubbed.stub(service, "eu-west-1").add_response(operation, {}, params)
    ResourceInspector(stubbed).tag_test_resource(resource_type, arn, "job-1")
    assert stubbed.asked == [(service, "eu-west-1")]


def test_a_restored_bucket_keeps_its_tags_and_gains_the_restore_test_tag(stubbed: StubbedClients) -> None:
    s3 = stubbed.stub("s3", None)
    s3.add_response(
        "get_bucket_tagging",
        {"TagSet": [{"Key": "team", "Value": "orders"}, {"Key": RESTORE_TEST_TAG, "Value": "old"}]},
        {"Bucket": "orders-archive"},
    )
    merged = [{"Key": "team", "Value": "orders"}, {"Key": RESTORE_TEST_TAG, "Value": "job-1"}]
    s3.add_response("put_bucket_tagging", {}, {"Bucket": "orders-archive", "Tagging": {"TagSet": merged}})
    # a bucket without tags answers NoSuchTagSet: it gets the one tag
    s3.add_client_error("get_bucket_tagging", "NoSuchTagSet", http_status_code=404)
    s3.add_response("put_bucket_tagging", {}, {"Bucket": "orders-archive", "Tagging": {"TagSet": TAG}})
    inspector = ResourceInspector(stubbed)
    inspector.tag_test_resource("S3", BUCKET, "job-1")
    inspector.tag_test_resource("S3", BUCKET, "job-1")


# -- deleting what the stack's own tests restored, and nothing else ----------------------------
def _tagged(stubbed: StubbedClients, arn: str, region: str | None, tags: list[dict[str, str]]) -> None:
    stubbed.stub("resourcegroupstaggingapi", region).add_response(
        "get_resources",
        {"ResourceTagMappingList": [{"ResourceARN": arn, "Tags": tags}]},
        {"ResourceARNList": [arn]},
    )


def test_a_resource_without_the_restore_test_tag_is_never_deleted(stubbed: StubbedClients) -> None:
    _tagged(stubbed, TABLE, "eu-west-1", [{"Key": "team", "Value": "orders"}])
    with pytest.raises(NotATestResource, match="does not carry backup-autopilot:restore-test"):
        ResourceInspector(stubbed).delete_test_resource("DynamoDB", TABLE)
    # the tags read, nothing else asked: no DynamoDB client, no delete
    assert stubbed.asked == [("resourcegroupstaggingapi", "eu-west-1")]


@pytest.mark.parametrize(
    ("resource_type", "arn", "service", "operation", "params"),
    [
        ("DynamoDB", TABLE, "dynamodb", "delete_table", {"TableName": "orders"}),
        (
            "EBS",
            f"arn:aws:ec2:eu-west-1:{ACCOUNT}:volume/vol-1",
            "ec2",
            "delete_volume",
            {"VolumeId": "vol-1"},
        ),
        (
            "EC2",
            f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-1",
            "ec2",
            "terminate_instances",
            {"InstanceIds": ["i-1"]},
        ),
        (
            "RDS",
            f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:restored",
            "rds",
            "delete_db_instance",
            {"DBInstanceIdentifier": "restored", "SkipFinalSnapshot": True, "DeleteAutomatedBackups": True},
        ),
        (
            "FSx",
            f"arn:aws:fsx:eu-west-1:{ACCOUNT}:file-system/fs-0123456789abcdef2",
            "fsx",
            "delete_file_system",
            {"FileSystemId": "fs-0123456789abcdef2"},
        ),
    ],
)
def test_a_test_resource_is_deleted_in_its_region_without_a_final_snapshot(
    stubbed: StubbedClients,
    resource_type: str,
    arn: str,
    service: str,
    operation: str,
    params: dict[str, Any],
) -> None:
    _tagged(stubbed, arn, "eu-west-1", TAG)
    stubbed.stub(service, "eu-west-1").add_response(operation, {}, params)
    ResourceInspector(stubbed).delete_test_resource(resource_type, arn)
    assert stubbed.asked[-1] == (service, "eu-west-1")


def test_a_test_cluster_loses_its_instances_then_itself(stubbed: StubbedClients) -> None:
    arn = f"arn:aws:rds:eu-west-1:{ACCOUNT}:cluster:restored"
    _tagged(stubbed, arn, "eu-west-1", TAG)
    rds = stubbed.stub("rds", "eu-west-1")
    members = [{"DBInstanceIdentifier": "restored-1"}, {"DBInstanceIdentifier": "restored-2"}]
    rds.add_response(
        "describe_db_clusters",
        {"DBClusters": [{"DBClusterMembers": members}]},
        {"DBClusterIdentifier": "restored"},
    )
    for member in ("restored-1", "restored-2"):
        rds.add_response(
            "delete_db_instance", {}, {"DBInstanceIdentifier": member, "SkipFinalSnapshot": True}
        )
    rds.add_response("delete_db_cluster", {}, {"DBClusterIdentifier": "restored", "SkipFinalSnapshot": True})
    ResourceInspector(stubbed).delete_test_resource("Aurora", arn)


def test_a_test_file_system_loses_its_mount_targets_then_itself(stubbed: StubbedClients) -> None:
    arn = f"arn:aws:elasticfilesystem:eu-west-1:{ACCOUNT}:file-system/fs-1"
    _tagged(stubbed, arn, "eu-west-1", TAG)
    efs = stubbed.stub("efs", "eu-west-1")
    targets = [
        {
            "MountTargetId": "fsmt-01234567",
            "FileSystemId": "fs-1",
            "SubnetId": "subnet-0123abcd",
            "LifeCycleState": "available",
        }
    ]
    efs.add_response("describe_mount_targets", {"MountTargets": targets}, {"FileSystemId": "fs-1"})
    efs.add_response("delete_mount_target", {}, {"MountTargetId": "fsmt-01234567"})
    efs.add_response("delete_file_system", {}, {"FileSystemId": "fs-1"})
    ResourceInspector(stubbed).delete_test_resource("EFS", arn)


def test_a_test_bucket_is_emptied_of_every_version_and_marker_then_deleted(stubbed: StubbedClients) -> None:
    _tagged(stubbed, BUCKET, None, TAG)
    s3 = stubbed.stub("s3", None)
    versions = [_version(f"k{i}", f'"{i}"', T0, latest=True) for i in range(1001)]
    s3.add_response(
        "list_object_versions",
        {"Versions": versions, "DeleteMarkers": [_marker("gone", T0, latest=True)], "IsTruncated": False},
        {"Bucket": "orders-archive"},
    )
    doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions] + [
        {"Key": "gone", "VersionId": "gone-deleted"}
    ]
    # DeleteObjects takes 1,000 keys at most: two requests
    s3.add_response("delete_objects", {}, {"Bucket": "orders-archive", "Delete": {"Objects": doomed[:1000]}})
    s3.add_response("delete_objects", {}, {"Bucket": "orders-archive", "Delete": {"Objects": doomed[1000:]}})
    s3.add_response("delete_bucket", {}, {"Bucket": "orders-archive"})
    ResourceInspector(stubbed).delete_test_resource("S3", BUCKET)


def test_a_test_resource_already_gone_is_fine_and_other_errors_are_raised(stubbed: StubbedClients) -> None:
    _tagged(stubbed, TABLE, "eu-west-1", TAG)
    _tagged(stubbed, TABLE, "eu-west-1", TAG)
    dynamodb = stubbed.stub("dynamodb", "eu-west-1")
    dynamodb.add_client_error("delete_table", "ResourceNotFoundException")
    dynamodb.add_client_error("delete_table", "ResourceInUseException")
    inspector = ResourceInspector(stubbed)
    inspector.delete_test_resource("DynamoDB", TABLE)
    with pytest.raises(ClientError, match="ResourceInUse"):
        inspector.delete_test_resource("DynamoDB", TABLE)


def test_a_table_s_sample_key_is_canonical_whatever_the_key_schema_s_order(stubbed: StubbedClients) -> None:
    # the source's key JSON is looked up in the restored copy later: it must not depend on the order
    # DynamoDB lists the key attributes in (here the hash key's name sorts after the range key's)
    dynamodb = stubbed.stub("dynamodb", "eu-west-1")
    schema = [{"AttributeName": "zone", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}]
    dynamodb.add_response(
        "describe_table", {"Table": {"TableStatus": "ACTIVE", "KeySchema": schema}}, {"TableName": "orders"}
    )
    dynamodb.add_response(
        "scan", _scan_page(1, more=False), {"TableName": "orders", "Select": "COUNT", "ConsistentRead": True}
    )
    item = {"zone": {"S": "eu"}, "at": {"N": "1"}, "total": {"N": "3"}}
    dynamodb.add_response(
        "scan",
        {"Items": [item], "Count": 1},
        {"TableName": "orders", "Limit": SAMPLES, "ConsistentRead": True},
    )
    facts = ResourceInspector(stubbed).source_facts("DynamoDB", TABLE, None)
    assert facts.key_schema == ("HASH:zone", "RANGE:at")
    assert [key for key, _ in facts.samples] == ['{"at": {"N": "1"}, "zone": {"S": "eu"}}']


def test_a_bucket_at_backup_time_includes_what_was_written_or_deleted_at_that_very_instant(
    stubbed: StubbedClients,
) -> None:
    s3 = stubbed.stub("s3", None)
    s3.add_response("head_bucket", {}, {"Bucket": "orders-archive"})
    s3.add_response(
        "list_object_versions",
        {
            "Versions": [
                _version("kept.csv", '"k1"', T0, latest=True),
                _version("gone.csv", '"g1"', T0 - HOUR, latest=False),
            ],
            "DeleteMarkers": [_marker("gone.csv", T0, latest=True)],
            "IsTruncated": False,
        },
        {"Bucket": "orders-archive"},
    )
    facts = ResourceInspector(stubbed).source_facts("S3", BUCKET, T0)
    assert facts.samples == (("kept.csv", '"k1"'),)


def test_a_delete_marker_read_before_its_object_s_versions_still_deletes_it(stubbed: StubbedClients) -> None:
    # ListObjectVersions pages by key and version: a key's marker can end one page and its older
    # versions begin the next
    s3 = stubbed.stub("s3", None)
    s3.add_response("head_bucket", {}, {"Bucket": "orders-archive"})
    s3.add_response(
        "list_object_versions",
        {
            "DeleteMarkers": [_marker("e.csv", T0 - HOUR, latest=True)],
            "IsTruncated": True,
            "NextKeyMarker": "e.csv",
            "NextVersionIdMarker": "e.csv-deleted",
        },
        {"Bucket": "orders-archive"},
    )
    s3.add_response(
        "list_object_versions",
        {
            "Versions": [_version("e.csv", '"e1"', T0 - 2 * HOUR, latest=False)],
            "IsTruncated": False,
        },
        {"Bucket": "orders-archive", "KeyMarker": "e.csv", "VersionIdMarker": "e.csv-deleted"},
    )
    facts = ResourceInspector(stubbed).source_facts("S3", BUCKET, T0)
    assert facts.samples == () and facts.item_count == 0 and facts.count_exact is True
