"""The notify handler and alerting's adapters against moto (SNS, SQS, DynamoDB, Secrets Manager) and
a local Slack webhook (the sandbox's, over real HTTP)."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from aws_lambda_powertools.metrics.provider.cold_start import reset_cold_start_flag
from moto import mock_aws

from backup_autopilot.adapters.alert_state import AlertMemory
from backup_autopilot.adapters.slack import SlackWebhook as SlackAdapter
from backup_autopilot.logic.alerting.classify import Context, classify
from backup_autopilot.logic.alerting.memory import decide
from sandbox.slack import SlackWebhook
from tests.conftest import EVENTS, FakeLambdaContext, load_event, load_handler

if TYPE_CHECKING:
    from collections.abc import Iterator

import datetime as dt


def _table(ddb: Any) -> str:
    ddb.create_table(
        TableName="state",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return "state"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    slack = SlackWebhook(enforce_rate_limit=False).start()
    with mock_aws():
        sns = boto3.client("sns", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        topic = sns.create_topic(Name="alerts")["TopicArn"]
        inbox = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn)
        notifications = sqs.create_queue(QueueName="notifications")["QueueUrl"]
        table = _table(boto3.client("dynamodb", region_name="us-east-1"))
        secret = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="slack", SecretString=json.dumps({"url": slack.url})
        )["ARN"]
        monkeypatch.setenv("STACK_NAME", "backup-autopilot")
        monkeypatch.setenv("EVENT_BUS_NAME", "backup-autopilot-events")
        monkeypatch.setenv("ALERTS_TOPIC_ARN", topic)
        monkeypatch.setenv("STATE_TABLE_NAME", table)
        monkeypatch.setenv("NOTIFICATION_QUEUE_URL", notifications)
        monkeypatch.setenv("SLACK_WEBHOOK_SECRET_ARN", secret)
        monkeypatch.setenv("ALERT_DIGEST_SECONDS", "1")
        reset_cold_start_flag()
        yield {
            "sqs": sqs,
            "inbox": inbox,
            "notifications": notifications,
            "topic": topic,
            "slack": slack,
            "secret": secret,
            "handler": load_handler("notify"),
        }
    slack.stop()


def _published(world: dict[str, Any]) -> list[dict[str, Any]]:
    messages = (
        world["sqs"].receive_message(QueueUrl=world["inbox"], MaxNumberOfMessages=10).get("Messages", [])
    )
    return [json.loads(m["Body"]) for m in messages]


def test_burst_with_duplicates_sends_one_email_and_one_slack_post(world: dict[str, Any]) -> None:
    result = world["handler"].lambda_handler(
        load_event("notify/burst_with_duplicates.json"), FakeLambdaContext()
    )
    assert result == {"batchItemFailures": []}
    [published] = _published(world)
    assert published["Subject"] == "backup-autopilot: 2 critical: Backup job failed (1), Copy Failed (1)"
    assert published["MessageAttributes"]["severity"]["Value"] == "critical"
    [post] = world["slack"].posts
    assert post.payload is not None and post.payload["blocks"][0]["type"] == "header"


def test_malformed_messages_fail_alone_and_valid_alert_is_sent(world: dict[str, Any]) -> None:
    result = world["handler"].lambda_handler(
        load_event("notify/malformed_and_valid.json"), FakeLambdaContext()
    )
    assert {f["itemIdentifier"] for f in result["batchItemFailures"]} == {
        "0a1b2c3d-0000-4000-8000-000000000021",
        "0a1b2c3d-0000-4000-8000-000000000022",
    }
    assert len(_published(world)) == 1


def test_undeliverable_email_returns_every_message_for_retry(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTS_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:deleted-topic")
    event = load_event("notify/burst_with_duplicates.json")
    result = world["handler"].lambda_handler(event, FakeLambdaContext())
    assert {f["itemIdentifier"] for f in result["batchItemFailures"]} == {
        r["messageId"] for r in event["Records"]
    }
    assert _published(world) == [] and world["slack"].posts == []


def test_slack_gone_falls_back_to_sns_and_the_url_is_never_logged(
    world: dict[str, Any], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world["slack"].fail_next(410, times=None)
    event = load_event("notify/backup_job_failed.json")
    result = world["handler"].lambda_handler(event, FakeLambdaContext())
    assert result == {"batchItemFailures": []}
    subjects = sorted(p["Subject"] for p in _published(world))
    assert subjects[1].startswith("backup-autopilot: not delivered to Slack (410 channel_is_archived)")
    assert len(world["slack"].requests) == 1  # a 410 is not retried
    out = capsys.readouterr()
    logged = out.out + out.err + caplog.text
    assert '"SlackFallbacks":[1.0]' in logged.replace(" ", "")
    token = world["slack"].url.rsplit("/", 1)[-1]
    assert token not in logged and world["slack"].url not in json.dumps(result)


def test_held_digests_go_back_to_the_queue_delayed(world: dict[str, Any]) -> None:
    world["slack"].fail_next(429, retry_after=20)
    world["handler"].lambda_handler(load_event("notify/backup_job_failed.json"), FakeLambdaContext())
    assert len(_published(world)) == 1
    attributes = world["sqs"].get_queue_attributes(
        QueueUrl=world["notifications"], AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"


# -- adapters --------------------------------------------------------------------------------------
def _failure(i: int) -> Any:
    raw = json.loads((EVENTS / "notify" / "alerts" / "backup_failed.json").read_text())
    raw["detail"]["resourceArn"] = f"arn:aws:dynamodb:us-east-1:123456789012:table/t{i:04d}"
    raw["detail"]["backupJobId"] = f"job-{i}"
    return classify(raw, Context(plan_names={}))


def test_alert_memory_round_trips_more_records_than_one_batch_call_holds() -> None:
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        memory = AlertMemory(ddb, _table(ddb))
        decision = decide(
            [_failure(i) for i in range(250)],
            {},
            now=dt.datetime.now(dt.UTC),
            repeat_window=dt.timedelta(hours=24),
        )
        memory.save_alerts(decision.save.values(), [])
        loaded = memory.load_alerts([*decision.save, "backup-failed:unknown"])
        assert set(loaded) == set(decision.save) and loaded[next(iter(decision.save))].occurrences == 1
        memory.save_alerts([], list(decision.save)[:100])
        assert len(memory.load_alerts(list(decision.save))) == 150


def test_the_turn_goes_to_one_caller_per_interval_lengthens_in_a_storm_and_retry_after_postpones_it() -> None:
    from backup_autopilot.logic.alerting.service import next_step

    def step(now: float) -> Any:
        return lambda due, last: next_step(due, last, now, 120, 900)

    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        memory = AlertMemory(ddb, _table(ddb))
        assert memory.take_turn(1000.0, step(1000.0)) == 0
        assert memory.take_turn(1000.5, step(1000.5)) == pytest.approx(119.5)
        assert memory.take_turn(1150.0, step(1150.0)) == 0  # 30 s after it was due: a storm
        assert memory.take_turn(1200.0, step(1200.0)) == pytest.approx(190.0)  # the next in 240 s
        assert memory.take_turn(2000.0, step(2000.0)) == 0  # a quiet spell: back to 120 s
        assert memory.take_turn(2100.0, step(2100.0)) == pytest.approx(20.0)
        memory.postpone_turns(2500.0)
        assert memory.take_turn(2300.0, step(2300.0)) == pytest.approx(200.0)
        memory.postpone_turns(2400.0)  # an earlier time changes nothing
        assert memory.take_turn(2500.0, step(2500.0)) == 0


def _adapter(url_or_value: str, secret: bool = True) -> SlackAdapter:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arn = (
        client.create_secret(Name=f"s-{time.monotonic_ns()}", SecretString=url_or_value)["ARN"]
        if secret
        else ("arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf")
    )
    return SlackAdapter(arn, secrets_client=client, retry_interval=0)


def test_slack_adapter_reads_slacks_answers() -> None:
    slack = SlackWebhook(enforce_rate_limit=False).start()
    try:
        with mock_aws():
            adapter = _adapter(slack.url)
            assert adapter.post("hi", []).delivered
            slack.fail_next(429, retry_after=7)
            assert adapter.post("hi", []).retry_after == 7
            slack.fail_next(500, times=2)  # slack_sdk retries a 500 once in place, then it is "later"
            outcome = adapter.post("hi", [])
            assert outcome.retryable and outcome.status == 500 and len(slack.requests) == 4
            slack.fail_next(404)
            gone = adapter.post("hi", [])
            assert (gone.retryable, gone.reason) == (False, "404 channel_not_found")
            assert slack.url not in gone.reason
            missing = _adapter("", secret=False).post("hi", [])
            assert not missing.retryable and "ResourceNotFoundException" in missing.reason
            assert not _adapter("not a url").post("hi", []).retryable
    finally:
        slack.stop()


def test_slack_adapter_treats_no_answer_as_retryable() -> None:
    slack = SlackWebhook().start()
    url = slack.url
    slack.stop()  # nobody listens there any more
    with mock_aws():
        outcome = _adapter(url).post("hi", [])
    assert outcome.retryable and not outcome.delivered and url not in outcome.reason


def test_the_handler_imports_neither_pydantic_nor_slack_sdk() -> None:
    # cold start: the layer's models are msgspec (pydantic, and Powertools' parser models that come
    # with it, cost ~0.4x of import boto3); Slack's SDK only when a Slack message is sent
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import importlib.util, sys; "
        "spec = importlib.util.spec_from_file_location('app', 'functions/notify/app.py'); "
        "spec.loader.exec_module(importlib.util.module_from_spec(spec)); "
        "heavy = ('pydantic', 'aws_lambda_powertools.utilities.parser.models', 'slack_sdk'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT / 'layers/core'}:{ROOT}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[]"
