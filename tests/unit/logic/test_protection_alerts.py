"""What tag-driven protection tells people and its callers: every ``Assignment Rejected``,
``Resource Protected`` and ``Protection Removed`` detail as published (summary, fix, cause, dedupe
key), the result handed back, when a first backup is due (the plan interval's edge, a latest backup
the caller already knows), and when the plan list is read again."""

from __future__ import annotations

import datetime as dt

import pytest

from backup_autopilot.logic.protection import (
    INVALID_TAG,
    NOT_OPTED_IN,
    S3_VERSIONING_OFF,
    STALE,
    Outcome,
    Plan,
    ProtectionResult,
    Protector,
    ResourceGone,
    TagDecision,
    handle_tag_change,
)
from backup_autopilot.logic.resources import ResourceRef
from tests.fakes import FakeBackup, FakeEvents, FakeResources
from tests.unit.logic.test_protection import BUCKET, INSTANCE, NOW, PLANS, TABLE, VOLUME, _decide, _protector

VALID = "daily, monthly, weekly"
TEAM_PLAN = Plan(
    "frequent",
    "id-f",
    "arn:aws:backup:us-east-1:123456789012:backup-plan:id-f",
    "team-vault",
    "r",
    stack_owned=False,
)


@pytest.mark.parametrize(
    ("value", "fix"),
    [
        ("gold", f"set backup-plan to one of: {VALID}"),
        ("dayly", f"did you mean 'daily'? set backup-plan to one of: {VALID}"),
        (" Weekly ", f"did you mean 'weekly'? set backup-plan to one of: {VALID}"),
    ],
)
def test_an_invalid_plan_tag_is_rejected_with_the_value_the_fix_and_the_valid_plans(
    value: str, fix: str
) -> None:
    decision = _decide(TABLE, {"backup-plan": value})
    protector, backup, _, events = _protector()
    result = protector.apply(decision, now=NOW)
    reason = f"'{value}' is not an assignable plan"
    summary = f"{TABLE}: {reason}; fix: {fix}"
    assert events.published == [
        (
            "Assignment Rejected",
            {
                "severity": "critical",
                "summary": summary,
                "resource": TABLE,
                "value": value,
                "valid_plans": ["daily", "monthly", "weekly"],
                "reason": reason,
                "fix": fix,
                "cause": "invalid-tag",
                "dedupe_key": f"rejected:{TABLE}:{value}",
            },
        )
    ]
    assert (result.decision, result.outcome, result.detail, result.cause) == (
        decision,
        Outcome.REJECTED,
        summary,
        INVALID_TAG,
    )
    assert result.backup_job_id is None and backup.started == []


def test_a_resource_aws_backup_cannot_protect_is_rejected_with_the_supported_kinds() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    protector, _, _, events = _protector()
    protector.apply(_decide(arn, {"backup-plan": "daily"}), now=NOW)
    [(kind, detail)] = events.published
    fix = (
        "remove the tag, or tag a supported resource (EBS, EC2, RDS, Aurora, DynamoDB, EFS, S3, FSx, "
        "Storage Gateway volume)"
    )
    assert kind == "Assignment Rejected"
    assert detail["summary"] == f"{arn}: AWS Backup cannot protect this kind of resource; fix: {fix}"
    assert (detail["value"], detail["cause"], detail["valid_plans"]) == (
        "daily",
        "invalid-tag",
        ["daily", "monthly", "weekly"],
    )


def test_a_type_not_opted_in_is_rejected_naming_the_type_the_region_and_both_fixes() -> None:
    protector, backup, _, events = _protector()
    backup.opted["DynamoDB"] = False
    result = protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW)
    [(kind, detail)] = events.published
    reason = "resource type DynamoDB is not opted in for AWS Backup in us-east-1"
    fix = "opt DynamoDB in (AWS Backup > Settings > Service opt-in), or deploy with AllowOptIn=true"
    assert kind == "Assignment Rejected"
    assert (detail["reason"], detail["fix"], detail["cause"]) == (reason, fix, "not-opted-in")
    assert detail["summary"] == f"{TABLE}: {reason}; fix: {fix}"
    assert (detail["resource"], detail["value"], detail["severity"]) == (TABLE, "daily", "critical")
    assert detail["dedupe_key"] == f"rejected:{TABLE}:daily"
    assert (result.outcome, result.cause, result.detail) == (
        Outcome.REJECTED,
        NOT_OPTED_IN,
        detail["summary"],
    )
    assert not backup.opted["DynamoDB"]  # the stack does not opt in without AllowOptIn


def test_a_bucket_without_versioning_is_rejected_naming_the_bucket() -> None:
    protector, _, resources, events = _protector()
    resources.versioning["invoices"] = False
    result = protector.apply(_decide(BUCKET, {"backup-plan": "weekly"}), now=NOW)
    [(_, detail)] = events.published
    reason = "AWS Backup cannot back up an S3 bucket without versioning"
    assert (detail["reason"], detail["fix"], detail["cause"]) == (
        reason,
        "enable versioning on bucket invoices",
        "s3-versioning-off",
    )
    assert detail["summary"] == f"{BUCKET}: {reason}; fix: enable versioning on bucket invoices"
    assert result.cause == S3_VERSIONING_OFF


def test_a_first_backup_is_announced_as_info_with_its_job() -> None:
    protector, _, _, events = _protector()
    result = protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW)
    assert events.published == [
        (
            "Resource Protected",
            {
                "severity": "info",
                "summary": f"{TABLE} joins plan 'daily': first backup started",
                "resource": TABLE,
                "plan": "daily",
                "backup_job_id": "job-1",
                "warnings": [],
                "dedupe_key": f"protected:{TABLE}:daily",
            },
        )
    ]
    assert (result.outcome, result.backup_job_id, result.warnings, result.detail, result.cause) == (
        Outcome.PROTECTED,
        "job-1",
        [],
        "first backup started",
        None,
    )


def test_opting_a_type_in_is_a_warning_on_the_protected_resource() -> None:
    protector, backup, _, events = _protector(allow_opt_in=True)
    backup.opted["DynamoDB"] = False
    result = protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW)
    [(kind, detail)] = events.published
    assert kind == "Resource Protected" and detail["severity"] == "warning"
    assert detail["warnings"] == result.warnings == ["opted DynamoDB in for AWS Backup in us-east-1"]


def test_a_recent_backup_is_named_and_no_job_is_started() -> None:
    protector, backup, _, events = _protector()
    latest = NOW - dt.timedelta(hours=3)
    backup.latest[TABLE] = latest
    result = protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW)
    assert result.detail == f"recent backup from {latest.isoformat()}"
    assert (
        events.published[0][1]["summary"]
        == f"{TABLE} joins plan 'daily': recent backup from {latest.isoformat()}"
    )
    assert events.published[0][1]["backup_job_id"] is None and backup.started == []


def test_an_opt_in_warning_is_kept_when_a_recent_backup_makes_a_job_unnecessary() -> None:
    protector, backup, _, events = _protector(allow_opt_in=True)
    backup.opted["DynamoDB"] = False
    backup.latest[TABLE] = NOW - dt.timedelta(hours=3)
    decision = _decide(TABLE, {"backup-plan": "daily"})
    result = protector.apply(decision, now=NOW)
    assert (
        result.warnings == ["opted DynamoDB in for AWS Backup in us-east-1"] and result.decision == decision
    )
    assert (
        events.published[0][1]["warnings"] == result.warnings
        and events.published[0][1]["severity"] == "warning"
    )


def test_a_backup_exactly_one_interval_old_is_due_again() -> None:
    protector, backup, _, _ = _protector()
    backup.latest[TABLE] = NOW - dt.timedelta(days=1)
    result = protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW)
    assert result.backup_job_id == "job-1" and len(backup.started) == 1


def test_a_latest_backup_the_caller_knows_is_used_instead_of_a_lookup() -> None:
    # GIVEN AWS's latest backup is recent, but the reconcile read that the resource has none
    protector, backup, _, _ = _protector()
    backup.latest[TABLE] = NOW - dt.timedelta(hours=1)
    result = protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW, latest_backup=None)
    # THEN the caller's answer counts: a first backup is started
    assert result.backup_job_id == "job-1"
    # AND a recent backup the caller knows of means no job
    protector, backup, _, _ = _protector()
    result = protector.apply(
        _decide(TABLE, {"backup-plan": "daily"}), now=NOW, latest_backup=NOW - dt.timedelta(hours=2)
    )
    assert result.backup_job_id is None and backup.started == []


def test_a_volume_covered_by_its_instance_says_why_it_has_no_job_of_its_own() -> None:
    protector, backup, resources, events = _protector()
    resources.volume_owner[VOLUME] = (INSTANCE, {"backup-plan": "daily"})
    result = protector.apply(_decide(VOLUME, {"backup-plan": "daily"}), now=NOW)
    warning = (
        f"volume is backed up with its instance {INSTANCE} (same plan); "
        "not backed up on its own, to avoid paying twice"
    )
    [(_, detail)] = events.published
    assert detail["summary"] == f"{VOLUME} joins plan 'daily': covered by its instance"
    assert detail["warnings"] == [warning] and detail["severity"] == "warning"
    assert (
        result.detail == "covered by its instance" and result.backup_job_id is None and backup.started == []
    )


def test_a_volume_attached_to_no_instance_is_backed_up_on_its_own() -> None:
    protector, _, resources, _ = _protector()
    result = protector.apply(_decide(VOLUME, {"backup-plan": "daily"}), now=NOW)
    assert result.backup_job_id == "job-1" and resources.tagged == []


def test_only_buckets_are_checked_for_versioning() -> None:
    # GIVEN an unversioned bucket that shares its name with the table
    protector, _, resources, _ = _protector()
    resources.versioning["orders"] = False
    # THEN the table is protected all the same
    assert protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW).backup_job_id == "job-1"


def test_a_volume_whose_instance_is_on_another_plan_is_backed_up_on_its_own() -> None:
    protector, _, resources, _ = _protector()
    resources.volume_owner[VOLUME] = (INSTANCE, {"backup-plan": "weekly"})
    result = protector.apply(_decide(VOLUME, {"backup-plan": "daily"}), now=NOW)
    assert result.backup_job_id == "job-1" and resources.tagged == []


def test_a_listed_plans_selection_is_created_once_and_said() -> None:
    plans = {**PLANS, "frequent": TEAM_PLAN}
    protector, backup, _, events = _protector()

    def decide() -> TagDecision:
        from backup_autopilot.logic.protection import decide_tag_change

        return decide_tag_change(
            resource_arn=TABLE,
            changed_keys=["backup-plan"],
            tags={"backup-plan": "frequent"},
            plan_tag_key="backup-plan",
            plans=plans,
        )

    first = protector.apply(decide(), now=NOW)
    second = protector.apply(decide(), now=NOW)
    assert first.warnings == ["created the tag selection of plan 'frequent'"]
    assert second.warnings == [] and backup.selection_keys == [("id-f", "backup-plan")]
    # the stack's own plans have their selections from the template: never created here
    protector.apply(_decide(TABLE, {"backup-plan": "daily"}), now=NOW)
    assert backup.selections == {"id-f"} and events.published[-1][1]["warnings"] == []


def test_a_removed_tag_is_a_warning_deduplicated_by_the_hour() -> None:
    protector, _, _, events = _protector()
    result = protector.apply(_decide(TABLE, {}), now=NOW)
    summary = f"{TABLE}: 'backup-plan' removed; it will not be backed up any more"
    assert events.published == [
        (
            "Protection Removed",
            {
                "severity": "warning",
                "summary": summary,
                "resource": TABLE,
                "removed_at": NOW.isoformat(),
                "dedupe_key": f"removed:{TABLE}:2026-03-02T09",
            },
        )
    ]
    assert (result.outcome, result.detail, result.decision.outcome) == (
        Outcome.REMOVED,
        summary,
        Outcome.REMOVED,
    )


def test_a_resource_deleted_meanwhile_is_ignored_saying_so() -> None:
    class GoneBackup(FakeBackup):
        def latest_backup(self, resource_arn: str) -> dt.datetime | None:
            raise ResourceGone(resource_arn)

    events = FakeEvents()
    decision = _decide(TABLE, {"backup-plan": "daily"})
    result = Protector(GoneBackup(), FakeResources(), events, "backup-plan").apply(decision, now=NOW)
    assert (result.decision, result.outcome, result.detail) == (
        decision,
        Outcome.IGNORED,
        "the resource no longer exists",
    )
    assert events.published == []


def test_an_ignored_decision_hands_back_its_reason() -> None:
    decision = _decide(TABLE, {"backup-plan": "daily"}, changed=["team"])
    protector, _, _, _ = _protector()
    result = protector.apply(decision, now=NOW)
    assert (result.decision, result.outcome, result.detail) == (
        decision,
        Outcome.IGNORED,
        "'backup-plan' did not change",
    )


# -- handle_tag_change ---------------------------------------------------------------------------------


def _handle(
    event_tags: dict[str, str], now_tags: dict[str, str], changed: list[str] | None = None
) -> tuple[ProtectionResult, list[str], list[bool]]:
    protector, _, _, _ = _protector()
    looked_up: list[str] = []
    reads: list[bool] = []

    def tags_now(arn: str) -> dict[str, str]:
        looked_up.append(arn)
        return now_tags

    def plans(refresh: bool) -> dict[str, Plan]:
        reads.append(refresh)
        return dict(PLANS)

    result = handle_tag_change(
        resource_arn=TABLE,
        changed_keys=changed or ["backup-plan"],
        event_tags=event_tags,
        tags_now=tags_now,
        plans=plans,
        protector=protector,
        now=NOW,
    )
    return result, looked_up, reads


def test_a_change_of_other_tags_is_ignored_without_reading_the_resource_or_the_plans() -> None:
    result, looked_up, reads = _handle({"team": "x"}, {"team": "x"}, changed=["team"])
    assert looked_up == [] and reads == []
    assert result.decision == TagDecision(Outcome.IGNORED, "'backup-plan' did not change", TABLE)
    assert (result.outcome, result.detail) == (Outcome.IGNORED, "'backup-plan' did not change")


def test_a_stale_event_is_ignored_and_says_so() -> None:
    result, looked_up, reads = _handle({"backup-plan": "daily"}, {})
    assert looked_up == [TABLE] and reads == []
    assert result.decision == TagDecision(Outcome.IGNORED, STALE, TABLE)
    assert result.detail == STALE


def test_the_plan_list_is_read_again_only_for_a_value_it_does_not_know() -> None:
    _, _, reads = _handle({"backup-plan": "daily"}, {"backup-plan": "daily"})
    assert reads == [False]
    _, _, reads = _handle({}, {})  # the tag was removed: nothing to look up
    assert reads == [False]
    result, _, reads = _handle({"backup-plan": "gold"}, {"backup-plan": "gold"})
    assert reads == [False, True] and result.outcome is Outcome.REJECTED


# -- decide_tag_change: the decision handed to the protector ---------------------------------------------

TABLE_REF = ResourceRef(TABLE, "DynamoDB", "orders", "123456789012", "us-east-1")


def test_the_decisions_carry_the_resource_the_plan_and_the_value() -> None:
    assert _decide(TABLE, {"backup-plan": "daily"}) == TagDecision(
        Outcome.PROTECTED, "joins plan 'daily'", TABLE, TABLE_REF, PLANS["daily"], "daily"
    )
    assert _decide(TABLE, {}) == TagDecision(
        Outcome.REMOVED, "the 'backup-plan' tag was removed", TABLE, TABLE_REF
    )
    assert _decide(TABLE, {"backup-plan": "daily"}, changed=["team"]) == TagDecision(
        Outcome.IGNORED, "'backup-plan' did not change", TABLE
    )
    assert _decide(TABLE, {"backup-plan": "daily", "backup-autopilot:restore-test": "r1"}) == TagDecision(
        Outcome.IGNORED, "resource created by a restore test", TABLE, TABLE_REF
    )


def test_a_rejected_decision_names_the_value_the_valid_plans_and_the_fix() -> None:
    assert _decide(TABLE, {"backup-plan": "gold"}) == TagDecision(
        Outcome.REJECTED,
        "'gold' is not an assignable plan",
        TABLE,
        TABLE_REF,
        value="gold",
        valid_plans=("daily", "monthly", "weekly"),
        fix=f"set backup-plan to one of: {VALID}",
    )
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    assert _decide(arn, {"backup-plan": "daily"}) == TagDecision(
        Outcome.REJECTED,
        "AWS Backup cannot protect this kind of resource",
        arn,
        value="daily",
        valid_plans=("daily", "monthly", "weekly"),
        fix="remove the tag, or tag a supported resource (EBS, EC2, RDS, Aurora, DynamoDB, EFS, S3, FSx, "
        "Storage Gateway volume)",
    )
