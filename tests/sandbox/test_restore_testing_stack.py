"""Restore testing from template.yaml: the stack's restore testing plan and its selections, deployed
into the sandbox, test what the restore-test tag opts in at the weekly run; AWS Backup (the sandbox)
deletes what they restored after the validation window."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest

from sandbox import Sandbox
from sandbox.backup.restore_test_cleanup import S3_CLEANUP_SECONDS
from sandbox.resources import restored
from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

UTC = dt.UTC
#: a Saturday morning: the weekly run (and the daily window) is on Sunday at 05:00 UTC
SATURDAY = dt.datetime(2026, 3, 7, 9, 0, tzinfo=UTC)
SUNDAY_RUN = dt.datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
DAILY = {"backup-plan": "daily"}
ON = {**DAILY, "backup-restore-test": "on"}


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(template=ROOT / "template.yaml", config_env="sandbox", start=SATURDAY) as sandbox:
        yield sandbox


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def plan_jobs(sb: Sandbox) -> dict[str, dict[str, Any]]:
    """The restore jobs of the stack's restore testing plan, by tested resource."""
    backup = sb.client("backup")
    jobs = backup.list_restore_jobs(ByRestoreTestingPlanArn=sb.outputs["RestoreTestingPlanArn"])[
        "RestoreJobs"
    ]
    return {job["SourceResourceArn"]: job for job in jobs}


def describe(sb: Sandbox, job_id: str) -> dict[str, Any]:
    return dict(sb.client("backup").describe_restore_job(RestoreJobId=job_id))


def protected(sb: Sandbox) -> set[str]:
    return {r["ResourceArn"] for r in sb.client("backup").list_protected_resources()["Results"]}


# -- the resources a team tags ---------------------------------------------------------------------
def bucket(sb: Sandbox, name: str, tags: dict[str, str]) -> str:
    s3 = sb.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    for month in range(1, 7):
        s3.put_object(Bucket=name, Key=f"2025/{month:02d}.pdf", Body=b"%PDF-1.7 " * month)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
    return f"arn:aws:s3:::{name}"


def volume(sb: Sandbox, tags: dict[str, str]) -> str:
    ec2 = sb.client("ec2")
    volume_id = ec2.create_volume(AvailabilityZone=f"{sb.region}a", Size=16)["VolumeId"]
    ec2.create_tags(Resources=[volume_id], Tags=tag_list(tags))
    return f"arn:aws:ec2:{sb.region}:{sb.account_id}:volume/{volume_id}"


def database(sb: Sandbox, name: str, tags: dict[str, str]) -> str:
    rds = sb.client("rds")
    arn = rds.create_db_instance(
        DBInstanceIdentifier=name,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="not-a-secret-1",  # pragma: allowlist secret
    )["DBInstance"]["DBInstanceArn"]
    rds.add_tags_to_resource(ResourceName=arn, Tags=tag_list(tags))
    return str(arn)


def file_system(sb: Sandbox, token: str, tags: dict[str, str]) -> str:
    efs = sb.client("efs")
    created = efs.create_file_system(CreationToken=token)
    efs.tag_resource(ResourceId=created["FileSystemId"], Tags=tag_list(tags))
    return str(created["FileSystemArn"])


def items(sb: Sandbox, table: str) -> int:
    pages = sb.client("dynamodb").get_paginator("scan").paginate(TableName=table, Select="COUNT")
    return sum(page["Count"] for page in pages)


# -- the deployment ----------------------------------------------------------------------------------
def test_the_stack_deploys_a_weekly_plan_with_one_tag_selection_per_type(sb: Sandbox) -> None:
    backup = sb.client("backup")
    name = sb.physical_id("RestoreTestingPlan")
    assert name == sb.outputs["RestoreTestingPlanName"] == "backup_autopilot_weekly"
    plan = backup.get_restore_testing_plan(RestoreTestingPlanName=name)["RestoreTestingPlan"]
    assert plan["RestoreTestingPlanArn"] == sb.attribute("RestoreTestingPlan", "RestoreTestingPlanArn")
    assert (plan["ScheduleExpression"], plan["ScheduleExpressionTimezone"]) == (
        "cron(0 5 ? * 1 *)",
        "Etc/UTC",
    )
    assert plan["StartWindowHours"] == 24
    assert plan["RecoveryPointSelection"] == {
        "Algorithm": "LATEST_WITHIN_WINDOW",
        "RecoveryPointTypes": ["SNAPSHOT"],
        "IncludeVaults": [sb.outputs["PrimaryVaultArn"]],
        "SelectionWindowDays": 30,
    }
    assert backup.list_tags(ResourceArn=plan["RestoreTestingPlanArn"])["Tags"] == {
        "backup-autopilot:stack": sb.stack_name
    }
    assert sb.backup_backend().restore_testing_next_run(name) == SUNDAY_RUN
    selections = backup.list_restore_testing_selections(RestoreTestingPlanName=name)[
        "RestoreTestingSelections"
    ]
    assert sorted(s["ProtectedResourceType"] for s in selections) == sorted(
        ["DynamoDB", "S3", "EBS", "EC2", "RDS", "Aurora", "EFS", "FSx"]
    )
    role = sb.outputs["RestoreTestRoleArn"]
    for listed in selections:
        selection = backup.get_restore_testing_selection(
            RestoreTestingPlanName=name, RestoreTestingSelectionName=listed["RestoreTestingSelectionName"]
        )["RestoreTestingSelection"]
        assert selection["IamRoleArn"] == role
        assert selection["ProtectedResourceArns"] == ["*"]
        assert selection["ProtectedResourceConditions"] == {
            "StringEquals": [{"Key": "backup-restore-test", "Value": "on"}]
        }
        assert selection["ValidationWindowHours"] == 24
        assert "RestoreMetadataOverrides" not in selection  # the parameters are empty: AWS infers
    variables = sb.deployment.resolve(
        sb.deployment.functions["ReconcileFunction"].properties["Environment"]["Variables"]
    )
    assert variables["RESTORE_TESTING_PLAN_ARN"] == plan["RestoreTestingPlanArn"]
    assert variables["RESTORE_ROLE_ARN"] == role
    assert variables["RESTORE_TEST_DEFAULT_ON"] == "false"
    assert variables["RESTORE_VALIDATION_WINDOW_HOURS"] in ("24", 24)


def test_overrides_from_the_parameters_reach_the_selections() -> None:
    parameters = {
        "RestoreSubnetId": "subnet-0123456789abcdef0",
        "RestoreDbSubnetGroupName": "restore-tests",
        "RestoreAvailabilityZone": "us-east-1b",
        "RestoreTestingPlanName": "nightly_rt",
    }
    with Sandbox(template=ROOT / "template.yaml", parameters=parameters, dr_template=None) as sb:
        backup = sb.client("backup")
        overrides = {
            s["ProtectedResourceType"]: s.get("RestoreMetadataOverrides")
            for s in (
                backup.get_restore_testing_selection(
                    RestoreTestingPlanName="nightly_rt", RestoreTestingSelectionName=name
                )["RestoreTestingSelection"]
                for name in ("ec2", "rds", "aurora", "ebs", "dynamodb")
            )
        }
    assert overrides == {
        "EC2": {"SubnetId": "subnet-0123456789abcdef0"},
        "RDS": {"DBSubnetGroupName": "restore-tests"},
        "Aurora": {"dbSubnetGroupName": "restore-tests"},
        "EBS": {"availabilityZone": "us-east-1b"},
        "DynamoDB": None,
    }


# -- the weekly run --------------------------------------------------------------------------------
def test_the_weekly_run_tests_five_tagged_types_and_aws_deletes_what_it_restored() -> None:
    with Sandbox(
        template=ROOT / "template.yaml", start=SATURDAY, parameters={"RestoreTestStartWindowHours": "1"}
    ) as sb:
        weekly_run_of_five_types(sb)


def weekly_run_of_five_types(sb: Sandbox) -> None:
    sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    sources = {
        "DynamoDB": sb.create_table("orders", items=120, tags=ON),
        "S3": bucket(sb, "invoices-archive", ON),
        "EBS": volume(sb, ON),
        "RDS": database(sb, "billing", ON),
        "EFS": file_system(sb, "home", ON),
    }
    untested = sb.create_table("scratch", items=5, tags=DAILY)  # protected, not opted in
    sb.faults.fail_restore_test_deletion(resource_arn=sources["EFS"])
    sb.advance(3600)  # protect_resource starts the first backups at once; they complete
    assert set(sources.values()) | {untested} <= protected(sb)

    # the run: each restored resource is checked as soon as its test completes (the stack's hourly
    # sweep validates tests whose event no function handles yet, and AWS then deletes them)
    sb.advance_to(SUNDAY_RUN)
    checked: dict[str, dict[str, Any]] = {}
    while len(checked) < len(sources) and sb.clock.now() < SUNDAY_RUN + dt.timedelta(hours=3):
        sb.advance(300)
        for source, listed in plan_jobs(sb).items():
            if source not in checked and listed["Status"] == "COMPLETED":
                checked[source] = check_restored(sb, source, describe(sb, listed["RestoreJobId"]))
    assert set(checked) == set(sources.values())  # one test per opted-in resource; scratch untested
    assert set(plan_jobs(sb)) == set(sources.values())
    # (the stack's own first tests, started when each resource was opted in, came days before)
    completed = [
        e["detail"]
        for e in sb.events
        if e["detail-type"] == "Restore Job State Change"
        and e["detail"].get("status") == "COMPLETED"
        and e["time"] >= SUNDAY_RUN.isoformat()
    ]
    assert len(completed) == len(sources)
    assert {d.get("restoreTestingPlanArn") for d in completed} == {sb.outputs["RestoreTestingPlanArn"]}

    # validated (by the stack's sweep), then deleted by AWS; S3 through lifecycle rules (days)
    sb.advance_to(SUNDAY_RUN + dt.timedelta(hours=4))
    jobs = {t: describe(sb, checked[s]["RestoreJobId"]) for t, s in sources.items()}
    assert all(job.get("ValidationStatus") in {"SUCCESSFUL", "FAILED"} for job in jobs.values()), jobs
    assert {t: job["DeletionStatus"] for t, job in jobs.items()} == {
        "DynamoDB": "SUCCESSFUL",
        "S3": "DELETING",
        "EBS": "SUCCESSFUL",
        "RDS": "SUCCESSFUL",
        "EFS": "FAILED",  # the fault: left behind
    }
    assert jobs["EFS"]["DeletionStatusMessage"]

    # Monday's daily window backs up the sources, never what the tests restored (the S3 and EFS
    # copies still exist then)
    sb.advance_to(SUNDAY_RUN + dt.timedelta(hours=24, minutes=30))
    created = {job["CreatedResourceArn"] for job in jobs.values()}
    assert {restored.describe(jobs[t]["CreatedResourceArn"]) is not None for t in ("S3", "EFS")} == {True}
    monday_jobs = sb.client("backup").list_backup_jobs(ByCreatedAfter=SUNDAY_RUN + dt.timedelta(hours=20))
    backed_up = {job["ResourceArn"] for job in monday_jobs["BackupJobs"]}
    assert set(sources.values()) <= backed_up
    assert not backed_up & created and not protected(sb) & created

    sb.advance(S3_CLEANUP_SECONDS)
    for resource_type, source in sources.items():
        still_there = restored.describe(jobs[resource_type]["CreatedResourceArn"]) is not None
        assert still_there == (resource_type == "EFS"), resource_type
        assert restored.describe(source) is not None  # never the source
    assert describe(sb, jobs["S3"]["RestoreJobId"])["DeletionStatus"] == "SUCCESSFUL"


def check_restored(sb: Sandbox, source: str, test: dict[str, Any]) -> dict[str, Any]:
    """A completed restore test of ``source``: made by the stack's plan, into a new tagged resource."""
    assert test["CreatedBy"] == {"RestoreTestingPlanArn": sb.outputs["RestoreTestingPlanArn"]}
    assert test["IamRoleArn"] == sb.outputs["RestoreTestRoleArn"]
    assert SUNDAY_RUN <= test["CreationDate"] < SUNDAY_RUN + dt.timedelta(hours=1)  # the start window
    created = test["CreatedResourceArn"]
    live = restored.describe(created)
    assert created != source and live is not None and "awsbackup-restore-test" in live.tags, test
    if test["ResourceType"] == "DynamoDB":
        table = created.rsplit("/", 1)[1]
        assert table.startswith("awsbackup-restore-test-") and items(sb, table) == 120
    if test["ResourceType"] == "S3":
        assert sb.client("s3").list_objects_v2(Bucket=created.split(":::")[1])["KeyCount"] == 6
    return test


def test_with_restore_test_default_on_untagged_resources_are_tested_too() -> None:
    with Sandbox(
        template=ROOT / "template.yaml",
        start=SATURDAY,
        parameters={"RestoreTestDefault": "on"},
        dr_template=None,
    ) as sb:
        sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
        untagged = sb.create_table("orders", items=10, tags=DAILY)
        opted_out = sb.create_table("ledger", items=10, tags={**DAILY, "backup-restore-test": "off"})
        sb.advance(3600)
        assert {untagged, opted_out} <= protected(sb)
        variables = sb.deployment.resolve(
            sb.deployment.functions["ReconcileFunction"].properties["Environment"]["Variables"]
        )
        assert variables["RESTORE_TEST_DEFAULT_ON"] == "true"

        sb.advance_to(SUNDAY_RUN + dt.timedelta(hours=25))
        tests = plan_jobs(sb)
        assert set(tests) == {untagged}
        assert describe(sb, tests[untagged]["RestoreJobId"])["Status"] == "COMPLETED"
