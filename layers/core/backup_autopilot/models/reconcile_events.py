"""The reconcile's own continuation event: validated and bounded before it is trusted.

A continuation carries where a sweep stands (the inventory page token) and its counts so far. It
travels on the stack's bus, so anyone allowed to put events there could forge one: every field is
checked against its bounds, and an event older than :data:`MAX_AGE` is stale (refused and counted).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backup_autopilot.models.aws_events import EventEnvelope

CONTINUATION = "Reconcile Continuation"
#: a continuation is put and delivered within seconds; older ones are replays or forgeries
MAX_AGE = dt.timedelta(hours=2)
_COUNT = Field(default=0, ge=0, le=10_000_000)


class CoverageCounts(BaseModel):
    """The counts a continuation may carry (lists are bounded; unknown keys are ignored)."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    tagged: int = _COUNT
    protected: int = _COUNT
    within_rpo: int = _COUNT
    backups_started: int = _COUNT
    rejected: int = _COUNT
    not_opted_in: int = _COUNT
    ignored: int = _COUNT
    restore_opted_in: int = _COUNT
    offenders: list[dict[str, str]] = Field(default_factory=list, max_length=50)
    plan_samples: dict[str, list[str]] = Field(default_factory=dict, max_length=100)
    restore_not_testable: list[dict[str, str]] = Field(default_factory=list, max_length=50)

    @field_validator("plan_samples")
    @classmethod
    def _small_samples(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if any(len(sample) > 10 or any(len(arn) > 2048 for arn in sample) for sample in value.values()):
            raise ValueError("plan samples are bounded")
        return value


class ContinuationDetail(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    run_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
    token: str = Field(min_length=1, max_length=4096)
    pages: int = Field(ge=1, le=1_000_000)
    coverage: CoverageCounts = Field(default_factory=CoverageCounts)


class ContinuationEvent(EventEnvelope):
    source: Literal["backup-autopilot"]
    detail_type: Literal["Reconcile Continuation"] = Field(alias="detail-type")
    detail: ContinuationDetail

    def stale(self, now: dt.datetime) -> bool:
        return now - self.time > MAX_AGE or self.time - now > dt.timedelta(minutes=5)

    def coverage(self) -> dict[str, Any]:
        return self.detail.coverage.model_dump()
