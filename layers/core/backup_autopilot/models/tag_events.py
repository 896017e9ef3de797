"""The ``aws.tag`` "Tag Change on Resource" event (Tag Editor guide; fact sheet section 1.8)."""

from __future__ import annotations

from typing import Annotated, Literal

from backup_autopilot.models.aws_events import Arn, EventEnvelope, NonEmpty
from backup_autopilot.models.base import Meta, Model, field

TAG_SOURCE = "aws.tag"
TAG_DETAIL_TYPE = "Tag Change on Resource"


class TagChangeDetail(Model, kw_only=True, rename="kebab"):
    changed_tag_keys: Annotated[list[str], Meta(min_length=1)]
    service: NonEmpty
    resource_type: NonEmpty
    #: the tag set's version; public samples show 3, 4.0 or "3.0": read as a number
    version: float | str | None = None
    #: the complete tag set AFTER the change (a deleted key is changed but absent here)
    tags: dict[str, str] = {}

    def __post_init__(self) -> None:
        if isinstance(self.version, str):
            try:
                self.version = float(self.version) if self.version.strip() else None
            except ValueError:
                raise ValueError("version must be a number") from None

    def removed(self, key: str) -> bool:
        return key in self.changed_tag_keys and key not in self.tags

    def changed(self, key: str) -> bool:
        return key in self.changed_tag_keys


class TagChangeEvent(EventEnvelope, kw_only=True):
    source: Literal["aws.tag"]
    detail_type: Literal["Tag Change on Resource"] = field(name="detail-type")
    resources: Annotated[list[Arn], Meta(min_length=1, max_length=1)]
    detail: TagChangeDetail

    @property
    def resource_arn(self) -> str:
        return self.resources[0]
