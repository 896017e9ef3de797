"""What AWS Backup does to a resource a restore test created, on moto's backends: tag it, delete it.

The resources a restore testing plan restores carry the tag ``awsbackup-restore-test`` (fact sheet
6); once validated or at the end of their validation window, AWS Backup deletes them:

==========  ========================================================================================
type        deletion
==========  ========================================================================================
DynamoDB    deletion protection off, then the table
S3          lifecycle rules that expire every object (:func:`expire_bucket`); once they have run
            (days later, fact sheet 6), every version and the bucket (:func:`delete`)
EBS         the volume
EC2         termination protection off, then the instance (volumes that DeleteOnTermination go too)
RDS         deletion protection off, then the instance, without a final snapshot
Aurora      the cluster's instances, then the cluster, without a final snapshot
EFS         the mount targets, then the file system
FSx         the file system
==========  ========================================================================================

Tags are put as AWS puts a restore's creation-time tags: no ``Tag Change on Resource`` event
(:func:`sandbox.resources.tagevents.silenced`). moto's errors become :class:`DeletionError`.
moto internals (5.2.5) are the ``_moto_*`` helpers and the per-type functions below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moto.core.exceptions import ServiceException, _RESTError
from moto.dynamodb.models import dynamodb_backends
from moto.ec2.models import ec2_backends
from moto.efs.models import efs_backends
from moto.fsx.models import fsx_backends
from moto.rds.models import rds_backends
from moto.s3.models import FakeBucket, S3Backend, s3_backends

from sandbox.resources import adapter_for_arn, arn_account_region, tagevents

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.resources.base import LiveResource

#: the lifecycle rule AWS Backup's clean-up of a restored bucket is modelled with
S3_CLEANUP_RULE_ID = "awsbackup-restore-test-cleanup"


class DeletionError(Exception):
    """A restored resource that could not be deleted (``message`` says why)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def describe(arn: str) -> LiveResource | None:
    """The live resource (None when it is gone or of a type the sandbox does not know)."""
    adapter = adapter_for_arn(arn)
    return None if adapter is None else adapter.describe(arn)


def _resource_type(arn: str) -> str:
    adapter = adapter_for_arn(arn)
    if adapter is None:
        raise DeletionError(f"The sandbox does not know the resource {arn}")
    return adapter.resource_type


def _resource_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def _moto_bucket(arn: str) -> tuple[S3Backend, FakeBucket] | None:
    name = arn.split(":::", 1)[-1]
    owner = s3_backends.bucket_accounts.get(name)
    if owner is None:
        return None
    partition, account = owner
    backend = s3_backends[account][partition]
    bucket = backend.buckets.get(name)
    return None if bucket is None else (backend, bucket)


# -- tags ----------------------------------------------------------------------------------------
def _tag_dynamodb(arn: str, tags: dict[str, str]) -> None:
    account, region = arn_account_region(arn)
    dynamodb_backends[account][region].tag_resource(arn, tags)


def _tag_s3(arn: str, tags: dict[str, str]) -> None:
    found = _moto_bucket(arn)
    if found is not None:
        backend, bucket = found
        current = dict(backend.tagger.get_tag_dict_for_resource(bucket.arn))
        backend.put_bucket_tagging(bucket.name, {**current, **tags})


def _tag_ec2(arn: str, tags: dict[str, str]) -> None:
    account, region = arn_account_region(arn)
    ec2_backends[account][region].create_tags([_resource_id(arn)], tags)


def _tag_rds(arn: str, tags: dict[str, str]) -> None:
    account, region = arn_account_region(arn)
    rds_backends[account][region].add_tags_to_resource(arn, [{"Key": k, "Value": v} for k, v in tags.items()])


def _tag_efs(arn: str, tags: dict[str, str]) -> None:
    account, region = arn_account_region(arn)
    efs_backends[account][region].tag_resource(_resource_id(arn), tags)


def _tag_fsx(arn: str, tags: dict[str, str]) -> None:
    account, region = arn_account_region(arn)
    fsx_backends[account][region].tag_resource(arn, tags)


_TAGGERS: dict[str, Callable[[str, dict[str, str]], None]] = {
    "DynamoDB": _tag_dynamodb,
    "S3": _tag_s3,
    "EBS": _tag_ec2,
    "EC2": _tag_ec2,
    "RDS": _tag_rds,
    "Aurora": _tag_rds,
    "EFS": _tag_efs,
    "FSx": _tag_fsx,
}


def tag(arn: str, tags: dict[str, str]) -> None:
    """Add ``tags`` to a restored resource (creation-time tags: no tag-change event)."""
    tagger = _TAGGERS.get(_resource_type(arn))
    if tagger is not None and describe(arn) is not None:
        with tagevents.silenced():
            tagger(arn, tags)


# -- deletion ------------------------------------------------------------------------------------
def _delete_dynamodb(arn: str) -> None:
    account, region = arn_account_region(arn)
    backend = dynamodb_backends[account][region]
    name = _resource_id(arn)
    backend.tables[name].deletion_protection_enabled = False
    backend.delete_table(name)


def _delete_s3(arn: str) -> None:
    found = _moto_bucket(arn)
    if found is None:
        return
    backend, bucket = found
    for _, versions in list(bucket.keys.lists()):
        for version in versions:
            dispose = getattr(version, "dispose", None)
            if dispose is not None:
                dispose()
    bucket.keys.clear()
    backend.delete_bucket(bucket.name)


def _delete_ebs(arn: str) -> None:
    account, region = arn_account_region(arn)
    ec2_backends[account][region].delete_volume(_resource_id(arn))


def _delete_ec2(arn: str) -> None:
    account, region = arn_account_region(arn)
    backend = ec2_backends[account][region]
    instance = backend.get_instance(_resource_id(arn))
    instance.disable_api_termination = False
    backend.terminate_instances([instance.id])


def _delete_rds(arn: str) -> None:
    account, region = arn_account_region(arn)
    backend = rds_backends[account][region]
    identifier = _resource_id(arn)
    backend.databases[identifier].deletion_protection = False
    backend.delete_db_instance(identifier, skip_final_snapshot=True)


def _delete_aurora(arn: str) -> None:
    account, region = arn_account_region(arn)
    backend = rds_backends[account][region]
    identifier = _resource_id(arn)
    for db in list(backend.databases.values()):
        if getattr(db, "db_cluster_identifier", None) == identifier:
            db.deletion_protection = False
            backend.delete_db_instance(db.db_instance_identifier, skip_final_snapshot=True)
    backend.clusters[identifier].deletion_protection = False
    backend.delete_db_cluster(identifier)


def _delete_efs(arn: str) -> None:
    account, region = arn_account_region(arn)
    backend = efs_backends[account][region]
    file_system_id = _resource_id(arn)
    _, targets = backend.describe_mount_targets(1000, file_system_id, None, None, None)
    for target in targets:
        backend.delete_mount_target(target.mount_target_id)
    backend.delete_file_system(file_system_id)


def _delete_fsx(arn: str) -> None:
    account, region = arn_account_region(arn)
    fsx_backends[account][region].delete_file_system(_resource_id(arn), "", None, None, None)


_DELETERS: dict[str, Callable[[str], None]] = {
    "DynamoDB": _delete_dynamodb,
    "S3": _delete_s3,
    "EBS": _delete_ebs,
    "EC2": _delete_ec2,
    "RDS": _delete_rds,
    "Aurora": _delete_aurora,
    "EFS": _delete_efs,
    "FSx": _delete_fsx,
}


def delete(arn: str) -> None:
    """Delete a restored resource (nothing to do when it is already gone); DeletionError if moto refuses."""
    deleter = _DELETERS.get(_resource_type(arn))
    if deleter is None or describe(arn) is None:
        return
    try:
        deleter(arn)
    except (ServiceException, _RESTError) as error:
        raise DeletionError(f"{type(error).__name__}: {error}") from error
    except KeyError as error:  # gone between the check and the call
        raise DeletionError(f"{arn} not found: {error}") from error


def expire_bucket(arn: str) -> dict[str, Any] | None:
    """The lifecycle rule AWS Backup's restore-test clean-up puts on a restored bucket (every object
    and version expires); the bucket itself goes once it has run (:func:`delete`). None: no bucket."""
    found = _moto_bucket(arn)
    if found is None:
        return None
    backend, bucket = found
    rule: dict[str, Any] = {
        "ID": S3_CLEANUP_RULE_ID,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "Expiration": {"Days": "1"},
        "NoncurrentVersionExpiration": {"NoncurrentDays": "1"},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": "1"},
    }
    backend.put_bucket_lifecycle(bucket.name, [rule])
    return rule
