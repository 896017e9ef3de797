"""The stack's alarms, evaluated by the sandbox's CloudWatch on the simulated clock: throttled AWS
Backup calls fail invocations, the function's Errors alarm goes to ALARM and publishes AWS's alarm
message straight to the alerts topic, and OK when it recovers; a crashing function is retried, then
dead-lettered, then alarmed; throttled invocations and the reconcile's heartbeat alarm too."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from sandbox import Sandbox
from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

FIVE_MINUTES = 300


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(template=ROOT / "template.yaml") as sandbox:
        yield sandbox


def alarm_messages(sb: Sandbox, state: str | None = None) -> list[dict[str, Any]]:
    """The alarm messages CloudWatch published to the alerts topic (JSON), in order."""
    topic = sb.physical_id("AlertsTopic")
    found = []
    for notification in sb.notifications:
        if notification["Channel"] != "sns" or notification["TopicArn"] != topic:
            continue
        if not str(notification["Subject"] or "").startswith(("ALARM: ", "OK: ", "INSUFFICIENT_DATA: ")):
            continue
        message = json.loads(notification["Message"])
        if state is None or message["NewStateValue"] == state:
            found.append({**message, "Subject": notification["Subject"]})
    return found


def alarm_name(sb: Sandbox, suffix: str) -> str:
    return f"{sb.stack_name}-{suffix}"


def test_every_alarm_of_the_template_is_deployed_evaluated_and_starts_ok(sb: Sandbox) -> None:
    states = sb.cloudwatch.alarm_states()
    for function in sb.router.functions:
        assert states[alarm_name(sb, f"{function}Errors")] == "OK"
        assert states[alarm_name(sb, f"{function}Throttles")] == "OK"
    assert states[alarm_name(sb, "FailedEventsQueueDepth")] == "OK"
    assert states[alarm_name(sb, "NotificationDLQDepth")] == "OK"
    assert states[alarm_name(sb, "ReconcileNotFinishing")] == "OK"
    # a quiet day: hourly reconciles finish, nothing fails, nothing is published
    sb.advance(24 * 3600)
    assert alarm_messages(sb) == [] and sb.cloudwatch.history == []
    assert sb.cloudwatch.total("BackupAutopilot", "ReconcileRunsFinished", service="backup-autopilot") == 24


def test_throttled_backup_calls_fail_invocations_alarm_straight_to_the_topic_and_recover(sb: Sandbox) -> None:
    # GIVEN 60 % of AWS Backup calls throttled (botocore retries each call five times)
    sb.faults.throttle("backup", rate=0.6)
    # WHEN forty tables are tagged at once
    for n in range(40):
        sb.create_table(f"orders-{n:02d}", items=1, tags={"backup-plan": "daily"})
    sb.advance(FIVE_MINUTES)
    # THEN some invocations failed after botocore's retries, and the function's Errors alarm
    # published AWS's alarm message to the alerts topic itself (not through NotifyFunction)
    failed = [i for i in sb.invocations if i.function == "ProtectResourceFunction" and i.outcome == "error"]
    assert failed and all("ThrottlingException" in (i.error or "") for i in failed)
    errors = alarm_name(sb, "ProtectResourceFunctionErrors")
    [raised] = [m for m in alarm_messages(sb, "ALARM") if m["AlarmName"] == errors]
    assert raised["Subject"] == f'ALARM: "{errors}" in US East (N. Virginia)'
    assert raised["OldStateValue"] == "OK" and raised["NewStateReason"].startswith("Threshold Crossed: 1 out")
    assert raised["Trigger"]["MetricName"] == "Errors" and raised["Trigger"]["Namespace"] == "AWS/Lambda"
    assert raised["Trigger"]["Dimensions"] == [
        {"name": "FunctionName", "value": sb.router.function("ProtectResourceFunction").spec.name}
    ]
    assert raised["AlarmActions"] == [sb.physical_id("AlertsTopic")]
    assert not [
        i for i in sb.invocations if i.function == "NotifyFunction" and "ALARM" in json.dumps(i.event)
    ]
    # WHEN AWS Backup stops throttling, THEN the alarm says OK
    sb.faults.clear()
    sb.advance(30 * 60)
    assert [m["AlarmName"] for m in alarm_messages(sb, "OK")].count(errors) == 1
    assert sb.cloudwatch.alarm_states()[errors] == "OK"
    # AND nothing was lost: events that failed three times wait in FailedEventsQueue (alarmed), and
    # the next hourly reconcile protects their tables
    sb.advance(60 * 60)
    protected = {p["ResourceName"] for p in sb.client("backup").list_protected_resources()["Results"]}
    assert protected == {f"orders-{n:02d}" for n in range(40)}


def test_a_crash_is_retried_then_dead_lettered_then_alarmed(sb: Sandbox) -> None:
    sb.faults.crash_function("StartCopiesFunction")
    sb.create_table("ledger", items=1, tags={"backup-plan": "daily"})
    sb.advance(30 * 60)
    runs = [i for i in sb.invocations if i.function == "StartCopiesFunction"]
    assert [(i.attempt, i.error_type) for i in runs] == [(n, "InjectedCrash") for n in (1, 2, 3)]
    queue = sb.client("sqs").receive_message(QueueUrl=sb.physical_id("FailedEventsQueue"))["Messages"]
    record = json.loads(queue[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    raised = {m["AlarmName"] for m in alarm_messages(sb, "ALARM")}
    assert {alarm_name(sb, "StartCopiesFunctionErrors"), alarm_name(sb, "FailedEventsQueueDepth")} <= raised


def test_throttled_invocations_alarm_and_their_events_run_once_the_throttle_ends(sb: Sandbox) -> None:
    sb.faults.throttle_function("ProtectResourceFunction")
    arn = sb.create_table("inventory", items=1, tags={"backup-plan": "weekly"})
    sb.advance(FIVE_MINUTES)
    throttled = [i for i in sb.invocations if i.function == "ProtectResourceFunction"]
    assert throttled and {i.outcome for i in throttled} == {"throttled"}
    assert alarm_name(sb, "ProtectResourceFunctionThrottles") in {m["AlarmName"] for m in alarm_messages(sb)}
    # Lambda keeps retrying a throttled event (up to 6 hours): once the throttle ends, it runs
    sb.faults.clear()
    sb.advance(10 * 60)
    assert [i.outcome for i in sb.invocations if i.function == "ProtectResourceFunction"][-1] == "success"
    assert sb.client("backup").list_backup_jobs(ByResourceArn=arn)["BackupJobs"]


def test_a_reconcile_that_never_finishes_alarms_after_two_periods(sb: Sandbox) -> None:
    sb.advance(3 * 3600)  # three runs finished
    sb.faults.crash_function("ReconcileFunction")
    sb.advance(3 * 3600)
    heartbeat = alarm_name(sb, "ReconcileNotFinishing")
    [raised] = [m for m in alarm_messages(sb, "ALARM") if m["AlarmName"] == heartbeat]
    assert raised["Trigger"]["TreatMissingData"] == "breaching" and raised["Trigger"]["Period"] == 3600
    sb.faults.clear()
    sb.advance(3 * 3600)
    assert sb.cloudwatch.alarm_states()[heartbeat] == "OK"


def test_a_notify_that_keeps_failing_fills_its_dead_letter_queue_which_alarms(sb: Sandbox) -> None:
    # GIVEN NotifyFunction crashing: the alert it should send never reaches people
    sb.faults.crash_function("NotifyFunction")
    sb.faults.fail_job("backup", "Insufficient privileges to perform this action.")
    sb.create_table("audit", items=1, tags={"backup-plan": "daily"})
    sb.advance(2 * 3600)  # ten receives 390 s apart, then the dead-letter queue
    # THEN the alarms say so themselves, on the alerts topic
    raised = {m["AlarmName"] for m in alarm_messages(sb, "ALARM")}
    assert {alarm_name(sb, "NotifyFunctionErrors"), alarm_name(sb, "NotificationDLQDepth")} <= raised
    assert not [n for n in sb.notifications if n["Channel"] == "slack"]


def test_as_on_aws_a_new_alarm_starts_insufficient_data_and_says_ok_once() -> None:
    with Sandbox(template=ROOT / "template.yaml", alarms_start="INSUFFICIENT_DATA") as sb:
        assert set(sb.cloudwatch.alarm_states().values()) == {"INSUFFICIENT_DATA"}
        sb.advance(2 * 3600)
        ok = alarm_messages(sb, "OK")
        assert {m["OldStateValue"] for m in ok} == {"INSUFFICIENT_DATA"}
        assert len(ok) == len({m["AlarmName"] for m in ok}) == len(sb.cloudwatch.alarm_states())
