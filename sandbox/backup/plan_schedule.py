"""Backup plans on the SimClock: each rule's window opens on its schedule and backs up what matches.

Every rule of every live plan (moto's Plan objects, plans created later included) is a recurring
timer on the sandbox clock, at the occurrences of its ``ScheduleExpression`` (AWS cron, read with
pyawscron) in its ``ScheduleExpressionTimezone``. When a window opens, every selection of the plan
is evaluated against the live resources the adapters see at that moment (``selection_eval``) and
one plan job is started per matched resource (a resource matched by several selections of the plan
gets one job, with the IAM role of the oldest selection that matched), with the rule's vault,
start window, lifecycle and recovery point tags, and ``CreatedBy`` filled in (a rule with
``EnableContinuousBackup`` makes continuous points for the types that have them: ``job_points``).

Plans are scheduled on the clock running when they are created (the backend calls
:meth:`PlanSchedule.plan_created` after moto's CreateBackupPlan, :meth:`PlanSchedule.validate_plan`
before it, :meth:`PlanSchedule.unschedule` after DeleteBackupPlan); plans created while no clock was
running are scheduled by :meth:`PlanSchedule.schedule_plans` (also called by
:meth:`PlanSchedule.plan_next_window`). Jobs start at the window's opening (AWS randomises the
start inside the window: not modelled).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pyawscron import AWSCron

from sandbox import runtime
from sandbox.backup.backup_jobs import JobRequest
from sandbox.backup.errors import InvalidParameterValueException, ResourceNotFoundException
from sandbox.backup.lifecycle import validate_lifecycle
from sandbox.backup.selection_eval import matching_resources
from sandbox.resources import iter_all

if TYPE_CHECKING:
    from collections.abc import Callable

    from moto.backup.models import Plan

    from sandbox.backup.backup_jobs import BackupJobs
    from sandbox.backup.records import BackupJob
    from sandbox.backup.region_settings import RegionSettings
    from sandbox.backup.selections import Selections
    from sandbox.backup.state import BackupState
    from sandbox.clock import SimClock

UTC = dt.UTC


def parse_cron(expression: str) -> AWSCron:
    """``cron(m h dom mon dow year)`` as AWS writes it; InvalidParameterValueException otherwise."""
    text = expression.strip()
    if not (text.startswith("cron(") and text.endswith(")")):
        raise InvalidParameterValueException(f"Invalid ScheduleExpression {expression!r}: expected cron(...)")
    fields = text[5:-1].split()
    if len(fields) != 6:
        raise InvalidParameterValueException(f"Invalid ScheduleExpression {expression!r}: 6 fields expected")
    try:
        return AWSCron(" ".join(fields))
    except (ValueError, IndexError) as error:
        raise InvalidParameterValueException(f"Invalid ScheduleExpression {expression!r}: {error}") from None


def parse_timezone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "Etc/UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidParameterValueException(f"Invalid ScheduleExpressionTimezone {name!r}") from None


def next_window(expression: str, timezone: str | None, after: dt.datetime) -> dt.datetime:
    """The first occurrence of the cron expression strictly after ``after`` (aware, UTC result)."""
    zone = parse_timezone(timezone)
    local = after.astimezone(zone).replace(tzinfo=UTC)  # pyawscron computes on UTC datetimes
    occurrence: dt.datetime | None = parse_cron(expression).occurrence(local).next()
    assert occurrence is not None, f"{expression} has no next occurrence"
    return occurrence.replace(tzinfo=zone).astimezone(UTC)


class PlanSchedule:
    """Plan rules of one account and Region fire on the clock and start plan jobs.

    ``state.plan_schedules``: plan id -> (the clock its rules are scheduled on, the cancel function
    of each rule).
    """

    def __init__(
        self,
        state: BackupState,
        *,
        selections: Selections,
        region_settings: RegionSettings,
        backup_jobs: BackupJobs,
    ) -> None:
        self.state = state
        self._selections = selections
        self._region_settings = region_settings
        self._backup_jobs = backup_jobs

    # -- moto's CreateBackupPlan / DeleteBackupPlan ----------------------------------------------
    def validate_plan(self, backup_plan: dict[str, Any]) -> None:
        """Reject rules AWS refuses (bad cron, time zone or lifecycle) before moto stores the plan."""
        for rule in backup_plan.get("Rules") or []:
            if rule.get("ScheduleExpression"):
                parse_cron(rule["ScheduleExpression"])
            parse_timezone(rule.get("ScheduleExpressionTimezone"))
            validate_lifecycle(rule.get("Lifecycle"))

    def plan_created(self) -> None:
        """Schedule the new plan's rules when a clock runs."""
        if runtime.has_clock():
            self.schedule_plans()

    def unschedule(self, backup_plan_id: str) -> None:
        """Cancel the timers of a deleted plan's rules."""
        _, cancels = self.state.plan_schedules.pop(backup_plan_id, (None, []))
        for cancel in cancels:
            cancel()

    # -- scheduling ------------------------------------------------------------------------------
    def schedule_plans(self) -> None:
        """Schedule every live plan's rules on the running clock (idempotent)."""
        clock = runtime.clock()
        schedules = self.state.plan_schedules
        for plan_id, plan in self.state.plans.items():
            scheduled = schedules.get(plan_id)
            if plan.deletion_date is None and (scheduled is None or scheduled[0] is not clock):
                schedules[plan_id] = (
                    clock,
                    [self._schedule_rule(clock, plan, r) for r in _rules(plan)],
                )

    def _schedule_rule(self, clock: SimClock, plan: Plan, rule: dict[str, Any]) -> Callable[[], None]:
        plan_id, rule_id = plan.backup_plan_id, rule["RuleId"]
        expression, timezone = rule["ScheduleExpression"], rule.get("ScheduleExpressionTimezone")

        def window_opens() -> None:
            self.run_plan_window(plan_id, rule_id)

        return clock.every(
            lambda now: next_window(expression, timezone, now),
            window_opens,
            label=f"plan {plan_id} rule {rule['RuleName']}",
        )

    def plan_next_window(self, plan_id: str, rule_name: str | None = None) -> dt.datetime:
        """When the rule's next window opens (the plan's first rule when no name is given)."""
        self.schedule_plans()
        rule = self._rule(self._selections.live_plan(plan_id), rule_name=rule_name)
        return next_window(
            rule["ScheduleExpression"], rule.get("ScheduleExpressionTimezone"), runtime.clock().now()
        )

    # -- a window opens --------------------------------------------------------------------------
    def run_plan_window(self, plan_id: str, rule_id: str) -> list[BackupJob]:
        """Evaluate the plan's selections now and start one plan job per matched resource."""
        state = self.state
        plan = state.plans.get(plan_id)
        if plan is None or plan.deletion_date is not None:
            return []
        rule = self._rule(plan, rule_id=rule_id)
        documents = [s.selection for s in self._selections.plan_selections(plan_id)]
        resources = iter_all(state.account_id, state.region_name)
        matched = matching_resources(documents, resources, self._region_settings.is_opted_in)
        vault_name = rule["TargetBackupVaultName"]
        if vault_name not in state.vaults:
            return []  # AWS fails such a plan run; the sandbox starts nothing
        return [
            self._backup_jobs.create_backup_job(
                JobRequest(
                    vault_name=vault_name,
                    resource=resource,
                    iam_role_arn=document["IamRoleArn"],
                    start_window_minutes=int(rule["StartWindowMinutes"]),
                    complete_window_minutes=int(rule["CompletionWindowMinutes"]),
                    lifecycle=dict(rule.get("Lifecycle") or {}),
                    recovery_point_tags=dict(rule.get("RecoveryPointTags") or {}),
                    backup_options={},
                    created_by=_created_by(plan, rule),
                    continuous=bool(rule.get("EnableContinuousBackup")),
                )
            )
            for resource, document in matched
        ]

    def copy_actions(self, job: BackupJob) -> list[dict[str, Any]]:
        """The CopyActions of the plan rule that started ``job`` (none for an on-demand job)."""
        plan = self.state.plans.get(job.created_by.get("BackupPlanId", ""))
        rule_id = job.created_by.get("BackupRuleId")
        rules = [r for r in _rules(plan) if r["RuleId"] == rule_id] if plan is not None else []
        return [dict(action) for rule in rules for action in rule.get("CopyActions") or []]

    def _rule(
        self, plan: Plan, *, rule_id: str | None = None, rule_name: str | None = None
    ) -> dict[str, Any]:
        for rule in _rules(plan):
            if (rule_id is None or rule["RuleId"] == rule_id) and (
                rule_name is None or rule["RuleName"] == rule_name
            ):
                return rule
        raise ResourceNotFoundException(
            f"Rule {rule_name or rule_id} not found in backup plan {plan.backup_plan_id}"
        )


def _rules(plan: Plan) -> list[dict[str, Any]]:
    return [r for r in plan.backup_plan.get("Rules") or [] if r.get("ScheduleExpression")]


def _created_by(plan: Plan, rule: dict[str, Any]) -> dict[str, Any]:
    """The API's CreatedBy (RecoveryPointCreator) of a plan job."""
    return {
        "BackupPlanId": plan.backup_plan_id,
        "BackupPlanArn": plan.backup_plan_arn,
        "BackupPlanName": plan.backup_plan.get("BackupPlanName"),
        "BackupPlanVersion": plan.version_id,
        "BackupRuleId": rule["RuleId"],
        "BackupRuleName": rule["RuleName"],
        "BackupRuleCron": rule["ScheduleExpression"],
        "BackupRuleTimezone": rule.get("ScheduleExpressionTimezone") or "Etc/UTC",
    }
