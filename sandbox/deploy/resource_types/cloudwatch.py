"""CloudWatch: ``AWS::CloudWatch::Alarm`` (metric alarms in moto; ``sandbox.cloudwatch`` evaluates them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.deploy.values import as_bool

if TYPE_CHECKING:
    from sandbox.deploy.core import Creators, Props, Stack

#: template property -> PutMetricAlarm parameter, for the properties passed as they are
_PLAIN = (
    "AlarmDescription",
    "Namespace",
    "MetricName",
    "Statistic",
    "ExtendedStatistic",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "Unit",
    "ThresholdMetricId",
)
_NUMBERS = {"Period": int, "EvaluationPeriods": int, "DatapointsToAlarm": int, "Threshold": float}
_LISTS = ("AlarmActions", "OKActions", "InsufficientDataActions", "Dimensions", "Metrics")


def create_alarm(stack: Stack, props: Props) -> None:
    name = stack.name(props, "AlarmName", 255)
    request: dict[str, Any] = {"AlarmName": name}
    for key in _PLAIN:
        if (value := props.take(key)) is not None:
            request[key] = value
    for key, kind in _NUMBERS.items():
        if (value := props.take(key)) is not None:
            request[key] = kind(value)
    for key in _LISTS:
        if (value := props.take(key)) is not None:
            request[key] = list(value)
    if (enabled := props.take("ActionsEnabled")) is not None:
        request["ActionsEnabled"] = as_bool(enabled)
    stack.client("cloudwatch").put_metric_alarm(**request)
    context = stack.context
    arn = f"arn:{context.partition}:cloudwatch:{context.region}:{context.account_id}:alarm:{name}"
    stack.record(props, name, Arn=arn)


CREATORS: Creators = {
    "AWS::CloudWatch::Alarm": create_alarm,
}
