"""Vault access policy documents (pure): their validation, and whether one allows a copy into a vault.

A cross-account copy needs the destination vault's access policy to allow
``backup:CopyIntoBackupVault`` for the source account (or its role). Statements are evaluated for
``Effect``, ``Action``, ``Resource`` and ``Principal`` (``*``, an account id,
``arn:aws:iam::<acct>:root`` or a role ARN, wildcards allowed) and ``Condition``:
``StringEquals``/``StringNotEquals`` on ``aws:PrincipalAccount``, ``aws:SourceAccount`` and
``aws:PrincipalArn`` are evaluated (the caller is the source account and its backup role); any other
condition cannot be evaluated (the sandbox has no Organizations model): an Allow with such a
condition is ignored, a Deny with one applies, so the sandbox never allows more than AWS would.
Organizations membership and ``isCrossAccountBackupEnabled`` are not modelled (treated as satisfied).
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from sandbox.backup.errors import InvalidParameterValueException, MissingParameterValueException

COPY_INTO_ACTION = "backup:CopyIntoBackupVault"
#: condition keys the sandbox can evaluate for a copy into a vault (the caller is the source account)
_CONDITION_KEYS = {
    "aws:principalaccount": "account",
    "aws:sourceaccount": "account",
    "aws:principalarn": "role",
}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: Any, role_arn: str, account: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for value in _as_list(principal.get("AWS")):
        if value in {"*", account, f"arn:aws:iam::{account}:root"} or fnmatch.fnmatchcase(role_arn, value):
            return True
    return False


def _statement_applies(statement: dict[str, Any], *, vault_arn: str, role_arn: str, account: str) -> bool:
    actions = [action.lower() for action in _as_list(statement.get("Action"))]
    return (
        any(fnmatch.fnmatchcase(COPY_INTO_ACTION.lower(), action) for action in actions)
        and any(fnmatch.fnmatchcase(vault_arn, res) for res in _as_list(statement.get("Resource", "*")))
        and _principal_matches(statement.get("Principal"), role_arn, account)
    )


def policy_allows_copy_into(policy: str | None, *, vault_arn: str, role_arn: str, account: str) -> bool:
    """Whether a vault access policy lets ``account`` (through ``role_arn``) copy into ``vault_arn``."""
    if not policy:
        return False
    allowed = False
    for statement in _as_list(json.loads(policy).get("Statement")):
        if not _statement_applies(statement, vault_arn=vault_arn, role_arn=role_arn, account=account):
            continue
        holds = _conditions_hold(statement.get("Condition"), role_arn=role_arn, account=account)
        if statement.get("Effect") == "Deny" and holds is not False:
            return False  # a Deny whose condition the sandbox cannot evaluate still applies
        if statement.get("Effect") == "Allow" and holds is True:
            allowed = True  # an Allow counts only when its condition is known to hold
    return allowed


def _conditions_hold(condition: Any, *, role_arn: str, account: str) -> bool | None:
    """True/False when every condition is StringEquals/StringNotEquals on a key the sandbox knows
    (aws:PrincipalAccount, aws:SourceAccount, aws:PrincipalArn); None when it cannot tell."""
    if not condition:
        return True
    if not isinstance(condition, dict):
        return None
    facts = {"account": account, "role": role_arn}
    for operator, pairs in condition.items():
        if operator not in {"StringEquals", "StringNotEquals"} or not isinstance(pairs, dict):
            return None
        for key, expected in pairs.items():
            fact = _CONDITION_KEYS.get(str(key).lower())
            if fact is None:
                return None
            matches = facts[fact] in {str(v) for v in _as_list(expected)}
            if matches != (operator == "StringEquals"):
                return False
    return True


def check_policy_document(policy: str | None) -> str:
    """The policy, when it is a JSON policy document with a ``Statement`` (else AWS's errors)."""
    if not policy:
        raise MissingParameterValueException("Policy is required")
    try:
        document = json.loads(policy)
    except ValueError:
        raise InvalidParameterValueException("Policy is not valid JSON") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise InvalidParameterValueException("Policy must be a JSON policy document with a Statement")
    return policy
