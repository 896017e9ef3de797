"""Tag-driven protection: what a plan tag on a resource means, and what to do about it.

Pure decisions first (:func:`decide_tag_change`), then :class:`Protector`, which checks what
would make protection fail later and starts the first backup, through injected ports. No boto3.
"""

from __future__ import annotations

import datetime as dt
import difflib
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol

from msgspec import Struct, field

from backup_autopilot.logic.resources import ResourceRef, parse_resource_arn
from backup_autopilot.logic.tokens import backup_token, window_start
from backup_autopilot.models.severity import Severity

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

#: resources created by restore tests carry this tag and are never enrolled
RESTORE_TEST_MARKER = "backup-autopilot:restore-test"
#: names of resources created by restore tests start with this
RESTORE_TEST_PREFIX = "bap-rt-"
#: AWS's restore testing tags what it restores ``awsbackup-restore-test`` and names it so (where it
#: names it); its plans skip those, and so does the stack (a tag copied from the source, or put by
#: hand, must not make a test's scratch copy a protected resource)
AWS_RESTORE_TEST_MARKER = "awsbackup-restore-test"
#: set on an EBS volume whose instance is protected by the same plan (the selections exclude it)
COVERED_BY_TAG = "backup-autopilot:covered-by"


class ResourceGone(Exception):
    """The tagged resource no longer exists (deleted after the tag event was sent)."""


class Plan(Struct, frozen=True):
    """An assignable backup plan, as the tag value names it."""

    alias: str  # the tag value: daily, weekly, monthly, or a custom plan's alias
    plan_id: str
    plan_arn: str
    vault_name: str
    rule_name: str
    #: the rule's lifecycle: its days, and its archive opt-in (a boolean)
    lifecycle: Mapping[str, int | bool] = field(default_factory=dict)
    #: a resource with a recovery point newer than this needs no first backup
    interval: dt.timedelta = dt.timedelta(days=1)
    #: how long after its scheduled time a plan job may start (the rule's StartWindowMinutes)
    start_window: dt.timedelta = dt.timedelta(hours=8)
    #: True for the stack's own plans (their selections come from the template)
    stack_owned: bool = True
    #: days copies of its recovery points are kept (its ``backup-autopilot:copy-retention-days``
    #: tag); None: each copy keeps its source's retention
    copy_retention_days: int | None = None


class Outcome(StrEnum):
    PROTECTED = "Resource Protected"
    REJECTED = "Assignment Rejected"
    REMOVED = "Protection Removed"
    IGNORED = "Ignored"


class TagDecision(Struct, frozen=True):
    outcome: Outcome
    reason: str
    resource_arn: str
    resource: ResourceRef | None = None
    plan: Plan | None = None
    value: str | None = None
    valid_plans: tuple[str, ...] = ()
    fix: str | None = None


def _suggest(value: str, valid: list[str]) -> str | None:
    cleaned = value.strip().lower()
    if cleaned in valid:
        return cleaned
    close = difflib.get_close_matches(cleaned, valid, n=1, cutoff=0.6)
    return close[0] if close else None


def current_tags(
    event_tags: Mapping[str, str], now_tags: Mapping[str, str], plan_tag_key: str
) -> Mapping[str, str] | None:
    """The tags to act on: the resource's tags now, or None when the event is stale.

    Tag events are best effort and may arrive late, twice or out of order, and anyone who can
    invoke the function can hand it an event: the handler reads the tags as they are now. An event
    that says the plan tag was added while it is gone now (or removed while it is back) is stale;
    the event for the later change, or the hourly reconcile, handles the resource.
    """
    if (plan_tag_key in event_tags) != (plan_tag_key in now_tags):
        return None
    return now_tags


def decide_tag_change(
    *,
    resource_arn: str,
    changed_keys: list[str],
    tags: Mapping[str, str],
    plan_tag_key: str,
    plans: Mapping[str, Plan],
) -> TagDecision:
    """What a tag change means for protection, before any AWS call."""
    if plan_tag_key not in changed_keys:
        return TagDecision(Outcome.IGNORED, f"'{plan_tag_key}' did not change", resource_arn)
    resource = parse_resource_arn(resource_arn)
    if plan_tag_key not in tags:
        return TagDecision(Outcome.REMOVED, f"the '{plan_tag_key}' tag was removed", resource_arn, resource)
    if (RESTORE_TEST_MARKER in tags or AWS_RESTORE_TEST_MARKER in tags) or (
        resource is not None and resource.name.startswith((RESTORE_TEST_PREFIX, AWS_RESTORE_TEST_MARKER))
    ):
        return TagDecision(Outcome.IGNORED, "resource created by a restore test", resource_arn, resource)
    value = tags[plan_tag_key]
    valid = sorted(plans)
    if resource is None:
        return TagDecision(
            Outcome.REJECTED,
            "AWS Backup cannot protect this kind of resource",
            resource_arn,
            value=value,
            valid_plans=tuple(valid),
            fix="remove the tag, or tag a supported resource (EBS, EC2, RDS, Aurora, DynamoDB, EFS, S3, FSx, "
            "Storage Gateway volume)",
        )
    plan = plans.get(value)
    if plan is None:
        suggestion = _suggest(value, valid)
        hint = f"did you mean '{suggestion}'? " if suggestion else ""
        return TagDecision(
            Outcome.REJECTED,
            f"'{value}' is not an assignable plan",
            resource_arn,
            resource,
            value=value,
            valid_plans=tuple(valid),
            fix=f"{hint}set {plan_tag_key} to one of: {', '.join(valid)}",
        )
    return TagDecision(Outcome.PROTECTED, f"joins plan '{plan.alias}'", resource_arn, resource, plan, value)


# -- ports ---------------------------------------------------------------------------------------
class BackupPort(Protocol):
    def opted_in(self, resource_type: str) -> bool: ...

    def opt_in(self, resource_type: str) -> None: ...

    def ensure_selection(self, plan: Plan, plan_tag_key: str) -> bool: ...

    def latest_backup(self, resource_arn: str) -> dt.datetime | None: ...

    def start_backup(self, *, resource: ResourceRef, plan: Plan, token: str) -> str: ...


class ResourcePort(Protocol):
    def s3_versioning_enabled(self, bucket: str) -> bool: ...

    def instance_of_volume(self, volume_arn: str) -> tuple[str, Mapping[str, str]] | None: ...

    def tag(self, resource_arn: str, tags: Mapping[str, str]) -> None: ...


class EventPort(Protocol):
    def publish(self, detail_type: str, detail: dict[str, Any]) -> None: ...


class ProtectionResult(Struct):
    decision: TagDecision
    outcome: Outcome
    backup_job_id: str | None = None
    warnings: list[str] = field(default_factory=list)
    detail: str = ""
    #: why an assignment was rejected, for counting (``NOT_OPTED_IN`` ...); None otherwise
    cause: str | None = None


#: rejection causes found by the checks after the decision (the decision's own: ``INVALID_TAG``)
NOT_OPTED_IN = "not-opted-in"
S3_VERSIONING_OFF = "s3-versioning-off"
INVALID_TAG = "invalid-tag"


class Protector(Struct):
    """Applies a :class:`TagDecision`: checks, first backup, domain events."""

    backup: BackupPort
    resources: ResourcePort
    events: EventPort
    plan_tag_key: str
    allow_opt_in: bool = False

    def apply(
        self,
        decision: TagDecision,
        *,
        now: dt.datetime,
        latest_backup: dt.datetime | Literal["lookup"] | None = "lookup",
    ) -> ProtectionResult:
        """Act on a decision. ``latest_backup`` may be passed when the caller already knows it
        (reconcile reads it for thousands of resources at once from ListProtectedResources)."""
        if decision.outcome is Outcome.IGNORED:
            return ProtectionResult(decision, Outcome.IGNORED, detail=decision.reason)
        if decision.outcome is Outcome.REMOVED:
            summary = (
                f"{decision.resource_arn}: '{self.plan_tag_key}' removed; it will not be backed up any more"
            )
            self.events.publish(
                Outcome.REMOVED.value,
                {
                    "severity": Severity.WARNING,
                    "summary": summary,
                    "resource": decision.resource_arn,
                    # aws.tag events do not say who changed the tag (CloudTrail does)
                    "removed_at": now.isoformat(),
                    "dedupe_key": f"removed:{decision.resource_arn}:{now:%Y-%m-%dT%H}",
                },
            )
            return ProtectionResult(decision, Outcome.REMOVED, detail=summary)
        if decision.outcome is Outcome.REJECTED:
            return self._reject(decision, decision.reason, decision.fix, INVALID_TAG)
        assert decision.plan is not None and decision.resource is not None
        try:
            return self._protect(decision, decision.plan, decision.resource, now, latest_backup)
        except ResourceGone:
            return ProtectionResult(decision, Outcome.IGNORED, detail="the resource no longer exists")

    def _reject(self, decision: TagDecision, reason: str, fix: str | None, cause: str) -> ProtectionResult:
        summary = f"{decision.resource_arn}: {reason}" + (f"; fix: {fix}" if fix else "")
        self.events.publish(
            Outcome.REJECTED.value,
            {
                "severity": Severity.CRITICAL,
                "summary": summary,
                "resource": decision.resource_arn,
                "value": decision.value,
                "valid_plans": list(decision.valid_plans),
                "reason": reason,
                "fix": fix,
                "cause": cause,
                "dedupe_key": f"rejected:{decision.resource_arn}:{decision.value}",
            },
        )
        return ProtectionResult(decision, Outcome.REJECTED, detail=summary, cause=cause)

    def _protect(
        self,
        decision: TagDecision,
        plan: Plan,
        resource: ResourceRef,
        now: dt.datetime,
        latest_backup: dt.datetime | Literal["lookup"] | None,
    ) -> ProtectionResult:
        warnings: list[str] = []
        if not self.backup.opted_in(resource.resource_type):
            if not self.allow_opt_in:
                return self._reject(
                    decision,
                    f"resource type {resource.resource_type} is not opted in for AWS Backup "
                    f"in {resource.region}",
                    f"opt {resource.resource_type} in (AWS Backup > Settings > Service opt-in), "
                    "or deploy with AllowOptIn=true",
                    NOT_OPTED_IN,
                )
            self.backup.opt_in(resource.resource_type)
            warnings.append(f"opted {resource.resource_type} in for AWS Backup in {resource.region}")
        if resource.resource_type == "S3" and not self.resources.s3_versioning_enabled(resource.name):
            return self._reject(
                decision,
                "AWS Backup cannot back up an S3 bucket without versioning",
                f"enable versioning on bucket {resource.name}",
                S3_VERSIONING_OFF,
            )
        if resource.resource_type == "EBS":
            owner = self.resources.instance_of_volume(resource.arn)
            if owner is not None and owner[1].get(self.plan_tag_key) == plan.alias:
                self.resources.tag(resource.arn, {COVERED_BY_TAG: owner[0]})
                message = (
                    f"volume is backed up with its instance {owner[0]} (same plan); "
                    "not backed up on its own, to avoid paying twice"
                )
                return self._done(decision, plan, None, [*warnings, message], "covered by its instance")
        if not plan.stack_owned and self.backup.ensure_selection(plan, self.plan_tag_key):
            warnings.append(f"created the tag selection of plan '{plan.alias}'")
        latest = self.backup.latest_backup(resource.arn) if latest_backup == "lookup" else latest_backup
        if latest is not None and now - latest < plan.interval:
            return self._done(decision, plan, None, warnings, f"recent backup from {latest.isoformat()}")
        job_id = self.backup.start_backup(
            resource=resource,
            plan=plan,
            token=backup_token(resource.arn, plan.plan_id, window_start(now, plan.interval)),
        )
        return self._done(decision, plan, job_id, warnings, "first backup started")

    def _done(
        self, decision: TagDecision, plan: Plan, job_id: str | None, warnings: list[str], detail: str
    ) -> ProtectionResult:
        summary = f"{decision.resource_arn} joins plan '{plan.alias}': {detail}"
        self.events.publish(
            Outcome.PROTECTED.value,
            {
                "severity": Severity.WARNING if warnings else Severity.INFO,
                "summary": summary,
                "resource": decision.resource_arn,
                "plan": plan.alias,
                "backup_job_id": job_id,
                "warnings": warnings,
                "dedupe_key": f"protected:{decision.resource_arn}:{plan.alias}",
            },
        )
        return ProtectionResult(decision, Outcome.PROTECTED, job_id, warnings, detail)


STALE = "stale event: the plan tag has changed again since"


def handle_tag_change(
    *,
    resource_arn: str,
    changed_keys: list[str],
    event_tags: Mapping[str, str],
    tags_now: Callable[[str], Mapping[str, str]],
    plans: Callable[[bool], Mapping[str, Plan]],
    protector: Protector,
    now: dt.datetime,
) -> ProtectionResult:
    """One Tag Change on Resource: decide on the resource's tags as they are now, then act.

    ``plans(refresh)`` gives the assignable plans (cached); a value that names no known plan is
    checked once more against a fresh list before it is rejected, so a plan created a moment
    before the tag is found.
    """
    if protector.plan_tag_key not in changed_keys:
        decision = TagDecision(Outcome.IGNORED, f"'{protector.plan_tag_key}' did not change", resource_arn)
        return ProtectionResult(decision, Outcome.IGNORED, detail=decision.reason)
    tags = current_tags(event_tags, tags_now(resource_arn), protector.plan_tag_key)
    if tags is None:
        decision = TagDecision(Outcome.IGNORED, STALE, resource_arn)
        return ProtectionResult(decision, Outcome.IGNORED, detail=STALE)
    known = plans(False)
    value = tags.get(protector.plan_tag_key)
    if value is not None and value not in known:
        known = plans(True)
    decision = decide_tag_change(
        resource_arn=resource_arn,
        changed_keys=changed_keys,
        tags=tags,
        plan_tag_key=protector.plan_tag_key,
        plans=known,
    )
    return protector.apply(decision, now=now)
