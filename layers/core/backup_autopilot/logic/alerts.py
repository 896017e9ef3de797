"""Turning events into alerts, and alerts into one digest per batch (pure logic, no AWS calls)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from backup_autopilot.models.alerts import Alert, Severity
from backup_autopilot.models.aws_events import (
    BACKUP_SOURCE,
    FAILURE_STATES,
    BackupJobEvent,
    CopyJobEvent,
    RestoreJobEvent,
)
from backup_autopilot.models.domain_events import DOMAIN_SOURCE, DomainEventDetail

if TYPE_CHECKING:
    from collections.abc import Iterable

SUBJECT_LIMIT = 100  # SNS Subject maximum length
_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


class RejectedEvent(ValueError):
    """The event is not one alerting understands; it must not be retried as if it were valid."""


def _job_alert(kind: str, job_id: str, outcome: str, event: Any, resource: str | None) -> Alert | None:
    message = (event.detail.status_message or "").strip()
    if outcome in FAILURE_STATES or (kind == "Restore" and outcome == "FAILED"):
        severity, verb = Severity.CRITICAL, outcome.lower()
    elif outcome == "COMPLETED" and message and kind == "Backup":
        severity, verb = Severity.WARNING, "completed with issues"
    else:
        return None
    return Alert(
        key=f"{kind.lower()}-job:{job_id}:{outcome}",
        severity=severity,
        title=f"{kind} job {verb}",
        detail=message or "AWS Backup gave no status message",
        resource=resource,
        account=event.account,
        region=event.region,
        time=event.time.isoformat(),
    )


def alert_from_event(event: dict[str, Any]) -> Alert | None:
    """The alert an EventBridge event deserves, or None when it is not alert-worthy.

    Raises :class:`RejectedEvent` when the event is malformed or of a kind alerting does not know.
    """
    source, detail_type = event.get("source"), event.get("detail-type")
    try:
        if source == BACKUP_SOURCE and detail_type == "Backup Job State Change":
            backup = BackupJobEvent.model_validate(event)
            d = backup.detail
            return _job_alert("Backup", d.backup_job_id, d.outcome, backup, d.resource_arn)
        if source == BACKUP_SOURCE and detail_type == "Copy Job State Change":
            copy = CopyJobEvent.model_validate(event)
            c = copy.detail
            return _job_alert("Copy", c.copy_job_id or copy.id, c.outcome, copy, c.resource_arn)
        if source == BACKUP_SOURCE and detail_type == "Restore Job State Change":
            restore = RestoreJobEvent.model_validate(event)
            r = restore.detail
            return _job_alert("Restore", r.restore_job_id, r.outcome, restore, r.resource)
        if source == DOMAIN_SOURCE and isinstance(detail_type, str) and detail_type:
            detail = DomainEventDetail.model_validate(event.get("detail"))
            if detail.severity is Severity.INFO:
                return None  # recorded on the bus and in metrics; people hear about what needs them
            return Alert(
                key=f"{detail_type}:{detail.dedupe_key or event.get('id')}",
                severity=detail.severity,
                title=detail_type,
                detail=detail.summary,
                resource=detail.resource,
                account=str(event.get("account", "")),
                region=str(event.get("region", "")),
                time=str(event.get("time", "")),
            )
    except ValidationError as error:
        raise RejectedEvent(
            f"malformed {source}/{detail_type} event: {error.error_count()} error(s)"
        ) from error
    raise RejectedEvent(f"alerting does not handle source={source!r} detail-type={detail_type!r}")


@dataclass(frozen=True)
class Digest:
    subject: str
    message: str
    alerts: tuple[Alert, ...]


def build_digest(alerts: Iterable[Alert]) -> Digest | None:
    """One message for a batch: duplicates dropped, most severe first; None when nothing to say."""
    unique: dict[str, Alert] = {}
    for alert in alerts:
        unique.setdefault(alert.key, alert)
    if not unique:
        return None
    ordered = sorted(unique.values(), key=lambda a: (_ORDER[a.severity], a.time, a.key))
    counts = {s: sum(1 for a in ordered if a.severity is s) for s in Severity}
    summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    subject = f"backup-autopilot: {ordered[0].title if len(ordered) == 1 else summary}"
    lines = [f"{len(ordered)} alert(s): {summary}", ""]
    for alert in ordered:
        lines.append(
            f"[{alert.severity.value.upper()}] {alert.title} ({alert.account}/{alert.region}, {alert.time})"
        )
        if alert.resource:
            lines.append(f"    resource: {alert.resource}")
        lines.append(f"    {alert.detail}")
    return Digest(subject=subject[:SUBJECT_LIMIT], message="\n".join(lines), alerts=tuple(ordered))
