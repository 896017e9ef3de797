"""Events the stack publishes on its own bus (source ``backup-autopilot``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from backup_autopilot.models.alerts import Severity

DOMAIN_SOURCE = "backup-autopilot"


class DomainEventDetail(BaseModel):
    """The part of every domain event that alerting relies on."""

    model_config = ConfigDict(defer_build=True, extra="allow")

    severity: Severity = Severity.INFO
    summary: str = Field(min_length=1, max_length=2000)
    resource: str | None = None
    #: identifies duplicates of the same fact (e.g. resource + plan); defaults to the event id
    dedupe_key: str | None = None
