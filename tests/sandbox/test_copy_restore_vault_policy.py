"""Backup vault access policies: Put/Get/DeleteBackupVaultAccessPolicy and how copies read them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sandbox.backup.access_policy import policy_allows_copy_into
from tests.sandbox.copy_restore_support import ACCOUNT, OTHER_ACCOUNT, VAULT, World, aws, vault_arn, world
from tests.sandbox.model_check import assert_matches_output_shape

__all__ = ["aws", "world"]  # fixtures, imported for pytest

DEST = vault_arn("dr-vault", account=OTHER_ACCOUNT)
SOURCE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/BackupRole"


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(principal: Any, action: Any = "backup:CopyIntoBackupVault", resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}


def _allows(policy: str | None) -> bool:
    return policy_allows_copy_into(policy, vault_arn=DEST, role_arn=SOURCE_ROLE, account=ACCOUNT)


@pytest.mark.parametrize(
    "principal",
    [
        "*",
        {"AWS": "*"},
        {"AWS": ACCOUNT},
        {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        {"AWS": [f"arn:aws:iam::{OTHER_ACCOUNT}:root", SOURCE_ROLE]},
        {"AWS": f"arn:aws:iam::{ACCOUNT}:role/*"},
    ],
)
def test_principals_that_name_the_source_account_or_its_role_allow_the_copy(principal: Any) -> None:
    assert _allows(_policy(_allow(principal)))


@pytest.mark.parametrize(
    "policy",
    [
        None,
        _policy(_allow({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"})),
        _policy(_allow({"AWS": ACCOUNT}, action="backup:StartBackupJob")),
        _policy(_allow({"AWS": ACCOUNT}, resource=vault_arn("another-vault", account=OTHER_ACCOUNT))),
        _policy(
            _allow({"AWS": ACCOUNT}),
            {"Effect": "Deny", "Principal": "*", "Action": "backup:*", "Resource": "*"},
        ),
        _policy({**_allow("*"), "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}}),
        _policy({**_allow({"Service": "backup.amazonaws.com"})}),
    ],
    ids=["no-policy", "other-principal", "other-action", "other-vault", "deny-wins", "condition", "service"],
)
def test_policies_that_do_not_allow_the_source_account_deny_the_copy(policy: str | None) -> None:
    assert not _allows(policy)


@pytest.mark.parametrize(
    ("condition", "allowed"),
    [
        (
            {"StringEquals": {"aws:PrincipalAccount": [ACCOUNT, "999999999999"]}},
            True,
        ),  # dr/template.yaml's form
        ({"StringEquals": {"aws:PrincipalAccount": OTHER_ACCOUNT}}, False),
        ({"StringNotEquals": {"aws:SourceAccount": OTHER_ACCOUNT}}, True),
        ({"StringEquals": {"aws:PrincipalArn": SOURCE_ROLE}}, True),
        ({"StringEquals": {"aws:PrincipalOrgID": "o-123"}}, False),  # not evaluable: an Allow is ignored
    ],
)
def test_allow_conditions_on_the_principal_account_are_evaluated(
    condition: dict[str, Any], allowed: bool
) -> None:
    assert _allows(_policy({**_allow("*"), "Condition": condition})) is allowed


def test_a_deny_with_an_unevaluable_condition_still_applies() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}},
    }
    assert not _allows(_policy(_allow({"AWS": ACCOUNT}), deny))


def test_wildcard_actions_and_resources_match() -> None:
    assert _allows(_policy(_allow({"AWS": ACCOUNT}, action=["backup:Copy*"], resource=[DEST])))
    assert _allows(
        _policy(_allow({"AWS": ACCOUNT}, action="*", resource="arn:aws:backup:*:*:backup-vault:dr-*"))
    )


def test_put_get_delete_vault_access_policy(aws: World) -> None:
    backup = aws.backup
    policy = _policy(_allow({"AWS": OTHER_ACCOUNT}))
    put = backup.put_backup_vault_access_policy(BackupVaultName=VAULT, Policy=policy)
    assert_matches_output_shape("backup", "PutBackupVaultAccessPolicy", put)

    got = backup.get_backup_vault_access_policy(BackupVaultName=VAULT)
    assert_matches_output_shape("backup", "GetBackupVaultAccessPolicy", got)
    assert (got["BackupVaultName"], got["BackupVaultArn"]) == (VAULT, vault_arn(VAULT))
    assert json.loads(got["Policy"]) == json.loads(policy)

    backup.delete_backup_vault_access_policy(BackupVaultName=VAULT)
    with pytest.raises(ClientError) as excinfo:
        backup.get_backup_vault_access_policy(BackupVaultName=VAULT)
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"


PUT = "put_backup_vault_access_policy"
NOT_FOUND, INVALID = "ResourceNotFoundException", "InvalidParameterValueException"


@pytest.mark.parametrize(
    ("call", "kwargs", "code"),
    [
        (PUT, {"BackupVaultName": "missing", "Policy": "{}"}, NOT_FOUND),
        (PUT, {"BackupVaultName": VAULT, "Policy": "not json"}, INVALID),
        (PUT, {"BackupVaultName": VAULT, "Policy": "[]"}, INVALID),
        ("get_backup_vault_access_policy", {"BackupVaultName": "missing"}, NOT_FOUND),
        ("delete_backup_vault_access_policy", {"BackupVaultName": "missing"}, NOT_FOUND),
    ],
)
def test_vault_access_policy_errors(aws: World, call: str, kwargs: dict[str, str], code: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        getattr(aws.backup, call)(**kwargs)
    assert excinfo.value.response["Error"]["Code"] == code


def test_a_deleted_vault_does_not_keep_its_policy(aws: World) -> None:
    backup = aws.backup
    aws.vault("short-lived")
    backup.put_backup_vault_access_policy(BackupVaultName="short-lived", Policy=_policy(_allow("*")))
    backup.delete_backup_vault(BackupVaultName="short-lived")
    aws.vault("short-lived")
    with pytest.raises(ClientError) as excinfo:
        backup.get_backup_vault_access_policy(BackupVaultName="short-lived")
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"
