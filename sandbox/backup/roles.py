"""The IAM role a job runs as: AWS Backup assumes it, so it must exist and trust AWS Backup.

A backup, copy or restore job names an ``IamRoleArn``; AWS Backup assumes that role when the job
runs. :func:`role_refusal` reads the role from moto's IAM (the account of the ARN) and answers why
AWS Backup could not assume it: the role does not exist, or its trust policy has no ``Allow`` of
``sts:AssumeRole`` for the service principal ``backup.amazonaws.com`` (or ``*``); a ``Deny`` that
names the principal wins. The job then FAILS (it is accepted at the request, as AWS accepts it).
Only the trust policy is read: the role's permission policies are not evaluated (moto enforces no
IAM; see "What the sandbox does not do").

The messages are the sandbox's: UNVERIFIED (AWS documents no text for these failures).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from moto.iam.models import iam_backends

BACKUP_PRINCIPAL = "backup.amazonaws.com"
_ASSUME_ACTIONS = {"sts:assumerole", "sts:*", "*"}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _names_backup(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return BACKUP_PRINCIPAL in _as_list(principal.get("Service")) or "*" in _as_list(principal.get("AWS"))


def trusts_backup(document: str | dict[str, Any] | None) -> bool:
    """Whether a role trust policy lets ``backup.amazonaws.com`` call ``sts:AssumeRole``."""
    if not document:
        return False
    if isinstance(document, str):
        text = document if document.lstrip().startswith("{") else unquote(document)
        try:
            document = json.loads(text)
        except ValueError:
            return False
    assert isinstance(document, dict)
    allowed = False
    for statement in _as_list(document.get("Statement")):
        actions = {str(a).lower() for a in _as_list(statement.get("Action"))}
        if not actions & _ASSUME_ACTIONS or not _names_backup(statement.get("Principal")):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def role_refusal(role_arn: str | None) -> str | None:
    """Why AWS Backup cannot assume ``role_arn`` (None: it can; no role given: nothing to assume)."""
    if not role_arn:
        return None
    parts = role_arn.split(":", 5)
    if len(parts) < 6:
        return f"Unable to assume IAM role {role_arn}: not a role ARN"
    partition, account = parts[1], parts[4]
    role = next((r for r in iam_backends[account][partition].get_roles() if r.arn == role_arn), None)
    if role is None:
        return f"Unable to assume IAM role {role_arn}: the role does not exist"
    if not trusts_backup(role.assume_role_policy_document):
        return (
            f"Unable to assume IAM role {role_arn}: its trust policy does not allow {BACKUP_PRINCIPAL} "
            "to perform sts:AssumeRole"
        )
    return None
