"""Restore testing plans and selections through the API: AWS's shapes (the botocore model), its limits
and its errors (fact sheet 2.7 and 4)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from sandbox import runtime
from sandbox.backup import restore_testing
from sandbox.backup.install import install
from sandbox.clock import SimClock
from tests.sandbox.backup_support import ACCOUNT, REGION, ROLE, World, error_code, world
from tests.sandbox.model_check import assert_matches_output_shape

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["world"]  # the fixture, imported for pytest

UTC = dt.UTC
PLAN = "weekly_tests"


def plan_document(name: str = PLAN, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "RestoreTestingPlanName": name,
        "ScheduleExpression": "cron(0 5 ? * 1 *)",
        "RecoveryPointSelection": {
            "Algorithm": "LATEST_WITHIN_WINDOW",
            "RecoveryPointTypes": ["SNAPSHOT"],
            "IncludeVaults": ["*"],
        },
    }
    return {**document, **changes}


def selection_document(name: str = "tables", **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "RestoreTestingSelectionName": name,
        "ProtectedResourceType": "DynamoDB",
        "IamRoleArn": ROLE,
        "ProtectedResourceArns": ["*"],
        "ProtectedResourceConditions": {"StringEquals": [{"Key": "backup-restore-test", "Value": "on"}]},
    }
    return {**document, **changes}


def create_plan(world: World, **changes: Any) -> dict[str, Any]:
    return dict(world.backup.create_restore_testing_plan(RestoreTestingPlan=plan_document(**changes)))


def create_selection(world: World, plan: str = PLAN, **changes: Any) -> dict[str, Any]:
    return dict(
        world.backup.create_restore_testing_selection(
            RestoreTestingPlanName=plan, RestoreTestingSelection=selection_document(**changes)
        )
    )


def refused(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    return error_code(excinfo)


# -- shapes ----------------------------------------------------------------------------------------
def test_every_operation_answers_in_the_models_shapes(world: World) -> None:
    backup = world.backup
    created = backup.create_restore_testing_plan(
        RestoreTestingPlan=plan_document(StartWindowHours=3), CreatorRequestId="req-1", Tags={"team": "ops"}
    )
    assert_matches_output_shape("backup", "CreateRestoreTestingPlan", created)
    arn = created["RestoreTestingPlanArn"]
    assert arn.startswith(f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:{PLAN}-")
    assert created["RestoreTestingPlanName"] == PLAN

    got = backup.get_restore_testing_plan(RestoreTestingPlanName=PLAN)
    assert_matches_output_shape("backup", "GetRestoreTestingPlan", got)
    assert got["RestoreTestingPlan"] == {
        "RestoreTestingPlanName": PLAN,
        "RestoreTestingPlanArn": arn,
        "CreationTime": created["CreationTime"],
        "CreatorRequestId": "req-1",
        "ScheduleExpression": "cron(0 5 ? * 1 *)",
        "ScheduleExpressionTimezone": "Etc/UTC",  # the default
        "StartWindowHours": 3,
        "RecoveryPointSelection": {
            "Algorithm": "LATEST_WITHIN_WINDOW",
            "RecoveryPointTypes": ["SNAPSHOT"],
            "IncludeVaults": ["*"],
            "SelectionWindowDays": 30,  # the default
        },
    }
    listed = backup.list_restore_testing_plans()
    assert_matches_output_shape("backup", "ListRestoreTestingPlans", listed)
    assert [p["RestoreTestingPlanName"] for p in listed["RestoreTestingPlans"]] == [PLAN]
    assert backup.list_tags(ResourceArn=arn)["Tags"] == {"team": "ops"}

    selection = create_selection(world, ValidationWindowHours=2, RestoreMetadataOverrides={"x": "y"})
    assert_matches_output_shape("backup", "CreateRestoreTestingSelection", selection)
    assert (selection["RestoreTestingPlanArn"], selection["RestoreTestingSelectionName"]) == (arn, "tables")
    got_selection = backup.get_restore_testing_selection(
        RestoreTestingPlanName=PLAN, RestoreTestingSelectionName="tables"
    )
    assert_matches_output_shape("backup", "GetRestoreTestingSelection", got_selection)
    assert got_selection["RestoreTestingSelection"]["ProtectedResourceConditions"] == {
        "StringEquals": [{"Key": "backup-restore-test", "Value": "on"}]
    }
    assert got_selection["RestoreTestingSelection"]["RestoreMetadataOverrides"] == {"x": "y"}
    listed_selections = backup.list_restore_testing_selections(RestoreTestingPlanName=PLAN)
    assert_matches_output_shape("backup", "ListRestoreTestingSelections", listed_selections)
    assert listed_selections["RestoreTestingSelections"][0]["ValidationWindowHours"] == 2

    world.clock.advance(60)
    updated = backup.update_restore_testing_plan(
        RestoreTestingPlanName=PLAN, RestoreTestingPlan={"RecoveryPointSelection": {"SelectionWindowDays": 7}}
    )
    assert_matches_output_shape("backup", "UpdateRestoreTestingPlan", updated)
    assert updated["UpdateTime"] > updated["CreationTime"]
    stored = backup.get_restore_testing_plan(RestoreTestingPlanName=PLAN)["RestoreTestingPlan"]
    assert stored["RecoveryPointSelection"]["SelectionWindowDays"] == 7
    assert stored["RecoveryPointSelection"]["Algorithm"] == "LATEST_WITHIN_WINDOW"  # partial update
    assert stored["LastUpdateTime"] == updated["UpdateTime"]
    updated_selection = backup.update_restore_testing_selection(
        RestoreTestingPlanName=PLAN,
        RestoreTestingSelectionName="tables",
        RestoreTestingSelection={"ValidationWindowHours": 5},
    )
    assert_matches_output_shape("backup", "UpdateRestoreTestingSelection", updated_selection)

    assert_matches_output_shape(
        "backup",
        "DeleteRestoreTestingSelection",
        backup.delete_restore_testing_selection(
            RestoreTestingPlanName=PLAN, RestoreTestingSelectionName="tables"
        ),
    )
    assert_matches_output_shape(
        "backup", "DeleteRestoreTestingPlan", backup.delete_restore_testing_plan(RestoreTestingPlanName=PLAN)
    )
    assert backup.list_restore_testing_plans()["RestoreTestingPlans"] == []


def test_lists_page_with_max_results_and_next_token(world: World) -> None:
    for n in range(3):
        create_plan(world, RestoreTestingPlanName=f"plan_{n}")
    backup = world.backup
    first = backup.list_restore_testing_plans(MaxResults=2)
    second = backup.list_restore_testing_plans(MaxResults=2, NextToken=first["NextToken"])
    names = [
        p["RestoreTestingPlanName"] for p in first["RestoreTestingPlans"] + second["RestoreTestingPlans"]
    ]
    assert names == ["plan_0", "plan_1", "plan_2"] and "NextToken" not in second
    paginator = backup.get_paginator("list_restore_testing_plans")
    assert (
        sum(len(page["RestoreTestingPlans"]) for page in paginator.paginate(PaginationConfig={"PageSize": 1}))
        == 3
    )


# -- names, windows, documents ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"RestoreTestingPlanName": "has-hyphen"}, "InvalidParameterValueException"),
        ({"RestoreTestingPlanName": "x" * 51}, "InvalidParameterValueException"),
        ({"ScheduleExpression": "rate(7 days)"}, "InvalidParameterValueException"),
        ({"ScheduleExpressionTimezone": "Mars/Olympus"}, "InvalidParameterValueException"),
        ({"StartWindowHours": 0}, "InvalidParameterValueException"),
        ({"StartWindowHours": 169}, "InvalidParameterValueException"),
        (
            {
                "RecoveryPointSelection": {
                    "Algorithm": "OLDEST",
                    "RecoveryPointTypes": ["SNAPSHOT"],
                    "IncludeVaults": ["*"],
                }
            },
            "InvalidParameterValueException",
        ),
        (
            {
                "RecoveryPointSelection": {
                    "Algorithm": "LATEST_WITHIN_WINDOW",
                    "RecoveryPointTypes": ["SNAPSHOT"],
                    "IncludeVaults": ["*"],
                    "SelectionWindowDays": 366,
                }
            },
            "InvalidParameterValueException",
        ),
        (
            {
                "RecoveryPointSelection": {
                    "Algorithm": "LATEST_WITHIN_WINDOW",
                    "RecoveryPointTypes": ["SNAPSHOT"],
                }
            },
            "MissingParameterValueException",
        ),
        (
            {
                "RecoveryPointSelection": {
                    "Algorithm": "LATEST_WITHIN_WINDOW",
                    "RecoveryPointTypes": ["SNAPSHOT"],
                    "IncludeVaults": [
                        f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:v{n}" for n in range(31)
                    ],
                }
            },
            "LimitExceededException",
        ),
    ],
)
def test_a_plan_aws_would_refuse_is_refused(world: World, changes: dict[str, Any], code: str) -> None:
    assert (
        refused(world.backup.create_restore_testing_plan, RestoreTestingPlan=plan_document(**changes)) == code
    )


def test_plan_limits_names_and_creator_request_ids(world: World) -> None:
    backup = world.backup
    first = backup.create_restore_testing_plan(RestoreTestingPlan=plan_document(), CreatorRequestId="once")
    again = backup.create_restore_testing_plan(RestoreTestingPlan=plan_document(), CreatorRequestId="once")
    assert again["RestoreTestingPlanArn"] == first["RestoreTestingPlanArn"]  # idempotent
    other = plan_document(ScheduleExpression="cron(0 6 ? * 1 *)")
    assert refused(backup.create_restore_testing_plan, RestoreTestingPlan=other, CreatorRequestId="once") == (
        "ConflictException"
    )
    assert refused(backup.create_restore_testing_plan, RestoreTestingPlan=plan_document()) == (
        "AlreadyExistsException"
    )
    for n in range(restore_testing.MAX_PLANS - 1):
        create_plan(world, RestoreTestingPlanName=f"plan_{n}")
    assert (
        refused(backup.create_restore_testing_plan, RestoreTestingPlan=plan_document("one_too_many"))
        == "LimitExceededException"
    )
    tags = {f"k{n}": "v" for n in range(51)}
    backup.delete_restore_testing_plan(RestoreTestingPlanName="plan_0")
    assert (
        refused(backup.create_restore_testing_plan, RestoreTestingPlan=plan_document("tagged"), Tags=tags)
        == "LimitExceededException"
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"RestoreTestingSelectionName": "has-hyphen"}, "InvalidParameterValueException"),
        ({"ProtectedResourceType": "Redshift"}, "InvalidParameterValueException"),
        ({"IamRoleArn": "not-a-role"}, "InvalidParameterValueException"),
        ({"ValidationWindowHours": 169}, "InvalidParameterValueException"),
        ({"ValidationWindowHours": -1}, "InvalidParameterValueException"),
        # specific ARNs and conditions: either one, never both
        (
            {"ProtectedResourceArns": [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"]},
            "InvalidParameterValueException",
        ),
        (
            {"ProtectedResourceArns": ["*", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/a"]},
            "InvalidParameterValueException",
        ),
        (
            {"ProtectedResourceArns": [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders-*"]},
            "InvalidParameterValueException",
        ),
        # keys are tag keys (Key/Value), never aws:...
        (
            {"ProtectedResourceConditions": {"StringEquals": [{"Key": "aws:ResourceTag/x", "Value": "on"}]}},
            "InvalidParameterValueException",
        ),
        (
            {
                "ProtectedResourceConditions": {
                    "StringEquals": [{"Key": f"k{n}", "Value": "v"} for n in range(31)]
                }
            },
            "LimitExceededException",
        ),
        (
            {
                "ProtectedResourceArns": [
                    f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t{n}" for n in range(31)
                ],
                "ProtectedResourceConditions": None,
            },
            "LimitExceededException",
        ),
        (
            {"ProtectedResourceArns": None, "ProtectedResourceConditions": None},
            "MissingParameterValueException",
        ),
    ],
)
def test_a_selection_aws_would_refuse_is_refused(world: World, changes: dict[str, Any], code: str) -> None:
    create_plan(world)
    document = {k: v for k, v in selection_document(**changes).items() if v is not None}
    call = world.backup.create_restore_testing_selection
    assert refused(call, RestoreTestingPlanName=PLAN, RestoreTestingSelection=document) == code


def test_specific_arns_without_conditions_are_a_selection(world: World) -> None:
    create_plan(world)
    arns = [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t{n}" for n in range(30)]
    document = {
        k: v
        for k, v in selection_document(ProtectedResourceArns=arns).items()
        if k != "ProtectedResourceConditions"
    }
    world.backup.create_restore_testing_selection(
        RestoreTestingPlanName=PLAN, RestoreTestingSelection=document
    )
    got = world.backup.get_restore_testing_selection(
        RestoreTestingPlanName=PLAN, RestoreTestingSelectionName="tables"
    )
    assert got["RestoreTestingSelection"]["ProtectedResourceArns"] == arns


def test_selection_limits_names_and_the_plan_they_need(world: World) -> None:
    backup = world.backup
    assert (
        refused(
            backup.create_restore_testing_selection,
            RestoreTestingPlanName="nope",
            RestoreTestingSelection=selection_document(),
        )
        == "ResourceNotFoundException"
    )
    create_plan(world)
    for n in range(restore_testing.MAX_SELECTIONS_PER_PLAN):
        create_selection(world, RestoreTestingSelectionName=f"s{n}")
    assert (
        refused(
            backup.create_restore_testing_selection,
            RestoreTestingPlanName=PLAN,
            RestoreTestingSelection=selection_document("s99"),
        )
        == "LimitExceededException"
    )
    assert (
        refused(
            backup.create_restore_testing_selection,
            RestoreTestingPlanName=PLAN,
            RestoreTestingSelection=selection_document("s0"),
        )
        == "AlreadyExistsException"
    )
    assert (
        refused(
            backup.get_restore_testing_selection,
            RestoreTestingPlanName=PLAN,
            RestoreTestingSelectionName="s99",
        )
        == "ResourceNotFoundException"
    )
    assert (
        refused(
            backup.delete_restore_testing_selection,
            RestoreTestingPlanName=PLAN,
            RestoreTestingSelectionName="s99",
        )
        == "ResourceNotFoundException"
    )


def test_a_plan_is_deleted_only_after_its_selections(world: World) -> None:
    backup = world.backup
    create_plan(world)
    create_selection(world)
    assert (
        refused(backup.delete_restore_testing_plan, RestoreTestingPlanName=PLAN) == "InvalidRequestException"
    )
    backup.delete_restore_testing_selection(RestoreTestingPlanName=PLAN, RestoreTestingSelectionName="tables")
    backup.delete_restore_testing_plan(RestoreTestingPlanName=PLAN)
    assert (
        refused(backup.get_restore_testing_plan, RestoreTestingPlanName=PLAN) == "ResourceNotFoundException"
    )
    assert (
        refused(backup.delete_restore_testing_plan, RestoreTestingPlanName=PLAN)
        == "ResourceNotFoundException"
    )
    assert (
        refused(
            backup.update_restore_testing_plan,
            RestoreTestingPlanName=PLAN,
            RestoreTestingPlan={"StartWindowHours": 2},
        )
        == "ResourceNotFoundException"
    )


def test_updates_are_partial_validated_and_keep_the_names(world: World) -> None:
    backup = world.backup
    create_plan(world)
    create_selection(world)
    assert (
        refused(
            backup.update_restore_testing_plan,
            RestoreTestingPlanName=PLAN,
            RestoreTestingPlan={"StartWindowHours": 200},
        )
        == "InvalidParameterValueException"
    )
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
    # to specific ARNs: the conditions go
    backup.update_restore_testing_selection(
        RestoreTestingPlanName=PLAN,
        RestoreTestingSelectionName="tables",
        RestoreTestingSelection={"ProtectedResourceArns": [table]},
    )
    got = backup.get_restore_testing_selection(
        RestoreTestingPlanName=PLAN, RestoreTestingSelectionName="tables"
    )
    assert got["RestoreTestingSelection"]["ProtectedResourceArns"] == [table]
    assert "ProtectedResourceConditions" not in got["RestoreTestingSelection"]
    # back to conditions: send the wildcard too (fact sheet 2.7), or be refused
    conditions = {"StringNotEquals": [{"Key": "backup-restore-test", "Value": "off"}]}
    assert (
        refused(
            backup.update_restore_testing_selection,
            RestoreTestingPlanName=PLAN,
            RestoreTestingSelectionName="tables",
            RestoreTestingSelection={"ProtectedResourceConditions": conditions},
        )
        == "InvalidParameterValueException"
    )
    backup.update_restore_testing_selection(
        RestoreTestingPlanName=PLAN,
        RestoreTestingSelectionName="tables",
        RestoreTestingSelection={"ProtectedResourceArns": ["*"], "ProtectedResourceConditions": conditions},
    )
    got = backup.get_restore_testing_selection(
        RestoreTestingPlanName=PLAN, RestoreTestingSelectionName="tables"
    )
    assert got["RestoreTestingSelection"]["ProtectedResourceConditions"] == conditions
    assert got["RestoreTestingSelection"]["RestoreTestingSelectionName"] == "tables"
    assert got["RestoreTestingSelection"]["ProtectedResourceType"] == "DynamoDB"


def test_a_plan_runs_at_its_cron_in_its_time_zone(world: World) -> None:
    # Monday 2026-03-02 09:00 UTC; 05:00 in New York is 10:00 UTC (EST)
    create_plan(world, ScheduleExpression="cron(0 5 ? * * *)", ScheduleExpressionTimezone="America/New_York")
    backend = world.backend()
    assert backend.restore_testing_next_run(PLAN) == dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    world.clock.advance_to(dt.datetime(2026, 3, 2, 10, 0, 1, tzinfo=UTC))
    got = world.backup.get_restore_testing_plan(RestoreTestingPlanName=PLAN)["RestoreTestingPlan"]
    assert got["LastExecutionTime"] == dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    # an update reschedules it
    world.backup.update_restore_testing_plan(
        RestoreTestingPlanName=PLAN, RestoreTestingPlan={"ScheduleExpressionTimezone": "Etc/UTC"}
    )
    assert backend.restore_testing_next_run(PLAN) == dt.datetime(2026, 3, 3, 5, 0, tzinfo=UTC)


# -- server mode -------------------------------------------------------------------------------------
@pytest.fixture
def endpoint() -> Iterator[str]:
    install()  # before the server sees its first backup request
    clock = SimClock().start()
    runtime.set_clock(clock)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        yield url
    finally:
        requests.post(f"{url}/moto-api/reset", timeout=10)
        server.stop()
        runtime.set_clock(None)
        clock.stop()


def test_plans_and_selections_over_http(endpoint: str) -> None:
    backup: Any = boto3.client("backup", region_name=REGION, endpoint_url=endpoint)
    backup.create_restore_testing_plan(RestoreTestingPlan=plan_document())
    backup.create_restore_testing_selection(
        RestoreTestingPlanName=PLAN, RestoreTestingSelection=selection_document()
    )
    assert [
        p["RestoreTestingPlanName"] for p in backup.list_restore_testing_plans()["RestoreTestingPlans"]
    ] == [PLAN]
    listed = backup.list_restore_testing_selections(RestoreTestingPlanName=PLAN)["RestoreTestingSelections"]
    assert [s["RestoreTestingSelectionName"] for s in listed] == ["tables"]
    backup.update_restore_testing_selection(
        RestoreTestingPlanName=PLAN,
        RestoreTestingSelectionName="tables",
        RestoreTestingSelection={"ValidationWindowHours": 1},
    )
    got = backup.get_restore_testing_selection(
        RestoreTestingPlanName=PLAN, RestoreTestingSelectionName="tables"
    )
    assert got["RestoreTestingSelection"]["ValidationWindowHours"] == 1
    backup.delete_restore_testing_selection(RestoreTestingPlanName=PLAN, RestoreTestingSelectionName="tables")
    backup.delete_restore_testing_plan(RestoreTestingPlanName=PLAN)
    with pytest.raises(ClientError) as excinfo:
        backup.get_restore_testing_plan(RestoreTestingPlanName=PLAN)
    assert error_code(excinfo) == "ResourceNotFoundException"
