"""Events the stack publishes on its own bus (source ``backup-autopilot``), one model per detail-type.

Every domain event is validated against its model before it is acted on or alerted
(:func:`parse_domain_detail`): by the publisher before ``PutEvents`` (a bug never reaches the bus)
and by every consumer (alerting, the reconcile's continuation). A detail-type without a model is
refused. The models type and bound the fields the stack reads; other fields the publishers add
(counts, samples) must be small JSON values (:data:`MAX_TEXT`, :data:`MAX_ITEMS`, :data:`MAX_DEPTH`,
:data:`MAX_DETAIL_BYTES`), so a forged event cannot carry a payload that costs or breaks anything.
Text from an event is still untrusted: renderers escape it (``logic.alerting.render``).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backup_autopilot.models.severity import Severity

DOMAIN_SOURCE = "backup-autopilot"
MAX_TEXT = 4096
MAX_ITEMS = 100
MAX_DEPTH = 4
MAX_DETAIL_BYTES = 64 * 1024

_ARN = Field(default=None, max_length=2048)
_SHORT = Field(default=None, max_length=512)
_TEXT = Field(default=None, max_length=MAX_TEXT)


def _bounded(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    if value is None or isinstance(value, bool | int | float):
        return True
    if depth >= MAX_DEPTH:
        return False
    if isinstance(value, list):
        return len(value) <= MAX_ITEMS and all(_bounded(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return len(value) <= MAX_ITEMS and all(
            isinstance(k, str) and len(k) <= 128 and _bounded(v, depth + 1) for k, v in value.items()
        )
    return False


class DomainEventDetail(BaseModel):
    """The part of every domain event that alerting relies on."""

    model_config = ConfigDict(defer_build=True, extra="allow")

    severity: Severity = Severity.INFO
    summary: str = Field(min_length=1, max_length=2000)
    resource: str | None = _ARN
    #: identifies duplicates of the same fact (e.g. resource + plan); defaults to the event id
    dedupe_key: str | None = Field(default=None, max_length=2048)

    @model_validator(mode="before")
    @classmethod
    def _small(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("a domain event's detail is a JSON object")
        if len(json.dumps(data, default=str)) > MAX_DETAIL_BYTES:
            raise ValueError("a domain event's detail is at most 64 KiB")
        known = set(cls.model_fields)
        for key, value in data.items():
            if key not in known and not (isinstance(key, str) and len(key) <= 128 and _bounded(value)):
                raise ValueError(f"field {str(key)[:64]!r} is not a small JSON value")
        return data

    def extras(self) -> dict[str, Any]:
        """Every field but the four common ones (typed fields of the subclass included)."""
        common = set(DomainEventDetail.model_fields)
        data = self.model_dump()
        return {key: value for key, value in data.items() if key not in common}


class ResourceProtected(DomainEventDetail):
    plan: str = Field(max_length=256)
    backup_job_id: str | None = _SHORT
    warnings: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)


class AssignmentRejected(DomainEventDetail):
    value: str | None = _SHORT
    valid_plans: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    reason: str = Field(max_length=MAX_TEXT)
    fix: str | None = _TEXT
    cause: str | None = Field(default=None, max_length=64)


class ProtectionRemoved(DomainEventDetail):
    removed_at: str | None = Field(default=None, max_length=64)


class CopyEvent(DomainEventDetail):
    recovery_point: str | None = _ARN
    copy_job_id: str | None = _SHORT
    destination_vault_arn: str | None = _ARN


class CopySkipped(CopyEvent):
    reason: str = Field(max_length=64)


class CopyFailed(CopyEvent):
    cause: str = Field(max_length=64)
    fix: str | None = _TEXT
    status_message: str | None = _TEXT


class CopyDestinationRejected(DomainEventDetail):
    problems: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)


class SelectionNotMatching(DomainEventDetail):
    plan: str = Field(max_length=256)
    plan_id: str = Field(max_length=256)
    resources: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)


class RestoreTestResult(DomainEventDetail):
    restore_job_id: str | None = _SHORT
    reasons: list[str] = Field(default_factory=list, max_length=MAX_ITEMS)
    rto_minutes: float | None = None
    rto_target_minutes: float | None = None


class RestoreTestLeftover(DomainEventDetail):
    restore_job_id: str | None = _SHORT


class RestoreTestReport(DomainEventDetail):
    run_id: str = Field(max_length=256)
    counts: dict[str, int] = Field(default_factory=dict, max_length=20)


class CoverageReport(DomainEventDetail):
    offenders: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_ITEMS)


class RequestRefused(DomainEventDetail):
    operation: str | None = Field(default=None, max_length=128)
    code: str | None = Field(default=None, max_length=128)


class PlanRejected(DomainEventDetail):
    """A backup plan the stack will not assign resources to (a listed plan whose alias shadows one
    of the stack's plans or another listed plan, or whose vault the stack does not list; or an
    unlisted plan tagged to be assignable or to take a stack plan's alias)."""

    plan_id: str = Field(max_length=256)
    plan_name: str = Field(max_length=256)
    alias: str | None = Field(default=None, max_length=256)
    reason: str = Field(max_length=64)
    other_plan_id: str | None = Field(default=None, max_length=256)
    other_plan_name: str | None = Field(default=None, max_length=256)
    fix: str | None = _TEXT


class ReconcileContinuation(DomainEventDetail):
    """Bounded, as ``models.reconcile_events`` checks it in full before a run resumes."""

    run_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")
    token: str = Field(min_length=1, max_length=4096)
    pages: int = Field(ge=1, le=1_000_000)


#: detail-type -> its model: a detail-type not here is refused
DOMAIN_EVENT_MODELS: dict[str, type[DomainEventDetail]] = {
    "Resource Protected": ResourceProtected,
    "Assignment Rejected": AssignmentRejected,
    "Protection Removed": ProtectionRemoved,
    "Copy Started": CopyEvent,
    "Copy Skipped": CopySkipped,
    "Copy Failed": CopyFailed,
    "Copy Destination Rejected": CopyDestinationRejected,
    "Selection Not Matching": SelectionNotMatching,
    "Restore Test Passed": RestoreTestResult,
    "Restore Test Failed": RestoreTestResult,
    "Restore Test Leftover": RestoreTestLeftover,
    "Restore Test Report": RestoreTestReport,
    "Coverage Report": CoverageReport,
    "Request Refused": RequestRefused,
    "Plan Rejected": PlanRejected,
    "Reconcile Continuation": ReconcileContinuation,
}


class UnknownDomainEvent(ValueError):
    """A ``backup-autopilot`` event whose detail-type the stack never publishes."""


def parse_domain_detail(detail_type: str, detail: Any) -> DomainEventDetail:
    """``detail`` validated against ``detail_type``'s model (pydantic's ValidationError when it
    does not fit; :class:`UnknownDomainEvent` for a detail-type without a model)."""
    model = DOMAIN_EVENT_MODELS.get(detail_type)
    if model is None:
        raise UnknownDomainEvent(f"no domain event is called {detail_type[:64]!r}")
    return model.model_validate(detail)
