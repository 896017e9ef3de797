"""Alerting's classification beyond the sample events: what a job's alert says when AWS leaves a
field out, which keys a success resolves, which events alert nobody, and what a domain event's
alert carries (its why, details, link, fix, plan and occurrence)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from backup_autopilot.logic.alerting.classify import (
    RESTORE_TEST_JOB,
    Context,
    HeldDigest,
    RejectedEvent,
    Signal,
    classify,
    classify_body,
)
from backup_autopilot.models.alerts import Level, Notice
from tests.conftest import EVENTS

PLAN_ID = "b7d1c0de-0000-4000-8000-000000000001"
CTX = Context(plan_names={PLAN_ID: "daily"})
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
VOLUME = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"
DR_VAULT = "arn:aws:backup:us-west-2:123456789012:backup-vault:backup-autopilot-dr"
CONSOLE = "https://us-east-1.console.aws.amazon.com"


def event(case: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / "notify" / "alerts" / f"{case}.json").read_text())
    return data


def opened(raw: dict[str, Any], ctx: Context = CTX) -> Notice:
    signal = classify(raw, ctx)
    assert signal.opening is not None, signal
    return signal.opening.notice


# -- backup jobs -------------------------------------------------------------------------------------
def test_a_failed_backup_says_which_job_ended_how_why_and_what_to_do() -> None:
    n = opened(event("backup_failed"))
    assert n.title == "Backup job failed"
    assert n.what == "backup job 5B1E7C2A-0000-4F00-9C00-ABCDEF012345 ended FAILED"
    assert n.why == "Insufficient privileges to perform this action. [access-denied]"
    assert (n.account, n.region, n.time) == ("123456789012", "us-east-1", "2026-03-02T05:14:09+00:00")
    assert (n.resource_arn, n.resource_name, n.resource_type) == (TABLE, "orders", "DynamoDB")
    assert (
        n.link
        == f"{CONSOLE}/backup/home?region=us-east-1#/jobs/backup/details/5B1E7C2A-0000-4F00-9C00-ABCDEF012345"
    )


def test_a_failed_backup_without_a_message_says_aws_gave_none() -> None:
    raw = event("backup_expired")
    raw["detail"]["statusMessage"] = "   "
    n = opened(raw)
    assert n.why == "AWS Backup gave no status message [other]"
    assert n.fix is not None and n.fix.startswith("the job did not start within its start window")


def test_a_plan_the_stack_does_not_know_is_named_by_its_id_and_an_on_demand_job_by_none() -> None:
    raw = event("backup_failed")
    raw["detail"]["createdBy"]["backupPlanId"] = "other-plan"
    assert opened(raw).plan == "other-plan"
    del raw["detail"]["createdBy"]
    assert opened(raw).plan is None


def test_a_resource_arn_alerting_cannot_read_keeps_awss_type_and_its_last_part_as_name() -> None:
    raw = event("backup_failed")
    raw["detail"]["resourceArn"] = "arn:aws:redshift:us-east-1:123456789012:cluster:warehouse"
    raw["detail"]["resourceType"] = "Redshift"
    n = opened(raw)
    assert (n.resource_name, n.resource_type) == ("warehouse", "Redshift")
    assert n.key == "backup-failed:arn:aws:redshift:us-east-1:123456789012:cluster:warehouse"


DOCDB = "arn:aws:rds:us-east-1:123456789012:cluster:catalog"


@pytest.mark.parametrize(
    ("case", "aws_type", "expected"),
    [
        ("backup_failed", "DocumentDB", "DocumentDB"),
        ("copy_failed_raw", "Neptune", "Neptune"),
        ("backup_failed", None, "Aurora"),
        ("copy_failed_raw", "", "Aurora"),
    ],
)
def test_an_alerts_resource_type_is_awss_and_the_arns_only_when_aws_gives_none(
    case: str, aws_type: str | None, expected: str
) -> None:
    # a DocumentDB or Neptune cluster's ARN reads like an Aurora cluster's: AWS's resourceType says
    raw = event(case)
    raw["detail"]["resourceArn"] = DOCDB
    raw["detail"].pop("resourceType", None)
    if aws_type is not None:
        raw["detail"]["resourceType"] = aws_type
    n = opened(raw)
    assert (n.resource_arn, n.resource_name, n.resource_type) == (DOCDB, "catalog", expected)


def test_a_backup_job_without_a_resource_is_keyed_by_the_job() -> None:
    raw = event("backup_failed")
    del raw["detail"]["resourceArn"]
    n = opened(raw)
    assert n.key == "backup-failed:5B1E7C2A-0000-4F00-9C00-ABCDEF012345"
    assert n.resource_name is None and n.resource_type == "DynamoDB"


@pytest.mark.parametrize("state", ["CREATED", "RUNNING", "PENDING"])
def test_a_backup_job_still_running_alerts_nobody(state: str) -> None:
    raw = event("backup_failed")
    raw["detail"]["state"] = state
    assert classify(raw, CTX) == Signal(ignored=f"backup job {state}")


def test_a_completed_backup_resolves_every_backup_alert_of_its_resource_and_its_plans_selection() -> None:
    s = classify(event("backup_completed"), CTX)
    assert s.resolution is not None and s.opening is None
    assert s.resolution.keys == (
        f"backup-failed:{TABLE}",
        f"backup-aborted:{TABLE}",
        f"backup-expired:{TABLE}",
        f"backup-partial:{TABLE}",
        f"backup-issues:{TABLE}",
        f"selection-not-matching:{PLAN_ID}",
    )
    job = event("backup_completed")["detail"]["backupJobId"]
    assert s.resolution.what == f"backup job {job} completed"
    assert s.resolution.time == event("backup_completed")["time"].replace("Z", "+00:00")


def test_an_on_demand_backup_resolves_no_plans_selection() -> None:
    raw = event("backup_completed")
    raw["detail"].pop("createdBy", None)
    s = classify(raw, CTX)
    assert s.resolution is not None
    assert not any(k.startswith("selection-not-matching:") for k in s.resolution.keys)
    assert len(s.resolution.keys) == 5


def test_a_backup_completed_with_issues_resolves_the_failures_only_and_says_so() -> None:
    s = classify(event("backup_completed_with_issues"), CTX)
    assert s.opening is not None and s.resolution is not None
    job = event("backup_completed_with_issues")["detail"]["backupJobId"]
    assert s.resolution.keys == tuple(
        f"backup-{k}:{TABLE}" for k in ("failed", "aborted", "expired", "partial")
    )
    assert s.resolution.what == f"backup job {job} completed (with issues)"
    n = s.opening.notice
    assert (n.title, n.level, n.what) == (
        "Backup completed with issues",
        Level.WARNING,
        f"backup job {job} completed with issues",
    )
    assert (
        n.fix == "the backup completed, but AWS reports a problem (see the message): check the recovery point"
    )
    assert s.opening.occurrence == job


# -- copy jobs ---------------------------------------------------------------------------------------
def test_a_failed_copy_names_the_job_and_the_destination() -> None:
    raw = event("copy_failed_raw")
    s = classify(raw, CTX)
    assert s.opening is not None
    n, job = s.opening.notice, raw["detail"]["copyJobId"]
    assert n.what == f"copy job {job} to {raw['detail']['destinationBackupVaultArn']} ended FAILED"
    assert n.title == "Copy Failed" and n.key.startswith(f"copy-failed:{VOLUME}>")
    assert n.link == f"{CONSOLE}/backup/home?region=us-east-1#/jobs/copy/details/{job}"


def test_a_copy_without_a_destination_or_job_id_is_still_keyed_and_said() -> None:
    raw = event("copy_failed_raw")
    del raw["detail"]["destinationBackupVaultArn"]
    del raw["detail"]["copyJobId"]
    raw["detail"]["statusMessage"] = ""
    s = classify(raw, CTX)
    assert s.opening is not None
    n = s.opening.notice
    assert n.key == f"copy-failed:{VOLUME}>?"
    assert n.what == f"copy job {raw['id']} to an unknown vault ended FAILED"
    assert n.why == "AWS Backup gave no status message [other]"
    assert s.opening.occurrence == raw["id"] and n.link is None
    del raw["detail"]["resourceArn"]
    assert opened(raw).key == f"copy-failed:{raw['id']}>?"


def test_a_running_copy_alerts_nobody() -> None:
    raw = event("copy_failed_raw")
    raw["detail"]["state"] = "RUNNING"
    assert classify(raw, CTX) == Signal(ignored="copy job RUNNING")


def test_a_completed_copy_resolves_its_failure_issues_and_skip_to_that_vault() -> None:
    raw = event("copy_completed")
    s = classify(raw, CTX)
    assert s.resolution is not None
    subject = f"{VOLUME}>{raw['detail']['destinationBackupVaultArn']}"
    assert s.resolution.keys == (
        f"copy-failed:{subject}",
        f"copy-issues:{subject}",
        f"copy-skipped:{subject}",
    )
    job = raw["detail"]["copyJobId"]
    assert s.resolution.what == f"copy job {job} to {raw['detail']['destinationBackupVaultArn']} completed"


def test_a_copy_completed_with_issues_resolves_only_its_failure() -> None:
    raw = event("copy_completed_with_issues")
    s = classify(raw, CTX)
    assert s.opening is not None and s.resolution is not None
    assert len(s.resolution.keys) == 1 and s.resolution.keys[0].startswith("copy-failed:")
    n = s.opening.notice
    job, vault = raw["detail"]["copyJobId"], raw["detail"]["destinationBackupVaultArn"]
    assert n.what == f"copy job {job} to {vault} completed with issues"
    assert s.resolution.what == f"copy job {job} to {vault} completed"
    assert n.fix == "the copy completed, but AWS reports a problem (see the message): check the copied point"


# -- restore jobs ------------------------------------------------------------------------------------
def test_a_restore_testing_plans_job_is_left_to_validate_restore() -> None:
    raw = event("restore_failed")
    raw["detail"]["restoreTestingPlanArn"] = "arn:aws:backup:us-east-1:123456789012:restore-testing-plan:p"
    assert classify(raw, CTX) == Signal(ignored=RESTORE_TEST_JOB)


def test_a_restore_by_another_role_than_the_restore_tests_is_alerted() -> None:
    raw = event("restore_failed")
    raw["detail"]["iamRoleArn"] = "arn:aws:iam::123456789012:role/ops"
    ctx = Context(plan_names={}, restore_role_arn="arn:aws:iam::123456789012:role/tests")
    n = opened(raw, ctx)
    assert n.title == "Restore job failed" and n.kind == "restore-failed"
    job = raw["detail"]["restoreJobId"]
    assert n.what == f"restore job {job} ended FAILED"
    assert n.link == f"{CONSOLE}/backup/home?region=us-east-1#/jobs/restore/details/{job}"


def test_a_restore_event_naming_its_resource_is_not_described() -> None:
    def describe(_: str) -> Any:
        raise AssertionError("not needed")

    n = opened(event("restore_failed"), Context(plan_names={}, describe_restore=describe))
    assert n.key == f"restore-failed:{TABLE}"


def test_a_restore_completed_with_issues_warns_to_check_the_restored_resource() -> None:
    raw = event("restore_failed")
    raw["detail"].update({"status": "COMPLETED", "statusMessage": "some items skipped"})
    s = classify(raw, CTX)
    assert s.opening is not None and s.resolution is None
    n = s.opening.notice
    job = raw["detail"]["restoreJobId"]
    assert (n.key, n.title, n.level) == (
        f"restore-issues:{TABLE}",
        "Restore completed with issues",
        Level.WARNING,
    )
    assert n.what == f"restore job {job} completed with issues"
    assert (n.why, n.fix) == ("some items skipped", "check the restored resource before you rely on it")


def test_a_completed_restore_resolves_its_failure_and_issues() -> None:
    raw = event("restore_failed")
    raw["detail"].update({"status": "COMPLETED", "statusMessage": ""})
    s = classify(raw, CTX)
    assert s.resolution is not None and s.opening is None
    assert s.resolution.keys == (f"restore-failed:{TABLE}", f"restore-issues:{TABLE}")
    assert s.resolution.what == f"restore job {raw['detail']['restoreJobId']} completed"


def test_a_running_restore_alerts_nobody_and_is_not_described() -> None:
    raw = event("restore_failed")
    raw["detail"]["status"] = "RUNNING"
    for key in ("sourceResourceArn", "statusMessage"):
        raw["detail"].pop(key, None)
    calls: list[str] = []

    def describe(job_id: str) -> None:
        calls.append(job_id)

    ctx = Context(plan_names={}, describe_restore=describe)
    assert classify(raw, ctx) == Signal(ignored="restore job RUNNING")
    assert calls == []


def test_a_restore_events_own_type_and_message_win_over_the_described_jobs() -> None:
    from backup_autopilot.logic.restore_tests.facts import RestoreJob

    warehouse = "arn:aws:redshift:us-east-1:123456789012:cluster:warehouse"  # a type alerting cannot read
    raw = event("restore_failed")
    raw["detail"].pop("sourceResourceArn", None)
    raw["detail"].update({"statusMessage": "the event's words", "resourceType": "RedshiftCluster"})
    job = RestoreJob(
        job_id="x",
        status="FAILED",
        resource_type="Redshift",
        source_resource_arn=warehouse,
        status_message="the job's words",
    )
    ctx = Context(plan_names={}, describe_restore=lambda _: job)
    n = opened(raw, ctx)
    assert (n.key, n.why, n.resource_type) == (
        f"restore-failed:{warehouse}",
        "the event's words",
        "RedshiftCluster",
    )
    raw["detail"]["statusMessage"] = ""
    raw["detail"].pop("resourceType")
    n = opened(raw, ctx)
    assert (n.why, n.resource_type, n.resource_name) == ("the job's words", "Redshift", "warehouse")


# -- the stack's domain events -----------------------------------------------------------------------
def test_a_domain_event_without_an_id_or_dedupe_key_is_rejected() -> None:
    raw = event("protection_removed")
    del raw["detail"]["dedupe_key"]
    raw["id"] = ""
    with pytest.raises(RejectedEvent, match="Protection Removed without an id or a dedupe key"):
        classify(raw, CTX)


def test_a_domain_event_without_a_dedupe_key_is_known_by_its_id() -> None:
    raw = event("protection_removed")
    del raw["detail"]["dedupe_key"]
    s = classify(raw, CTX)
    assert s.opening is not None and s.opening.occurrence == raw["id"]


def test_an_info_domain_event_alerts_nobody() -> None:
    raw = event("protection_removed")
    raw["detail"]["severity"] = "info"
    assert classify(raw, CTX) == Signal(ignored="info")


def test_a_resource_protected_again_resolves_its_rejection_and_removal() -> None:
    raw = event("resource_protected_with_warnings")
    s = classify(raw, CTX)
    assert s.resolution is not None and s.opening is not None
    assert s.resolution.keys == (f"assignment-rejected:{TABLE}", f"protection-removed:{TABLE}")
    assert s.resolution.what == f"protected again ({raw['detail']['summary']})"
    n = s.opening.notice
    assert (n.title, n.plan) == ("Resource Protected, with warnings", "daily")
    assert n.details == ["opted DynamoDB in for AWS Backup in us-east-1"]
    assert n.fix == "nothing, unless a warning asks for it"
    quoted = TABLE.replace(":", "%3A").replace("/", "%2F")
    assert n.link == f"{CONSOLE}/backup/home?region=us-east-1#/resources/{quoted}"


def test_a_resource_protected_without_warnings_only_resolves() -> None:
    s = classify(event("resource_protected"), CTX)
    assert s.opening is None and s.resolution is not None and s.ignored is None


def test_many_warnings_or_problems_are_listed_up_to_twelve() -> None:
    raw = event("resource_protected_with_warnings")
    raw["detail"]["warnings"] = [f"w{i}" for i in range(15)]
    assert opened(raw).details == [f"w{i}" for i in range(12)]
    raw = event("copy_destination_rejected")
    raw["detail"]["problems"] = [f"p{i}" for i in range(15)]
    n = opened(raw)
    assert n.details == [f"p{i}" for i in range(12)]
    assert n.fix == "fix the copy-to tag: only the destinations the stack allows are ever used"


def test_an_assignment_rejected_says_the_reason_and_links_the_resource_page() -> None:
    raw = event("assignment_rejected")
    n = opened(raw)
    assert n.why == raw["detail"]["reason"] and n.fix == raw["detail"]["fix"]
    assert n.link == f"{CONSOLE}/dynamodbv2/home?region=us-east-1#table?name=orders"
    assert n.title == "Assignment Rejected" and n.what == raw["detail"]["summary"]


def test_a_protection_removed_says_recovery_points_are_kept() -> None:
    n = opened(event("protection_removed"))
    assert n.fix == (
        "if that was not intended, put the plan tag back; existing recovery points are kept until "
        "their retention ends"
    )
    assert n.link == f"{CONSOLE}/dynamodbv2/home?region=us-east-1#table?name=orders"
    assert n.why is None and n.details == []


def test_a_restore_test_leftover_links_the_leftover_and_says_how_to_delete_it() -> None:
    n = opened(event("restore_test_leftover"))
    assert n.link == f"{CONSOLE}/dynamodbv2/home?region=us-east-1#table?name=awsbackup-restore-test-1"
    assert n.fix == "delete it (it carries the awsbackup-restore-test tag), or read its DeletionStatusMessage"


def test_a_failed_restore_test_gives_its_reasons_restore_time_and_job_link() -> None:
    raw = event("restore_test_failed")
    n = opened(raw)
    assert (
        n.why == "item count 0, expected 1000 (1% tolerance); restore took 42.0 min, over the 30 min target"
    )
    assert n.details == ["restore time 42.0 min (target 30 min)"]
    job = raw["detail"]["restore_job_id"]
    assert n.link == f"{CONSOLE}/backup/home?region=us-east-1#/jobs/restore/details/{job}"
    raw["detail"]["rto_target_minutes"] = None
    raw["detail"]["rto_minutes"] = 7
    raw["detail"]["reasons"] = []
    n = opened(raw)
    assert n.details == ["restore time 7.0 min"] and n.why is None
    raw["detail"]["rto_minutes"] = None
    assert opened(raw).details == []


def test_a_passed_restore_test_resolves_its_failure() -> None:
    raw = event("restore_test_passed")
    s = classify(raw, CTX)
    assert s.resolution is not None
    assert s.resolution.keys == (f"restore-test-failed:{TABLE}",)
    assert s.resolution.what == f"restore test passed ({raw['detail']['summary']})"


def test_a_copy_skip_needing_action_says_its_reason_and_fix_and_keys_by_vault() -> None:
    raw = event("copy_skipped_needs_action")
    s = classify(raw, CTX)
    assert s.opening is not None
    n = s.opening.notice
    assert n.key == f"copy-skipped:{TABLE}>{DR_VAULT}"
    assert (n.why, n.fix) == (
        "DYNAMODB_NOT_ADVANCED",
        "turn on advanced DynamoDB backup (AWS Backup > Settings)",
    )
    assert s.opening.occurrence == raw["detail"]["dedupe_key"]


@pytest.mark.parametrize(
    ("reason", "fix"),
    [
        (
            "AWS_MANAGED_KEY",
            "encrypt the resource with a customer-managed key shared with the destination account",
        ),
        ("NO_INTERMEDIATE_VAULT", "deploy dr/template.yaml in that Region (the copy goes through it)"),
        ("COLD", "copy before the lifecycle moves recovery points to cold storage"),
        ("REFUSED", "read AWS's message; fix the destination vault or the copy settings it names"),
    ],
)
def test_each_copy_skip_needing_action_has_its_fix(reason: str, fix: str) -> None:
    raw = event("copy_skipped_needs_action")
    raw["detail"]["reason"] = reason
    n = opened(raw)
    assert (n.why, n.fix) == (reason, fix)


def test_a_copy_failed_domain_event_shares_the_raw_copy_events_occurrence() -> None:
    raw = event("copy_failed")
    s = classify(raw, CTX)
    assert s.opening is not None
    n = s.opening.notice
    assert s.opening.occurrence == raw["detail"]["copy_job_id"]
    assert n.why == "Given key ID is not accessible [kms-access]"
    assert n.fix == raw["detail"]["fix"]
    assert (
        n.link == f"{CONSOLE}/backup/home?region=us-east-1#/jobs/copy/details/{raw['detail']['copy_job_id']}"
    )
    del raw["detail"]["status_message"]
    del raw["detail"]["copy_job_id"]
    s = classify(raw, CTX)
    assert s.opening is not None
    assert s.opening.notice.why == "AWS Backup gave no status message [kms-access]"
    assert s.opening.occurrence == raw["detail"]["dedupe_key"] and s.opening.notice.link is None


def test_a_selection_not_matching_is_keyed_by_its_plan_and_links_the_plan() -> None:
    raw = event("selection_not_matching")
    n = opened(raw)
    assert n.key == f"selection-not-matching:{PLAN_ID}"
    assert n.link == f"{CONSOLE}/backup/home?region=us-east-1#/backupplan/details/{PLAN_ID}"
    assert n.plan == "daily" and n.title == "Selection Not Matching"
    assert n.fix is not None and n.fix.startswith("check the plan's selection conditions in AWS Backup")


def test_a_plan_rejected_names_the_rule_for_assignable_plans() -> None:
    detail = {
        "severity": "warning",
        "summary": "plan 'x' rejected",
        "plan_id": "pid-1",
        "plan_name": "x",
        "reason": "alias taken",
        "dedupe_key": "plan-rejected:pid-1",
    }
    raw = {
        "source": "backup-autopilot",
        "detail-type": "Plan Rejected",
        "id": "e1",
        "time": "t",
        "account": "1",
        "region": "us-east-1",
        "detail": detail,
    }
    n = opened(raw)
    assert (n.kind, n.title, n.key) == ("plan-rejected", "Plan Rejected", "plan-rejected:plan-rejected:pid-1")
    assert n.fix is not None and n.fix.startswith(
        "only the stack's plans and the plans listed in AssignablePlans"
    )


def test_a_domain_events_plan_id_is_read_as_the_stacks_plan_name() -> None:
    raw = event("selection_not_matching")
    raw["detail"]["plan"] = ""  # no name given: the plan id is read through the stack's plans
    assert opened(raw, Context(plan_names={PLAN_ID: "nightly"})).plan == "nightly"


def test_an_internal_event_is_never_alerted() -> None:
    assert classify(event("reconcile_continuation"), CTX) == Signal(ignored="internal")


def test_a_copy_skip_by_design_alerts_nobody() -> None:
    assert classify(event("copy_skipped_by_design"), CTX) == Signal(ignored="copy skipped by design")


# -- reports -----------------------------------------------------------------------------------------
def test_a_restore_test_report_lists_failures_first_and_counts_everything() -> None:
    raw = event("restore_test_report")
    s = classify(raw, CTX)
    assert s.opening is not None and s.opening.report
    n = s.opening.notice
    assert n.key == "restore-test-report:2026-03-08T05:00Z" and n.title == "Restore Test Report"
    assert n.what == (
        "restore test run 2026-03-08T05:00Z: 3 tested, 2 passed, 1 failed, 1 over their RTO target, "
        "1 not tested"
    )
    assert n.details == [
        f"FAILED {TABLE}: item count 0, expected 1000 (1% tolerance)",
        f"OVER RTO {TABLE}: 42.0 min (target 30 min)",
        "NOT TESTED arn:aws:rds:us-east-1:123456789012:db:ledger: "
        "no recovery point within the selection window",
        "passed arn:aws:dynamodb:us-east-1:123456789012:table/payments in 8.5 min",
        "passed arn:aws:s3:::invoices-archive in 3.0 min",
    ]
    assert n.fix == "see the failed and untested resources below"
    assert n.link == f"{CONSOLE}/backup/home?region=us-east-1#/restoretesting"
    assert n.resource_arn is None and n.resource_name is None and n.account == "123456789012"
    assert s.opening.occurrence == raw["detail"]["dedupe_key"]


def test_a_quiet_restore_test_report_has_no_fix_and_says_what_it_lacks() -> None:
    raw = event("restore_test_report")
    detail = raw["detail"]
    detail["severity"] = "info"
    detail["counts"] = {}
    detail.pop("tested", None)
    detail["failed"] = [{"resource": "r1", "reasons": []}, "not a dict"]
    detail["passed"] = [{"resource": "r2", "rto_minutes": 3}]
    detail["over_rto_target"] = []
    detail["not_tested"] = []
    n = opened(raw)
    assert n.level is Level.INFO and n.fix is None
    assert n.what.endswith(": ? tested, ? passed, ? failed, ? over their RTO target, ? not tested")
    assert n.details == ["FAILED r1: no reason recorded", "passed r2"]


def test_a_long_restore_test_report_says_how_many_lines_it_leaves_out() -> None:
    raw = event("restore_test_report")
    raw["detail"]["passed"] = [{"resource": f"r{i}", "rto_minutes": 1.0} for i in range(20)]
    n = opened(raw)
    assert len(n.details) == 13
    assert n.details[-1] == "... and 11 more lines"  # 23 lines, 12 shown


def test_a_coverage_report_lists_its_offenders_and_the_next_quiet_one_resolves_it() -> None:
    raw = event("coverage_report_warning")
    raw["detail"]["offenders"] = [{"resource": f"r{i}", "reason": "why"} for i in range(14)]
    s = classify(raw, CTX)
    assert s.opening is not None and not s.opening.report
    n = s.opening.notice
    assert n.key == "coverage-report:123456789012:us-east-1" and n.title == "Coverage Report"
    assert n.details == [f"r{i}: why" for i in range(12)]
    assert n.link == f"{CONSOLE}/backup/home?region=us-east-1#/resources"
    assert n.fix is not None and n.fix.startswith("the hourly reconcile started what events missed")
    assert s.opening.occurrence == raw["id"]
    quiet = classify(event("coverage_report_info"), CTX)
    assert quiet.resolution is not None
    assert quiet.resolution.keys == ("coverage-report:123456789012:us-east-1",)
    assert quiet.resolution.what == "the hourly reconcile found nothing to catch up"


# -- held digests and message bodies -----------------------------------------------------------------
def test_a_held_digest_without_attempt_or_reason_is_a_first_attempt_held_for_the_pace() -> None:
    raw = {"source": "backup-autopilot.notify", "detail-type": "Held Digest", "detail": {"email": None}}
    assert classify(raw, CTX).held == HeldDigest(email=None, slack=None, attempt=0, reason="pace")


def test_a_held_digests_body_carries_its_parts() -> None:
    body = json.loads(HeldDigest(email=None, slack=None, attempt=3, reason="slack 500").to_body())
    assert body == {
        "source": "backup-autopilot.notify",
        "detail-type": "Held Digest",
        "detail": {"email": None, "slack": None, "attempt": 3, "reason": "slack 500"},
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "the message body is not JSON"),
        ("[1, 2]", "the message body is not a JSON object"),
    ],
)
def test_a_body_that_is_not_an_event_is_rejected_with_its_reason(body: str, message: str) -> None:
    with pytest.raises(RejectedEvent, match=message):
        classify_body(body, CTX)


def test_an_unknown_source_is_rejected_naming_it() -> None:
    with pytest.raises(RejectedEvent, match="alerting does not handle source='x' detail-type='y'"):
        classify({"source": "x", "detail-type": "y"}, CTX)


def test_a_malformed_aws_event_is_rejected_naming_its_type() -> None:
    raw = copy.deepcopy(event("backup_failed"))
    raw["time"] = "not a time"
    with pytest.raises(RejectedEvent, match=r"^malformed aws.backup/Backup Job State Change event: "):
        classify(raw, CTX)


def test_an_aborted_restore_is_a_critical_alert_of_that_job() -> None:
    raw = event("restore_failed")
    raw["detail"].update({"status": "ABORTED", "statusMessage": ""})
    s = classify(raw, CTX)
    assert s.opening is not None
    n = s.opening.notice
    job = raw["detail"]["restoreJobId"]
    assert (n.key, n.title, n.level) == (f"restore-failed:{TABLE}", "Restore job aborted", Level.CRITICAL)
    assert n.what == f"restore job {job} ended ABORTED"
    assert n.why == "AWS Backup gave no status message"
    assert s.opening.occurrence == job


def test_a_restore_completed_with_issues_but_no_resource_is_described() -> None:
    from backup_autopilot.logic.restore_tests.facts import RestoreJob

    raw = event("restore_failed")
    raw["detail"].pop("sourceResourceArn", None)
    raw["detail"].update({"status": "COMPLETED", "statusMessage": "some items skipped"})
    job = RestoreJob(job_id="x", status="COMPLETED", resource_type="EBS", source_resource_arn=VOLUME)
    n = opened(raw, Context(plan_names={}, describe_restore=lambda _: job))
    assert n.key == f"restore-issues:{VOLUME}"


def test_a_running_restore_with_a_message_is_not_described() -> None:
    raw = event("restore_failed")
    raw["detail"].update({"status": "RUNNING", "statusMessage": "still going"})
    raw["detail"].pop("sourceResourceArn", None)

    def describe(_: str) -> None:
        raise AssertionError("a running restore is not described")

    assert classify(raw, Context(plan_names={}, describe_restore=describe)).ignored == "restore job RUNNING"


def test_a_restore_in_govcloud_links_the_govcloud_console() -> None:
    raw = event("restore_failed")
    gov_table = "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/orders"
    raw["region"] = "us-gov-west-1"
    raw["detail"]["sourceResourceArn"] = gov_table
    n = opened(raw)
    assert (n.link or "").startswith(
        "https://console.amazonaws-us-gov.com/backup/home?region=us-gov-west-1#/jobs/restore/"
    )


def test_a_domain_event_without_account_region_or_time_leaves_them_blank() -> None:
    raw = event("protection_removed")
    for key in ("account", "region", "time"):
        del raw[key]
    n = opened(raw)
    assert (n.account, n.region, n.time) == ("", "", "")


def test_a_coverage_report_is_one_occurrence_per_event_whatever_its_dedupe_key() -> None:
    raw = event("coverage_report_warning")
    raw["detail"]["dedupe_key"] = "coverage:hourly"
    s = classify(raw, CTX)
    assert s.opening is not None and s.opening.occurrence == raw["id"]


def test_an_event_type_without_its_own_wording_is_titled_by_its_name() -> None:
    raw = {
        "source": "backup-autopilot",
        "detail-type": "Request Refused",
        "id": "e-1",
        "account": "123456789012",
        "region": "us-east-1",
        "time": "2026-03-02T09:00:00Z",
        "detail": {"severity": "warning", "summary": "the request was refused", "code": "Denied"},
    }
    n = opened(raw)
    assert (n.kind, n.title, n.key, n.fix) == (
        "request-refused",
        "Request Refused",
        "request-refused:e-1",
        None,
    )


def test_a_copy_skip_without_a_resource_is_keyed_by_its_occurrence_and_vault() -> None:
    raw = event("copy_skipped_needs_action")
    del raw["detail"]["resource"]
    n = opened(raw)
    assert n.key == f"copy-skipped:{raw['detail']['dedupe_key']}>{DR_VAULT}"


def test_a_selection_not_matching_without_a_plan_id_is_keyed_by_the_plan_name_or_the_event() -> None:
    raw = event("selection_not_matching")
    raw["detail"]["plan_id"] = ""
    assert opened(raw).key == "selection-not-matching:daily"
    raw["detail"]["plan"] = ""
    assert opened(raw).key == f"selection-not-matching:{raw['detail']['dedupe_key']}"


def test_copy_and_restore_test_alerts_in_govcloud_link_the_govcloud_console() -> None:
    gov_volume = "arn:aws-us-gov:ec2:us-gov-west-1:123456789012:volume/vol-1"
    gov_table = "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/orders"
    gov = "https://console.amazonaws-us-gov.com/backup/home?region=us-gov-west-1#/jobs"
    raw = event("copy_failed_raw")
    raw["region"] = "us-gov-west-1"
    raw["detail"]["resourceArn"] = gov_volume
    assert (opened(raw).link or "").startswith(f"{gov}/copy/details/")
    raw = event("copy_failed")
    raw["region"] = "us-gov-west-1"
    raw["detail"]["resource"] = gov_volume
    assert (opened(raw).link or "").startswith(f"{gov}/copy/details/")
    raw = event("restore_test_failed")
    raw["region"] = "us-gov-west-1"
    raw["detail"]["resource"] = gov_table
    assert (opened(raw).link or "").startswith(f"{gov}/restore/details/")


def test_a_copy_completed_with_issues_is_its_own_alert_of_that_job() -> None:
    raw = event("copy_completed_with_issues")
    s = classify(raw, CTX)
    assert s.opening is not None and s.resolution is not None
    subject = f"{raw['detail']['resourceArn']}>{raw['detail']['destinationBackupVaultArn']}"
    assert s.opening.notice.key == f"copy-issues:{subject}"
    assert s.opening.occurrence == raw["detail"]["copyJobId"]
    assert s.resolution.time == raw["time"].replace("Z", "+00:00")


def test_report_reasons_are_joined_and_a_reason_that_is_not_a_list_is_not_recorded() -> None:
    raw = event("restore_test_report")
    raw["detail"]["failed"] = [
        {"resource": "r1", "reasons": ["a", "b"]},
        {"resource": "r2", "reasons": "not a list"},
    ]
    lines = opened(raw).details
    assert lines[:2] == ["FAILED r1: a; b", "FAILED r2: no reason recorded"]


def test_a_report_without_counts_takes_how_many_were_tested_from_the_event() -> None:
    raw = event("restore_test_report")
    raw["detail"]["counts"] = {}
    raw["detail"]["tested"] = 5
    assert ": 5 tested, ? passed" in opened(raw).what
    raw["detail"]["counts"] = {"tested": 3}
    assert ": 3 tested, ? passed" in opened(raw).what


@pytest.mark.parametrize("case", ["restore_test_report", "coverage_report_warning"])
def test_a_report_names_no_resource_even_when_its_event_does(case: str) -> None:
    raw = event(case)
    raw["detail"]["resource"] = TABLE
    n = opened(raw)
    assert (n.resource_arn, n.resource_name, n.resource_type) == (None, None, None)


def test_a_held_digest_without_its_detail_is_rejected_saying_so() -> None:
    raw = {"source": "backup-autopilot.notify", "detail-type": "Held Digest", "detail": "x"}
    with pytest.raises(RejectedEvent, match=r"^a held digest without its detail$"):
        classify(raw, CTX)


def test_a_restore_with_issues_is_its_own_kind_and_a_completion_is_timed() -> None:
    raw = event("restore_failed")
    raw["detail"].update({"status": "COMPLETED", "statusMessage": "some items skipped"})
    s = classify(raw, CTX)
    assert s.opening is not None
    assert (s.opening.notice.kind, s.opening.occurrence) == ("restore-issues", raw["detail"]["restoreJobId"])
    raw["detail"]["statusMessage"] = ""
    done = classify(raw, CTX)
    assert done.resolution is not None and done.resolution.time == raw["time"].replace("Z", "+00:00")


def test_an_aborted_restore_without_its_resource_is_described() -> None:
    from backup_autopilot.logic.restore_tests.facts import RestoreJob

    raw = event("restore_failed")
    raw["detail"].pop("sourceResourceArn", None)
    raw["detail"]["status"] = "ABORTED"
    job = RestoreJob(job_id="x", status="ABORTED", resource_type="EBS", source_resource_arn=VOLUME)
    assert (
        opened(raw, Context(plan_names={}, describe_restore=lambda _: job)).key == f"restore-failed:{VOLUME}"
    )


def test_a_backup_in_govcloud_links_the_govcloud_console_and_issues_resolve_when_they_happened() -> None:
    raw = event("backup_failed")
    raw["region"] = "us-gov-west-1"
    raw["detail"]["resourceArn"] = "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/orders"
    assert (opened(raw).link or "").startswith(
        "https://console.amazonaws-us-gov.com/backup/home?region=us-gov-west-1"
    )
    issues = classify(event("backup_completed_with_issues"), CTX)
    assert issues.resolution is not None
    assert issues.resolution.time == event("backup_completed_with_issues")["time"].replace("Z", "+00:00")
