"""SAM policy templates (``SNSPublishMessagePolicy: {TopicName: ...}`` in a function's ``Policies``),
expanded into policy statements as aws-sam-translator expands them.

The definitions are copied from aws-sam-translator 1.115.0's ``policy_templates.json`` (the version
requirements-tools.txt pins), for the templates this project and the sandbox's users commonly
use; tests/unit/test_iam.py compares each with the translator's own. A template not listed here
is left out of the role, with a deployment warning: the function then lacks those permissions,
and with IAM enforced a call that needs them is refused, which says so.
"""

from __future__ import annotations

import copy
from typing import Any


def _sub(pattern: str, variable: str, parameter: str) -> dict[str, Any]:
    return {"Fn::Sub": [pattern, {variable: {"Ref": parameter}}]}


_ARN = "arn:${AWS::Partition}"
#: name -> (parameter names, statements)
TEMPLATES: dict[str, tuple[tuple[str, ...], list[dict[str, Any]]]] = {
    "SNSPublishMessagePolicy": (
        ("TopicName",),
        [
            {
                "Action": ["sns:Publish"],
                "Effect": "Allow",
                "Resource": _sub(
                    f"{_ARN}:sns:${{AWS::Region}}:${{AWS::AccountId}}:${{topicName}}",
                    "topicName",
                    "TopicName",
                ),
            }
        ],
    ),
    "SQSSendMessagePolicy": (
        ("QueueName",),
        [
            {
                "Action": ["sqs:SendMessage*"],
                "Effect": "Allow",
                "Resource": _sub(
                    f"{_ARN}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:${{queueName}}",
                    "queueName",
                    "QueueName",
                ),
            }
        ],
    ),
    "SQSPollerPolicy": (
        ("QueueName",),
        [
            {
                "Action": [
                    "sqs:ChangeMessageVisibility",
                    "sqs:ChangeMessageVisibilityBatch",
                    "sqs:DeleteMessage",
                    "sqs:DeleteMessageBatch",
                    "sqs:GetQueueAttributes",
                    "sqs:ReceiveMessage",
                ],
                "Effect": "Allow",
                "Resource": _sub(
                    f"{_ARN}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:${{queueName}}",
                    "queueName",
                    "QueueName",
                ),
            }
        ],
    ),
    "EventBridgePutEventsPolicy": (
        ("EventBusName",),
        [
            {
                "Action": "events:PutEvents",
                "Effect": "Allow",
                "Resource": _sub(
                    f"{_ARN}:events:${{AWS::Region}}:${{AWS::AccountId}}:event-bus/${{eventBusName}}",
                    "eventBusName",
                    "EventBusName",
                ),
            }
        ],
    ),
    "LambdaInvokePolicy": (
        ("FunctionName",),
        [
            {
                "Action": ["lambda:InvokeFunction"],
                "Effect": "Allow",
                "Resource": _sub(
                    f"{_ARN}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:${{functionName}}*",
                    "functionName",
                    "FunctionName",
                ),
            }
        ],
    ),
    "KMSDecryptPolicy": (
        ("KeyId",),
        [
            {
                "Action": "kms:Decrypt",
                "Effect": "Allow",
                "Resource": _sub(
                    f"{_ARN}:kms:${{AWS::Region}}:${{AWS::AccountId}}:key/${{keyId}}", "keyId", "KeyId"
                ),
            }
        ],
    ),
    "AWSSecretsManagerGetSecretValuePolicy": (
        ("SecretArn",),
        [
            {
                "Action": ["secretsmanager:GetSecretValue"],
                "Effect": "Allow",
                "Resource": _sub("${secretArn}", "secretArn", "SecretArn"),
            }
        ],
    ),
}


def _substitute(node: Any, values: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in values:
            return values[node["Ref"]]
        return {key: _substitute(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(item, values) for item in node]
    return node


def expand(name: str, parameters: Any) -> list[dict[str, Any]] | None:
    """The statements of policy template ``name`` with ``parameters`` (intrinsics left for the
    caller to resolve); None for a template not listed here."""
    found = TEMPLATES.get(name)
    if found is None:
        return None
    names, statements = found
    given = parameters if isinstance(parameters, dict) else {}
    return [_substitute(copy.deepcopy(s), {n: given.get(n) for n in names}) for s in statements]
