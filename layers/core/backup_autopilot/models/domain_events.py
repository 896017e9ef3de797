"""Events the stack publishes on its own bus (source ``backup-autopilot``), one model per detail-type.

Every domain event is validated against its model before it is acted on or alerted
(:func:`parse_domain_detail`; its fields beyond the model's: :func:`detail_extras`): by the
publisher before ``PutEvents`` (a bug never reaches the bus) and by every consumer (alerting, the
reconcile's continuation). A detail-type without a model is refused. The models type and bound the
fields the stack reads; other fields the publishers add (counts, samples) must be small JSON values
(:data:`MAX_TEXT`, :data:`MAX_ITEMS`, :data:`MAX_DEPTH`, :data:`MAX_DETAIL_BYTES`), so a forged
event cannot carry a payload that costs or breaks anything.
Text from an event is still untrusted: renderers escape it (``logic.alerting.render``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from backup_autopilot.models.base import Invalid, Meta, Model
from backup_autopilot.models.severity import Severity

DOMAIN_SOURCE = "backup-autopilot"
MAX_TEXT = 4096
MAX_ITEMS = 100
MAX_DEPTH = 4
MAX_DETAIL_BYTES = 64 * 1024

ArnText = Annotated[str, Meta(max_length=2048)]
Short = Annotated[str, Meta(max_length=512)]
Text = Annotated[str, Meta(max_length=MAX_TEXT)]
Reason = Annotated[str, Meta(max_length=64)]
Name = Annotated[str, Meta(max_length=256)]
Items = Annotated[list[str], Meta(max_length=MAX_ITEMS)]


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


class DomainEventDetail(Model, kw_only=True):
    """The part of every domain event that alerting relies on."""

    severity: Severity = Severity.INFO
    summary: Annotated[str, Meta(min_length=1, max_length=2000)]
    resource: ArnText | None = None
    #: identifies duplicates of the same fact (e.g. resource + plan); defaults to the event id
    dedupe_key: ArnText | None = None


COMMON = frozenset(DomainEventDetail.__struct_fields__)


class ResourceProtected(DomainEventDetail, kw_only=True):
    plan: Name
    backup_job_id: Short | None = None
    warnings: Items = []


class AssignmentRejected(DomainEventDetail, kw_only=True):
    value: Short | None = None
    valid_plans: Items = []
    reason: Text
    fix: Text | None = None
    cause: Reason | None = None


class ProtectionRemoved(DomainEventDetail, kw_only=True):
    removed_at: Reason | None = None


class CopyEvent(DomainEventDetail, kw_only=True):
    recovery_point: ArnText | None = None
    copy_job_id: Short | None = None
    destination_vault_arn: ArnText | None = None


class CopySkipped(CopyEvent, kw_only=True):
    reason: Reason


class CopyFailed(CopyEvent, kw_only=True):
    cause: Reason
    fix: Text | None = None
    status_message: Text | None = None


class CopyDestinationRejected(DomainEventDetail, kw_only=True):
    problems: Items = []


class SelectionNotMatching(DomainEventDetail, kw_only=True):
    plan: Name
    plan_id: Name
    resources: Items = []


class RestoreTestResult(DomainEventDetail, kw_only=True):
    restore_job_id: Short | None = None
    reasons: Items = []
    rto_minutes: float | None = None
    rto_target_minutes: float | None = None


class RestoreTestLeftover(DomainEventDetail, kw_only=True):
    restore_job_id: Short | None = None


class RestoreTestReport(DomainEventDetail, kw_only=True):
    run_id: Name
    counts: Annotated[dict[str, int], Meta(max_length=20)] = {}


class CoverageReport(DomainEventDetail, kw_only=True):
    offenders: Annotated[list[dict[str, Any]], Meta(max_length=MAX_ITEMS)] = []


class RequestRefused(DomainEventDetail, kw_only=True):
    operation: Annotated[str, Meta(max_length=128)] | None = None
    code: Annotated[str, Meta(max_length=128)] | None = None


class PlanRejected(DomainEventDetail, kw_only=True):
    """A backup plan the stack will not assign resources to (a listed plan whose alias shadows one
    of the stack's plans or another listed plan, or whose vault the stack does not list; or an
    unlisted plan tagged to be assignable or to take a stack plan's alias)."""

    plan_id: Name
    plan_name: Name
    alias: Name | None = None
    reason: Reason
    other_plan_id: Name | None = None
    other_plan_name: Name | None = None
    fix: Text | None = None


class ReconcileContinuation(DomainEventDetail, kw_only=True):
    """Bounded, as ``models.reconcile_events`` checks it in full before a run resumes."""

    run_id: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
    token: Annotated[str, Meta(min_length=1, max_length=4096)]
    pages: Annotated[int, Meta(ge=1, le=1_000_000)]


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


def _check_small(model: type[DomainEventDetail], data: Any) -> None:
    """A detail is a JSON object of at most 64 KiB whose fields beyond the model's are small."""
    if not isinstance(data, dict):
        raise Invalid("a domain event's detail is a JSON object")
    if len(json.dumps(data, default=str)) > MAX_DETAIL_BYTES:
        raise Invalid("a domain event's detail is at most 64 KiB")
    known = model.__struct_encode_fields__
    for key, value in data.items():
        if key not in known and not (isinstance(key, str) and len(key) <= 128 and _bounded(value)):
            raise Invalid(f"field {str(key)[:64]!r} is not a small JSON value")


def parse_domain_detail(detail_type: str, detail: Any) -> DomainEventDetail:
    """``detail`` validated against ``detail_type``'s model (:class:`~backup_autopilot.models.base.Invalid`
    when it does not fit; :class:`UnknownDomainEvent` for a detail-type without a model)."""
    model = DOMAIN_EVENT_MODELS.get(detail_type)
    if model is None:
        raise UnknownDomainEvent(f"no domain event is called {detail_type[:64]!r}")
    _check_small(model, detail)
    return model.parse(detail)


def detail_extras(detail: DomainEventDetail, raw: dict[str, Any]) -> dict[str, Any]:
    """Every field of a parsed detail but the four common ones: the model's typed fields (as parsed)
    and the small JSON values the publisher added (as they came: :func:`parse_domain_detail` bounded
    them)."""
    typed = detail.to_dict()
    extras = {key: value for key, value in raw.items() if key not in typed}
    extras.update(typed)
    return {key: value for key, value in extras.items() if key not in COMMON}
