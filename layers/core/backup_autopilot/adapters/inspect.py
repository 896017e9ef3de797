"""Reading resources for restore tests (the source at backup time, the restored copy now), and
tagging and deleting what the stack's own on-demand tests created. boto3 only.

Reads are bounded: at most :data:`MAX_PAGES` pages when counting items or objects, and
:data:`SAMPLES` sampled items, whatever the resource's size (see ``logic.restore_tests.checks``
for what that proves and what it cannot).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from backup_autopilot.logic.resources import parse_resource_arn
from backup_autopilot.logic.restore_tests.facts import ResourceFacts
from backup_autopilot.logic.restore_tests.recording import item_digest
from backup_autopilot.logic.restore_tests.validation import RESTORE_TEST_TAG

if TYPE_CHECKING:
    import datetime as dt

ClientFactory = Callable[[str, str | None], Any]

#: pages read when counting items (DynamoDB: 1 MB each) or objects (S3: 1,000 each)
MAX_PAGES = 10
#: items or objects sampled from the source and looked up in the restored copy
SAMPLES = 5
_NOT_FOUND = {
    "ResourceNotFoundException",
    "NoSuchBucket",
    "InvalidVolume.NotFound",
    "InvalidInstanceID.NotFound",
    "InvalidInstanceID.Malformed",
    "DBInstanceNotFound",
    "DBInstanceNotFoundFault",
    "DBClusterNotFoundFault",
    "FileSystemNotFound",
    "NotFound",
    "404",
}


class NotATestResource(Exception):
    """A delete was asked for a resource without the restore-test tag: refused."""


def _gone(error: ClientError) -> bool:
    return error.response["Error"]["Code"] in _NOT_FOUND


def _first(described: list[Any]) -> Any:
    """The one resource a Describe call by id answered with (None: it answered with none)."""
    return described[0] if described else None


class ResourceInspector:
    """Implements the restore tests' inspector ports."""

    def __init__(self, client_for: ClientFactory) -> None:
        self._client_for = client_for

    def _client(self, service: str, arn: str) -> Any:
        ref = parse_resource_arn(arn)
        return self._client_for(service, (ref.region if ref else None) or None)

    # -- tags -----------------------------------------------------------------------------------
    def tags_now(self, arn: str) -> dict[str, str]:
        response = self._client("resourcegroupstaggingapi", arn).get_resources(ResourceARNList=[arn])
        return {
            tag["Key"]: tag["Value"]
            for item in response.get("ResourceTagMappingList", [])
            if item.get("ResourceARN") == arn
            for tag in item.get("Tags", [])
        }

    # -- facts ----------------------------------------------------------------------------------
    def source_facts(self, resource_type: str, arn: str, as_of: dt.datetime | None) -> ResourceFacts:
        return self._facts(resource_type, arn, sample_keys=None, as_of=as_of)

    def restored_facts(self, resource_type: str, arn: str, sample_keys: list[str]) -> ResourceFacts:
        return self._facts(resource_type, arn, sample_keys=sample_keys, as_of=None)

    def _facts(
        self, resource_type: str, arn: str, *, sample_keys: list[str] | None, as_of: dt.datetime | None
    ) -> ResourceFacts:
        readers: dict[str, Callable[[str, list[str] | None, dt.datetime | None], ResourceFacts]] = {
            "DynamoDB": self._dynamodb,
            "S3": self._s3,
            "EBS": self._ebs,
            "EC2": self._ec2,
            "RDS": self._rds,
            "Aurora": self._aurora,
            "EFS": self._efs,
            "FSx": self._fsx,
        }
        reader = readers.get(resource_type)
        if reader is None:
            return ResourceFacts(resource_type, arn, exists=False, status="unsupported")
        try:
            return reader(arn, sample_keys, as_of)
        except ClientError as error:
            if _gone(error):
                return ResourceFacts(resource_type, arn, exists=False)
            raise

    def _dynamodb(self, arn: str, sample_keys: list[str] | None, _as_of: dt.datetime | None) -> ResourceFacts:
        client = self._client("dynamodb", arn)
        name = arn.rsplit("/", 1)[-1]
        table = client.describe_table(TableName=name)["Table"]
        key_names = [k["AttributeName"] for k in table["KeySchema"]]
        count, exact = 0, False
        request: dict[str, Any] = {"TableName": name, "Select": "COUNT", "ConsistentRead": True}
        for _ in range(MAX_PAGES):
            response = client.scan(**request)
            count += int(response.get("Count", 0))
            if "LastEvaluatedKey" not in response:
                exact = True
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        samples: list[tuple[str, str]] = []
        if sample_keys is None:  # the source: sample a few items
            items = client.scan(TableName=name, Limit=SAMPLES, ConsistentRead=True).get("Items", [])
            for item in items:
                key = json.dumps({k: item[k] for k in key_names}, sort_keys=True)
                samples.append((key, item_digest(item)))
        else:  # the restored copy: look the source's samples up
            for key in sample_keys:
                item = client.get_item(TableName=name, Key=json.loads(key), ConsistentRead=True).get("Item")
                if item is not None:
                    samples.append((key, item_digest(item)))
        indexes = [i["IndexName"] for i in table.get("GlobalSecondaryIndexes", []) or []]
        indexes += [i["IndexName"] for i in table.get("LocalSecondaryIndexes", []) or []]
        return ResourceFacts(
            "DynamoDB",
            arn,
            status=table.get("TableStatus"),
            item_count=count,
            count_exact=exact,
            key_schema=tuple(f"{k['KeyType']}:{k['AttributeName']}" for k in table["KeySchema"]),
            indexes=tuple(sorted(indexes)),
            samples=tuple(samples),
            encrypted=(table.get("SSEDescription") or {}).get("Status") == "ENABLED",
        )

    def _s3(self, arn: str, sample_keys: list[str] | None, as_of: dt.datetime | None) -> ResourceFacts:
        client = self._client_for("s3", None)
        bucket = arn.split(":::", 1)[-1]
        client.head_bucket(Bucket=bucket)
        current: dict[str, str] = {}  # key -> ETag of the version current at ``as_of``
        newest: dict[str, dt.datetime] = {}
        exact = False
        request: dict[str, Any] = {"Bucket": bucket}
        for _ in range(MAX_PAGES):
            response = client.list_object_versions(**request)
            for version in response.get("Versions", []):
                when = version["LastModified"]
                if as_of is not None and when > as_of:
                    continue
                key = version["Key"]
                if as_of is None and not version.get("IsLatest"):
                    continue
                if key not in newest or when > newest[key]:
                    newest[key], current[key] = when, version["ETag"]
            for marker in response.get("DeleteMarkers", []):
                when, key = marker["LastModified"], marker["Key"]
                if (as_of is None and marker.get("IsLatest")) or (
                    as_of is not None and when <= as_of and (key not in newest or when > newest[key])
                ):
                    newest[key] = when
                    current.pop(key, None)
            if not response.get("IsTruncated"):
                exact = True
                break
            request.update(
                KeyMarker=response.get("NextKeyMarker"), VersionIdMarker=response.get("NextVersionIdMarker")
            )
        if sample_keys is None:
            samples = tuple((key, current[key]) for key in sorted(current)[:SAMPLES])
        else:
            samples = tuple((key, current[key]) for key in sample_keys if key in current)
        return ResourceFacts(
            "S3", arn, status="available", item_count=len(current), count_exact=exact, samples=samples
        )

    def _ebs(self, arn: str, _keys: list[str] | None, _as_of: dt.datetime | None) -> ResourceFacts:
        volume = _first(
            self._client("ec2", arn).describe_volumes(VolumeIds=[arn.rsplit("/", 1)[-1]])["Volumes"]
        )
        if volume is None:
            return ResourceFacts("EBS", arn, exists=False)
        return ResourceFacts(
            "EBS",
            arn,
            status=volume["State"],
            size=int(volume["Size"]),
            encrypted=bool(volume.get("Encrypted")),
            storage_type=volume.get("VolumeType"),
        )

    def _ec2(self, arn: str, _keys: list[str] | None, _as_of: dt.datetime | None) -> ResourceFacts:
        reservations = self._client("ec2", arn).describe_instances(InstanceIds=[arn.rsplit("/", 1)[-1]])
        instances = [i for r in reservations["Reservations"] for i in r["Instances"]]
        if not instances or instances[0]["State"]["Name"] in {"terminated", "shutting-down"}:
            return ResourceFacts("EC2", arn, exists=False)
        return ResourceFacts(
            "EC2", arn, status=instances[0]["State"]["Name"], engine=instances[0].get("InstanceType")
        )

    def _rds(self, arn: str, _keys: list[str] | None, _as_of: dt.datetime | None) -> ResourceFacts:
        db = _first(
            self._client("rds", arn).describe_db_instances(DBInstanceIdentifier=arn.rsplit(":", 1)[-1])[
                "DBInstances"
            ]
        )
        if db is None:
            return ResourceFacts("RDS", arn, exists=False)
        return ResourceFacts(
            "RDS",
            arn,
            status=db["DBInstanceStatus"],
            engine=db.get("Engine"),
            engine_version=db.get("EngineVersion"),
            storage_type=db.get("StorageType"),
            size=db.get("AllocatedStorage"),
            encrypted=db.get("StorageEncrypted"),
        )

    def _aurora(self, arn: str, _keys: list[str] | None, _as_of: dt.datetime | None) -> ResourceFacts:
        cluster = _first(
            self._client("rds", arn).describe_db_clusters(DBClusterIdentifier=arn.rsplit(":", 1)[-1])[
                "DBClusters"
            ]
        )
        if cluster is None:
            return ResourceFacts("Aurora", arn, exists=False)
        return ResourceFacts(
            "Aurora",
            arn,
            status=cluster["Status"],
            engine=cluster.get("Engine"),
            engine_version=cluster.get("EngineVersion"),
            storage_type=cluster.get("StorageType"),
            encrypted=cluster.get("StorageEncrypted"),
        )

    def _efs(self, arn: str, _keys: list[str] | None, _as_of: dt.datetime | None) -> ResourceFacts:
        file_system = _first(
            self._client("efs", arn).describe_file_systems(FileSystemId=arn.rsplit("/", 1)[-1])["FileSystems"]
        )
        if file_system is None:
            return ResourceFacts("EFS", arn, exists=False)
        return ResourceFacts(
            "EFS", arn, status=file_system["LifeCycleState"], encrypted=bool(file_system.get("Encrypted"))
        )

    def _fsx(self, arn: str, _keys: list[str] | None, _as_of: dt.datetime | None) -> ResourceFacts:
        # AWS answers FileSystemNotFound for an id it does not know; an empty list means the same
        file_system = _first(
            self._client("fsx", arn).describe_file_systems(FileSystemIds=[arn.rsplit("/", 1)[-1]])[
                "FileSystems"
            ]
        )
        if file_system is None:
            return ResourceFacts("FSx", arn, exists=False)
        return ResourceFacts(
            "FSx",
            arn,
            status=file_system.get("Lifecycle"),  # always there on AWS; absent: not ready
            engine=file_system.get("FileSystemType"),
            size=file_system.get("StorageCapacity"),
        )

    def name_exists(self, resource_type: str, name: str) -> bool:
        """Whether a resource of this type already has ``name`` (in the function's Region)."""
        lookups: dict[str, Callable[[], Any]] = {
            "DynamoDB": lambda: self._client_for("dynamodb", None).describe_table(TableName=name),
            "RDS": lambda: self._client_for("rds", None).describe_db_instances(DBInstanceIdentifier=name),
            "Aurora": lambda: self._client_for("rds", None).describe_db_clusters(DBClusterIdentifier=name),
            "S3": lambda: self._client_for("s3", None).head_bucket(Bucket=name),
        }
        if resource_type == "EFS":
            found = self._client_for("efs", None).describe_file_systems(CreationToken=name)["FileSystems"]
            return bool(found)
        lookup = lookups.get(resource_type)
        if lookup is None:
            return False  # AWS names these (volume, instance and file system ids): no clash possible
        try:
            lookup()
        except ClientError as error:
            if _gone(error):
                return False
            raise
        return True

    # -- what on-demand tests create -----------------------------------------------------------
    def tag_test_resource(self, resource_type: str, arn: str, job_id: str) -> None:
        """Mark a restored resource as the stack's test resource (the delete guard and IAM need it)."""
        tags = {RESTORE_TEST_TAG: job_id}
        if resource_type == "DynamoDB":
            self._client("dynamodb", arn).tag_resource(
                ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )
        elif resource_type == "S3":
            client, bucket = self._client_for("s3", None), arn.split(":::", 1)[-1]
            try:
                existing = client.get_bucket_tagging(Bucket=bucket).get("TagSet", [])
            except ClientError:
                existing = []
            merged = {t["Key"]: t["Value"] for t in existing} | tags
            client.put_bucket_tagging(
                Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in merged.items()]}
            )
        elif resource_type in {"EBS", "EC2"}:
            self._client("ec2", arn).create_tags(
                Resources=[arn.rsplit("/", 1)[-1]], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )
        elif resource_type in {"RDS", "Aurora"}:
            self._client("rds", arn).add_tags_to_resource(
                ResourceName=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )
        elif resource_type == "EFS":
            self._client("efs", arn).tag_resource(
                ResourceId=arn.rsplit("/", 1)[-1], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )
        elif resource_type == "FSx":
            self._client("fsx", arn).tag_resource(
                ResourceARN=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
            )

    def delete_test_resource(self, resource_type: str, arn: str) -> None:
        """Delete a resource the stack's on-demand test created: only when it carries the
        restore-test tag (as the stack's IAM also requires); a resource already gone is fine."""
        try:
            if RESTORE_TEST_TAG not in self.tags_now(arn):
                raise NotATestResource(f"{arn} does not carry {RESTORE_TEST_TAG}: not deleted")
            self._delete(resource_type, arn)
        except ClientError as error:
            if not _gone(error):
                raise

    def _delete(self, resource_type: str, arn: str) -> None:
        name = arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        if resource_type == "DynamoDB":
            self._client("dynamodb", arn).delete_table(TableName=arn.rsplit("/", 1)[-1])
        elif resource_type == "S3":
            self._empty_and_delete_bucket(arn.split(":::", 1)[-1])
        elif resource_type == "EBS":
            self._client("ec2", arn).delete_volume(VolumeId=name)
        elif resource_type == "EC2":
            self._client("ec2", arn).terminate_instances(InstanceIds=[name])
        elif resource_type == "RDS":
            self._client("rds", arn).delete_db_instance(
                DBInstanceIdentifier=name, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
            )
        elif resource_type == "Aurora":
            rds = self._client("rds", arn)
            cluster = rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
            for member in cluster.get("DBClusterMembers", []):
                rds.delete_db_instance(
                    DBInstanceIdentifier=member["DBInstanceIdentifier"], SkipFinalSnapshot=True
                )
            rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)
        elif resource_type == "EFS":
            efs = self._client("efs", arn)
            for target in efs.describe_mount_targets(FileSystemId=name).get("MountTargets", []):
                efs.delete_mount_target(MountTargetId=target["MountTargetId"])
            efs.delete_file_system(FileSystemId=name)
        elif resource_type == "FSx":
            self._client("fsx", arn).delete_file_system(FileSystemId=name)

    def _empty_and_delete_bucket(self, bucket: str) -> None:
        client = self._client_for("s3", None)
        paginator = client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket):
            doomed = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            for start in range(0, len(doomed), 1000):
                client.delete_objects(Bucket=bucket, Delete={"Objects": doomed[start : start + 1000]})
        client.delete_bucket(Bucket=bucket)
