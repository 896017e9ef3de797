"""Alerting end to end in the sandbox: AWS Backup and domain events -> SQS -> notify -> the alerts
topic (e-mail) and the sandbox's Slack webhook (real HTTP), with memory in the state table.

The stack is the real template.yaml; the sandbox keeps the webhook URL in a Secrets Manager
secret and passes its ARN as SlackWebhookSecretArn. Times are simulated; counts are exact.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import TYPE_CHECKING, Any

import pytest

from sandbox import Sandbox
from sandbox.demo_alerts import emit_failed_backup
from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

#: the notification queue's batching window, and a little more
WINDOW = 31
NOTICE = "Insufficient privileges to perform this action."


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(template=ROOT / "template.yaml", config_env="sandbox") as sandbox:
        yield sandbox


def emails(sb: Sandbox) -> list[dict[str, Any]]:
    """The stack's e-mails (its CloudWatch alarms publish to the same topic: :func:`alarms`)."""
    return [n for n in sb.notifications if n["Channel"] == "sns" and n not in alarms(sb)]


def alarms(sb: Sandbox) -> list[dict[str, Any]]:
    """The messages the stack's CloudWatch alarms published to the alerts topic (ALARM, OK)."""
    return [
        n
        for n in sb.notifications
        if n["Channel"] == "sns" and str(n["Subject"] or "").startswith(("ALARM: ", "OK: "))
    ]


def posts(sb: Sandbox) -> list[dict[str, Any]]:
    return [n for n in sb.notifications if n["Channel"] == "slack"]


def start_backup(sb: Sandbox, arn: str, token: str) -> str:
    job: str = sb.client("backup").start_backup_job(
        BackupVaultName=sb.physical_id("PrimaryVault"),
        ResourceArn=arn,
        IamRoleArn=sb.attribute("BackupServiceRole", "Arn"),
        IdempotencyToken=token,
        # as the daily plan keeps it: its copy keeps the same retention, which the DR vault lock allows
        Lifecycle={"DeleteAfterDays": 35},
    )["BackupJobId"]
    return job


def failed_job_event(sb: Sandbox, i: int) -> None:
    """What AWS Backup sends for a failed job of one of many tables (a storm, without 1,000 tables)."""
    emit_failed_backup(sb, job_id=f"storm-{i:05d}", table=f"t{i:05d}", message=NOTICE)


def test_a_failed_backup_is_one_post_and_one_email_and_its_next_success_one_resolved(sb: Sandbox) -> None:
    # GIVEN a protected table whose first backup fails (advanced DynamoDB backup on: copies are made)
    sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    sb.faults.fail_job("backup", NOTICE)
    arn = sb.create_table("orders", items=10, tags={"backup-plan": "daily"})
    sb.advance(900)
    # THEN one e-mail and one Slack post, each with the resource, the reason, the fix and a link
    [email], [post] = emails(sb), posts(sb)
    assert email["Subject"] == "backup-autopilot: [critical] Backup job failed: orders"
    for text in (email["Message"], post["Message"]):
        assert "orders (DynamoDB) in account 123456789012, us-east-1" in text
        assert NOTICE in text and "[access-denied]" in text
        assert "What to do: give the stack's backup role" in text
        assert (
            "https://us-east-1.console.aws.amazon.com/backup/home?region=us-east-1#/jobs/backup/details/"
            in text
        )
    assert email["MessageAttributes"]["severity"]["Value"] == "critical"
    # WHEN the next backup of that table succeeds
    start_backup(sb, arn, "retry-1")
    sb.advance(900)
    # THEN one "resolved" message in each channel, saying how long it was open
    assert [n["Subject"] for n in emails(sb)][1] == "backup-autopilot: [resolved] Backup job failed: orders"
    assert len(emails(sb)) == 2 and len(posts(sb)) == 2
    assert "open " in posts(sb)[1]["Message"] and ":white_check_mark:" in posts(sb)[1]["Message"]


def test_a_storm_of_1000_failures_is_at_most_5_posts_never_more_than_one_a_second(sb: Sandbox) -> None:
    # GIVEN 1,000 job failures within five minutes
    for i in range(1000):
        failed_job_event(sb, i)
        sb.advance(0.3)
    sb.advance(20 * 60)
    # THEN at most 5 Slack posts, whose counts add up to every failure, and as many e-mails
    counted = [_count(p["Subject"]) for p in posts(sb)]
    assert 1 <= len(counted) <= 5, counted
    assert sum(counted) == 1000
    assert len(emails(sb)) == len(counted)
    # AND no two requests reached the webhook less than a second apart (simulated time)
    times = [r.time for r in sb.slack.requests]
    assert all((b - a).total_seconds() >= 1 for a, b in itertools.pairwise(times))
    assert all(r.status == 200 for r in sb.slack.requests)


def _count(text: str | None) -> int:
    # "backup-autopilot: 523 critical: Backup job failed (523)" or "[critical] Backup job failed: t00001"
    assert text is not None
    if "[critical]" in text:
        return 1
    return int(text.split(": ", 1)[1].split(" ", 1)[0])


def headings(notes: list[dict[str, Any]], title: str) -> list[str]:
    """The group headings of ``title`` in e-mail bodies (``CRITICAL: Backup job failed (1)``)."""
    return [
        line.split(":", 1)[0]
        for note in notes
        for line in str(note["Message"]).splitlines()
        if line.split(": ", 1)[-1].startswith(title)
        and line.split(":", 1)[0] in {"CRITICAL", "WARNING", "RESOLVED"}
    ]


def test_the_same_failure_every_hour_for_a_day_is_one_message_and_one_resolved(sb: Sandbox) -> None:
    sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    sb.faults.fail_job("backup", NOTICE, count=None)  # every backup fails, the hourly reconcile's too
    arn = sb.create_table("orders", items=5, tags={"backup-plan": "daily"})
    sb.advance(600)
    for hour in range(1, 24):
        start_backup(sb, arn, f"hourly-{hour}")
        sb.advance(3600)
    sb.faults.clear()
    start_backup(sb, arn, "recovered")
    sb.advance(1800)
    # the backup failure: one message, one resolved, in each channel
    assert headings(emails(sb), "Backup job failed") == ["CRITICAL", "RESOLVED"]
    assert len([p for p in posts(sb) if "Backup job failed" in p["Message"]]) == 2
    resolved = next(n["Message"] for n in emails(sb) if "RESOLVED: Backup job failed" in n["Message"])
    assert "backup job failed" in resolved and "times since 2026-03-02 09:" in resolved
    # the hourly reconcile kept catching up meanwhile: its coverage alert is one message too
    assert headings(emails(sb), "Coverage Report").count("WARNING") <= 1


def test_slack_429_is_delivered_later_and_once(sb: Sandbox) -> None:
    sb.slack.fail_next(429, retry_after=45)
    failed_job_event(sb, 1)
    sb.advance(WINDOW)
    assert len(emails(sb)) == 1 and posts(sb) == []
    assert [r.status for r in sb.slack.requests] == [429]
    sb.advance(10 * 60)
    assert len(posts(sb)) == 1 and len(emails(sb)) == 1
    first, second = sb.slack.requests
    assert (second.time - first.time).total_seconds() >= 45  # Retry-After honoured
    assert "t00001" in posts(sb)[0]["Message"]


@pytest.mark.parametrize("status", [404, 410, 403])
def test_slack_refusal_falls_back_to_sns_without_retry(sb: Sandbox, status: int) -> None:
    sb.slack.fail_next(status, times=None)
    failed_job_event(sb, 1)
    sb.advance(30 * 60)
    assert len(sb.slack.requests) == 1 and posts(sb) == []
    subjects = [n["Subject"] for n in emails(sb)]
    assert len(subjects) == 2 and subjects[1].startswith(
        f"backup-autopilot: not delivered to Slack ({status} "
    )
    assert json.loads(emails(sb)[1]["MessageAttributes"]["kind"]["Value"]) == ["slack-fallback"]
    # the metric the SlackDeliveryFallback alarm watches was emitted, and the alarm told the topic
    notify = [i for i in sb.invocations if i.function == "NotifyFunction" and i.outcome == "success"]
    assert notify
    assert [n["Subject"].split('"')[1] for n in alarms(sb)][:1] == [f"{sb.stack_name}-SlackDeliveryFallback"]


def test_sns_failing_returns_the_batch_to_the_queue_then_the_dlq_never_drops_it(sb: Sandbox) -> None:
    sb.faults.throttle("sns", "Publish", code="InternalError", message="SNS is down", status=500)
    failed_job_event(sb, 1)
    sb.advance(3 * 3600)
    notify = [
        i for i in sb.invocations if i.function == "NotifyFunction" and "storm-00001" in json.dumps(i.event)
    ]
    assert len(notify) == 10  # maxReceiveCount
    assert all(i.outcome == "partial" and i.failed_items for i in notify)
    dlq = sb.client("sqs").receive_message(QueueUrl=sb.outputs["NotificationDLQUrl"], MaxNumberOfMessages=10)
    [message] = dlq["Messages"]
    assert json.loads(message["Body"])["detail"]["backupJobId"] == "storm-00001"
    assert emails(sb) == [] and posts(sb) == []  # nothing half-told: Slack waits for the e-mail


def test_a_duplicated_event_is_one_message(sb: Sandbox) -> None:
    sb.faults.duplicate_events("aws.backup")
    sb.faults.fail_job("backup", NOTICE)
    sb.create_table("orders", items=5, tags={"backup-plan": "daily"})
    sb.advance(900)
    failures = [
        e
        for e in sb.events
        if e["detail-type"] == "Backup Job State Change" and e["detail"]["state"] == "FAILED"
    ]
    assert failures
    assert len(emails(sb)) == 1 and len(posts(sb)) == 1


def test_the_restore_test_report_arrives_as_one_message(sb: Sandbox) -> None:
    report = json.loads((ROOT / "events/notify/alerts/restore_test_report.json").read_text())
    sb.client("events").put_events(
        Entries=[
            {
                "Source": "backup-autopilot",
                "DetailType": "Restore Test Report",
                "Detail": json.dumps(report["detail"]),
                "EventBusName": sb.outputs["EventBusName"],
            }
        ]
        * 2  # delivered twice: still one message
    )
    sb.advance(5 * 60)
    [email], [post] = emails(sb), posts(sb)
    assert email["Subject"] == "backup-autopilot: [warning] Restore Test Report"
    assert "3 tested, 2 passed, 1 failed" in email["Message"] and "FAILED arn:aws:dynamodb" in post["Message"]


def test_the_webhook_url_never_appears_in_a_log_line_an_event_or_a_notification(
    sb: Sandbox, capfd: pytest.CaptureFixture[str]
) -> None:
    sb.slack.fail_next(404)
    sb.faults.fail_job("backup", NOTICE)
    sb.create_table("orders", items=5, tags={"backup-plan": "daily"})
    sb.advance(900)
    failed_job_event(sb, 2)
    sb.advance(900)
    token = sb.slack.url.rsplit("/", 1)[-1]
    out, err = capfd.readouterr()
    recorded = json.dumps(
        [sb.events, sb.notifications, [i.to_dict() for i in sb.invocations], sb.timeline()], default=str
    )
    assert posts(sb) and emails(sb)
    for text in (out, err, recorded):
        assert token not in text


def test_the_slack_control_route_and_faults(sb: Sandbox) -> None:
    sb.slack.configure({"fail": [{"status": 500, "times": 3}]})
    assert sb.slack.describe()["faults"] == [{"status": 500, "times": 3, "retry_after": None, "body": None}]
    failed_job_event(sb, 3)
    sb.advance(WINDOW)
    # slack_sdk retried the 500 once in place; the digest is held for a later attempt
    assert [r.status for r in sb.slack.requests] == [500, 500]
    sb.advance(15 * 60)
    assert [r.status for r in sb.slack.requests][-1] == 200 and len(posts(sb)) == 1
    assert sb.clock.now() - sb.slack.requests[-1].time < dt.timedelta(minutes=15)


def test_the_server_shows_slack_posts_beside_emails_and_takes_slack_faults(sb: Sandbox) -> None:
    from sandbox.server import SandboxServer
    from tests.sandbox.test_server import control

    server = SandboxServer(sb, port=0).start()
    try:
        status, described = control(server.url, "slack", {"fail": [{"status": 429, "retry_after": 60}]})
        assert status == 200 and described["faults"][0]["status"] == 429
        failed_job_event(sb, 4)
        control(server.url, "clock", {"advance_seconds": 30 * 60})
        notes = control(server.url, "notifications")[1]
        assert [n["Channel"] for n in notes] == ["sns", "slack"]
        received = control(server.url, "slack")[1]["received"]
        assert [r["status"] for r in received] == [429, 200]
        assert sb.slack.url.rsplit("/", 1)[-1] not in json.dumps(control(server.url, "slack")[1])
    finally:
        server.stop()
