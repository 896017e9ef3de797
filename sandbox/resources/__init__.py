"""Per-type resource adapters for the sandbox's AWS Backup, and their registry.

Each adapter implements :class:`sandbox.resources.base.ResourceAdapter` for one AWS Backup
resource type on top of moto's own backends (read and written directly, in the process that
holds moto's state: no HTTP, no injected API faults). moto internals each adapter touches are
kept in one place per module (its ``_moto_*`` helpers). What the adapters share (finding, listing
and describing resources, building a capture) is :class:`sandbox.resources._common.MotoAdapter`.

Conventions shared by every adapter:

* ``Capture.payload`` holds only the data (items, objects, snapshot or image ids); the
  configuration needed to rebuild the resource lives in ``Capture.extra["config"]`` and
  ``restore_metadata``. A capture whose payload is ``None`` restores into an EMPTY resource of
  the same configuration: this is how the "restore holds no data" fault is produced
  (``dataclasses.replace(capture, payload=None)``).
* ``Capture.extra["account"]`` and ``["region"]`` say where the recovery point lives; a restore
  runs only there (AWS restores in the recovery point's Region and account).
* A backup AWS would fail raises :class:`CaptureError` (``code``, ``message``): the Backup
  extension turns it into a FAILED job whose ``StatusMessage`` is the message.
* A restore AWS would refuse or fail raises :class:`sandbox.resources.base.RestoreError`.

Types covered: EBS, EC2, RDS, Aurora, DynamoDB, EFS, S3, FSx. Storage Gateway is left out:
moto 5.2.5 has no Storage Gateway backend, so there is nothing real to back up.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
from typing import TYPE_CHECKING, Any, Protocol

from moto.core.exceptions import ServiceException, _RESTError

from sandbox.resources.base import Capture, LiveResource, ResourceAdapter, RestoreError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from moto.core.base_backend import BackendDict, BaseBackend


class CaptureError(Exception):
    """A backup AWS Backup would fail. ``message`` becomes the FAILED job's StatusMessage."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SandboxAdapter(ResourceAdapter, Protocol):
    """What the sandbox's own adapters add to the contract (used by tag-change events)."""

    #: ARN vocabulary of the resource, as ``Tag Change on Resource`` events name it
    arn_service: str  # e.g. "ec2", "dynamodb", "elasticfilesystem"
    arn_resource_type: str  # e.g. "instance", "table", "file-system"

    def locate(self, arn: str) -> tuple[str, str] | None:
        """(account, region) of a live resource, or None when it does not exist."""
        ...


# -- helpers shared by the adapters ---------------------------------------------------------


def metadata_value(metadata: Mapping[str, str], key: str, *, case_insensitive: bool = False) -> str | None:
    """A restore-metadata value; DynamoDB (and restore testing) read keys case-insensitively."""
    if key in metadata:
        return metadata[key]
    if case_insensitive:
        lowered = key.lower()
        for name, value in metadata.items():
            if name.lower() == lowered:
                return value
    return None


def metadata_bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() == "true"


def metadata_json(metadata: Mapping[str, str], key: str, default: Any) -> Any:
    """A structured restore-metadata value (lists and objects travel as JSON strings)."""
    if not metadata.get(key):
        return default
    try:
        return json.loads(metadata[key])
    except ValueError:
        raise RestoreError("InvalidParameterValueException", f"{key} must be a JSON value") from None


def bool_text(value: bool) -> str:
    return "true" if value else "false"


def tag_dict(tags: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    """``[{"Key": k, "Value": v}]`` as ``{k: v}``; the last value of a repeated key wins."""
    return {tag["Key"]: tag.get("Value") or "" for tag in tags or []}


def arn_account_region(arn: str) -> tuple[str, str]:
    """(account, region) written in an ARN (empty strings for S3-style ARNs)."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return "", ""
    return parts[4], parts[3]


def existing_backend[B: BaseBackend](backends: BackendDict[B], account: str, region: str) -> B | None:
    """moto's backend for (account, region) if it was ever created; reads never create one.

    ``dict.get`` on purpose: moto's ``__getitem__`` creates backends and its ``__contains__``
    answers True for every known Region.
    """
    per_account = dict.get(backends, account)
    return None if per_account is None else dict.get(per_account, region)


@contextlib.contextmanager
def _translated(error: type[RestoreError | CaptureError]) -> Iterator[None]:
    try:
        yield
    except ServiceException as exc:
        raise error(exc.code, exc.message) from exc
    except _RESTError as exc:
        raise error(exc.error_type, exc.message) from exc


def restore_errors() -> contextlib.AbstractContextManager[None]:
    """Turn an error moto raises while building the restored resource into a RestoreError."""
    return _translated(RestoreError)


def capture_errors() -> contextlib.AbstractContextManager[None]:
    """Turn an error moto raises while taking a snapshot/image into a CaptureError."""
    return _translated(CaptureError)


def capture_location(capture: Capture) -> tuple[str, str]:
    """(account, region) where a recovery point's capture lives."""
    return capture.extra["account"], capture.extra["region"]


def require_location(capture: Capture, account: str, region: str) -> None:
    """AWS restores a recovery point only in its own account and Region (copy it first)."""
    home = capture_location(capture)
    if home != (account, region):
        raise RestoreError(
            "InvalidParameterValueException",
            f"The recovery point is stored in account {home[0]}, Region {home[1]}: restore it there, "
            "or copy it to the target account/Region first",
        )


def relocated(
    capture: Capture,
    *,
    account: str,
    region: str,
    native_arn: str | None,
    payload: Any,
    config_changes: Mapping[str, Any] | None = None,
    metadata_changes: Mapping[str, str] | None = None,
    drop_metadata: Iterable[str] = (),
) -> Capture:
    """A deep copy of ``capture`` living in another account/Region (what a copy job produces).

    ``metadata_changes`` rewrites keys already present in the metadata sets (an availability
    zone of the new Region); ``drop_metadata`` removes keys that only make sense where the
    source lives (subnets, security groups).
    """
    moved = copy.deepcopy(capture)
    moved.native_arn = native_arn
    moved.payload = payload
    moved.extra["account"] = account
    moved.extra["region"] = region
    moved.extra.setdefault("config", {}).update(config_changes or {})
    for metadata in (moved.restore_metadata, moved.inferred_metadata):
        for key, value in (metadata_changes or {}).items():
            if key in metadata:
                metadata[key] = value
        for key in drop_metadata:
            metadata.pop(key, None)
    return moved


def restore_test_name(job_id: str) -> str:
    """The new-resource name restore testing infers: ``awsbackup-restore-test-<id>``."""
    return "awsbackup-restore-test-" + "".join(c for c in job_id.lower() if c.isalnum())[:16]


# -- registry -------------------------------------------------------------------------------


@functools.cache
def _registry() -> tuple[SandboxAdapter, ...]:
    # Imported here: the type modules import the helpers above from this package.
    from sandbox.resources.dynamodb import DynamoDBAdapter
    from sandbox.resources.ebs import EBSAdapter
    from sandbox.resources.ec2 import EC2Adapter
    from sandbox.resources.efs import EFSAdapter
    from sandbox.resources.fsx import FSxAdapter
    from sandbox.resources.rds import AuroraAdapter, RDSAdapter
    from sandbox.resources.s3 import S3Adapter

    return (
        EBSAdapter(),
        EC2Adapter(),
        RDSAdapter(),
        AuroraAdapter(),
        DynamoDBAdapter(),
        EFSAdapter(),
        S3Adapter(),
        FSxAdapter(),
    )


def adapters() -> list[SandboxAdapter]:
    """Every adapter, one per AWS Backup resource type (process-wide singletons)."""
    return list(_registry())


def adapter_for_arn(arn: str) -> SandboxAdapter | None:
    return next((adapter for adapter in _registry() if adapter.handles(arn)), None)


def adapter_for_type(resource_type: str) -> SandboxAdapter | None:
    return next((adapter for adapter in _registry() if adapter.resource_type == resource_type), None)


def iter_all(account: str, region: str) -> Iterable[LiveResource]:
    """Every live resource of every supported type in one account and Region."""
    for adapter in _registry():
        yield from adapter.iter_resources(account, region)


__all__ = [
    "CaptureError",
    "SandboxAdapter",
    "adapter_for_arn",
    "adapter_for_type",
    "adapters",
    "iter_all",
]
