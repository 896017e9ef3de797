"""The reconcile's own continuation event: validated and bounded before it is trusted.

A continuation carries where a sweep stands (the inventory page token) and its counts so far. It
travels on the stack's bus, so anyone allowed to put events there could forge one: every field is
checked against its bounds, and an event older than :data:`MAX_AGE` is stale (refused and counted).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from backup_autopilot.models.aws_events import EventEnvelope
from backup_autopilot.models.base import Meta, Model, field

CONTINUATION = "Reconcile Continuation"
#: a continuation is put and delivered within seconds; older ones are replays or forgeries
MAX_AGE = dt.timedelta(hours=2)
Count = Annotated[int, Meta(ge=0, le=10_000_000)]
RunId = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
Token = Annotated[str, Meta(min_length=1, max_length=4096)]
Pages = Annotated[int, Meta(ge=1, le=1_000_000)]


class CoverageCounts(Model, kw_only=True):
    """The counts a continuation may carry (lists are bounded; unknown keys are ignored)."""

    tagged: Count = 0
    protected: Count = 0
    within_rpo: Count = 0
    backups_started: Count = 0
    rejected: Count = 0
    not_opted_in: Count = 0
    ignored: Count = 0
    restore_opted_in: Count = 0
    offenders: Annotated[list[dict[str, str]], Meta(max_length=50)] = []
    plan_samples: Annotated[dict[str, list[str]], Meta(max_length=100)] = {}
    restore_not_testable: Annotated[list[dict[str, str]], Meta(max_length=50)] = []

    def __post_init__(self) -> None:
        samples = self.plan_samples.values()
        if any(len(sample) > 10 or any(len(arn) > 2048 for arn in sample) for sample in samples):
            raise ValueError("plan samples are bounded")


class ContinuationDetail(Model, kw_only=True):
    run_id: RunId
    token: Token
    pages: Pages
    coverage: CoverageCounts = field(default_factory=CoverageCounts)


class ContinuationEvent(EventEnvelope, kw_only=True):
    source: Literal["backup-autopilot"]
    detail_type: Literal["Reconcile Continuation"] = field(name="detail-type")
    detail: ContinuationDetail

    def stale(self, now: dt.datetime) -> bool:
        return now - self.time > MAX_AGE or self.time - now > dt.timedelta(minutes=5)

    def coverage(self) -> dict[str, Any]:
        return self.detail.coverage.to_dict()
