"""What people are told: severities, and the notices a digest is made of."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from backup_autopilot.models.base import Meta, Model
from backup_autopilot.models.severity import Severity as Severity  # re-exported: its home is models.severity


class Level(StrEnum):
    """How a message presents a notice: the severities, plus ``resolved``."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"
    RESOLVED = "resolved"


#: most urgent first (digests, subjects and message attributes follow this order)
LEVEL_ORDER: dict[Level, int] = {Level.CRITICAL: 0, Level.WARNING: 1, Level.RESOLVED: 2, Level.INFO: 3}


class Notice(Model, kw_only=True, frozen=True):  # type: ignore[misc]  # msgspec allows it (base.py)
    """One thing a digest tells people: an alert opened (or still open after the repeat window),
    an alert resolved, or a report.

    Every text field except ``link`` may carry text that came from an event (AWS's status message,
    a tag value, a resource name): renderers escape them and never turn them into markup or links.
    ``link`` is built by the stack itself (:mod:`backup_autopilot.logic.alerting.links`).
    """

    #: the memory key: kind + resource (or job, plan, run)
    key: Annotated[str, Meta(min_length=1)]
    kind: Annotated[str, Meta(min_length=1)]
    #: what kind of thing happened, in words ("Backup job failed")
    title: str
    level: Level
    #: what happened, one sentence
    what: str
    #: why: AWS's status message and the classified cause, when known
    why: str | None = None
    #: what to do
    fix: str | None = None
    resource_arn: str | None = None
    resource_name: str | None = None
    resource_type: str | None = None
    account: str = ""
    region: str = ""
    plan: str | None = None
    #: the AWS console page for this Region and resource (or job)
    link: str | None = None
    #: when it happened (ISO 8601, UTC)
    time: str = ""
    #: for an alert still open after the repeat window, and for a resolution: since when it is open
    opened: str | None = None
    #: occurrences since the alert opened (the first included)
    occurrences: int = 1
    #: for a resolution: how long the alert was open, in minutes
    open_minutes: float | None = None
    #: a report's lines (restore test results, coverage counts), or a failure's reasons
    details: list[str] = []


class Group(Model, kw_only=True):
    """The notices of one kind, level and plan in a digest: the first few, and how many in all."""

    kind: str
    title: str
    level: Level
    plan: str | None = None
    count: int = 0
    items: list[Notice] = []


class Digest(Model, kw_only=True):
    """One message's worth of notices, grouped; serialisable (a held digest travels through SQS)."""

    groups: list[Group] = []

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)

    @property
    def empty(self) -> bool:
        return not self.groups
