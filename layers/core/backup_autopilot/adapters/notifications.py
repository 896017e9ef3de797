"""Delivering digests (boto3 only; the client is injected)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

    from backup_autopilot.logic.alerts import Digest


class SnsPublisher:
    """Publishes a digest to the alerts topic. Errors propagate: the caller decides what to retry."""

    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, digest: Digest) -> str:
        response = self._client.publish(
            TopicArn=self._topic_arn,
            Subject=digest.subject,
            Message=digest.message,
            MessageAttributes={
                "severity": {"DataType": "String", "StringValue": digest.alerts[0].severity.value},
                "alert_count": {"DataType": "Number", "StringValue": str(len(digest.alerts))},
            },
        )
        return response["MessageId"]
