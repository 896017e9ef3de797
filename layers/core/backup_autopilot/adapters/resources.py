"""Reads (and the one tag write) on the protected resources themselves, through boto3."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from backup_autopilot.logic.protection import ResourceGone
from backup_autopilot.logic.resources import parse_resource_arn

ClientFactory = Callable[[str, str | None], Any]


class ResourceGateway:
    """Implements the protection logic's ResourcePort."""

    def __init__(self, client_for: ClientFactory) -> None:
        self._client_for = client_for

    def tags_now(self, resource_arn: str, region: str | None) -> dict[str, str]:
        """The resource's tags as they are now ({} when it has none, or no longer exists)."""
        response = self._client_for("resourcegroupstaggingapi", region).get_resources(
            ResourceARNList=[resource_arn]
        )
        return {
            tag["Key"]: tag["Value"]
            for item in response.get("ResourceTagMappingList", [])
            if item.get("ResourceARN") == resource_arn
            for tag in item.get("Tags", [])
        }

    def s3_versioning_enabled(self, bucket: str) -> bool:
        try:
            status = self._client_for("s3", None).get_bucket_versioning(Bucket=bucket).get("Status")
        except ClientError as error:
            if error.response["Error"]["Code"] == "NoSuchBucket":
                raise ResourceGone(bucket) from error
            raise
        return bool(status == "Enabled")

    def instance_of_volume(self, volume_arn: str) -> tuple[str, Mapping[str, str]] | None:
        ref = parse_resource_arn(volume_arn)
        if ref is None:
            return None
        ec2 = self._client_for("ec2", ref.region)
        try:
            volumes = ec2.describe_volumes(VolumeIds=[ref.name])["Volumes"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "InvalidVolume.NotFound":
                raise ResourceGone(volume_arn) from error
            raise
        attachments = [
            a
            for v in volumes
            for a in v.get("Attachments", [])
            if a.get("State") in {"attached", "attaching"}
        ]
        if not attachments:
            return None
        instance_id = attachments[0]["InstanceId"]
        reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
        tags = {t["Key"]: t["Value"] for r in reservations for i in r["Instances"] for t in i.get("Tags", [])}
        return f"arn:aws:ec2:{ref.region}:{ref.account}:instance/{instance_id}", tags

    def tag(self, resource_arn: str, tags: Mapping[str, str]) -> None:
        ref = parse_resource_arn(resource_arn)
        if ref is None or ref.resource_type not in {"EBS", "EC2"}:
            raise ValueError(f"tagging is only used on EC2 volumes and instances, not {resource_arn}")
        self._client_for("ec2", ref.region).create_tags(
            Resources=[ref.name], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
        )
