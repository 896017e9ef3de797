"""What one event on the notification queue means for alerting (pure).

An event opens (or repeats) an alert, resolves alerts, both, or neither; a held digest (a digest
the notifier put back on the queue to send later) comes back as itself. Keys are kind + subject
(the resource, or resource and destination, or the plan, or the report run): the memory of open
alerts is kept per key, so a repeat is recognised whichever event carries it.

| event | opens | resolves |
|---|---|---|
| Backup Job FAILED/ABORTED/EXPIRED/PARTIAL | ``backup-<state>:<resource>`` (critical) | |
| Backup Job COMPLETED with a message | ``backup-issues:<resource>`` (warning) | the backup failures |
| Backup Job COMPLETED | | the resource's backup alerts; the plan's ``Selection Not Matching`` |
| Copy Job FAILED/ABORTED/PARTIAL (raw or ``Copy Failed``) | ``copy-failed:<resource>><vault>`` | |
| Copy Job COMPLETED | (with a message: ``copy-issues``) | the copy alerts of that resource and vault |
| Restore Job FAILED/ABORTED (not a restore test's) | ``restore-failed:<resource>`` | |
| ``Assignment Rejected``, ``Protection Removed`` | ``assignment-rejected:`` / ``protection-removed:`` | |
| ``Resource Protected`` | (with warnings: ``protected-warnings``) | the resource's two above |
| ``Restore Test Failed`` / ``Passed`` | ``restore-test-failed:<resource>`` | (Passed) that alert |
| ``Copy Skipped`` (needing action), ``Copy Destination Rejected``, ``Selection Not Matching`` | their key | |
| ``Restore Test Leftover`` | ``restore-test-leftover:<resource>`` | |
| ``Restore Test Report`` (every run, whatever its severity) | a report, sent once | |
| ``Coverage Report``: warning / info | ``coverage-report:<account>:<region>`` | (info) that alert |
| INFO domain events, ``Reconcile Continuation``, jobs still running | nothing | |
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from backup_autopilot.logic.alerting import links
from backup_autopilot.logic.alerting.causes import RESTORE_FIX, STATE_FIXES, backup_fix
from backup_autopilot.logic.copies.failures import FIXES as COPY_FIXES
from backup_autopilot.logic.copies.failures import classify_failure
from backup_autopilot.logic.resources import parse_resource_arn
from backup_autopilot.models.alerts import Digest, Level, Notice, Severity
from backup_autopilot.models.aws_events import BACKUP_SOURCE, BackupJobEvent, CopyJobEvent, RestoreJobEvent
from backup_autopilot.models.domain_events import (
    DOMAIN_SOURCE,
    DomainEventDetail,
    detail_extras,
    parse_domain_detail,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from backup_autopilot.logic.restore_tests.facts import RestoreJob

#: the notifier's own messages (held digests) on the notification queue
NOTIFY_SOURCE = "backup-autopilot.notify"
HELD_DIGEST = "Held Digest"

BACKUP_FAILURE_STATES = ("FAILED", "ABORTED", "EXPIRED", "PARTIAL")
COPY_FAILURE_STATES = ("FAILED", "ABORTED", "PARTIAL")
#: every alert a completed backup of the resource resolves
BACKUP_KINDS = (*(f"backup-{state.lower()}" for state in BACKUP_FAILURE_STATES), "backup-issues")
#: ``Copy Skipped`` reasons that need a person (the others are expected: the plan copies it, or a
#: continuous point that is never copied by design)
SKIPS_NEEDING_ACTION = frozenset(
    {"DYNAMODB_NOT_ADVANCED", "AWS_MANAGED_KEY", "NO_INTERMEDIATE_VAULT", "COLD", "REFUSED"}
)
#: lines of a report listed in a message (counts are always complete)
REPORT_LINES = 12


class RejectedEvent(ValueError):
    """The message is not one alerting understands; retrying it cannot help (it goes to the DLQ)."""


class Opening(Struct, frozen=True):
    notice: Notice
    #: identifies this occurrence (a job id, a dedupe key): deliveries of one occurrence share it
    occurrence: str
    #: a report: sent once, never repeated or resolved
    report: bool = False


class Resolution(Struct, frozen=True):
    keys: tuple[str, ...]
    #: when the success happened (ISO 8601)
    time: str
    #: what succeeded, in words ("backup job 5B1E… completed")
    what: str


class HeldDigest(Struct, frozen=True):
    """A digest put back on the queue: for the pace, or because Slack said "later"."""

    email: Digest | None
    slack: Digest | None
    #: Slack attempts so far
    attempt: int = 0
    reason: str = "pace"

    def to_body(self) -> str:
        return json.dumps(
            {
                "source": NOTIFY_SOURCE,
                "detail-type": HELD_DIGEST,
                "detail": {
                    "email": self.email.to_dict() if self.email else None,
                    "slack": self.slack.to_dict() if self.slack else None,
                    "attempt": self.attempt,
                    "reason": self.reason,
                },
            }
        )


class Signal(Struct, frozen=True):
    opening: Opening | None = None
    resolution: Resolution | None = None
    held: HeldDigest | None = None
    #: why the event needs nothing (INFO, a running job, a restore test's own job ...)
    ignored: str | None = None


class Context(Struct, frozen=True):
    """What classification knows beyond the event: plan names by plan id (the stack's plans); the
    role the stack's restore tests run with; and DescribeRestoreJob, for the restore events that
    carry no source resource (AWS's PENDING, RUNNING and FAILED restore events name none)."""

    plan_names: Mapping[str, str]
    restore_role_arn: str | None = None
    describe_restore: Callable[[str], RestoreJob | None] | None = None

    def plan(self, plan_id: str | None) -> str | None:
        if not plan_id:
            return None
        return self.plan_names.get(plan_id, plan_id)


# -- AWS Backup jobs --------------------------------------------------------------------------------
def _resource(arn: str | None, aws_type: str | None = None) -> dict[str, Any]:
    """The resource an alert is about. Its type is AWS Backup's ``resourceType`` when the event or
    the job names one (a DocumentDB or Neptune cluster's ARN reads like Aurora's), else the ARN's."""
    ref = parse_resource_arn(arn or "")
    name = ref.name if ref else (arn or "").rsplit(":", 1)[-1] or None
    kind = (aws_type or "").strip() or (ref.resource_type if ref else None)
    return {"resource_arn": arn, "resource_name": name, "resource_type": kind}


def _backup_job(raw: dict[str, Any], ctx: Context) -> Signal:
    event = BackupJobEvent.parse(raw)
    d = event.detail
    outcome = d.outcome
    message = (d.status_message or "").strip()
    subject = d.resource_arn or d.backup_job_id
    plan_id = d.created_by.backup_plan_id if d.created_by else None
    time = event.time.isoformat()
    base = {
        **_resource(d.resource_arn, d.resource_type),
        "account": event.account,
        "region": event.region,
        "plan": ctx.plan(plan_id),
        "link": links.job_link("backup", d.backup_job_id, event.region, d.resource_arn),
        "time": time,
    }
    resolves = tuple(f"{kind}:{subject}" for kind in BACKUP_KINDS)
    if outcome in BACKUP_FAILURE_STATES:
        cause, fix = backup_fix(outcome, message)
        kind = f"backup-{outcome.lower()}"
        notice = Notice(
            key=f"{kind}:{subject}",
            kind=kind,
            title=f"Backup job {outcome.lower()}",
            level=Level.CRITICAL,
            what=f"backup job {d.backup_job_id} ended {outcome}",
            why=f"{message or 'AWS Backup gave no status message'} [{cause.value}]",
            fix=fix,
            **base,
        )
        return Signal(opening=Opening(notice, d.backup_job_id))
    if outcome != "COMPLETED":
        return Signal(ignored=f"backup job {outcome}")
    if message:
        notice = Notice(
            key=f"backup-issues:{subject}",
            kind="backup-issues",
            title="Backup completed with issues",
            level=Level.WARNING,
            what=f"backup job {d.backup_job_id} completed with issues",
            why=message,
            fix=STATE_FIXES["ISSUES"],
            **base,
        )
        failures = tuple(key for key in resolves if not key.startswith("backup-issues:"))
        return Signal(
            opening=Opening(notice, d.backup_job_id),
            resolution=Resolution(failures, time, f"backup job {d.backup_job_id} completed (with issues)"),
        )
    keys = resolves + ((f"selection-not-matching:{plan_id}",) if plan_id else ())
    return Signal(resolution=Resolution(keys, time, f"backup job {d.backup_job_id} completed"))


def copy_key(resource: str | None, destination: str | None, fallback: str) -> str:
    return f"{resource or fallback}>{destination or '?'}"


def _copy_job(raw: dict[str, Any]) -> Signal:
    event = CopyJobEvent.parse(raw)
    d = event.detail
    outcome = d.outcome
    job_id = d.copy_job_id or event.id
    subject = copy_key(d.resource_arn, d.destination_backup_vault_arn, job_id)
    time = event.time.isoformat()
    message = (d.status_message or "").strip()
    base = {
        **_resource(d.resource_arn, d.resource_type),
        "account": event.account,
        "region": event.region,
        "link": links.job_link("copy", d.copy_job_id, event.region, d.resource_arn),
        "time": time,
    }
    destination = d.destination_backup_vault_arn or "an unknown vault"
    if outcome in COPY_FAILURE_STATES:
        cause = classify_failure(message)
        notice = Notice(
            key=f"copy-failed:{subject}",
            kind="copy-failed",
            title="Copy Failed",
            level=Level.CRITICAL,
            what=f"copy job {job_id} to {destination} ended {outcome}",
            why=f"{message or 'AWS Backup gave no status message'} [{cause.value}]",
            fix=COPY_FIXES[cause],
            **base,
        )
        return Signal(opening=Opening(notice, job_id))
    if outcome != "COMPLETED":
        return Signal(ignored=f"copy job {outcome}")
    keys = tuple(f"{kind}:{subject}" for kind in ("copy-failed", "copy-issues", "copy-skipped"))
    resolution = Resolution(keys, time, f"copy job {job_id} to {destination} completed")
    if message:
        notice = Notice(
            key=f"copy-issues:{subject}",
            kind="copy-issues",
            title="Copy completed with issues",
            level=Level.WARNING,
            what=f"copy job {job_id} to {destination} completed with issues",
            why=message,
            fix="the copy completed, but AWS reports a problem (see the message): check the copied point",
            **base,
        )
        return Signal(opening=Opening(notice, job_id), resolution=Resolution(keys[:1], time, resolution.what))
    return Signal(resolution=resolution)


RESTORE_TEST_JOB = "a restore test's job: validate_restore reports it as a Restore Test result"


def _restore_job(raw: dict[str, Any], ctx: Context) -> Signal:
    event = RestoreJobEvent.parse(raw)
    d = event.detail
    if d.restore_testing_plan_arn or (ctx.restore_role_arn and d.iam_role_arn == ctx.restore_role_arn):
        return Signal(ignored=RESTORE_TEST_JOB)
    outcome = d.outcome
    issues = outcome == "COMPLETED" and bool((d.status_message or "").strip())
    alerting = outcome in {"FAILED", "ABORTED"} or issues
    if alerting and not d.resource and ctx.describe_restore is not None:
        # the event names no resource: the job does (an event is a trigger, the Describe the record)
        job = ctx.describe_restore(d.restore_job_id)
        if job is not None and job.testing_plan_arn:
            return Signal(ignored=RESTORE_TEST_JOB)
        if job is not None:
            d = d.replace(
                source_resource_arn=job.source_resource_arn,
                resource_type=d.resource_type or job.resource_type,
                status_message=d.status_message or job.status_message,
            )
    subject = d.resource or d.restore_job_id
    time = event.time.isoformat()
    message = (d.status_message or "").strip()
    base = {
        **_resource(d.resource, d.resource_type),
        "account": event.account,
        "region": event.region,
        "link": links.job_link("restore", d.restore_job_id, event.region, d.resource),
        "time": time,
    }
    if outcome in {"FAILED", "ABORTED"}:
        notice = Notice(
            key=f"restore-failed:{subject}",
            kind="restore-failed",
            title=f"Restore job {outcome.lower()}",
            level=Level.CRITICAL,
            what=f"restore job {d.restore_job_id} ended {outcome}",
            why=message or "AWS Backup gave no status message",
            fix=RESTORE_FIX,
            **base,
        )
        return Signal(opening=Opening(notice, d.restore_job_id))
    if outcome == "COMPLETED" and message:
        notice = Notice(
            key=f"restore-issues:{subject}",
            kind="restore-issues",
            title="Restore completed with issues",
            level=Level.WARNING,
            what=f"restore job {d.restore_job_id} completed with issues",
            why=message,
            fix="check the restored resource before you rely on it",
            **base,
        )
        return Signal(opening=Opening(notice, d.restore_job_id))
    if outcome == "COMPLETED":
        keys = (f"restore-failed:{subject}", f"restore-issues:{subject}")
        return Signal(resolution=Resolution(keys, time, f"restore job {d.restore_job_id} completed"))
    return Signal(ignored=f"restore job {outcome}")


# -- the stack's domain events ----------------------------------------------------------------------
#: detail-type -> (kind, title, default fix)
_DOMAIN: dict[str, tuple[str, str, str | None]] = {
    "Assignment Rejected": ("assignment-rejected", "Assignment Rejected", None),
    "Protection Removed": (
        "protection-removed",
        "Protection Removed",
        "if that was not intended, put the plan tag back; existing recovery points are kept until "
        "their retention ends",
    ),
    "Resource Protected": (
        "protected-warnings",
        "Resource Protected, with warnings",
        "nothing, unless a warning asks for it",
    ),
    "Copy Failed": ("copy-failed", "Copy Failed", None),
    "Copy Skipped": ("copy-skipped", "Copy Skipped", None),
    "Copy Destination Rejected": (
        "copy-destination-rejected",
        "Copy Destination Rejected",
        "fix the copy-to tag: only the destinations the stack allows are ever used",
    ),
    "Selection Not Matching": (
        "selection-not-matching",
        "Selection Not Matching",
        "check the plan's selection conditions in AWS Backup (a StringNotLike/StringNotEquals condition on "
        "a tag the resources lack may exclude them); the hourly reconcile keeps backing them up meanwhile",
    ),
    "Restore Test Failed": (
        "restore-test-failed",
        "Restore Test Failed",
        "read the reasons; restore the recovery point by hand to confirm, then fix the source, its backup "
        "or its RTO target",
    ),
    "Plan Rejected": (
        "plan-rejected",
        "Plan Rejected",
        "only the stack's plans and the plans listed in AssignablePlans are assignable, each alias once: "
        "rename or untag the other plan, or fix the stack's parameters",
    ),
    "Restore Test Leftover": (
        "restore-test-leftover",
        "Restore Test Leftover",
        "delete it (it carries the awsbackup-restore-test tag), or read its DeletionStatusMessage",
    ),
}
_SKIP_FIXES = {
    "DYNAMODB_NOT_ADVANCED": "turn on advanced DynamoDB backup (AWS Backup > Settings)",
    "AWS_MANAGED_KEY": "encrypt the resource with a customer-managed key shared with the destination account",
    "NO_INTERMEDIATE_VAULT": "deploy dr/template.yaml in that Region (the copy goes through it)",
    "COLD": "copy before the lifecycle moves recovery points to cold storage",
    "REFUSED": "read AWS's message; fix the destination vault or the copy settings it names",
}
INTERNAL = frozenset({"Reconcile Continuation"})


def _level(severity: Severity) -> Level:
    return Level(severity.value)


def _text(value: Any) -> str | None:
    return None if value in (None, "", [], {}) else str(value)


def _domain(raw: dict[str, Any], detail_type: str, ctx: Context) -> Signal:
    if detail_type in INTERNAL:
        return Signal(ignored="internal")  # never alerted (the reconcile validates its own)
    # validated against its detail-type's model first (an unknown detail-type is refused)
    detail = parse_domain_detail(detail_type, raw.get("detail"))
    extra = detail_extras(detail, raw["detail"])
    resource = detail.resource
    time = str(raw.get("time") or "")
    occurrence = detail.dedupe_key or str(raw.get("id") or "")
    if not occurrence:
        raise RejectedEvent(f"{detail_type} without an id or a dedupe key")
    base: dict[str, Any] = {
        **_resource(resource),
        "account": str(raw.get("account", "")),
        "region": str(raw.get("region", "")),
        "time": time,
    }
    if detail_type == "Restore Test Report":
        return Signal(opening=_restore_report(detail, extra, base, occurrence))
    if detail_type == "Coverage Report":
        if detail.severity is Severity.INFO:
            # the sweep had nothing to do: a coverage alert still open is resolved
            key = f"coverage-report:{base['account']}:{base['region']}"
            return Signal(
                resolution=Resolution((key,), time, "the hourly reconcile found nothing to catch up")
            )
        return Signal(opening=_coverage_report(detail, extra, base, str(raw.get("id") or occurrence)))
    if detail_type == "Restore Test Passed" and resource:
        what = f"restore test passed ({detail.summary})"
        return Signal(resolution=Resolution((f"restore-test-failed:{resource}",), time, what))
    resolution = None
    if detail_type == "Resource Protected" and resource:
        keys = (f"assignment-rejected:{resource}", f"protection-removed:{resource}")
        resolution = Resolution(keys, time, f"protected again ({detail.summary})")
    if detail.severity is Severity.INFO:
        return Signal(resolution=resolution, ignored=None if resolution else "info")
    if detail_type == "Copy Skipped" and str(extra.get("reason")) not in SKIPS_NEEDING_ACTION:
        return Signal(ignored="copy skipped by design")
    kind, title, fix = _DOMAIN.get(detail_type, (_slug(detail_type), detail_type, None))
    subject = _subject(detail_type, resource, extra, occurrence)
    notice = Notice(
        key=f"{kind}:{subject}",
        kind=kind,
        title=title,
        level=_level(detail.severity),
        what=detail.summary,
        why=_why(detail_type, extra),
        fix=_text(extra.get("fix")) or _SKIP_FIXES.get(str(extra.get("reason"))) or fix,
        link=_domain_link(detail_type, resource, extra, base["region"]),
        plan=_text(extra.get("plan")) or ctx.plan(_text(extra.get("plan_id"))),
        details=_domain_details(detail_type, extra),
        **base,
    )
    occurrence = _text(extra.get("copy_job_id")) or occurrence  # the raw copy event's occurrence too
    return Signal(opening=Opening(notice, occurrence), resolution=resolution)


def _slug(text: str) -> str:
    return "-".join(text.lower().split()) or "event"


def _subject(detail_type: str, resource: str | None, extra: dict[str, Any], occurrence: str) -> str:
    if detail_type in {"Copy Failed", "Copy Skipped"}:
        return copy_key(resource, _text(extra.get("destination_vault_arn")), occurrence)
    if detail_type == "Selection Not Matching":
        return str(extra.get("plan_id") or extra.get("plan") or occurrence)
    return resource or occurrence


def _why(detail_type: str, extra: dict[str, Any]) -> str | None:
    if detail_type == "Copy Failed":
        message = _text(extra.get("status_message")) or "AWS Backup gave no status message"
        return f"{message} [{extra.get('cause', 'other')}]"
    if detail_type == "Assignment Rejected":
        return _text(extra.get("reason"))
    if detail_type == "Copy Skipped":
        return _text(extra.get("reason"))
    if detail_type == "Restore Test Failed":
        reasons = extra.get("reasons") or []
        return "; ".join(str(r) for r in reasons) if isinstance(reasons, list) and reasons else None
    return None


def _domain_details(detail_type: str, extra: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if detail_type == "Restore Test Failed":
        minutes, target = extra.get("rto_minutes"), extra.get("rto_target_minutes")
        if isinstance(minutes, int | float):
            lines.append(
                f"restore time {minutes:.1f} min"
                + (f" (target {target:g} min)" if isinstance(target, int | float) else "")
            )
    if detail_type == "Resource Protected":
        warnings = extra.get("warnings")
        if isinstance(warnings, list):
            lines.extend(str(w) for w in warnings[:REPORT_LINES])
    if detail_type == "Copy Destination Rejected":
        problems = extra.get("problems")
        if isinstance(problems, list):
            lines.extend(str(p) for p in problems[:REPORT_LINES])
    return lines


def _domain_link(detail_type: str, resource: str | None, extra: dict[str, Any], region: str) -> str | None:
    if detail_type == "Copy Failed":
        return links.job_link("copy", _text(extra.get("copy_job_id")), region, resource)
    if detail_type == "Selection Not Matching":
        return links.plan_link(_text(extra.get("plan_id")), region)
    if detail_type in {"Restore Test Failed"}:
        return links.job_link("restore", _text(extra.get("restore_job_id")), region, resource)
    if detail_type in {"Assignment Rejected", "Protection Removed", "Restore Test Leftover"}:
        return links.resource_link(resource)
    return links.protected_resource_link(resource, region) if resource else None


def _restore_report(
    detail: DomainEventDetail, extra: dict[str, Any], base: dict[str, Any], occurrence: str
) -> Opening:
    raw_counts = extra.get("counts")
    counts: dict[str, Any] = raw_counts if isinstance(raw_counts, dict) else {}
    lines = []
    for entry in _list(extra.get("failed")):
        reasons = entry.get("reasons")
        reasons = "; ".join(str(r) for r in reasons) if isinstance(reasons, list) else ""
        reasons = reasons or "no reason recorded"
        lines.append(f"FAILED {entry.get('resource')}: {reasons}")
    for entry in _list(extra.get("over_rto_target")):
        lines.append(
            f"OVER RTO {entry.get('resource')}: {entry.get('rto_minutes')} min "
            f"(target {entry.get('rto_target_minutes')} min)"
        )
    for entry in _list(extra.get("not_tested")):
        lines.append(f"NOT TESTED {entry.get('resource')}: {entry.get('reason')}")
    for entry in _list(extra.get("passed")):
        rto = entry.get("rto_minutes")
        lines.append(
            f"passed {entry.get('resource')}" + (f" in {rto:.1f} min" if isinstance(rto, float) else "")
        )
    shown = lines[:REPORT_LINES]
    if len(lines) > len(shown):
        shown.append(f"... and {len(lines) - len(shown)} more lines")
    run = str(extra.get("run_id") or occurrence)
    level = _level(detail.severity)
    tested = counts.get("tested", extra.get("tested", "?"))
    summary = (
        f"{tested} tested, {counts.get('passed', '?')} passed, {counts.get('failed', '?')} failed, "
        f"{counts.get('over_rto_target', '?')} over their RTO target, "
        f"{counts.get('not_tested', '?')} not tested"
    )
    notice = Notice(
        key=f"restore-test-report:{run}",
        kind="restore-test-report",
        title="Restore Test Report",
        level=level,
        what=f"restore test run {run}: {summary}",
        fix=None if level is Level.INFO else "see the failed and untested resources below",
        link=links.backup_console(base["region"], "/restoretesting"),
        details=shown,
        **{k: v for k, v in base.items() if k not in {"resource_arn", "resource_name", "resource_type"}},
    )
    return Opening(notice, occurrence, report=True)


def _coverage_report(
    detail: DomainEventDetail, extra: dict[str, Any], base: dict[str, Any], occurrence: str
) -> Opening:
    """A coverage report the sweep had to act on: one open alert per account and Region (hourly
    reports repeat it, counted), resolved by the first report with nothing to act on."""
    lines = [f"{o.get('resource')}: {o.get('reason')}" for o in _list(extra.get("offenders"))[:REPORT_LINES]]
    notice = Notice(
        key=f"coverage-report:{base['account']}:{base['region']}",
        kind="coverage-report",
        title="Coverage Report",
        level=_level(detail.severity),
        what=detail.summary,
        fix=(
            "the hourly reconcile started what events missed; if it keeps doing so, look for the failing "
            "backups or copies (their own alerts) or for lost events"
        ),
        link=links.backup_console(base["region"], "/resources"),
        details=lines,
        **{k: v for k, v in base.items() if k not in {"resource_arn", "resource_name", "resource_type"}},
    )
    return Opening(notice, occurrence)


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# -- the entry point -------------------------------------------------------------------------------
def _held(raw: dict[str, Any]) -> Signal:
    detail = raw.get("detail")
    if not isinstance(detail, dict):
        raise RejectedEvent("a held digest without its detail")
    email, slack = detail.get("email"), detail.get("slack")
    held = HeldDigest(
        email=Digest.parse(email) if email else None,
        slack=Digest.parse(slack) if slack else None,
        attempt=int(detail.get("attempt") or 0),
        reason=str(detail.get("reason") or "pace"),
    )
    return Signal(held=held)


def classify(raw: dict[str, Any], ctx: Context) -> Signal:
    """What ``raw`` (an EventBridge event, or a held digest) means for alerting.

    Raises :class:`RejectedEvent` when it is malformed or of a kind alerting does not know.
    """
    source, detail_type = raw.get("source"), raw.get("detail-type")
    try:
        if source == BACKUP_SOURCE and detail_type == "Backup Job State Change":
            return _backup_job(raw, ctx)
        if source == BACKUP_SOURCE and detail_type == "Copy Job State Change":
            return _copy_job(raw)
        if source == BACKUP_SOURCE and detail_type == "Restore Job State Change":
            return _restore_job(raw, ctx)
        if source == DOMAIN_SOURCE and isinstance(detail_type, str) and detail_type:
            return _domain(raw, detail_type, ctx)
        if source == NOTIFY_SOURCE and detail_type == HELD_DIGEST:
            return _held(raw)
    except (TypeError, ValueError) as error:  # models.base.Invalid is a ValueError
        if isinstance(error, RejectedEvent):
            raise
        raise RejectedEvent(f"malformed {source}/{detail_type} event: {str(error)[:256]}") from error
    raise RejectedEvent(f"alerting does not handle source={source!r} detail-type={detail_type!r}")


def classify_body(body: str, ctx: Context) -> Signal:
    """An SQS message body: JSON of an EventBridge event or a held digest."""
    try:
        raw = json.loads(body)
    except (json.JSONDecodeError, TypeError) as error:
        raise RejectedEvent("the message body is not JSON") from error
    if not isinstance(raw, dict):
        raise RejectedEvent("the message body is not a JSON object")
    return classify(raw, ctx)
