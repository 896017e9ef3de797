"""CloudWatch Logs: ``AWS::Logs::LogGroup`` and its retention."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.deploy.values import tag_list

if TYPE_CHECKING:
    from sandbox.deploy.core import Creators, Props, Stack


def create_log_group(stack: Stack, props: Props) -> None:
    logs = stack.client("logs")
    name = stack.name(props, "LogGroupName", 512)
    request: dict[str, Any] = {"logGroupName": name}
    if (kms := props.take("KmsKeyId")) is not None:
        request["kmsKeyId"] = kms
    if tags := props.take("Tags"):
        request["tags"] = {t["Key"]: t["Value"] for t in tag_list(tags)}
    if (log_class := props.take("LogGroupClass")) is not None:
        request["logGroupClass"] = log_class
    logs.create_log_group(**request)
    if (retention := props.take("RetentionInDays")) is not None:
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(retention))
    context = stack.context
    arn = f"arn:{context.partition}:logs:{context.region}:{context.account_id}:log-group:{name}:*"
    stack.record(props, name, Arn=arn)


CREATORS: Creators = {
    "AWS::Logs::LogGroup": create_log_group,
}
