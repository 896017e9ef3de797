"""Settings from the function's environment (set by template.yaml), validated once per container."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated

from backup_autopilot.models.base import Meta, Model


class Settings(Model, kw_only=True, frozen=True):  # type: ignore[misc]  # msgspec allows it (base.py)
    """What every function may read. Required values have no default: a missing one fails fast."""

    stack_name: Annotated[str, Meta(min_length=1)]
    event_bus_name: Annotated[str, Meta(min_length=1)]
    alerts_topic_arn: str | None = None
    state_table_name: str | None = None
    plan_tag_key: str = "backup-plan"
    copy_to_tag_key: str = "backup-copy-to"
    restore_test_tag_key: str = "backup-restore-test"
    rto_tag_key: str = "backup-rto-minutes"
    primary_vault_name: str | None = None
    backup_role_arn: str | None = None
    dr_region: str | None = None
    allow_opt_in: bool = False
    #: the disaster-recovery vault (same account, DR Region) and an optional cross-account vault
    dr_vault_arn: str | None = None
    cross_account_vault_arn: str | None = None
    #: retention of copies (days) for every plan without its own (CopyRetentionDays); 0: each copy
    #: keeps its source's retention. The DR vault lock's window must allow it
    copy_delete_after_days: Annotated[int, Meta(ge=0)] = 0
    #: how far back the hourly sweep looks for recovery points that lack a copy (24 sweeps a day
    #: cover each point many times over; a longer window costs list calls on every run)
    copy_sweep_days: int = 1
    #: restore tests: the stack's restore testing plan, the role restores run with, and whether a
    #: protected resource without the restore-test tag is tested (RestoreTestDefault)
    restore_testing_plan_arn: str | None = None
    restore_role_arn: str | None = None
    restore_test_default_on: bool = False
    restore_check_tag_key: str = "backup-restore-check"
    #: a user's check must be a function whose name starts with this (a tag never names any function)
    restore_check_function_prefix: str = "backup-restore-check-"
    restore_count_tolerance_percent: float = 1.0
    restore_validation_window_hours: int = 24
    restore_start_window_hours: int = 24
    restore_selection_window_days: int = 30
    #: metadata overrides a real account needs (empty: AWS's inferred value)
    restore_subnet_id: str = ""
    restore_db_subnet_group: str = ""
    restore_availability_zone: str = ""
    #: alerting: the notification queue (held digests go back to it), the Slack webhook's secret
    #: (empty: no Slack), how long an open alert stays quiet, the least time between two digests,
    #: and the stack's plan names by plan id ("id=name,id=name")
    notification_queue_url: str | None = None
    slack_webhook_secret_arn: str = ""
    alert_repeat_hours: Annotated[float, Meta(gt=0)] = 24.0
    alert_digest_seconds: Annotated[float, Meta(ge=1)] = 120.0
    plan_names: str = ""
    #: plans a plan tag may name besides the stack's (AssignablePlans: ids or names, comma list) and
    #: the vaults they write to (AssignablePlanVaults): copies are made of points in these vaults
    #: and the primary vault only
    assignable_plans: str = ""
    assignable_plan_vaults: str = ""
    #: the operator report: its bucket (ReportBucket) and how often it runs (ReportSchedule; the
    #: period its job counts cover)
    report_bucket_name: str = ""
    report_schedule: str = "rate(1 hour)"


_ENV = {
    "stack_name": "STACK_NAME",
    "event_bus_name": "EVENT_BUS_NAME",
    "alerts_topic_arn": "ALERTS_TOPIC_ARN",
    "state_table_name": "STATE_TABLE_NAME",
    "plan_tag_key": "PLAN_TAG_KEY",
    "copy_to_tag_key": "COPY_TO_TAG_KEY",
    "restore_test_tag_key": "RESTORE_TEST_TAG_KEY",
    "rto_tag_key": "RTO_TAG_KEY",
    "primary_vault_name": "PRIMARY_VAULT_NAME",
    "backup_role_arn": "BACKUP_ROLE_ARN",
    "dr_region": "DR_REGION",
    "allow_opt_in": "ALLOW_OPT_IN",
    "dr_vault_arn": "DR_VAULT_ARN",
    "cross_account_vault_arn": "CROSS_ACCOUNT_VAULT_ARN",
    "copy_delete_after_days": "COPY_DELETE_AFTER_DAYS",
    "copy_sweep_days": "COPY_SWEEP_DAYS",
    "restore_testing_plan_arn": "RESTORE_TESTING_PLAN_ARN",
    "restore_role_arn": "RESTORE_ROLE_ARN",
    "restore_test_default_on": "RESTORE_TEST_DEFAULT_ON",
    "restore_check_tag_key": "RESTORE_CHECK_TAG_KEY",
    "restore_check_function_prefix": "RESTORE_CHECK_FUNCTION_PREFIX",
    "restore_count_tolerance_percent": "RESTORE_COUNT_TOLERANCE_PERCENT",
    "restore_validation_window_hours": "RESTORE_VALIDATION_WINDOW_HOURS",
    "restore_start_window_hours": "RESTORE_START_WINDOW_HOURS",
    "restore_selection_window_days": "RESTORE_SELECTION_WINDOW_DAYS",
    "restore_subnet_id": "RESTORE_SUBNET_ID",
    "restore_db_subnet_group": "RESTORE_DB_SUBNET_GROUP",
    "restore_availability_zone": "RESTORE_AVAILABILITY_ZONE",
    "notification_queue_url": "NOTIFICATION_QUEUE_URL",
    "slack_webhook_secret_arn": "SLACK_WEBHOOK_SECRET_ARN",  # pragma: allowlist secret
    "alert_repeat_hours": "ALERT_REPEAT_HOURS",
    "alert_digest_seconds": "ALERT_DIGEST_SECONDS",
    "plan_names": "PLAN_NAMES",
    "assignable_plans": "ASSIGNABLE_PLANS",
    "assignable_plan_vaults": "ASSIGNABLE_PLAN_VAULTS",
    "report_bucket_name": "REPORT_BUCKET_NAME",
    "report_schedule": "REPORT_SCHEDULE",
}


def stack_vaults(settings: Settings) -> frozenset[str]:
    """The vaults the stack backs up into and copies from: the primary vault and the listed plans'."""
    listed = (name.strip() for name in settings.assignable_plan_vaults.split(","))
    return frozenset(name for name in (settings.primary_vault_name, *listed) if name)


def settings_from_env(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    values = {field: env[var] for field, var in _ENV.items() if env.get(var)}
    return Settings.parse(values, from_text=True)


def get_settings() -> Settings:
    """The settings for the current environment, validated once per distinct environment."""
    return _settings_for(tuple(os.environ.get(var) for var in _ENV.values()))


@lru_cache(maxsize=8)
def _settings_for(values: tuple[str | None, ...]) -> Settings:
    return settings_from_env({var: value for var, value in zip(_ENV.values(), values, strict=True) if value})
