"""Create/Get/List/DeleteBackupSelection through boto3: documents, limits, errors, idempotency."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.backup_support import ACCOUNT, ROLE, World, error_code, world
from tests.sandbox.model_check import assert_matches_output_shape

__all__ = ["world"]

TAG_SELECTION: dict[str, Any] = {
    "SelectionName": "tag-daily",
    "IamRoleArn": ROLE,
    "Resources": ["*"],
    "Conditions": {
        "StringEquals": [{"ConditionKey": "aws:ResourceTag/backup-plan", "ConditionValue": "daily"}],
        "StringNotLike": [
            {"ConditionKey": "aws:ResourceTag/backup-autopilot:restore-test", "ConditionValue": "*"}
        ],
    },
}


def _create(world: World, plan_id: str, document: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return dict(
        world.backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=document, **kwargs)
    )


def test_create_get_list_delete(world: World) -> None:
    world.vault()
    plan_id = world.plan()
    created = _create(world, plan_id, TAG_SELECTION)
    assert_matches_output_shape("backup", "CreateBackupSelection", created)
    selection_id = created["SelectionId"]
    assert created["BackupPlanId"] == plan_id

    got = world.backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert_matches_output_shape("backup", "GetBackupSelection", got)
    assert got["BackupSelection"] == TAG_SELECTION
    assert got["CreatorRequestId"]  # botocore fills it in (idempotency token)

    listed = world.backup.list_backup_selections(BackupPlanId=plan_id)
    assert_matches_output_shape("backup", "ListBackupSelections", listed)
    [entry] = listed["BackupSelectionsList"]
    assert entry["SelectionId"] == selection_id
    assert entry["SelectionName"] == "tag-daily"
    assert entry["IamRoleArn"] == ROLE

    world.backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert world.backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    with pytest.raises(ClientError) as excinfo:
        world.backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_list_selections_pages(world: World) -> None:
    world.vault()
    plan_id = world.plan()
    ids = [
        _create(world, plan_id, {**TAG_SELECTION, "SelectionName": f"s{i}"})["SelectionId"] for i in range(5)
    ]
    first = world.backup.list_backup_selections(BackupPlanId=plan_id, MaxResults=2)
    assert len(first["BackupSelectionsList"]) == 2 and first["NextToken"]
    pages = world.backup.get_paginator("list_backup_selections").paginate(
        BackupPlanId=plan_id, PaginationConfig={"PageSize": 2}
    )
    assert [s["SelectionId"] for page in pages for s in page["BackupSelectionsList"]] == ids


def test_creator_request_id_makes_creation_idempotent(world: World) -> None:
    world.vault()
    plan_id = world.plan()
    first = _create(world, plan_id, TAG_SELECTION, CreatorRequestId="deploy-1")
    again = _create(world, plan_id, TAG_SELECTION, CreatorRequestId="deploy-1")
    assert first["SelectionId"] == again["SelectionId"]
    assert len(world.backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]) == 1
    with pytest.raises(ClientError) as excinfo:
        _create(world, plan_id, {**TAG_SELECTION, "SelectionName": "other"}, CreatorRequestId="deploy-1")
    assert error_code(excinfo) == "AlreadyExistsException"


def test_unknown_plan_is_not_found(world: World) -> None:
    for call in (
        lambda: _create(world, "no-such-plan", TAG_SELECTION),
        lambda: world.backup.list_backup_selections(BackupPlanId="no-such-plan"),
        lambda: world.backup.delete_backup_selection(BackupPlanId="no-such-plan", SelectionId="x"),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_code(excinfo) == "ResourceNotFoundException"


def _arns(count: int, suffix: str = "") -> list[str]:
    return [f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/t{i}{suffix}" for i in range(count)]


def _condition(i: int) -> dict[str, str]:
    return {"ConditionKey": f"aws:ResourceTag/k{i}", "ConditionValue": "v"}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"SelectionName": "has space"}, "InvalidParameterValueException"),
        ({"SelectionName": "x" * 51}, "InvalidParameterValueException"),
        ({"IamRoleArn": ""}, "MissingParameterValueException"),
        ({"IamRoleArn": "arn:aws:s3:::not-a-role"}, "InvalidParameterValueException"),
        ({"Resources": ["arn:aws:s3:::*-logs"]}, "InvalidParameterValueException"),
        ({"Resources": ["not-an-arn"]}, "InvalidParameterValueException"),
        ({"Resources": _arns(501)}, "LimitExceededException"),
        ({"Resources": [*_arns(30), "arn:aws:s3:::logs-*"]}, "LimitExceededException"),
        ({"NotResources": _arns(501)}, "LimitExceededException"),
        ({"Conditions": {"StringEquals": [_condition(i) for i in range(31)]}}, "LimitExceededException"),
        (
            {
                "Conditions": {
                    "StringEquals": [_condition(i) for i in range(16)],
                    "StringLike": [_condition(i) for i in range(15)],
                }
            },
            "LimitExceededException",
        ),
        (
            {"Conditions": {"StringEquals": [{"ConditionKey": "backup-plan", "ConditionValue": "daily"}]}},
            "InvalidParameterValueException",
        ),
        (
            {
                "ListOfTags": [
                    {"ConditionType": "STRINGEQUALS", "ConditionKey": f"k{i}", "ConditionValue": "v"}
                    for i in range(31)
                ]
            },
            "LimitExceededException",
        ),
    ],
)
def test_invalid_documents_are_refused(world: World, change: dict[str, Any], code: str) -> None:
    world.vault()
    plan_id = world.plan()
    with pytest.raises(ClientError) as excinfo:
        _create(world, plan_id, {**TAG_SELECTION, **change})
    assert error_code(excinfo) == code
    assert world.backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []


def test_documents_at_the_limits_are_accepted(world: World) -> None:
    world.vault()
    plan_id = world.plan()
    _create(world, plan_id, {**TAG_SELECTION, "SelectionName": "arns", "Resources": _arns(500)})
    _create(
        world,
        plan_id,
        {**TAG_SELECTION, "SelectionName": "wild", "Resources": [*_arns(29), "arn:aws:ec2:*:*:volume/*"]},
    )
    _create(
        world,
        plan_id,
        {
            **TAG_SELECTION,
            "SelectionName": "conds",
            "Conditions": {"StringLike": [_condition(i) for i in range(30)]},
        },
    )
    assert len(world.backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]) == 3


def test_a_plan_holds_at_most_100_selections(world: World) -> None:
    world.vault()
    plan_id = world.plan()
    for i in range(100):
        _create(world, plan_id, {**TAG_SELECTION, "SelectionName": f"s{i}"})
    with pytest.raises(ClientError) as excinfo:
        _create(world, plan_id, {**TAG_SELECTION, "SelectionName": "one-too-many"})
    assert error_code(excinfo) == "LimitExceededException"


def test_a_plan_with_selections_cannot_be_deleted(world: World) -> None:
    world.vault()
    plan_id = world.plan()
    selection_id = _create(world, plan_id, TAG_SELECTION)["SelectionId"]
    with pytest.raises(ClientError) as excinfo:
        world.backup.delete_backup_plan(BackupPlanId=plan_id)
    assert error_code(excinfo) == "InvalidRequestException"
    world.backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    world.backup.delete_backup_plan(BackupPlanId=plan_id)
    with pytest.raises(ClientError) as excinfo:
        _create(world, plan_id, TAG_SELECTION)
    assert error_code(excinfo) == "ResourceNotFoundException"
