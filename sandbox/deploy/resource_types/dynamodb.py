"""DynamoDB: ``AWS::DynamoDB::Table`` (indexes, streams, SSE), point-in-time recovery and TTL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.deploy.values import as_bool, ints, tag_list

if TYPE_CHECKING:
    from sandbox.deploy.core import Creators, Props, Stack


def create_table(stack: Stack, props: Props) -> None:
    dynamodb = stack.client("dynamodb")
    name = stack.name(props, "TableName", 255)
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props.require("KeySchema"),
        "AttributeDefinitions": props.require("AttributeDefinitions"),
        "BillingMode": props.take("BillingMode", "PROVISIONED"),
    }
    if (throughput := props.take("ProvisionedThroughput")) is not None:
        request["ProvisionedThroughput"] = ints(throughput, "ReadCapacityUnits", "WriteCapacityUnits")
    if gsis := props.take("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [_index(i, global_index=True) for i in gsis]
    if lsis := props.take("LocalSecondaryIndexes"):
        request["LocalSecondaryIndexes"] = [_index(i, global_index=False) for i in lsis]
    if (stream := props.take("StreamSpecification")) is not None:
        request["StreamSpecification"] = {"StreamEnabled": True, **stream}
    if (sse := props.take("SSESpecification")) is not None:
        request["SSESpecification"] = {**sse, "Enabled": as_bool(sse.get("SSEEnabled", False))}
        request["SSESpecification"].pop("SSEEnabled", None)
    if tags := props.take("Tags"):
        request["Tags"] = tag_list(tags)
    for key in ("TableClass",):
        if (value := props.take(key)) is not None:
            request[key] = value
    if (protection := props.take("DeletionProtectionEnabled")) is not None:
        request["DeletionProtectionEnabled"] = as_bool(protection)
    table = dynamodb.create_table(**request)["TableDescription"]
    _table_settings(props, dynamodb, name)
    stack.record(props, name, Arn=table["TableArn"], StreamArn=table.get("LatestStreamArn"))


def _table_settings(props: Props, dynamodb: Any, name: str) -> None:
    if (pitr := props.take("PointInTimeRecoverySpecification")) is not None:
        dynamodb.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": as_bool(pitr.get("PointInTimeRecoveryEnabled", False))
            },
        )
    if (ttl := props.take("TimeToLiveSpecification")) is not None:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "AttributeName": ttl["AttributeName"],
                "Enabled": as_bool(ttl["Enabled"]),
            },
        )


def _index(index: dict[str, Any], *, global_index: bool) -> dict[str, Any]:
    keys = {"IndexName", "KeySchema", "Projection"}
    if global_index:
        keys |= {"ProvisionedThroughput", "OnDemandThroughput"}
    converted = {k: v for k, v in index.items() if k in keys}
    if "ProvisionedThroughput" in converted:
        converted["ProvisionedThroughput"] = ints(
            converted["ProvisionedThroughput"], "ReadCapacityUnits", "WriteCapacityUnits"
        )
    return converted


CREATORS: Creators = {
    "AWS::DynamoDB::Table": create_table,
}
