"""IAM policy evaluation (pure): does a set of policies allow one request?

The sandbox's own evaluator, because no maintained one fits (checked on PyPI: ``policyuniverse``
expands actions but evaluates no condition and was last released in 2023; ``iam-ape`` computes a
principal's effective permissions offline, not one request with its context, and is GPL;
``aws-why`` asks the real IAM simulator; moto's ``access_control`` turns an Allow whose condition
does not hold into a Deny). It follows AWS's documented evaluation logic for one account:

* an explicit ``Deny`` in any policy (identity or resource) wins;
* else an ``Allow`` in an identity policy, or in a resource policy naming the principal, allows;
* else the request is implicitly denied.

A statement applies when its ``Action``/``NotAction``, ``Resource``/``NotResource`` (and, in a
resource policy, ``Principal``/``NotPrincipal``) match and every condition holds. Actions match
case-insensitively with ``*`` and ``?``; ARNs match segment by segment (partition, service,
Region, account), the resource part as a whole, case-sensitively, as IAM does. Conditions:
the ``String*``, ``Arn*``, ``Numeric*``, ``Bool`` and ``Null`` operators, their ``...IfExists``
forms and the ``ForAllValues:``/``ForAnyValue:`` set qualifiers, over a request context of keys
(lower-cased) to a string or a list of strings. A key missing from the context makes a positive
operator false and a negated one (``StringNotEquals``, ``ArnNotLike`` ...) true, as AWS documents.
An operator the evaluator does not know makes its statement's condition *unknown*: such an Allow
never allows and such a Deny always denies, so the sandbox never grants more than AWS would.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

type Context = dict[str, str | list[str]]


class Effect(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


class Decision(StrEnum):
    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Request:
    """One authorisation: ``principal`` asks for ``action`` on ``resource`` ("*" for actions
    without resource-level permissions) with the request ``context`` (keys lower-cased)."""

    principal: str
    action: str
    resource: str
    context: Context = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    decision: Decision
    #: the statement that decided (its Sid, or its position), for the error message
    statement: str | None = None
    #: which kind of policy decided (identity, resource), for AWS's wording
    policy_kind: str | None = None

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOWED


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


@lru_cache(maxsize=4096)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(glob), re.IGNORECASE if ignore_case else 0)


def glob_match(glob: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's ``*`` (any run of characters) and ``?`` (one character); nothing else is special."""
    escaped = glob.replace("[", "[[]")  # fnmatch's character classes are not IAM syntax
    return _pattern(escaped, ignore_case).match(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    return glob_match(pattern, action, ignore_case=True)


def arn_matches(pattern: str, arn: str) -> bool:
    """An ARN against a policy's ARN pattern: the first five segments each as a glob, the resource
    part (which may hold ``:`` and ``/``) as one; ``*`` alone matches everything, ``"*"`` the
    resource of an action without resource-level permissions too."""
    if pattern == "*":
        return True
    if arn == "*":
        return False  # an action without resource types is granted by Resource "*" only
    wanted, have = pattern.split(":", 5), arn.split(":", 5)
    if len(wanted) != 6 or len(have) != 6:
        return glob_match(pattern, arn)
    return all(glob_match(w, h) for w, h in zip(wanted, have, strict=True))


# -- conditions -----------------------------------------------------------------------------------
def _string_op(name: str) -> Any:
    def equals(v: str, p: str) -> bool:
        return v == p

    def equals_ic(v: str, p: str) -> bool:
        return v.lower() == p.lower()

    def like(v: str, p: str) -> bool:
        return glob_match(p, v)

    return {
        "StringEquals": equals,
        "StringEqualsIgnoreCase": equals_ic,
        "StringLike": like,
        "ArnEquals": equals,
        "ArnLike": lambda v, p: arn_matches(p, v),
    }.get(name)


def _numeric(v: str, p: str, op: str) -> bool:
    try:
        a, b = float(v), float(p)
    except ValueError:
        return False
    return {
        "NumericEquals": a == b,
        "NumericLessThan": a < b,
        "NumericLessThanEquals": a <= b,
        "NumericGreaterThan": a > b,
        "NumericGreaterThanEquals": a >= b,
    }[op]


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}
_NUMERIC = {
    "NumericEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
}


class UnknownCondition(Exception):
    """A condition operator the evaluator does not implement."""


def _value_matches(operator: str, value: str, patterns: list[str]) -> bool:
    """Whether one context value satisfies a positive ``operator`` against any pattern."""
    if operator in _NUMERIC:
        return any(_numeric(value, str(p), operator) for p in patterns)
    if operator == "Bool":
        return any(value.lower() == str(p).lower() for p in patterns)
    test = _string_op(operator)
    if test is None:
        raise UnknownCondition(operator)
    return any(test(value, str(p)) for p in patterns)


def _condition_holds(raw_operator: str, key: str, expected: Any, context: Context) -> bool:
    qualifier, _, operator = raw_operator.rpartition(":")
    if_exists = operator.endswith("IfExists") and operator != "IfExists"
    if if_exists:
        operator = operator.removesuffix("IfExists")
    patterns = [str(p) for p in _as_list(expected)]
    present = key.lower() in context
    values = [str(v) for v in _as_list(context.get(key.lower()))]
    if operator == "Null":
        wants_absent = any(p.lower() == "true" for p in patterns)
        return (not present or not values) == wants_absent
    if qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise UnknownCondition(raw_operator)
    negated = operator in _NEGATED
    positive = _NEGATED.get(operator, operator)
    if positive not in _NUMERIC and positive != "Bool" and _string_op(positive) is None:
        raise UnknownCondition(raw_operator)
    if not present:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return if_exists or negated
    if qualifier == "ForAllValues":
        return all(_value_matches(positive, v, patterns) != negated for v in values)
    if qualifier == "ForAnyValue":
        return any(_value_matches(positive, v, patterns) != negated for v in values)
    matched = any(_value_matches(positive, v, patterns) for v in values)
    return not matched if negated else matched


def conditions_hold(condition: Any, context: Context) -> bool:
    """Every operator and key of a statement's ``Condition`` block holds (raises UnknownCondition)."""
    if not condition:
        return True
    if not isinstance(condition, dict):
        raise UnknownCondition(str(condition))
    for operator, pairs in condition.items():
        if not isinstance(pairs, dict):
            raise UnknownCondition(str(operator))
        for key, expected in pairs.items():
            if not _condition_holds(str(operator), str(key), expected, context):
                return False
    return True


# -- statements and policies -----------------------------------------------------------------------
def _principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    account = request.context.get("aws:principalaccount")
    for value in _as_list(principal.get("AWS")):
        text = str(value)
        if text == "*" or text == account or text == f"arn:aws:iam::{account}:root":
            return True
        if arn_matches(text, request.principal):
            return True
    return False


def _statement_applies(statement: dict[str, Any], request: Request, *, resource_policy: bool) -> bool | None:
    """True/False; None when its condition cannot be evaluated."""
    if "NotAction" in statement:
        if any(action_matches(str(a), request.action) for a in _as_list(statement["NotAction"])):
            return False
    elif not any(action_matches(str(a), request.action) for a in _as_list(statement.get("Action"))):
        return False
    if "NotResource" in statement:
        if any(arn_matches(str(r), request.resource) for r in _as_list(statement["NotResource"])):
            return False
    elif not any(arn_matches(str(r), request.resource) for r in _as_list(statement.get("Resource", "*"))):
        return False
    if resource_policy:
        if "NotPrincipal" in statement:
            if _principal_matches(statement["NotPrincipal"], request):
                return False
        elif not _principal_matches(statement.get("Principal"), request):
            return False
    try:
        return conditions_hold(statement.get("Condition"), request.context)
    except UnknownCondition:
        return None


def statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, dict)]


def evaluate(
    request: Request,
    identity_policies: list[Any],
    resource_policies: list[Any] | tuple[Any, ...] = (),
) -> Result:
    """The decision for ``request`` under the principal's identity policies and the resource's
    policies (all of one account: either kind of Allow suffices)."""
    allowed: Result | None = None
    for kind, documents in (("identity", identity_policies), ("resource", resource_policies)):
        for document in documents:
            for index, statement in enumerate(statements(document)):
                applies = _statement_applies(statement, request, resource_policy=kind == "resource")
                name = str(statement.get("Sid") or f"statement {index + 1}")
                if statement.get("Effect") == Effect.DENY and applies is not False:
                    return Result(Decision.EXPLICIT_DENY, name, kind)
                if statement.get("Effect") == Effect.ALLOW and applies is True and allowed is None:
                    allowed = Result(Decision.ALLOWED, name, kind)
    return allowed or Result(Decision.IMPLICIT_DENY)
