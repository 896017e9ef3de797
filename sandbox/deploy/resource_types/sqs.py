"""SQS: ``AWS::SQS::Queue`` (every attribute, redrive policies) and ``AWS::SQS::QueuePolicy``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.deploy.values import as_bool, as_json, attribute_text, tag_list

if TYPE_CHECKING:
    from sandbox.deploy.core import Creators, Props, Stack

_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)


def create_queue(stack: Stack, props: Props) -> None:
    sqs = stack.client("sqs")
    fifo = as_bool(props.take("FifoQueue", False))
    name = stack.name(props, "QueueName", 80, ".fifo" if fifo else "")
    attributes: dict[str, str] = {"FifoQueue": "true"} if fifo else {}
    for key in _ATTRIBUTES:
        if (value := props.take(key)) is not None:
            attributes[key] = attribute_text(value)
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if (value := props.take(key)) is not None:
            attributes[key] = as_json(value)
    request: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
    if tags := props.take("Tags"):
        request["tags"] = {t["Key"]: t["Value"] for t in tag_list(tags)}
    url = sqs.create_queue(**request)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    stack.record(props, url, Arn=arn, QueueName=name, QueueUrl=url)


def create_queue_policy(stack: Stack, props: Props) -> None:
    policy = as_json(props.require("PolicyDocument"))
    for url in props.require("Queues"):
        stack.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    stack.record(props, props.resource.logical_id)


CREATORS: Creators = {
    "AWS::SQS::Queue": create_queue,
    "AWS::SQS::QueuePolicy": create_queue_policy,
}
