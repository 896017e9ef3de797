"""What is known about a resource: the source as it was at backup time, the restored copy now.

One shape for every type; each type fills the fields its checks use (see :mod:`.checks`). The
source's facts are recorded when its backup completes and kept in the state table until the
recovery point expires, so they survive as plain JSON (:meth:`ResourceFacts.to_dict`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msgspec import Struct, field, structs

if TYPE_CHECKING:
    import datetime as dt


class ResourceFacts(Struct, frozen=True):
    resource_type: str
    arn: str
    #: False when the resource could not be found
    exists: bool = True
    #: the service's own word for its state: ACTIVE, available, running, AVAILABLE ...
    status: str | None = None
    #: items (DynamoDB) or current objects (S3); ``count_exact`` False when reading stopped early
    item_count: int | None = None
    count_exact: bool = True
    #: DynamoDB: ``HASH:pk``, ``RANGE:sk`` ...; index names
    key_schema: tuple[str, ...] = ()
    indexes: tuple[str, ...] = ()
    #: sampled items: (key, digest): DynamoDB key JSON -> digest of the item, S3 key -> ETag
    samples: tuple[tuple[str, str], ...] = ()
    #: GiB: EBS volume size, RDS allocated storage, FSx storage capacity
    size: int | None = None
    encrypted: bool | None = None
    #: RDS/Aurora engine and version; FSx file system type; EC2 instance type; EBS volume type
    engine: str | None = None
    engine_version: str | None = None
    storage_type: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return structs.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResourceFacts:
        known = set(cls.__struct_fields__)
        values = {k: v for k, v in data.items() if k in known}
        for name in ("key_schema", "indexes"):
            if name in values:
                values[name] = tuple(values[name])
        if "samples" in values:
            values["samples"] = tuple((str(k), str(v)) for k, v in values["samples"])
        for name in ("item_count", "size"):
            if values.get(name) is not None:
                values[name] = int(values[name])
        return cls(**values)

    def sample_keys(self) -> list[str]:
        return [key for key, _ in self.samples]


class OnDemandTest(Struct, frozen=True):
    """An on-demand test the stack started (state table record)."""

    job_id: str
    source_arn: str
    target_name: str
    recovery_point_arn: str


class RestoreJob(Struct, frozen=True):
    """A restore job as DescribeRestoreJob tells it."""

    job_id: str
    status: str
    resource_type: str
    recovery_point_arn: str | None = None
    source_resource_arn: str | None = None
    created_resource_arn: str | None = None
    status_message: str | None = None
    creation_date: dt.datetime | None = None
    completion_date: dt.datetime | None = None
    testing_plan_arn: str | None = None
    validation_status: str | None = None
    deletion_status: str | None = None
    recovery_point_created: dt.datetime | None = None

    @property
    def minutes(self) -> float | None:
        if self.creation_date is None or self.completion_date is None:
            return None
        return (self.completion_date - self.creation_date).total_seconds() / 60
