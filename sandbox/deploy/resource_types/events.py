"""EventBridge: ``AWS::Events::EventBus``, ``AWS::Events::EventBusPolicy`` (a statement of the bus's
resource policy) and ``AWS::Events::Rule`` (pattern or schedule, targets)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.deploy.core import ScheduledRule
from sandbox.deploy.values import as_json, ints, tag_list

if TYPE_CHECKING:
    from sandbox.deploy.core import Creators, Props, Stack


def create_bus(stack: Stack, props: Props) -> None:
    name = props.require("Name")
    request: dict[str, Any] = {"Name": name}
    if tags := props.take("Tags"):
        request["Tags"] = tag_list(tags)
    for key in ("Description", "KmsKeyIdentifier", "DeadLetterConfig"):
        if (value := props.take(key)) is not None:
            request[key] = value
    arn = stack.client("events").create_event_bus(**request)["EventBusArn"]
    stack.record(props, name, Arn=arn, Name=name)


def create_bus_policy(stack: Stack, props: Props) -> None:
    """One statement of a bus's resource policy (``Statement``, or the legacy ``Action``,
    ``Principal`` and ``Condition``), with ``StatementId`` as its ``Sid``; ``Ref`` is the id."""
    sid = str(props.require("StatementId"))
    bus = str(props.take("EventBusName", "default")).split("/")[-1]
    statement = props.take("Statement")
    if statement is None:
        principal = props.require("Principal")
        statement = {
            "Effect": "Allow",
            "Principal": principal if principal == "*" else {"AWS": principal},
            "Action": props.require("Action"),
            "Resource": stack.client("events").describe_event_bus(Name=bus)["Arn"],
        }
        condition = props.take("Condition")
        if condition:
            statement["Condition"] = {condition["Type"]: {condition["Key"]: condition["Value"]}}
    document = {"Version": "2012-10-17", "Statement": [{**statement, "Sid": sid}]}
    stack.client("events").put_permission(EventBusName=bus, Policy=as_json(document))
    stack.record(props, sid)


def create_rule(stack: Stack, props: Props) -> None:
    """The rule and its targets (``RetryPolicy``, ``DeadLetterConfig``); a scheduled rule is also
    handed to the Lambda service, which fires it."""
    events = stack.client("events")
    name = stack.name(props, "Name", 64)
    bus = str(props.take("EventBusName", "default")).split("/")[-1]
    request: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": props.take("State", "ENABLED")}
    if (pattern := props.take("EventPattern")) is not None:
        request["EventPattern"] = as_json(pattern)
    for key in ("ScheduleExpression", "Description", "RoleArn"):
        if (value := props.take(key)) is not None:
            request[key] = value
    if tags := props.take("Tags"):
        request["Tags"] = tag_list(tags)
    arn = events.put_rule(**request)["RuleArn"]
    targets = props.take("Targets", [])
    if targets:
        events.put_targets(Rule=name, EventBusName=bus, Targets=[_target(t) for t in targets])
    if "ScheduleExpression" in request:
        stack.deployment.scheduled_rules.append(ScheduledRule(name, request["ScheduleExpression"]))
    ref = name if bus == "default" else f"{bus}|{name}"
    stack.record(props, ref, Arn=arn)


def _target(target: dict[str, Any]) -> dict[str, Any]:
    converted = dict(target)
    if "RetryPolicy" in converted:
        converted["RetryPolicy"] = ints(
            converted["RetryPolicy"], "MaximumRetryAttempts", "MaximumEventAgeInSeconds"
        )
    return converted


CREATORS: Creators = {
    "AWS::Events::EventBus": create_bus,
    "AWS::Events::EventBusPolicy": create_bus_policy,
    "AWS::Events::Rule": create_rule,
}
