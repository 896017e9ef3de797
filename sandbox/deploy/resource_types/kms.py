"""KMS: ``AWS::KMS::Key`` (policy, rotation, enabled) and ``AWS::KMS::Alias``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.deploy.values import as_bool, as_json, tag_list

if TYPE_CHECKING:
    from sandbox.deploy.core import Creators, Props, Stack


def create_key(stack: Stack, props: Props) -> None:
    kms = stack.client("kms")
    request: dict[str, Any] = {
        "KeyUsage": props.take("KeyUsage", "ENCRYPT_DECRYPT"),
        "KeySpec": props.take("KeySpec", "SYMMETRIC_DEFAULT"),
        "Description": props.take("Description", ""),
        "MultiRegion": as_bool(props.take("MultiRegion", False)),
    }
    policy = props.take("KeyPolicy")
    if policy is not None:
        request["Policy"] = as_json(policy)
    tags = props.take("Tags")
    if tags:
        request["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tag_list(tags)]
    metadata = kms.create_key(**request)["KeyMetadata"]
    if as_bool(props.take("EnableKeyRotation", False)):
        kms.enable_key_rotation(KeyId=metadata["KeyId"])
    if not as_bool(props.take("Enabled", True)):
        kms.disable_key(KeyId=metadata["KeyId"])
    props.take("PendingWindowInDays")  # applies to deletion only
    stack.record(props, metadata["KeyId"], Arn=metadata["Arn"], KeyId=metadata["KeyId"])


def create_alias(stack: Stack, props: Props) -> None:
    alias = props.require("AliasName")
    stack.client("kms").create_alias(AliasName=alias, TargetKeyId=props.require("TargetKeyId"))
    stack.record(props, alias)


CREATORS: Creators = {
    "AWS::KMS::Key": create_key,
    "AWS::KMS::Alias": create_alias,
}
