"""The security scenarios of issue 8, end to end in the sandbox, under IAM enforcement.

* plan takeover: a plan tagged (or listed and named) to shadow ``daily`` gets nothing, and one alert;
* a completed backup in another team's vault is never copied (no copy, no alert);
* a domain event forged by a principal outside the stack is refused by the bus itself;
* a forged continuation is refused (bus) or rejected and counted (direct invocation);
* a permission the role lacks is an AccessDenied, reported as ``Request Refused``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from sandbox import Sandbox
from tests.conftest import ROOT
from tests.sandbox.backup_support import backup_role

if TYPE_CHECKING:
    from collections.abc import Iterator

DIGEST_SECONDS = 180
INTRUDER = "arn:aws:iam::123456789012:role/intruder"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(template=ROOT / "template.yaml", config_env="sandbox") as sandbox:
        yield sandbox


def domain_events(sb: Sandbox, detail_type: str) -> list[dict[str, Any]]:
    return [e for e in sb.events if e["source"] == "backup-autopilot" and e["detail-type"] == detail_type]


def alerts_about(sb: Sandbox, text: str) -> dict[str, int]:
    """How many messages per channel (sns, slack) mention ``text``."""
    counts: dict[str, int] = {}
    for note in sb.notifications:
        if text in f"{note.get('Subject') or ''} {note.get('Message') or ''}":
            counts[note["Channel"]] = counts.get(note["Channel"], 0) + 1
    return counts


def _attacker_plan(sb: Sandbox, *, name: str, tags: dict[str, str]) -> str:
    """What an attacker needs: permission to create (and tag) a vault and a backup plan."""
    backup = sb.client("backup")
    backup.create_backup_vault(BackupVaultName="attacker-vault")
    plan_id: str = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": name,
            "Rules": [
                {
                    "RuleName": "hourly",
                    "TargetBackupVaultName": "attacker-vault",
                    "ScheduleExpression": "cron(0 * * * ? *)",
                }
            ],
        },
        BackupPlanTags=tags,
    )["BackupPlanId"]
    return plan_id


def _jobs(sb: Sandbox, arn: str) -> list[dict[str, Any]]:
    return list(sb.client("backup").list_backup_jobs(ByResourceArn=arn)["BackupJobs"])


# ---------------------------------------------------------------- plan takeover
def test_a_plan_tagged_to_shadow_daily_gets_nothing_and_raises_one_alert(sb: Sandbox) -> None:
    # GIVEN another principal's plan, tagged as assignable under the stack's alias 'daily'
    plan_id = _attacker_plan(
        sb, name="evil", tags={"backup-autopilot:assignable": "true", "backup-autopilot:plan": "daily"}
    )
    # WHEN a table is tagged backup-plan=daily, and the hourly reconcile runs a few times
    arn = sb.create_table("orders", items=3, tags={"backup-plan": "daily"})
    sb.settle()
    sb.advance(3 * 3600)
    # THEN the table is backed up by the stack's daily plan into the stack's vault, never the attacker's
    assert {job["BackupVaultName"] for job in _jobs(sb, arn)} == {sb.physical_id("PrimaryVault")}
    backup = sb.client("backup")
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    assert (
        backup.list_recovery_points_by_backup_vault(BackupVaultName="attacker-vault")["RecoveryPoints"] == []
    )
    # AND one alert (one e-mail, one Slack post) says which plan tried to take which alias
    [first, *_] = domain_events(sb, "Plan Rejected")
    assert first["detail"]["plan_id"] == plan_id and first["detail"]["reason"] == "not-listed"
    assert first["detail"]["other_plan_id"] == sb.physical_id("DailyPlan")
    assert alerts_about(sb, "Plan Rejected") == {"sns": 1, "slack": 1}


def test_a_listed_plan_named_daily_is_refused_naming_both_plans() -> None:
    created: dict[str, str] = {}

    def team_plan(sb: Sandbox) -> dict[str, str]:
        created["plan_id"] = _attacker_plan(sb, name="daily", tags={})
        return {"AssignablePlans": created["plan_id"], "AssignablePlanVaults": "attacker-vault"}

    with Sandbox(template=ROOT / "template.yaml", config_env="sandbox", before_deploy=team_plan) as sb:
        arn = sb.create_table("orders", items=3, tags={"backup-plan": "daily"})
        sb.settle()
        sb.advance(DIGEST_SECONDS)
        # THEN the stack's own 'daily' wins: its vault, no selection on the listed plan
        assert {job["BackupVaultName"] for job in _jobs(sb, arn)} == {sb.physical_id("PrimaryVault")}
        selections = sb.client("backup").list_backup_selections(BackupPlanId=created["plan_id"])
        assert selections["BackupSelectionsList"] == []
        # AND the alert names both plans
        [event, *_] = domain_events(sb, "Plan Rejected")
        assert event["detail"]["reason"] == "shadows-stack-plan"
        summary = event["detail"]["summary"]
        assert created["plan_id"] in summary and sb.physical_id("DailyPlan") in summary
        assert alerts_about(sb, "Plan Rejected") == {"sns": 1, "slack": 1}


# ---------------------------------------------------------------- copies from the stack's vaults only
def test_a_backup_in_another_teams_vault_is_never_copied(sb: Sandbox) -> None:
    ec2 = sb.client("ec2")
    theirs = ec2.create_volume(AvailabilityZone=f"{sb.region}a", Size=8)["VolumeId"]
    ours = ec2.create_volume(AvailabilityZone=f"{sb.region}a", Size=8)["VolumeId"]
    their_arn = f"arn:aws:ec2:{sb.region}:{sb.account_id}:volume/{theirs}"
    our_arn = f"arn:aws:ec2:{sb.region}:{sb.account_id}:volume/{ours}"
    # GIVEN another team backs its volume up into its own vault, with its own role
    backup = sb.client("backup")
    backup.create_backup_vault(BackupVaultName="other-team-vault")
    role = backup_role(f"arn:aws:iam::{sb.account_id}:role/other-team-backup")
    backup.start_backup_job(BackupVaultName="other-team-vault", ResourceArn=their_arn, IamRoleArn=role)
    # AND the stack protects one of its own
    ec2.create_tags(Resources=[ours], Tags=[{"Key": "backup-plan", "Value": "daily"}])
    sb.settle()
    # WHEN both backups complete and the hourly reconcile (copy sweep) runs twice
    sb.advance(2 * 3600 + 600)
    copies = sb.client("backup").list_copy_jobs()["CopyJobs"]
    # THEN only the stack's point was copied
    assert {job["ResourceArn"] for job in copies} == {our_arn}
    runs = [i for i in sb.invocations if i.function == "StartCopiesFunction"]
    foreign = [i for i in runs if i.event["detail"].get("backupVaultName") == "other-team-vault"]
    assert [i.result["outcome"] for i in foreign] == ["Ignored"]
    # AND nobody was alerted about it
    assert not [n for n in sb.notifications if theirs in str(n.get("Message"))]


# ---------------------------------------------------------------- the bus
def _forged(bus: str, detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "EventBusName": bus,
        "Source": "backup-autopilot",
        "DetailType": detail_type,
        "Detail": json.dumps(detail),
    }


PHISHING = {
    "severity": "critical",
    "summary": "Your backups are deleted: log in at https://evil.example/login to restore them",
    "resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
    "reason": "see https://evil.example/login",
    "value": "daily",
}


def test_a_domain_event_forged_outside_the_stack_is_refused_by_the_bus(sb: Sandbox) -> None:
    events = sb.client("events")
    bus = sb.physical_id("EventBus")
    # WHEN a principal of the same account with PutEvents of its own forges a critical alert
    with sb.iam.acting_as(INTRUDER), pytest.raises(ClientError) as refused:
        events.put_events(Entries=[_forged(bus, "Assignment Rejected", PHISHING)])
    # THEN EventBridge refuses it (the bus policy's explicit deny), and nobody is told anything
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    [denial] = sb.iam.take_denials()
    assert (denial.action, denial.decision) == ("events:PutEvents", "explicit deny")
    sb.advance(DIGEST_SECONDS)
    assert not [n for n in sb.notifications if "evil.example" in str(n)]


def test_text_of_an_event_from_a_stack_role_is_never_a_link(sb: Sandbox) -> None:
    # GIVEN a function role that puts a message with a link (the bus lets it)
    role = sb.attribute("StartCopiesFunctionRole", "Arn")
    with sb.iam.acting_as(str(role)):
        sb.client("events").put_events(
            Entries=[_forged(sb.physical_id("EventBus"), "Assignment Rejected", PHISHING)]
        )
    sb.advance(DIGEST_SECONDS)
    # THEN the alert shows the text, defanged, and no link to it
    texts = [str(n["Message"]) + json.dumps(n.get("MessageAttributes")) for n in sb.notifications]
    assert texts and all("https://evil.example" not in text for text in texts)
    assert any("hxxps://evil.example" in text for text in texts)


def test_an_unknown_or_malformed_domain_event_is_never_alerted(sb: Sandbox) -> None:
    role = str(sb.attribute("StartCopiesFunctionRole", "Arn"))
    bus = sb.physical_id("EventBus")
    with sb.iam.acting_as(role):
        sb.client("events").put_events(
            Entries=[
                _forged(bus, "Totally Legit Alert", {"severity": "critical", "summary": "unknown type"}),
                _forged(bus, "Copy Skipped", {"severity": "critical", "summary": "no reason field"}),
                _forged(bus, "Assignment Rejected", {**PHISHING, "reason": "x" * 100_000}),
            ]
        )
    sb.advance(DIGEST_SECONDS)
    assert not [n for n in sb.notifications if "unknown type" in str(n) or "no reason field" in str(n)]
    assert not [n for n in sb.notifications if "x" * 5000 in str(n)]


def _continuation(sb: Sandbox, detail: dict[str, Any], time: dt.datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "5e0c0a57-0000-4000-8000-000000000001",
        "detail-type": "Reconcile Continuation",
        "source": "backup-autopilot",
        "account": sb.account_id,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": sb.region,
        "resources": [],
        "detail": detail,
    }


def test_a_forged_continuation_is_refused_by_the_bus_and_rejected_when_invoked(sb: Sandbox) -> None:
    forged = {
        "severity": "info",
        "summary": "s",
        "run_id": "r-1",
        "token": "t",
        "pages": 1,
        "coverage": {"tagged": 10**9},
    }
    with sb.iam.acting_as(INTRUDER), pytest.raises(ClientError):
        sb.client("events").put_events(
            Entries=[_forged(sb.physical_id("EventBus"), "Reconcile Continuation", forged)]
        )
    sb.iam.take_denials()
    now = sb.clock.now()
    cases = [
        {**forged, "pages": -1},  # out of bounds
        {**forged, "token": "t" * 10_000},  # too long
        {**forged, "coverage": {"offenders": [{"resource": "r"}] * 1000}},  # too many
    ]
    for detail in cases:
        invocation = sb.invoke("ReconcileFunction", _continuation(sb, detail, now))
        assert (invocation.outcome, invocation.result) == ("success", {"outcome": "Rejected"}), detail
    stale = sb.invoke("ReconcileFunction", _continuation(sb, forged, now - dt.timedelta(days=1)))
    assert (stale.outcome, stale.result) == ("success", {"outcome": "Rejected"})
    assert domain_events(sb, "Coverage Report") == []


# ---------------------------------------------------------------- enforcement bites
def test_a_permission_the_role_lacks_is_an_access_denied_reported_as_request_refused(sb: Sandbox) -> None:
    role = sb.physical_id("StartCopiesFunctionRole")
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "backup:StartCopyJob", "Resource": "*"}],
    }
    sb.client("iam").put_role_policy(RoleName=role, PolicyName="no-copies", PolicyDocument=json.dumps(deny))
    ec2 = sb.client("ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{sb.region}a", Size=8)["VolumeId"]
    ec2.create_tags(Resources=[volume], Tags=[{"Key": "backup-plan", "Value": "daily"}])
    sb.settle()
    sb.advance(600)
    denials = sb.iam.take_denials()
    assert {(d.function, d.action, d.decision) for d in denials} == {
        ("StartCopiesFunction", "backup:StartCopyJob", "explicit deny")
    }
    [refused] = [
        e for e in domain_events(sb, "Request Refused") if e["detail"]["operation"] == "StartCopyJob"
    ]
    assert refused["detail"]["code"] == "AccessDeniedException"


def test_iam_is_enforced_by_default_and_every_function_made_allowed_calls(sb: Sandbox) -> None:
    assert sb.iam.enabled
    sb.create_table("orders", items=3, tags={"backup-plan": "daily"})
    sb.settle()
    sb.advance(3600 + 600)
    functions = {who for who, _, decision in sb.iam.decisions if decision == "allowed"}
    assert {
        "ProtectResourceFunction",
        "StartCopiesFunction",
        "ReconcileFunction",
        "RecordBackupFunction",
    } <= functions
    assert sb.iam.denials == []
