"""The sandbox's IAM evaluation (sandbox.iam_policy): AWS's documented logic, on small policies."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.iam_enforcement import checks_for
from sandbox.iam_policy import Decision, Request, arn_matches, evaluate

ROLE = "arn:aws:iam::123456789012:role/fn"


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}]}


def decide(
    policies: list[Any],
    action: str,
    resource: str = "*",
    context: dict[str, Any] | None = None,
    resource_policies: tuple[Any, ...] = (),
) -> Decision:
    return evaluate(
        Request(ROLE, action, resource, context or {}), policies, list(resource_policies)
    ).decision


def test_nothing_allowed_is_an_implicit_deny_and_a_deny_wins() -> None:
    assert decide([], "backup:ListBackupPlans") is Decision.IMPLICIT_DENY
    policies = [
        allow("backup:*"),
        {"Statement": [{"Effect": "Deny", "Action": "backup:Delete*", "Resource": "*"}]},
    ]
    assert decide(policies, "backup:ListBackupPlans") is Decision.ALLOWED
    assert decide(policies, "backup:DeleteRecoveryPoint", "arn:x") is Decision.EXPLICIT_DENY


def test_actions_match_without_case_and_resources_segment_by_segment() -> None:
    assert (
        decide(
            [allow("BACKUP:startcopyjob", "arn:aws:backup:us-east-1:123456789012:recovery-point:*")],
            "backup:StartCopyJob",
            "arn:aws:backup:us-east-1:123456789012:recovery-point:abc",
        )
        is Decision.ALLOWED
    )
    # AWS Backup's recovery point pattern does not cover an EBS snapshot (the IAM reference's format)
    assert not arn_matches(
        "arn:aws:backup:us-east-1:123456789012:recovery-point:*", "arn:aws:ec2:us-east-1::snapshot/snap-1"
    )
    assert arn_matches(
        "arn:*:backup:*:*:backup-plan:p-1", "arn:aws:backup:us-east-1:123456789012:backup-plan:p-1"
    )
    assert not arn_matches("arn:aws:backup:us-east-1:123456789012:backup-vault:*", "*")  # "*"-only actions


@pytest.mark.parametrize(
    ("condition", "context", "allowed"),
    [
        (
            {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}},
            {"iam:passedtoservice": "backup.amazonaws.com"},
            True,
        ),
        (
            {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}},
            {"iam:passedtoservice": "ec2.amazonaws.com"},
            False,
        ),
        ({"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}}, {}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:tagkeys": ["a"]}, True),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:tagkeys": ["a", "b"]}, False),
        ({"StringLike": {"aws:ResourceTag/t": "*"}}, {}, False),
        ({"StringNotLike": {"aws:ResourceTag/t": "*"}}, {}, True),  # negated: a missing key holds
        ({"StringEqualsIfExists": {"k": "v"}}, {}, True),
        ({"Null": {"k": "true"}}, {}, True),
        ({"Null": {"k": "true"}}, {"k": "v"}, False),
        ({"ArnNotEquals": {"aws:PrincipalArn": [ROLE]}}, {"aws:principalarn": ROLE}, False),
        ({"NumericLessThan": {"n": "5"}}, {"n": "3"}, True),
        ({"SomeFutureOperator": {"k": "v"}}, {"k": "v"}, False),  # unknown: an Allow never allows
    ],
)
def test_conditions(condition: dict[str, Any], context: dict[str, Any], allowed: bool) -> None:
    decision = decide([allow("x:Y", Condition=condition)], "x:Y", context=context)
    assert (decision is Decision.ALLOWED) is allowed


def test_an_unknown_operator_in_a_deny_denies() -> None:
    deny = {
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Future": {"k": "v"}}}]
    }
    assert decide([allow("*"), deny], "x:Y") is Decision.EXPLICIT_DENY


def test_a_bus_policy_deny_refuses_whoever_it_names() -> None:
    bus_policy = {
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "events:PutEvents",
                "Resource": "*",
                "Condition": {"ArnNotEquals": {"aws:PrincipalArn": ["arn:aws:iam::123456789012:role/ok"]}},
            }
        ]
    }
    context = {"aws:principalarn": ROLE}
    assert (
        decide([allow("*")], "events:PutEvents", "arn:bus", context, (bus_policy,)) is Decision.EXPLICIT_DENY
    )


def test_requests_become_the_checks_aws_makes() -> None:
    [start, passing] = checks_for(
        "backup",
        "StartCopyJob",
        {"RecoveryPointArn": "arn:aws:ec2:us-east-1::snapshot/snap-1", "IamRoleArn": ROLE},
        "us-east-1",
        "123456789012",
    )
    assert (start.action, start.resource) == ("backup:StartCopyJob", "arn:aws:ec2:us-east-1::snapshot/snap-1")
    assert (passing.action, passing.resource, passing.context) == (
        "iam:PassRole",
        ROLE,
        {"iam:passedtoservice": "backup.amazonaws.com"},
    )
    [plan] = checks_for(
        "backup",
        "CreateBackupSelection",
        {"BackupPlanId": "p-1", "BackupSelection": {}},
        "us-east-1",
        "123456789012",
    )
    assert plan.resource == "arn:aws:backup:us-east-1:123456789012:backup-plan:p-1"
    [tags] = checks_for(
        "ec2",
        "CreateTags",
        {"Resources": ["vol-1"], "Tags": [{"Key": "k", "Value": "v"}]},
        "us-east-1",
        "123456789012",
    )
    assert (tags.resource, tags.context["aws:tagkeys"]) == (
        "arn:aws:ec2:us-east-1:123456789012:volume/vol-1",
        ["k"],
    )
    assert checks_for("dynamodb", "GetItem", {}, "us-east-1", "123456789012") == []  # not evaluated
    assert checks_for("backup", "ListBackupPlans", {}, "us-east-1", "123456789012")[0].resource == "*"
