"""The notify handler against moto's SNS and SQS: one digest per batch, partial failures reported."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from aws_lambda_powertools.metrics.provider.cold_start import reset_cold_start_flag
from moto import mock_aws

from tests.conftest import FakeLambdaContext, load_event, load_handler

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def sns_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws():
        sns = boto3.client("sns", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        topic = sns.create_topic(Name="alerts")["TopicArn"]
        queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        monkeypatch.setenv("STACK_NAME", "backup-autopilot")
        monkeypatch.setenv("EVENT_BUS_NAME", "backup-autopilot-events")
        monkeypatch.setenv("ALERTS_TOPIC_ARN", topic)
        reset_cold_start_flag()
        yield {"sqs": sqs, "queue": queue, "topic": topic, "handler": load_handler("notify")}


def _published(world: dict[str, Any]) -> list[dict[str, Any]]:
    messages = (
        world["sqs"].receive_message(QueueUrl=world["queue"], MaxNumberOfMessages=10).get("Messages", [])
    )
    return [json.loads(m["Body"]) for m in messages]


def test_burst_with_duplicates_sends_one_digest(sns_world: dict[str, Any]) -> None:
    result = sns_world["handler"].lambda_handler(
        load_event("notify/burst_with_duplicates.json"), FakeLambdaContext()
    )
    assert result == {"batchItemFailures": []}
    published = _published(sns_world)
    assert len(published) == 1
    assert published[0]["Subject"] == "backup-autopilot: 2 critical"
    assert published[0]["Message"].count("[CRITICAL]") == 2


def test_malformed_messages_fail_alone_and_valid_alert_is_sent(sns_world: dict[str, Any]) -> None:
    result = sns_world["handler"].lambda_handler(
        load_event("notify/malformed_and_valid.json"), FakeLambdaContext()
    )
    assert {f["itemIdentifier"] for f in result["batchItemFailures"]} == {
        "0a1b2c3d-0000-4000-8000-000000000021",
        "0a1b2c3d-0000-4000-8000-000000000022",
    }
    assert len(_published(sns_world)) == 1


def test_undeliverable_digest_returns_every_message_for_retry(
    sns_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTS_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:deleted-topic")
    event = load_event("notify/burst_with_duplicates.json")
    result = sns_world["handler"].lambda_handler(event, FakeLambdaContext())
    assert {f["itemIdentifier"] for f in result["batchItemFailures"]} == {
        r["messageId"] for r in event["Records"]
    }
    assert _published(sns_world) == []
