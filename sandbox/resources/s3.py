"""S3 buckets (AWS Backup resource type ``S3``, fully managed by AWS Backup).

A capture holds every current object (key, body bytes, ETag, user metadata and standard headers,
object tags) plus the bucket's versioning and default-encryption configuration. AWS Backup cannot
back up a bucket whose versioning is not enabled: :meth:`S3Adapter.capture` raises
:class:`sandbox.resources.CaptureError` then, which the Backup extension turns into a FAILED job
with that message.

Restore metadata: ``DestinationBucketName`` (required), ``NewBucket`` (``true`` creates the bucket,
versioning on; ``false`` restores into an existing versioned bucket, skipping keys that already
exist there, as AWS does), ``EncryptionType`` (``original``, ``SSE-S3`` or ``SSE-KMS``) and
``KMSKey``. A restore runs only in the recovery point's Region. ETags are not carried over: each
restored object gets the ETag S3 computes for its body (equal to the source's for single-part,
unencrypted or SSE-S3 uploads).
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from moto.s3.models import FakeBucket, FakeKey, S3Backend, s3_backends
from moto.utilities.utils import get_partition

from sandbox.resources import (
    CaptureError,
    existing_backend,
    metadata_bool,
    relocated,
    require_location,
    restore_errors,
    restore_test_name,
)
from sandbox.resources._common import MotoAdapter
from sandbox.resources.base import Capture, LiveResource, RestoreError

if TYPE_CHECKING:
    from collections.abc import Iterable

_BUCKET_ARN = re.compile(r"arn:aws[\w-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])")
_BUCKET_NAME = re.compile(r"(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
#: object headers that travel with an object (user metadata is every ``x-amz-meta-*``)
_OBJECT_HEADERS = {
    "content-type",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
}
_ENCRYPTION_TYPES = {"original", "SSE-S3", "SSE-KMS"}


# -- moto internals (moto 5.2.5) ----------------------------------------------------------------


def _moto_find_bucket(name: str) -> tuple[S3Backend, FakeBucket] | None:
    owner = s3_backends.bucket_accounts.get(name)
    if owner is None:
        return None
    partition, account = owner
    backend = s3_backends[account][partition]
    bucket = backend.buckets.get(name)
    return None if bucket is None else (backend, bucket)


def _moto_current_objects(bucket: FakeBucket) -> list[FakeKey]:
    """The current version of every key (delete markers hide a key)."""
    return [key for key in bucket.keys.values() if isinstance(key, FakeKey)]


def _moto_object(backend: S3Backend, key: FakeKey) -> dict[str, Any]:
    metadata = {
        name: value
        for name, value in key.metadata.items()
        if name in _OBJECT_HEADERS or name.startswith("x-amz-meta-")
    }
    return {
        "Key": key.name,
        "Body": key.value,
        "ETag": key.etag,
        "Size": key.size,
        "Metadata": metadata,
        "Tags": dict(backend.tagger.get_tag_dict_for_resource(key.arn)),
        "StorageClass": key.storage_class,
    }


def _moto_put_object(
    backend: S3Backend, bucket: str, obj: dict[str, Any], sse: tuple[str, str | None]
) -> None:
    algorithm, kms_key = sse
    key = backend.put_object(
        bucket,
        obj["Key"],
        obj["Body"],
        storage=obj["StorageClass"],
        encryption=algorithm or None,
        kms_key_id=kms_key,
    )
    key.set_metadata(dict(obj["Metadata"]))
    if obj["Tags"]:
        backend.put_object_tagging(key, obj["Tags"])


def _moto_bucket_tags(backend: S3Backend, bucket: FakeBucket) -> dict[str, str]:
    return dict(backend.tagger.get_tag_dict_for_resource(bucket.arn))


def _moto_size(bucket: FakeBucket) -> int:
    return sum(key.size for key in _moto_current_objects(bucket))


# -- the adapter --------------------------------------------------------------------------------


class S3Adapter(MotoAdapter[S3Backend, FakeBucket]):
    """S3 buckets: current objects and bucket configuration; restores into a (new) bucket.

    A bucket's ARN names neither account nor Region and moto keeps buckets per partition: the
    adapter finds, lists and locates buckets itself.
    """

    resource_type = "S3"
    fully_managed = True
    arn_service = "s3"
    arn_resource_type = "bucket"
    arn_pattern = _BUCKET_ARN
    backends = s3_backends

    def _find(self, arn: str) -> tuple[S3Backend, FakeBucket] | None:
        match = self.arn_pattern.fullmatch(arn)
        return None if match is None else _moto_find_bucket(match.group(1))

    def _live(self, backend: S3Backend, bucket: FakeBucket) -> LiveResource:
        encryption = bucket.encryption or {}
        default = encryption.get("Rule", {}).get("ApplyServerSideEncryptionByDefault", {})
        return LiveResource(
            arn=bucket.arn,
            resource_type=self.resource_type,
            name=bucket.name,
            tags=_moto_bucket_tags(backend, bucket),
            encrypted=True,  # S3 encrypts every new object (SSE-S3 unless the bucket says otherwise)
            kms_key_arn=default.get("KMSMasterKeyID"),
            size_bytes=_moto_size(bucket),
        )

    def iter_resources(self, account: str, region: str) -> Iterable[LiveResource]:
        backend = existing_backend(s3_backends, account, get_partition(region))
        if backend is None:
            return
        for bucket in list(backend.buckets.values()):
            if bucket.region_name == region:
                yield self._live(backend, bucket)

    def locate(self, arn: str) -> tuple[str, str] | None:
        found = self._find(arn)
        return None if found is None else (found[1].account_id, found[1].region_name)

    # -- backup -------------------------------------------------------------------------------
    def capture(self, arn: str, *, account: str, region: str, job_id: str) -> Capture:
        backend, bucket = self._found(arn, "Bucket")
        if bucket.versioning_status != "Enabled":
            raise CaptureError(
                "InvalidRequestException",
                f"Bucket {bucket.name} does not have versioning enabled. AWS Backup requires S3 "
                "Versioning to be enabled on a bucket before it can back it up",
            )
        objects = [_moto_object(backend, key) for key in _moto_current_objects(bucket)]
        config = {"Versioning": bucket.versioning_status, "Encryption": copy.deepcopy(bucket.encryption)}
        return self._capture(
            self._live(backend, bucket),
            source_arn=bucket.arn,
            account=account,
            region=region,
            config=config,
            restore_metadata={
                "DestinationBucketName": bucket.name,
                "NewBucket": "false",
                "EncryptionType": "original",
                "RestoreACLs": "false",
            },
            inferred_metadata={
                "DestinationBucketName": restore_test_name(job_id),
                "NewBucket": "true",
                "EncryptionType": "SSE-S3",
            },
            payload=objects,
            object_count=len(objects),
        )

    def copy_to(self, capture: Capture, *, account: str, region: str, job_id: str) -> Capture:
        # the original KMS encryption cannot be reused for a cross-Region copy (fact sheet §5)
        moved = relocated(capture, account=account, region=region, native_arn=None, payload=capture.payload)
        if region != capture.extra["region"]:
            moved.restore_metadata["EncryptionType"] = "SSE-S3"
        return moved

    # -- restore ------------------------------------------------------------------------------
    def restore(self, capture: Capture, metadata: dict[str, str], *, account: str, region: str) -> str:
        require_location(capture, account, region)
        name = metadata.get("DestinationBucketName")
        if not name:
            raise RestoreError("MissingParameterValueException", "DestinationBucketName is required")
        sse = self._restore_encryption(capture, metadata)
        backend = s3_backends[account][get_partition(region)]
        if metadata_bool(metadata.get("NewBucket", metadata.get("newBucket")), False):
            self._create_bucket(backend, name, region, sse)
            skip: set[str] = set()
        else:
            skip = self._existing_keys(account, name)
        with restore_errors():
            for obj in capture.payload or []:
                if obj["Key"] not in skip:
                    _moto_put_object(backend, name, obj, sse)
        return f"arn:{get_partition(region)}:s3:::{name}"

    @staticmethod
    def _restore_encryption(capture: Capture, metadata: dict[str, str]) -> tuple[str, str | None]:
        """(SSE algorithm, KMS key) for the restored objects; ("", None) keeps the bucket default."""
        kind = metadata.get("EncryptionType", "original")
        if kind not in _ENCRYPTION_TYPES:
            raise RestoreError(
                "InvalidParameterValueException",
                f"Invalid EncryptionType {kind!r}: original, SSE-S3 or SSE-KMS",
            )
        if kind == "SSE-S3":
            return "AES256", None
        if kind == "SSE-KMS":
            key = metadata.get("KMSKey")
            if not key:
                raise RestoreError(
                    "MissingParameterValueException", "KMSKey is required with EncryptionType SSE-KMS"
                )
            return "aws:kms", key
        source = (capture.extra["config"]["Encryption"] or {}).get("Rule", {})
        default = source.get("ApplyServerSideEncryptionByDefault", {})
        return default.get("SSEAlgorithm", ""), default.get("KMSMasterKeyID")

    @staticmethod
    def _create_bucket(backend: S3Backend, name: str, region: str, sse: tuple[str, str | None]) -> None:
        if _BUCKET_NAME.fullmatch(name) is None:
            raise RestoreError("InvalidBucketName", f"The specified bucket is not valid: {name}")
        owner = s3_backends.bucket_accounts.get(name)
        if owner is not None:
            code = "BucketAlreadyOwnedByYou" if owner[1] == backend.account_id else "BucketAlreadyExists"
            raise RestoreError(
                code, f"Bucket {name} already exists; restore with NewBucket=false to reuse it"
            )
        with restore_errors():
            backend.create_bucket(name, region)
            backend.put_bucket_versioning(name, "Enabled")
            algorithm, kms_key = sse
            if algorithm:
                default = {"SSEAlgorithm": algorithm, **({"KMSMasterKeyID": kms_key} if kms_key else {})}
                backend.put_bucket_encryption(name, {"Rule": {"ApplyServerSideEncryptionByDefault": default}})

    @staticmethod
    def _existing_keys(account: str, name: str) -> set[str]:
        found = _moto_find_bucket(name)
        if found is None or found[1].account_id != account:
            raise RestoreError(
                "NoSuchBucket", f"The destination bucket {name} does not exist (set NewBucket=true)"
            )
        bucket = found[1]
        if bucket.versioning_status != "Enabled":
            raise RestoreError(
                "InvalidParameterValueException",
                f"The destination bucket {name} must have versioning enabled",
            )
        return {key.name for key in _moto_current_objects(bucket)}

    def delete_capture(self, capture: Capture) -> None:
        """Nothing outside the vault: the objects live in the recovery point itself."""
