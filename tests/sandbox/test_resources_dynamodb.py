"""DynamoDB adapter: real moto tables captured, copied and restored into new tables."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from sandbox.resources import CaptureError, adapter_for_arn
from sandbox.resources.base import RestoreError
from sandbox.resources.dynamodb import DynamoDBAdapter
from tests.sandbox.resources_support import ACCOUNT, DR_REGION, OTHER_ACCOUNT, REGION, mocked_adapter

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def adapter() -> Iterator[DynamoDBAdapter]:
    with mocked_adapter("DynamoDB", DynamoDBAdapter) as found:
        yield found
    found.reset()


def _client(region: str = REGION) -> Any:
    return boto3.client("dynamodb", region_name=region)


def _create_table(name: str = "orders", *, kms_key: str | None = None) -> str:
    kwargs: dict[str, Any] = {}
    if kms_key:
        kwargs["SSESpecification"] = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key}
    table = _client().create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "backup-plan", "Value": "daily"}],
        **kwargs,
    )
    return str(table["TableDescription"]["TableArn"])


def _item(i: int) -> dict[str, Any]:
    return {
        "pk": {"S": f"customer-{i % 37}"},
        "sk": {"N": str(i)},
        "status": {"S": ["new", "paid", "shipped"][i % 3]},
        "amount": {"N": f"{i * 3}.25"},
        "blob": {"B": bytes([i % 256, 7, 9])},
        "lines": {"L": [{"S": "sku-1"}, {"N": str(i % 5)}]},
        "address": {"M": {"city": {"S": "Lyon"}, "zip": {"N": "69001"}}},
        "labels": {"SS": ["a", f"l{i % 4}"]},
        "gift": {"BOOL": i % 2 == 0},
        "note": {"NULL": True},
    }


def _fill(name: str, count: int) -> None:
    client = _client()
    for start in range(0, count, 25):
        client.batch_write_item(
            RequestItems={
                name: [{"PutRequest": {"Item": _item(i)}} for i in range(start, min(count, start + 25))]
            }
        )


def _scan(name: str, region: str = REGION) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in _client(region).get_paginator("scan").paginate(TableName=name):
        items.extend(page["Items"])
    return sorted(items, key=lambda item: (item["pk"]["S"], int(item["sk"]["N"])))


def test_restore_holds_every_item_as_it_was_at_backup_time(adapter: DynamoDBAdapter) -> None:
    arn = _create_table()
    _fill("orders", 1000)
    original = _scan("orders")

    capture = adapter.capture(arn, account=ACCOUNT, region=REGION, job_id="JOB-1")
    client = _client()
    client.delete_item(TableName="orders", Key={"pk": {"S": "customer-1"}, "sk": {"N": "1"}})
    client.put_item(TableName="orders", Item={**_item(2), "status": {"S": "changed"}})
    client.delete_table(TableName="orders")

    created = adapter.restore(capture, {"targetTableName": "orders-restored"}, account=ACCOUNT, region=REGION)

    assert created == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders-restored"
    assert _scan("orders-restored") == original
    assert len(original) == 1000 and capture.extra["item_count"] == 1000
    table = client.describe_table(TableName="orders-restored")["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [index["IndexName"] for index in table["GlobalSecondaryIndexes"]] == ["by-status"]
    # a restored table does not inherit the source's tags (it must not join the backup plan)
    assert client.list_tags_of_resource(ResourceArn=created)["Tags"] == []


def test_plain_dynamodb_backup_is_a_native_backup_named_by_its_arn(adapter: DynamoDBAdapter) -> None:
    arn = _create_table()
    _fill("orders", 3)

    capture = adapter.capture(arn, account=ACCOUNT, region=REGION, job_id="JOB-2")

    assert capture.native_arn is not None
    assert re.fullmatch(
        rf"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders/backup/[\w.-]+", capture.native_arn
    )
    described = _client().describe_backup(BackupArn=capture.native_arn)["BackupDescription"]
    assert described["BackupDetails"]["BackupType"] == "AWS_BACKUP"
    with pytest.raises(CaptureError) as refused:
        adapter.copy_to(capture, account=ACCOUNT, region=DR_REGION, job_id="COPY-1")
    assert refused.value.code == "InvalidRequestException"

    adapter.delete_capture(capture)
    assert _client().list_backups(TableName="orders")["BackupSummaries"] == []


def test_advanced_backup_copies_to_another_region_and_account_and_restores_there(
    adapter: DynamoDBAdapter,
) -> None:
    arn = _create_table()
    _fill("orders", 50)
    original = _scan("orders")
    adapter.set_advanced_backup(ACCOUNT, REGION, True)

    capture = adapter.capture(arn, account=ACCOUNT, region=REGION, job_id="JOB-3")
    regional = adapter.copy_to(capture, account=ACCOUNT, region=DR_REGION, job_id="COPY-2")
    foreign = adapter.copy_to(capture, account=OTHER_ACCOUNT, region=DR_REGION, job_id="COPY-3")
    _client().delete_table(TableName="orders")

    assert capture.native_arn is None and regional.native_arn is None
    created = adapter.restore(regional, {"targetTableName": "orders-dr"}, account=ACCOUNT, region=DR_REGION)
    assert created == f"arn:aws:dynamodb:{DR_REGION}:{ACCOUNT}:table/orders-dr"
    assert _scan("orders-dr", DR_REGION) == original
    foreign_arn = adapter.restore(
        foreign, {"targetTableName": "orders-dr"}, account=OTHER_ACCOUNT, region=DR_REGION
    )
    restored = adapter.describe(foreign_arn)
    assert restored is not None and restored.size_bytes == capture.size_bytes


def test_restore_refuses_an_existing_table_name_and_foreign_locations(adapter: DynamoDBAdapter) -> None:
    arn = _create_table()
    _create_table("taken")
    capture = adapter.capture(arn, account=ACCOUNT, region=REGION, job_id="JOB-4")

    with pytest.raises(RestoreError) as exists:
        adapter.restore(capture, {"targetTableName": "taken"}, account=ACCOUNT, region=REGION)
    assert exists.value.code == "ResourceInUseException"
    assert "Table already exists" in exists.value.message
    with pytest.raises(RestoreError) as missing:
        adapter.restore(capture, {"encryptionType": "Default"}, account=ACCOUNT, region=REGION)
    assert missing.value.code == "MissingParameterValueException"
    with pytest.raises(RestoreError) as elsewhere:
        adapter.restore(capture, {"targetTableName": "new-one"}, account=ACCOUNT, region=DR_REGION)
    assert elsewhere.value.code == "InvalidParameterValueException"


def test_restore_of_an_empty_payload_leaves_an_empty_table(adapter: DynamoDBAdapter) -> None:
    arn = _create_table()
    _fill("orders", 10)
    capture = adapter.capture(arn, account=ACCOUNT, region=REGION, job_id="JOB-5")

    adapter.restore(
        dataclasses.replace(capture, payload=None),
        {"TargetTableName": "hollow"},
        account=ACCOUNT,
        region=REGION,
    )

    table = _client().describe_table(TableName="hollow")["Table"]
    assert table["TableStatus"] == "ACTIVE" and table["ItemCount"] == 0
    assert _scan("hollow") == []


def test_encryption_follows_the_restore_metadata(adapter: DynamoDBAdapter) -> None:
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    arn = _create_table(kms_key=key)
    capture = adapter.capture(arn, account=ACCOUNT, region=REGION, job_id="JOB-6")

    assert capture.restore_metadata == {
        "targetTableName": "orders",
        "encryptionType": "KMS",
        "kmsMasterKeyArn": key,
    }
    assert capture.kms_key_arn == key
    adapter.restore(capture, {"targetTableName": "same-key"}, account=ACCOUNT, region=REGION)
    adapter.restore(
        capture, {"targetTableName": "aws-owned", "encryptionType": "Default"}, account=ACCOUNT, region=REGION
    )
    client = _client()
    assert client.describe_table(TableName="same-key")["Table"]["SSEDescription"]["KMSMasterKeyArn"] == key
    assert "SSEDescription" not in client.describe_table(TableName="aws-owned")["Table"]
    with pytest.raises(RestoreError) as bad:
        adapter.restore(
            capture, {"targetTableName": "x-bad", "encryptionType": "ROT13"}, account=ACCOUNT, region=REGION
        )
    assert bad.value.code == "InvalidParameterValueException"


def test_live_resources_carry_current_tags_and_vanish_when_deleted(adapter: DynamoDBAdapter) -> None:
    arn = _create_table()
    _client().tag_resource(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "team-a"}])

    [live] = list(adapter.iter_resources(ACCOUNT, REGION))
    assert live.arn == arn and live.name == "orders"
    assert live.tags == {"backup-plan": "daily", "owner": "team-a"}
    assert adapter_for_arn(arn) is adapter
    _client().delete_table(TableName="orders")
    assert adapter.describe(arn) is None
    assert list(adapter.iter_resources(ACCOUNT, REGION)) == []
