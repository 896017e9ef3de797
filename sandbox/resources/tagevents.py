"""``Tag Change on Resource`` events (source ``aws.tag``) for tag operations on moto resources.

:func:`install` patches moto's tagging operations so that every change of a resource's tag set
emits the event AWS sends (fact sheet §1.8) through :func:`sandbox.eventbus.emit_service_event`::

    {"changed-tag-keys": [...], "service": "dynamodb", "resource-type": "table",
     "version": 3, "tags": {...full tag set after the change...}}

``changed-tag-keys`` lists keys added, updated or deleted (a deleted key is in it but not in
``tags``); ``version`` counts the changes of that resource's tag set, starting at 1 with the first
change the sandbox sees. Events go to the resource's own account and Region.

Operations covered (service API and the Resource Groups Tagging API alike):

* DynamoDB ``TagResource`` / ``UntagResource``;
* S3 ``PutBucketTagging`` / ``DeleteBucketTagging``;
* EC2 ``CreateTags`` / ``DeleteTags`` on instances and volumes;
* RDS ``AddTagsToResource`` / ``RemoveTagsFromResource`` on DB instances and clusters;
* EFS ``TagResource`` / ``UntagResource`` and the older ``CreateTags`` / ``DeleteTags``, which
  moto 5.2.5 lacks and :func:`install` adds to moto's EFS API;
* FSx ``TagResource`` / ``UntagResource``;
* Resource Groups Tagging API ``TagResources`` / ``UntagResources``.

Choices where AWS's behaviour is UNVERIFIED (fact sheet §1.8, §8):

* tags given at creation time (``TagSpecifications``, ``Tags`` of Create* calls) emit NO event;
* a call that leaves the tag set unchanged (same value again, removing an absent key) emits NO
  event and does not bump ``version``: the event reports a change of the tag set;
* every resource type emits by default; :func:`set_enabled` switches a type off (AWS is only
  CONFIRMED to emit for the types in :data:`CONFIRMED`). ``version`` still counts changes made
  while a type is switched off, as the tag set's version does in AWS.

Only resource types the sandbox backs up are covered (no subnets, VPCs, snapshots ...).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.ec2.responses.tags import TagResponse
from moto.efs.models import EFSBackend
from moto.efs.responses import EFSResponse
from moto.fsx.models import FSxBackend
from moto.rds.models import RDSBackend
from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend
from moto.s3.models import S3Backend

from sandbox import eventbus
from sandbox.resources import SandboxAdapter, adapter_for_arn, adapter_for_type, adapters

SOURCE = "aws.tag"
DETAIL_TYPE = "Tag Change on Resource"
#: resource types AWS is confirmed to emit tag-change events for (fact sheet §1.8)
CONFIRMED = frozenset({"EC2", "RDS", "Aurora", "DynamoDB"})
#: resource types the sandbox emits for, but for which AWS's behaviour is UNVERIFIED
UNVERIFIED = frozenset({"EBS", "EFS", "S3", "FSx"})

#: the ARNs a tagging call may change, from (moto object, the call's bound arguments)
Targets = Callable[[Any, Mapping[str, Any]], list[str]]

_lock = threading.RLock()
_local = threading.local()
_disabled: set[str] = set()
_versions: dict[str, int] = {}
_installed = False


# -- switches and state ------------------------------------------------------------------------


def set_enabled(resource_type: str, on: bool) -> None:
    """Switch tag-change events for one AWS Backup resource type (``"S3"``, ``"EBS"`` ...)."""
    if adapter_for_type(resource_type) is None:
        raise ValueError(f"unknown resource type {resource_type!r}")
    with _lock:
        if on:
            _disabled.discard(resource_type)
        else:
            _disabled.add(resource_type)


def enabled() -> dict[str, bool]:
    """Whether events are emitted, per resource type."""
    with _lock:
        return {adapter.resource_type: adapter.resource_type not in _disabled for adapter in adapters()}


def version(arn: str) -> int:
    """The current version of a resource's tag set (0: no change seen yet)."""
    with _lock:
        return _versions.get(arn, 0)


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """Tag changes made inside emit no event (the sandbox's own work, e.g. tags a restore copies
    onto the resource it creates: AWS treats those as creation-time tags)."""
    depth = getattr(_local, "depth", 0)
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.depth = depth


def reset() -> None:
    """Every type back on; versions forgotten (a new sandbox world)."""
    with _lock:
        _disabled.clear()
        _versions.clear()


# -- the change detector -----------------------------------------------------------------------


def _tags(arn: str) -> dict[str, str] | None:
    adapter = adapter_for_arn(arn)
    live = None if adapter is None else adapter.describe(arn)
    return None if live is None else dict(live.tags)


def _change_event(arn: str, before: dict[str, str] | None) -> dict[str, Any] | None:
    """The event for one resource after a tagging call, or None when nothing changed/emits."""
    adapter = adapter_for_arn(arn)
    after = _tags(arn)
    if adapter is None or after is None:
        return None
    before = before or {}
    changed = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
    if not changed:
        return None
    _versions[arn] = _versions.get(arn, 0) + 1
    if adapter.resource_type in _disabled:
        return None
    return _event(adapter, arn, changed, after)


def _event(
    adapter: SandboxAdapter, arn: str, changed: list[str], after: dict[str, str]
) -> dict[str, Any] | None:
    location = adapter.locate(arn)
    if location is None:
        return None
    account, region = location
    return {
        "account": account,
        "region": region,
        "resources": [arn],
        "detail": {
            "changed-tag-keys": changed,
            "service": adapter.arn_service,
            "resource-type": adapter.arn_resource_type,
            "version": _versions[arn],
            "tags": after,
        },
    }


def _emitting(original: Callable[..., Any], targets: Targets) -> Callable[..., Any]:
    """Wrap a moto tagging operation: diff the tags of ``targets`` around it, emit the changes.

    Only the outermost tagging call of a thread emits (the Tagging API calls each service's own
    tagging code; EC2's CreateTags calls the backend's ``create_tags``).
    """
    signature = inspect.signature(original)

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(_local, "depth", 0):
            return original(self, *args, **kwargs)
        arguments = signature.bind(self, *args, **kwargs).arguments
        with _lock:
            arns = [arn for arn in dict.fromkeys(targets(self, arguments)) if adapter_for_arn(arn)]
            before = {arn: _tags(arn) for arn in arns}
            with silenced():
                result = original(self, *args, **kwargs)
            events = [event for arn in arns if (event := _change_event(arn, before[arn])) is not None]
        for event in events:  # outside the lock: rule targets may call back into the sandbox
            eventbus.emit_service_event(source=SOURCE, detail_type=DETAIL_TYPE, **event)
        return result

    return wrapper


# -- where each service's operation names its resources (moto 5.2.5 signatures) -------------


def _arn(_: Any, arguments: Mapping[str, Any]) -> list[str]:
    return [arguments["arn"]]


def _tagging_api(parameter: str) -> Targets:
    return lambda _, arguments: list(arguments[parameter])


def _s3_bucket(backend: S3Backend, arguments: Mapping[str, Any]) -> list[str]:
    bucket = backend.buckets.get(arguments["bucket_name"])
    return [] if bucket is None else [bucket.arn]


def _ec2_request(response: TagResponse, _: Mapping[str, Any]) -> list[str]:
    kinds = {"i-": "instance", "vol-": "volume"}
    arns = []
    for resource_id in response._get_param("Resources", []):
        kind = next((name for prefix, name in kinds.items() if resource_id.startswith(prefix)), None)
        if kind is not None:
            arns.append(f"arn:aws:ec2:{response.region}:{response.current_account}:{kind}/{resource_id}")
    return arns


def _efs_resource(backend: EFSBackend, arguments: Mapping[str, Any]) -> list[str]:
    resource = arguments["arn"]  # the EFS API passes a file system id, the Tagging API an ARN
    if resource.startswith("arn:"):
        return [resource]
    fs = backend.file_systems_by_id.get(resource)
    return [] if fs is None else [fs.file_system_arn]


def _efs_create_tags(self: EFSResponse) -> tuple[str, dict[str, str]]:
    """EFS CreateTags (deprecated API, missing from moto): TagResource on a file system."""
    tags = {tag["Key"]: tag.get("Value", "") for tag in self._get_param("Tags") or []}
    self.efs_backend.tag_resource(self._get_param("FileSystemId"), tags)
    return "{}", {"Content-Type": "application/json"}


def _efs_delete_tags(self: EFSResponse) -> tuple[str, dict[str, str]]:
    """EFS DeleteTags (deprecated API, missing from moto): UntagResource on a file system."""
    self.efs_backend.untag_resource(self._get_param("FileSystemId"), self._get_param("TagKeys") or [])
    return "{}", {"Content-Type": "application/json"}


_PATCHES: list[tuple[type, str, Targets]] = [
    (DynamoDBBackend, "tag_resource", _arn),
    (DynamoDBBackend, "untag_resource", _arn),
    (S3Backend, "put_bucket_tagging", _s3_bucket),
    (S3Backend, "delete_bucket_tagging", _s3_bucket),
    (TagResponse, "create_tags", _ec2_request),
    (TagResponse, "delete_tags", _ec2_request),
    (RDSBackend, "add_tags_to_resource", _arn),
    (RDSBackend, "remove_tags_from_resource", _arn),
    (EFSBackend, "tag_resource", _efs_resource),
    (EFSBackend, "untag_resource", _efs_resource),
    (FSxBackend, "tag_resource", _arn),
    (FSxBackend, "untag_resource", _arn),
    (ResourceGroupsTaggingAPIBackend, "tag_resources", _tagging_api("resource_arns")),
    (ResourceGroupsTaggingAPIBackend, "untag_resources", _tagging_api("resource_arn_list")),
]


def install() -> None:
    """Patch moto's tagging operations once per process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        EFSResponse.create_tags = _efs_create_tags  # type: ignore[attr-defined]
        EFSResponse.delete_tags = _efs_delete_tags  # type: ignore[attr-defined]
        for cls, name, targets in _PATCHES:
            setattr(cls, name, _emitting(getattr(cls, name), targets))
        _installed = True


__all__ = ["CONFIRMED", "UNVERIFIED", "enabled", "install", "reset", "set_enabled", "silenced", "version"]
