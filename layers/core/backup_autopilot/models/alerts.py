"""What people are told: one Alert per noteworthy event, many Alerts per digest."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class Alert(BaseModel):
    """One thing a person should know, with a key that identifies duplicates."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    key: str  # duplicates (redelivered events) share the key
    severity: Severity
    title: str
    detail: str
    resource: str | None = None
    account: str
    region: str
    time: str
