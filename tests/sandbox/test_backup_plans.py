"""Plan rules fire on the SimClock and back up what their selections match at that moment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox.backup.plan_schedule import next_window
from tests.sandbox.backup_support import JOB_SECONDS, REGION, ROLE, VAULT, World, world

__all__ = ["world"]

UTC = dt.UTC


def _tag_selection(plan_value: str = "daily", **extra: Any) -> dict[str, Any]:
    return {
        "SelectionName": f"tag-{plan_value}",
        "IamRoleArn": ROLE,
        "Resources": ["*"],
        "Conditions": {
            "StringEquals": [{"ConditionKey": "aws:ResourceTag/backup-plan", "ConditionValue": plan_value}],
            "StringNotLike": [
                {"ConditionKey": "aws:ResourceTag/backup-autopilot:restore-test", "ConditionValue": "*"}
            ],
        },
        **extra,
    }


def _select(world: World, plan_id: str, document: dict[str, Any]) -> str:
    return str(
        world.backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=document)["SelectionId"]
    )


def _advance_past_window(world: World, plan_id: str) -> dt.datetime:
    window = world.backend().plan_next_window(plan_id)
    world.clock.advance_to(window)
    return window


def _plan_jobs(world: World) -> list[dict[str, Any]]:
    return list(world.backup.list_backup_jobs()["BackupJobs"])


def test_daily_plan_backs_up_a_tagged_table_of_1000_items_at_its_window(world: World) -> None:
    world.vault()
    plan_id = world.plan(Lifecycle={"DeleteAfterDays": 35}, RecoveryPointTags={"made-by": "plan"})
    _select(world, plan_id, _tag_selection())
    tagged = world.table("orders", items=1000, tags={"backup-plan": "daily"})
    world.table("scratch", items=5)  # no tag: never backed up
    world.table("weekly-only", items=5, tags={"backup-plan": "weekly"})

    world.clock.advance(3600)
    assert _plan_jobs(world) == []  # nothing before the window (09:00 -> 05:00 next day)

    window = _advance_past_window(world, plan_id)
    assert window == dt.datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
    [job] = _plan_jobs(world)
    assert job["ResourceArn"] == tagged
    assert job["CreationDate"] == window
    plan = world.backup.get_backup_plan(BackupPlanId=plan_id)
    rule = plan["BackupPlan"]["Rules"][0]
    assert job["CreatedBy"] == {
        "BackupPlanId": plan_id,
        "BackupPlanArn": plan["BackupPlanArn"],
        "BackupPlanName": "daily",
        "BackupPlanVersion": plan["VersionId"],
        "BackupRuleId": rule["RuleId"],
        "BackupRuleName": "daily-rule",
        "BackupRuleCron": "cron(0 5 ? * * *)",
        "BackupRuleTimezone": "Etc/UTC",
    }
    assert job["StartBy"] == window + dt.timedelta(minutes=480)  # the rule's (moto-default) start window

    world.clock.advance(JOB_SECONDS)
    done = world.backup.describe_backup_job(BackupJobId=job["BackupJobId"])
    assert done["State"] == "COMPLETED"
    [point] = world.backup.list_recovery_points_by_backup_vault(BackupVaultName=VAULT)["RecoveryPoints"]
    assert point["ResourceArn"] == tagged
    assert point["Lifecycle"] == {"DeleteAfterDays": 35}
    assert point["CalculatedLifecycle"]["DeleteAt"] == window + dt.timedelta(days=35)
    assert point["CreatedBy"]["BackupPlanId"] == plan_id
    stored = world.backend().state.recovery_points[point["RecoveryPointArn"]]
    assert len(stored.capture.payload) == 1000
    assert stored.tags == {}  # a DynamoDB backup carries tags only with advanced DynamoDB backup

    completed = world.job_events(job["BackupJobId"])[-1]
    assert completed["detail"]["createdBy"] == {
        "backupPlanId": plan_id,
        "backupPlanArn": plan["BackupPlanArn"],
        "backupPlanVersion": plan["VersionId"],
        "backupPlanRuleId": rule["RuleId"],
    }
    assert completed["resources"] == [point["RecoveryPointArn"]]


def test_the_window_fires_every_day_and_sees_tags_as_they_are_then(world: World) -> None:
    world.vault()
    plan_id = world.plan()
    _select(world, plan_id, _tag_selection())
    world.table("orders", tags={"backup-plan": "daily"})
    late = world.table("late")
    _advance_past_window(world, plan_id)
    world.clock.advance(JOB_SECONDS)
    world.client("dynamodb").tag_resource(ResourceArn=late, Tags=[{"Key": "backup-plan", "Value": "daily"}])
    _advance_past_window(world, plan_id)
    resources = [j["ResourceArn"] for j in _plan_jobs(world)]
    assert len(resources) == 3
    assert resources.count(late) == 1


def test_plan_created_later_is_scheduled_too(world: World) -> None:
    world.vault()
    world.clock.advance(2 * 86400)
    plan_id = world.plan(name="later", cron="cron(30 * ? * * *)")
    _select(world, plan_id, _tag_selection())
    world.table("orders", tags={"backup-plan": "daily"})
    world.clock.advance(3600)
    assert len(_plan_jobs(world)) == 1


def test_a_table_matched_by_two_selections_gets_one_job(world: World) -> None:
    world.vault()
    plan_id = world.plan()
    _select(world, plan_id, _tag_selection())
    table = world.table("orders", tags={"backup-plan": "daily"})
    _select(world, plan_id, {"SelectionName": "explicit", "IamRoleArn": ROLE, "Resources": [table]})
    _advance_past_window(world, plan_id)
    assert [j["ResourceArn"] for j in _plan_jobs(world)] == [table]


def test_opted_out_type_is_skipped_by_a_tag_selection_but_not_by_an_explicit_type(world: World) -> None:
    world.vault()
    world.backup.update_region_settings(ResourceTypeOptInPreference={"DynamoDB": False})
    tag_plan = world.plan()
    _select(world, tag_plan, _tag_selection())
    world.table("orders", tags={"backup-plan": "daily"})
    _advance_past_window(world, tag_plan)
    assert _plan_jobs(world) == []

    typed_plan = world.plan(name="typed", cron="cron(0 6 ? * * *)")
    typed = {**_tag_selection(), "SelectionName": "typed", "Resources": ["arn:aws:dynamodb:*:*:table/*"]}
    _select(world, typed_plan, typed)
    _advance_past_window(world, typed_plan)
    assert len(_plan_jobs(world)) == 1


def test_list_of_tags_and_not_resources(world: World) -> None:
    world.vault()
    plan_id = world.plan()
    keep = world.table("keep", tags={"team": "core"})
    excluded = world.table("excluded", tags={"team": "core"})
    world.table("other", tags={"team": "web"})
    document = {
        "SelectionName": "core",
        "IamRoleArn": ROLE,
        "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "team", "ConditionValue": "core"}],
        "NotResources": [excluded],
    }
    _select(world, plan_id, document)
    _advance_past_window(world, plan_id)
    assert [j["ResourceArn"] for j in _plan_jobs(world)] == [keep]


def test_restore_test_leftovers_are_never_backed_up_by_a_plan(world: World) -> None:
    world.vault()
    plan_id = world.plan()
    _select(world, plan_id, {"SelectionName": "all", "IamRoleArn": ROLE, "Resources": ["*"]})
    kept = world.table("orders")
    world.table("awsbackup-restore-test-1234")
    world.table("tagged-leftover", tags={"awsbackup-restore-test": "true"})
    world.table("ours", tags={"backup-autopilot:restore-test": "run-1"})
    _advance_past_window(world, plan_id)
    resources = sorted(j["ResourceArn"] for j in _plan_jobs(world))
    assert kept in resources and len(resources) == 2  # ours has no exclusion condition in this selection


def test_plan_next_window_honours_the_rule_timezone(world: World) -> None:
    world.vault()
    plan_id = world.plan(cron="cron(0 5 ? * * *)", ScheduleExpressionTimezone="Europe/Paris")
    # 2026-03-02 09:00 UTC = 10:00 in Paris; next 05:00 Paris = 04:00 UTC the next day
    assert world.backend().plan_next_window(plan_id) == dt.datetime(2026, 3, 3, 4, 0, tzinfo=UTC)


def test_next_window_follows_aws_cron() -> None:
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
    assert next_window("cron(0 5 ? * 1 *)", None, start) == dt.datetime(
        2026, 3, 8, 5, 0, tzinfo=UTC
    )  # Sunday
    assert next_window("cron(0 5 1 * ? *)", "Etc/UTC", start) == dt.datetime(2026, 4, 1, 5, 0, tzinfo=UTC)
    assert next_window("cron(0/15 * ? * * *)", None, start) == dt.datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "rule",
    [
        {"ScheduleExpression": "rate(1 day)"},
        {"ScheduleExpression": "cron(0 5 * *)"},
        {"ScheduleExpressionTimezone": "Mars/Olympus"},
        {"Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60}},
    ],
)
def test_invalid_plan_rules_are_refused(world: World, rule: dict[str, Any]) -> None:
    world.vault()
    document = {"BackupPlanName": "bad", "Rules": [{"RuleName": "r", "TargetBackupVaultName": VAULT, **rule}]}
    with pytest.raises(ClientError) as excinfo:
        world.backup.create_backup_plan(BackupPlan=document)
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_a_deleted_plan_stops_firing(world: World) -> None:
    world.vault()
    plan_id = world.plan()
    selection_id = _select(world, plan_id, _tag_selection())
    world.table("orders", tags={"backup-plan": "daily"})
    world.backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    world.backup.delete_backup_plan(BackupPlanId=plan_id)
    world.clock.advance(3 * 86400)
    assert _plan_jobs(world) == []


def test_plan_jobs_in_another_region_stay_there(world: World) -> None:
    world.vault(region="us-east-1")
    backup = boto3.client("backup", region_name="us-east-1")
    document: Any = {"BackupPlanName": "daily", "Rules": [{"RuleName": "r", "TargetBackupVaultName": VAULT}]}
    plan_id = backup.create_backup_plan(BackupPlan=document)["BackupPlanId"]
    selection: Any = _tag_selection()
    backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection)
    world.table("here", tags={"backup-plan": "daily"})
    there = world.table("there", tags={"backup-plan": "daily"}, region="us-east-1")
    world.clock.advance_to(world.backend("us-east-1").plan_next_window(plan_id))
    assert [j["ResourceArn"] for j in backup.list_backup_jobs()["BackupJobs"]] == [there]
    assert world.backup.list_backup_jobs()["BackupJobs"] == []
    assert REGION != "us-east-1"


def test_rule_copy_actions_copy_each_plan_backup_when_it_completes(world: World) -> None:
    world.vault()
    dr_vault = world.vault("dr-vault", region="us-east-1")
    world.backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})  # copyable
    copy_action = {"DestinationBackupVaultArn": dr_vault, "Lifecycle": {"DeleteAfterDays": 30}}
    plan_id = world.plan(CopyActions=[copy_action])
    _select(world, plan_id, _tag_selection())
    table = world.table("orders", tags={"backup-plan": "daily"})
    _advance_past_window(world, plan_id)
    world.clock.advance(2 * JOB_SECONDS)

    [job] = _plan_jobs(world)
    assert job["State"] == "COMPLETED"
    [copy] = world.backup.list_copy_jobs()["CopyJobs"]
    assert copy["State"] == "COMPLETED"
    assert copy["SourceRecoveryPointArn"] == job["RecoveryPointArn"]
    assert copy["DestinationBackupVaultArn"] == dr_vault
    assert copy["CreatedBy"]["BackupPlanId"] == plan_id
    dr = world.client("backup", "us-east-1")
    [point] = dr.list_recovery_points_by_backup_vault(BackupVaultName="dr-vault")["RecoveryPoints"]
    assert point["ResourceArn"] == table
    assert point["Lifecycle"] == {"DeleteAfterDays": 30}


def test_on_demand_backups_start_no_copies(world: World) -> None:
    world.vault()
    world.start_backup(world.table("orders"))
    world.clock.advance(JOB_SECONDS)
    assert world.backup.list_copy_jobs()["CopyJobs"] == []
