"""IAM: ``AWS::IAM::Role`` (managed and inline policies), and AWS's managed policies on demand."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from moto.iam.models import AWSManagedPolicy, iam_backends
from moto.utilities.arns import parse_arn

from sandbox.deploy import sam_policies
from sandbox.deploy.values import as_json, tag_list

if TYPE_CHECKING:
    from sandbox.deploy.core import Creators, Props, Stack


def create_role(stack: Stack, props: Props) -> None:
    iam = stack.client("iam")
    name = stack.name(props, "RoleName", 64)
    request: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": as_json(props.require("AssumeRolePolicyDocument")),
        "Path": props.take("Path", "/"),
    }
    for key in ("Description", "PermissionsBoundary"):
        if (value := props.take(key)) is not None:
            request[key] = value
    if (duration := props.take("MaxSessionDuration")) is not None:
        request["MaxSessionDuration"] = int(duration)
    if tags := props.take("Tags"):
        request["Tags"] = tag_list(tags)
    role = iam.create_role(**request)["Role"]
    for policy_arn in props.take("ManagedPolicyArns", []):
        ensure_aws_managed_policy(stack.context.account_id, policy_arn)
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    for policy in props.take("Policies", []):
        iam.put_role_policy(
            RoleName=name,
            PolicyName=policy["PolicyName"],
            PolicyDocument=as_json(policy["PolicyDocument"]),
        )
    stack.record(props, name, Arn=role["Arn"], RoleId=role["RoleId"])


@functools.cache
def _aws_managed_policy_documents() -> dict[str, Any]:
    # imported on first use: the module is one large string that takes about 0.7 s to import
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    documents: dict[str, Any] = json.loads(aws_managed_policies_data)
    return documents


def ensure_aws_managed_policy(account: str, policy_arn: str) -> None:
    """AWS managed policies exist in every account. moto loads all ~1,600 of them into every IAM
    backend (seconds per account, with MOTO_IAM_LOAD_MANAGED_POLICIES) or none: add the one asked
    for, from moto's own copy of AWS's policies. An unknown name stays unknown (NoSuchEntity)."""
    arn = parse_arn(policy_arn)
    if arn.account != "aws" or arn.service != "iam":
        return
    backend = iam_backends[account][policy_arn.split(":")[1]]
    name = arn.resource_id.rsplit("/", 1)[-1]
    data = _aws_managed_policy_documents().get(name)
    if policy_arn in backend.managed_policies or data is None:
        return
    policy = AWSManagedPolicy.from_data(name, account, backend.region_name, data)
    if policy.arn == policy_arn:
        backend.managed_policies[policy.arn] = policy


def create_managed_policy(stack: Stack, props: Props) -> None:
    """``AWS::IAM::ManagedPolicy``: a customer managed policy; ``Ref`` is its ARN (as CloudFormation)."""
    iam = stack.client("iam")
    name = stack.name(props, "ManagedPolicyName", 128)
    request: dict[str, Any] = {
        "PolicyName": name,
        "PolicyDocument": as_json(props.require("PolicyDocument")),
        "Path": props.take("Path", "/"),
    }
    if (description := props.take("Description")) is not None:
        request["Description"] = description
    arn = iam.create_policy(**request)["Policy"]["Arn"]
    for role in props.take("Roles", []):
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    props.take("Users")
    props.take("Groups")
    stack.record(props, arn, PolicyArn=arn)


def attach_function_policies(stack: Stack, role_name: str, function_id: str, policies: Any) -> None:
    """A SAM function's ``Policies`` on its generated role: managed policy ARNs are attached, inline
    ``Statement`` documents and SAM's policy templates (``SNSPublishMessagePolicy: {TopicName: ..}``,
    expanded as aws-sam-translator expands them: ``sam_policies``) put as role policies, one per
    entry, named as SAM names them (``<Function>RolePolicy<index>``)."""
    iam = stack.client("iam")
    entries = policies if isinstance(policies, list) else [policies] if policies else []
    for index, entry in enumerate(entries):
        statements: Any = None
        if isinstance(entry, str) and entry.startswith("arn:"):
            ensure_aws_managed_policy(stack.context.account_id, entry)
            iam.attach_role_policy(RoleName=role_name, PolicyArn=entry)
        elif isinstance(entry, dict) and "Statement" in entry:
            statements = entry["Statement"]
        elif isinstance(entry, dict) and len(entry) == 1:
            ((template_name, parameters),) = entry.items()
            statements = sam_policies.expand(template_name, parameters)
            if statements is None:
                stack.warn(f"{function_id}: SAM policy template {template_name} is not expanded here")
                continue
            statements = stack.template.resolve(statements, stack.deployment.physical)
        else:
            stack.warn(f"{function_id}: policy {entry!r} is not applied by the sandbox")
        if statements is not None:
            document = {"Version": "2012-10-17", "Statement": statements}
            iam.put_role_policy(
                RoleName=role_name,
                PolicyName=f"{function_id}RolePolicy{index}",
                PolicyDocument=as_json(document),
            )


CREATORS: Creators = {
    "AWS::IAM::Role": create_role,
    "AWS::IAM::ManagedPolicy": create_managed_policy,
}
