"""Delivering messages to people (SNS) and holding digests for later (SQS), through boto3."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

    from backup_autopilot.logic.alerting.classify import HeldDigest

#: SQS's message size limit, with room for the attributes
SQS_BODY_LIMIT = 250_000


def _attribute(value: Any) -> Any:
    if isinstance(value, bool):
        return {"DataType": "String", "StringValue": str(value).lower()}
    if isinstance(value, int | float):
        return {"DataType": "Number", "StringValue": str(value)}
    if isinstance(value, list | tuple):
        return {"DataType": "String.Array", "StringValue": json.dumps([str(v) for v in value])}
    return {"DataType": "String", "StringValue": str(value)}


class SnsPublisher:
    """Publishes to the alerts topic. Errors propagate: the caller decides what to retry."""

    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, subject: str, message: str, attributes: Mapping[str, Any]) -> str:
        response = self._client.publish(
            TopicArn=self._topic_arn,
            Subject=subject,
            Message=message,
            MessageAttributes={
                name: _attribute(value) for name, value in attributes.items() if value not in (None, "", [])
            },
        )
        return response["MessageId"]


class QueueOutbox:
    """Holds a digest: back onto the notification queue, visible after a delay (at most 900 s)."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def hold(self, held: HeldDigest, delay_seconds: int) -> None:
        body = held.to_body()
        if len(body.encode()) > SQS_BODY_LIMIT:
            raise ValueError(f"a held digest of {len(body)} characters does not fit an SQS message")
        self._client.send_message(
            QueueUrl=self._queue_url, MessageBody=body, DelaySeconds=max(0, min(900, delay_seconds))
        )
