"""Which AWS Backup resource type an ARN names (pure string logic), and a resource as the Tagging
API lists it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec import Struct

if TYPE_CHECKING:
    from collections.abc import Mapping

#: (ARN service, resource-type prefix) -> AWS Backup resource type name
_TYPES: dict[tuple[str, str], str] = {
    ("dynamodb", "table"): "DynamoDB",
    ("ec2", "volume"): "EBS",
    ("ec2", "instance"): "EC2",
    ("rds", "db"): "RDS",
    ("rds", "cluster"): "Aurora",
    ("elasticfilesystem", "file-system"): "EFS",
    ("fsx", "file-system"): "FSx",
    ("fsx", "volume"): "FSx",
    ("storagegateway", "gateway"): "Storage Gateway",
}
SUPPORTED_TYPES = frozenset({*_TYPES.values(), "S3"})


class ResourceRef(Struct, frozen=True):
    arn: str
    resource_type: str
    name: str
    account: str
    region: str


class TaggedResource(Struct, frozen=True):
    """A resource and its tags, as the Resource Groups Tagging API lists it."""

    arn: str
    tags: Mapping[str, str]


def parse_resource_arn(arn: str) -> ResourceRef | None:
    """The resource an ARN names when AWS Backup supports its type, else None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1].startswith("aws"):
        return None
    _, _, service, region, account, resource = parts
    if service == "s3":
        if not resource or "/" in resource:
            return None  # objects and access points are not backup resources
        return ResourceRef(arn, "S3", resource, account, region)
    if service in {"dynamodb", "ec2", "elasticfilesystem", "fsx", "storagegateway"}:
        kind, sep, rest = resource.partition("/")
    else:  # rds: db:<id>, cluster:<id>
        kind, sep, rest = resource.partition(":")
    if not sep or not rest:
        return None
    resource_type = _TYPES.get((service, kind))
    if resource_type is None:
        return None
    if resource_type == "Storage Gateway" and "/volume/" not in f"/{rest}":
        return None  # AWS Backup protects gateway volumes, not gateways
    return ResourceRef(arn, resource_type, rest.split("/")[-1], account, region)
