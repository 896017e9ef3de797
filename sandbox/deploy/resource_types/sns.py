"""SNS: ``AWS::SNS::Topic`` (inline subscriptions), ``AWS::SNS::Subscription``, ``AWS::SNS::TopicPolicy``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.deploy.values import as_bool, as_json, attribute_text, tag_list

if TYPE_CHECKING:
    from sandbox.deploy.core import Creators, Props, Stack


def create_topic(stack: Stack, props: Props) -> None:
    sns = stack.client("sns")
    fifo = as_bool(props.take("FifoTopic", False))
    name = stack.name(props, "TopicName", 256, ".fifo" if fifo else "")
    attributes: dict[str, str] = {"FifoTopic": "true"} if fifo else {}
    for key in ("DisplayName", "KmsMasterKeyId", "ContentBasedDeduplication", "SignatureVersion"):
        if (value := props.take(key)) is not None:
            attributes[key] = attribute_text(value)
    request: dict[str, Any] = {"Name": name, "Attributes": attributes}
    if tags := props.take("Tags"):
        request["Tags"] = tag_list(tags)
    arn = sns.create_topic(**request)["TopicArn"]
    for subscription in props.take("Subscription", []):
        sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])
    stack.record(props, arn, TopicArn=arn, TopicName=name)


def create_subscription(stack: Stack, props: Props) -> None:
    attributes: dict[str, str] = {}
    for key in ("RawMessageDelivery", "FilterPolicyScope"):
        if (value := props.take(key)) is not None:
            attributes[key] = attribute_text(value)
    for key in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
        if (value := props.take(key)) is not None:
            attributes[key] = as_json(value)
    props.take("Region")  # the stack's Region: the only one the sandbox deploys to
    arn = stack.client("sns").subscribe(
        TopicArn=props.require("TopicArn"),
        Protocol=props.require("Protocol"),
        Endpoint=props.take("Endpoint", ""),
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    stack.record(props, arn, Arn=arn)


def create_topic_policy(stack: Stack, props: Props) -> None:
    policy = as_json(props.require("PolicyDocument"))
    topics = props.require("Topics")
    for topic_arn in topics:
        stack.client("sns").set_topic_attributes(
            TopicArn=topic_arn, AttributeName="Policy", AttributeValue=policy
        )
    stack.record(props, props.resource.logical_id)


CREATORS: Creators = {
    "AWS::SNS::Topic": create_topic,
    "AWS::SNS::Subscription": create_subscription,
    "AWS::SNS::TopicPolicy": create_topic_policy,
}
