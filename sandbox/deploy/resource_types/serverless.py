"""SAM: ``AWS::Serverless::Function`` (and the resources SAM generates from it) and ``LayerVersion``.

A function is not created in moto's Lambda (it needs Docker to run code): it gets a name and an
ARN, and the Lambda service (:mod:`sandbox.lambda_service`) runs it. SAM's generated resources are
created: ``<Function>Role`` when the function has no ``Role``; per event (``EVENT_CREATORS``) a
rule (``EventBridgeRule``, ``Schedule``: the function as target, retry policy, dead-letter queue,
a queue when ``DeadLetterConfig`` has ``Type: SQS``), a Scheduler schedule (``ScheduleV2``), or an
event source mapping id (``SQS``: the Lambda service polls the queue). A layer's ``ContentUri``
directory (or its ``python/``) is what the Lambda service puts on ``sys.path``.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from sandbox.deploy.core import DeployedFunction, ScheduledRule, SchedulerSchedule, physical_name
from sandbox.deploy.resource_types.iam import attach_function_policies, ensure_aws_managed_policy
from sandbox.deploy.values import as_bool, as_json, ints
from sandbox.template import TemplateError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from sandbox.deploy.core import Creators, Props, Stack

#: creates what SAM generates from one event of a function: (stack, function, event id, properties)
type EventCreator = Callable[[Stack, DeployedFunction, str, dict[str, Any]], None]


def create_function(stack: Stack, props: Props) -> None:
    """A name and an ARN (the Lambda service runs the code), and the resources SAM generates from it."""
    logical_id = props.resource.logical_id
    name = stack.name(props, "FunctionName", 64)
    context = stack.context
    function = DeployedFunction(
        logical_id=logical_id,
        name=name,
        arn=f"arn:{context.partition}:lambda:{context.region}:{context.account_id}:function:{name}",
        properties=stack.template.merged_properties(props.resource),
    )
    stack.deployment.functions[logical_id] = function
    stack.record(props, name, Arn=function.arn)
    if props.take("Role") is None:
        _function_role(stack, logical_id, props.take("Policies"))
    for event_id, event in (props.take("Events") or {}).items():
        creator = EVENT_CREATORS.get(event["Type"])
        if creator is None:
            stack.warn(f"{logical_id}.{event_id}: event type {event['Type']} is not supported")
            continue
        creator(stack, function, event_id, event.get("Properties", {}))
    props.drain()  # code, environment, destinations ...: the Lambda service applies them


def _function_role(stack: Stack, function_id: str, policies: Any) -> None:
    """``<Function>Role``: SAM's execution role (policy templates are not expanded: moto does
    not enforce IAM)."""
    iam = stack.client("iam")
    name = physical_name(stack.template, f"{function_id}Role", 64)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    basic = f"arn:{stack.context.partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ensure_aws_managed_policy(stack.context.account_id, basic)
    iam.attach_role_policy(RoleName=name, PolicyArn=basic)
    attach_function_policies(stack, name, function_id, policies)
    stack.deployment.physical.record(f"{function_id}Role", name, Arn=role["Arn"], RoleId=role["RoleId"])


# -- function events ------------------------------------------------------------------------------
def _generated_name(
    stack: Stack, function: DeployedFunction, event_id: str, props: dict[str, Any], key: str
) -> str:
    return str(props.get(key) or physical_name(stack.template, f"{function.logical_id}{event_id}", 64))


def _eventbridge_rule_event(
    stack: Stack, function: DeployedFunction, event_id: str, props: dict[str, Any]
) -> None:
    """SAM ``EventBridgeRule``: a rule with the pattern on its bus, the function as its target."""
    events = stack.client("events")
    name = _generated_name(stack, function, event_id, props, "RuleName")
    bus = str(props.get("EventBusName", "default")).split("/")[-1]
    arn = events.put_rule(
        Name=name, EventBusName=bus, EventPattern=as_json(props["Pattern"]), State=_event_state(props)
    )["RuleArn"]
    events.put_targets(
        Rule=name, EventBusName=bus, Targets=[_lambda_target(stack, function, event_id, props)]
    )
    ref = name if bus == "default" else f"{bus}|{name}"
    stack.deployment.physical.record(f"{function.logical_id}{event_id}", ref, Arn=arn)


def _schedule_event(stack: Stack, function: DeployedFunction, event_id: str, props: dict[str, Any]) -> None:
    """SAM ``Schedule``: a scheduled rule on the default bus (the Lambda service fires it)."""
    events = stack.client("events")
    name = _generated_name(stack, function, event_id, props, "Name")
    request: dict[str, Any] = {
        "Name": name,
        "ScheduleExpression": props["Schedule"],
        "State": _event_state(props),
    }
    if "Description" in props:
        request["Description"] = props["Description"]
    arn = events.put_rule(**request)["RuleArn"]
    events.put_targets(Rule=name, Targets=[_lambda_target(stack, function, event_id, props)])
    stack.deployment.scheduled_rules.append(ScheduledRule(name, str(props["Schedule"])))
    stack.deployment.physical.record(f"{function.logical_id}{event_id}", name, Arn=arn)


def _schedule_v2_event(
    stack: Stack, function: DeployedFunction, event_id: str, props: dict[str, Any]
) -> None:
    """SAM ``ScheduleV2``: an EventBridge Scheduler schedule (the Lambda service fires it)."""
    context = stack.context
    name = _generated_name(stack, function, event_id, props, "Name")
    group = str(props.get("GroupName", "default"))
    target: dict[str, Any] = {
        "Arn": function.arn,
        "RoleArn": props.get("RoleArn") or f"arn:{context.partition}:iam::{context.account_id}:role/{name}",
    }
    if "Input" in props:
        target["Input"] = props["Input"]
    request: dict[str, Any] = {
        "Name": name,
        "GroupName": group,
        "ScheduleExpression": props["ScheduleExpression"],
        "FlexibleTimeWindow": props.get("FlexibleTimeWindow", {"Mode": "OFF"}),
        "Target": target,
        "State": _event_state(props),
    }
    timezone = props.get("ScheduleExpressionTimezone")
    if timezone:
        request["ScheduleExpressionTimezone"] = timezone
    arn = stack.client("scheduler").create_schedule(**request)["ScheduleArn"]
    stack.deployment.schedules.append(
        SchedulerSchedule(name, group, str(props["ScheduleExpression"]), timezone, function.logical_id)
    )
    stack.deployment.physical.record(f"{function.logical_id}{event_id}", name, Arn=arn)


def _sqs_event(stack: Stack, function: DeployedFunction, event_id: str, props: dict[str, Any]) -> None:
    """SAM ``SQS``: an event source mapping (the Lambda service polls the queue); Ref is its UUID."""
    logical_id = f"{function.logical_id}{event_id}"
    mapping_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{stack.context.stack_name}/{logical_id}"))
    stack.deployment.physical.record(logical_id, mapping_id, Id=mapping_id)


def _lambda_target(
    stack: Stack, function: DeployedFunction, event_id: str, props: dict[str, Any]
) -> dict[str, Any]:
    target: dict[str, Any] = {
        "Id": props.get("Target", {}).get("Id", f"{function.logical_id}{event_id}LambdaTarget"),
        "Arn": function.arn,
    }
    for key in ("Input", "InputPath", "InputTransformer"):
        if key in props:
            target[key] = props[key]
    if "RetryPolicy" in props:
        target["RetryPolicy"] = ints(props["RetryPolicy"], "MaximumRetryAttempts", "MaximumEventAgeInSeconds")
    if "DeadLetterConfig" in props:
        target["DeadLetterConfig"] = {
            "Arn": _event_dead_letter(stack, function, event_id, props["DeadLetterConfig"])
        }
    return target


def _event_dead_letter(
    stack: Stack, function: DeployedFunction, event_id: str, config: dict[str, Any]
) -> str:
    """SAM's DeadLetterConfig: an ``Arn``, or ``Type: SQS`` for a queue SAM creates."""
    if "Arn" in config:
        return str(config["Arn"])
    logical_id = config.get("QueueLogicalId") or f"{function.logical_id}{event_id}Queue"
    sqs = stack.client("sqs")
    name = physical_name(stack.template, logical_id, 80)
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
    stack.deployment.physical.record(logical_id, url, Arn=arn, QueueName=name, QueueUrl=url)
    return arn


def _event_state(props: dict[str, Any]) -> str:
    if "State" in props:
        return str(props["State"])
    return "ENABLED" if as_bool(props.get("Enabled", True)) else "DISABLED"


EVENT_CREATORS: Mapping[str, EventCreator] = {
    "EventBridgeRule": _eventbridge_rule_event,
    "Schedule": _schedule_event,
    "ScheduleV2": _schedule_v2_event,
    "SQS": _sqs_event,
}


# -- layers ---------------------------------------------------------------------------------------
def create_layer(stack: Stack, props: Props) -> None:
    content = props.require("ContentUri")
    if not isinstance(content, str) or content.startswith("s3://"):
        raise TemplateError(f"{props.resource.logical_id}: the sandbox needs a local ContentUri")
    path = (stack.template.root / content).resolve()
    if not path.is_dir():
        raise TemplateError(f"{props.resource.logical_id}: ContentUri {content} is not a directory")
    stack.deployment.layer_paths[props.resource.logical_id] = (
        path / "python" if (path / "python").is_dir() else path
    )
    name = props.take("LayerName") or props.resource.logical_id
    context = stack.context
    arn = f"arn:{context.partition}:lambda:{context.region}:{context.account_id}:layer:{name}:1"
    props.drain()  # CompatibleRuntimes, RetentionPolicy ...: nothing to create in the sandbox
    stack.record(props, arn, LayerVersionArn=arn)


CREATORS: Creators = {
    "AWS::Serverless::Function": create_function,
    "AWS::Serverless::LayerVersion": create_layer,
}
