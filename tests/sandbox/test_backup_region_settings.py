"""DescribeRegionSettings / UpdateRegionSettings."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.backup_support import World, world
from tests.sandbox.model_check import assert_matches_output_shape

__all__ = ["world"]


def test_defaults_every_type_opted_in_and_advanced_dynamodb_off(world: World) -> None:
    settings = world.backup.describe_region_settings()
    assert_matches_output_shape("backup", "DescribeRegionSettings", settings)
    opt_in = settings["ResourceTypeOptInPreference"]
    assert {"DynamoDB", "EBS", "EC2", "EFS", "RDS", "Aurora", "S3", "FSx"} <= set(opt_in)
    assert all(opt_in.values())
    assert settings["ResourceTypeManagementPreference"] == {"DynamoDB": False, "EFS": True}


def test_update_changes_only_what_is_sent_and_emits_an_event(world: World) -> None:
    world.backup.update_region_settings(
        ResourceTypeOptInPreference={"S3": False}, ResourceTypeManagementPreference={"DynamoDB": True}
    )
    settings = world.backup.describe_region_settings()
    assert settings["ResourceTypeOptInPreference"]["S3"] is False
    assert settings["ResourceTypeOptInPreference"]["EBS"] is True
    assert settings["ResourceTypeManagementPreference"]["DynamoDB"] is True
    [event] = world.events_of("Region Setting State Change")
    assert event["source"] == "aws.backup"
    assert event["detail"]["state"] == "MODIFIED"
    assert event["detail"]["ResourceTypeOptInPreference"]["S3"] is False
    other_region = world.client("backup", "us-east-1").describe_region_settings()
    assert other_region["ResourceTypeOptInPreference"]["S3"] is True


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ResourceTypeOptInPreference": {"Lambda": True}},
        {"ResourceTypeManagementPreference": {"EBS": True}},
    ],
)
def test_unknown_resource_types_are_refused(world: World, kwargs: dict[str, dict[str, bool]]) -> None:
    with pytest.raises(ClientError) as excinfo:
        world.backup.update_region_settings(**kwargs)
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException"
