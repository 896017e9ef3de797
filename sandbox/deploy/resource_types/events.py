"""EventBridge: ``AWS::Events::EventBus`` and ``AWS::Events::Rule`` (pattern or schedule, targets)."""

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
    "AWS::Events::Rule": create_rule,
}
