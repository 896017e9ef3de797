"""The ``aws.tag`` "Tag Change on Resource" event (Tag Editor guide; fact sheet section 1.8)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backup_autopilot.models.aws_events import Arn, EventEnvelope

TAG_SOURCE = "aws.tag"
TAG_DETAIL_TYPE = "Tag Change on Resource"


class TagChangeDetail(BaseModel):
    model_config = ConfigDict(defer_build=True, populate_by_name=True, extra="ignore")

    changed_tag_keys: list[str] = Field(alias="changed-tag-keys", min_length=1)
    service: str = Field(min_length=1)
    resource_type: str = Field(alias="resource-type", min_length=1)
    #: the tag set's version; public samples show 3, 4.0 or "3.0": parse as a number
    version: float | None = None
    #: the complete tag set AFTER the change (a deleted key is changed but absent here)
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("version", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        return float(value) if isinstance(value, str) and value.strip() else value

    def removed(self, key: str) -> bool:
        return key in self.changed_tag_keys and key not in self.tags

    def changed(self, key: str) -> bool:
        return key in self.changed_tag_keys


class TagChangeEvent(EventEnvelope):
    source: Literal["aws.tag"]
    detail_type: Literal["Tag Change on Resource"] = Field(alias="detail-type")
    resources: list[Arn] = Field(min_length=1, max_length=1)
    detail: TagChangeDetail

    @property
    def resource_arn(self) -> str:
        return self.resources[0]
