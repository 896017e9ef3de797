"""The demo's alerting chapter: what people are told, in Slack and by e-mail, and the checks.

1. A table's backup fails: one Slack post and one e-mail, each naming the resource, AWS's reason,
   the fix and the console page; its next backup succeeds: one "resolved" in each.
2. A storm of 1,000 job failures within five minutes: a few digests, never more than one Slack
   post a second.
3. The weekly restore test report, as the restore-test sweep publishes it: one message.
4. What a user saw: every Slack post as the channel shows it, every e-mail as a mail client does.
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING, Any

from sandbox.eventbus import emit_service_event

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.world import Sandbox

REASON = "Insufficient privileges to perform this action."
STORM = 1_000
#: lines of an e-mail printed (the rest is counted)
EMAIL_LINES = 30


def _say(text: str) -> None:
    print(f"\n== {text}")


def _channel(sb: Sandbox, channel: str) -> list[dict[str, Any]]:
    return [n for n in sb.notifications if n["Channel"] == channel]


def _wait(sb: Sandbox, done: Callable[[], bool], patience: float = 45 * 60, step: float = 30) -> bool:
    sb.settle()
    waited = 0.0
    while not done() and waited < patience:
        sb.advance(step)
        waited += step
    return done()


def _mentions(notes: list[dict[str, Any]], *words: str) -> list[dict[str, Any]]:
    return [n for n in notes if all(word in str(n["Message"]) for word in words)]


def failing_backup(sb: Sandbox, checks: dict[str, bool]) -> None:
    _say("a table's backup fails (the backup role lacks a permission), then its next backup succeeds")
    arn = sb.create_table("invoices", items=10)
    sb.faults.fail_job("backup", REASON, resource_arn=arn)
    sb.client("dynamodb").tag_resource(ResourceArn=arn, Tags=[{"Key": "backup-plan", "Value": "daily"}])

    def failure_told(channel: str) -> list[dict[str, Any]]:
        return _mentions(_channel(sb, channel), "CRITICAL", "Backup job failed", "invoices")

    _wait(sb, lambda: bool(failure_told("slack")) and bool(failure_told("sns")))
    sb.advance(120)  # nothing more comes
    posts, emails = failure_told("slack"), failure_told("sns")
    print(
        f"   told: {len(posts)} Slack post, {len(emails)} e-mail ({emails[0]['Subject'] if emails else '-'})"
    )
    complete = all(
        REASON in str(n["Message"])
        and "What to do:" in str(n["Message"])
        and "console.aws.amazon.com/backup/home?region=" in str(n["Message"])
        for n in posts + emails
    )
    checks["a failed backup: one Slack post and one e-mail (resource, reason, fix, console link)"] = (
        len(posts) == 1 and len(emails) == 1 and complete
    )
    job = sb.client("backup").start_backup_job(
        BackupVaultName=sb.physical_id("PrimaryVault"),
        ResourceArn=arn,
        IamRoleArn=sb.attribute("BackupServiceRole", "Arn"),
        IdempotencyToken="demo-invoices-retry",
    )["BackupJobId"]
    print(f"   a new backup job {job[:8]}... runs")

    def slack_resolved() -> list[dict[str, Any]]:
        return _mentions(_channel(sb, "slack"), "RESOLVED · Backup job failed", "invoices")

    def email_resolved() -> list[dict[str, Any]]:
        return _mentions(_channel(sb, "sns"), "RESOLVED: Backup job failed", "invoices")

    _wait(sb, lambda: bool(slack_resolved()) and bool(email_resolved()))
    sb.advance(120)
    print(f"   resolved: {len(slack_resolved())} Slack post, {len(email_resolved())} e-mail")
    checks["its next successful backup: one 'resolved'"] = (
        len(slack_resolved()) == 1 and len(email_resolved()) == 1
    )


def storm(sb: Sandbox, checks: dict[str, bool]) -> None:
    _say(f"a storm: {STORM:,} backup job failures within five minutes")
    before_posts = len(sb.slack.posts)
    before_requests = len(sb.slack.requests)
    for i in range(STORM):
        emit_failed_backup(
            sb,
            job_id=f"storm-{i:05d}",
            table=f"storm-{i:04d}",
            message="Backup job failed because the AWS Backup service is throttling requests.",
        )
        sb.advance(0.3)
    sb.advance(20 * 60)
    posts = sb.slack.posts[before_posts:]
    storm_posts = [p for p in posts if "storm-" in json.dumps(p.payload)]
    times = [r.time for r in sb.slack.requests[before_requests:]]
    spaced = all((b - a).total_seconds() >= 1 for a, b in itertools.pairwise(times))
    minutes = max(1.0, (times[-1] - times[0]).total_seconds() / 60) if len(times) > 1 else 1.0
    print(
        f"   {len(storm_posts)} Slack posts for {STORM:,} failures "
        f"({len(storm_posts) / minutes:.1f} per minute while it lasted); "
        f"requests at least 1 s apart: {spaced}"
    )
    checks[f"a storm of {STORM:,} failures: at most 5 Slack posts, never 2 in a second"] = (
        1 <= len(storm_posts) <= 5 and spaced
    )


def restore_test_report(sb: Sandbox, checks: dict[str, bool]) -> None:
    _say("the weekly restore test run ends: its report, as the restore-test sweep publishes it")
    table = f"arn:aws:dynamodb:{sb.region}:{sb.account_id}:table"
    detail = {
        "severity": "warning",
        "summary": "restore test run: 3 tested, 2 passed, 1 failed, 1 over their RTO target, 1 not tested",
        "run_id": f"{sb.clock.now():%Y-%m-%dT%H:%MZ}",
        "tested": 3,
        "passed": [
            {"resource": f"{table}/orders", "type": "DynamoDB", "rto_minutes": 8.5, "rto_target_minutes": 30},
            {
                "resource": "arn:aws:s3:::invoices-archive",
                "type": "S3",
                "rto_minutes": 3.0,
                "rto_target_minutes": None,
            },
        ],
        "failed": [
            {
                "resource": f"{table}/payments",
                "type": "DynamoDB",
                "rto_minutes": 42.0,
                "rto_target_minutes": 30,
                "reasons": [
                    "item count 0, expected 20 (1% tolerance)",
                    "restore took 42.0 min, over the 30 min target",
                ],
            }
        ],
        "no_verdict": [],
        "over_rto_target": [
            {
                "resource": f"{table}/payments",
                "type": "DynamoDB",
                "rto_minutes": 42.0,
                "rto_target_minutes": 30,
            }
        ],
        "not_tested": [{"resource": f"{table}/ledger", "reason": "not on a plan (its tag was rejected)"}],
        "counts": {
            "tested": 3,
            "passed": 2,
            "failed": 1,
            "no_verdict": 0,
            "over_rto_target": 1,
            "not_tested": 1,
        },
    }
    detail["dedupe_key"] = f"restore-test-report:{detail['run_id']}"
    sb.client("events").put_events(
        Entries=[
            {
                "Source": "backup-autopilot",
                "DetailType": "Restore Test Report",
                "Detail": json.dumps(detail),
                "EventBusName": sb.outputs["EventBusName"],
            }
        ]
    )

    def told(channel: str) -> list[dict[str, Any]]:
        return _mentions(_channel(sb, channel), "Restore Test Report")

    _wait(sb, lambda: bool(told("slack")) and bool(told("sns")))
    sb.advance(300)
    print(f"   told: {len(told('slack'))} Slack post, {len(told('sns'))} e-mail")
    checks["the restore test report arrives as one message"] = (
        len(told("slack")) == 1 and len(told("sns")) == 1
    )


def what_people_saw(sb: Sandbox) -> None:
    _say(f"what a user saw in Slack ({len(sb.slack.posts)} posts; the webhook is local: {sb.slack.address})")
    for text in sb.slack.transcript():
        print()
        for line in text.splitlines():
            print(f"   {line}")
    emails = _channel(sb, "sns")
    _say(f"what a user saw by e-mail ({len(emails)} messages from the alerts topic)")
    for note in emails:
        print(f"\n   Subject: {note['Subject']}")
        attributes = {
            k: v.get("Value", v.get("StringValue")) for k, v in (note["MessageAttributes"] or {}).items()
        }
        print(f"   (attributes: {json.dumps(attributes)})")
        lines = str(note["Message"]).splitlines()
        for line in lines[:EMAIL_LINES]:
            print(f"   | {line}")
        if len(lines) > EMAIL_LINES:
            print(f"   | ... ({len(lines) - EMAIL_LINES} more lines)")


def run(sb: Sandbox, checks: dict[str, bool]) -> None:
    failing_backup(sb, checks)
    storm(sb, checks)
    restore_test_report(sb, checks)
    what_people_saw(sb)


def emit_failed_backup(sb: Sandbox, *, job_id: str, table: str, message: str) -> None:
    """What AWS Backup sends when a backup job of DynamoDB table ``table`` fails (a storm's worth of
    them without creating the tables)."""
    emit_service_event(
        account=sb.account_id,
        region=sb.region,
        source="aws.backup",
        detail_type="Backup Job State Change",
        detail={
            "backupJobId": job_id,
            "backupVaultName": sb.physical_id("PrimaryVault"),
            "resourceArn": f"arn:aws:dynamodb:{sb.region}:{sb.account_id}:table/{table}",
            "resourceType": "DynamoDB",
            "state": "FAILED",
            "statusMessage": message,
            "creationDate": sb.clock.now().isoformat(),
        },
    )
