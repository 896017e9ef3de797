"""What is known about a resource: the source as it was at backup time, the restored copy now.

One shape for every type; each type fills the fields its checks use (see :mod:`.checks`). The
source's facts are recorded when its backup completes and kept in the state table until the
recovery point expires, so they survive as plain JSON (:meth:`ResourceFacts.to_dict`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class ResourceFacts:
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
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResourceFacts:
        known = {f.name for f in fields(cls)}
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
