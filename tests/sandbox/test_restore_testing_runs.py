"""Restore testing runs on the simulated clock: what a run picks (tags of the latest recovery point,
the plan's recovery point selection), the restore jobs it starts, and what becomes of the restored
resources (tagged, kept for validation, deleted; the deletion fault; the concurrency quota)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sandbox.backup import restore_testing, transfers
from sandbox.backup.restore_test_cleanup import DELETION_SECONDS, S3_CLEANUP_SECONDS
from sandbox.faults import FAULTS
from sandbox.resources import restored
from tests.sandbox.backup_support import backup_role
from tests.sandbox.copy_restore_support import (
    ACCOUNT,
    JOB_SECONDS,
    REGION,
    ROLE,
    VAULT,
    World,
    aws,
    vault_arn,
    world,
)

__all__ = ["aws", "world"]  # fixtures, imported for pytest

UTC = dt.UTC
PLAN = "nightly_tests"
TEST_ROLE = f"arn:aws:iam::{ACCOUNT}:role/RestoreTestRole"
ON = {"backup-plan": "daily", "backup-restore-test": "on"}
#: the plan runs at 20:00 UTC (the world starts Monday 09:00): after the set-up's backups
RUN = dt.datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
TAG_ON = {"StringEquals": [{"Key": "backup-restore-test", "Value": "on"}]}


# -- the world ---------------------------------------------------------------------------------------
def tags(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in values.items()]


def bucket(aws: World, name: str, tagged: dict[str, str], objects: int = 4) -> str:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    for n in range(objects):
        s3.put_object(Bucket=name, Key=f"doc-{n}.txt", Body=f"document {n}".encode() * 10)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags(tagged)})
    return f"arn:aws:s3:::{name}"


def volume(aws: World, tagged: dict[str, str]) -> str:
    created = aws.client("ec2").create_volume(
        AvailabilityZone=f"{REGION}a",
        Size=8,
        TagSpecifications=[{"ResourceType": "volume", "Tags": tags(tagged)}],
    )
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{created['VolumeId']}"


def database(aws: World, name: str, tagged: dict[str, str]) -> str:
    created = aws.client("rds").create_db_instance(
        DBInstanceIdentifier=name,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="not-a-secret-1",  # pragma: allowlist secret
        DeletionProtection=True,
        Tags=tags(tagged),
    )
    return str(created["DBInstance"]["DBInstanceArn"])


def file_system(aws: World, token: str, tagged: dict[str, str]) -> str:
    created = aws.client("efs").create_file_system(CreationToken=token, Tags=tags(tagged))
    return str(created["FileSystemArn"])


def plan(aws: World, *, cron: str = "cron(0 20 ? * * *)", window: int = 1, **selection: Any) -> str:
    backup_role(TEST_ROLE)
    document: dict[str, Any] = {
        "RestoreTestingPlanName": PLAN,
        "ScheduleExpression": cron,
        "StartWindowHours": window,
        "RecoveryPointSelection": {
            "Algorithm": "LATEST_WITHIN_WINDOW",
            "RecoveryPointTypes": ["SNAPSHOT"],
            "IncludeVaults": [vault_arn(VAULT)],
            **selection,
        },
    }
    return str(aws.backup.create_restore_testing_plan(RestoreTestingPlan=document)["RestoreTestingPlanArn"])


def select(aws: World, resource_type: str, conditions: dict[str, Any] | None = None, **more: Any) -> None:
    document = {
        "RestoreTestingSelectionName": resource_type.lower(),
        "ProtectedResourceType": resource_type,
        "IamRoleArn": TEST_ROLE,
        "ProtectedResourceArns": ["*"],
        "ProtectedResourceConditions": TAG_ON if conditions is None else conditions,
        **more,
    }
    aws.backup.create_restore_testing_selection(RestoreTestingPlanName=PLAN, RestoreTestingSelection=document)


def plan_jobs(aws: World, plan_arn: str) -> dict[str, dict[str, Any]]:
    """The plan's restore jobs, by source resource."""
    jobs = aws.backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]
    return {job["SourceResourceArn"]: job for job in jobs}


def job(aws: World, job_id: str) -> dict[str, Any]:
    return dict(aws.backup.describe_restore_job(RestoreJobId=job_id))


def after_the_run(aws: World, hours: float = 1) -> None:
    """Past the run, its start window (``hours``) and the jobs' run time."""
    aws.clock.advance_to(RUN + dt.timedelta(hours=hours, seconds=JOB_SECONDS))


# -- what a run tests ----------------------------------------------------------------------------------
def test_a_run_restores_the_latest_point_of_each_tagged_resource_of_five_types(aws: World) -> None:
    aws.advanced_dynamodb()  # DynamoDB backups carry tags only with advanced backup
    table = aws.table("orders", items=20, tags=ON)
    first_point = aws.recovery_point(table)
    aws.client("dynamodb").put_item(TableName="orders", Item={"pk": {"S": "late"}, "body": {"S": "x"}})
    latest_point = aws.recovery_point(table)
    sources = {
        "DynamoDB": table,
        "S3": bucket(aws, "invoices", ON),
        "EBS": volume(aws, ON),
        "RDS": database(aws, "billing", ON),
        "EFS": file_system(aws, "home", ON),
    }
    points = {t: (latest_point if t == "DynamoDB" else aws.recovery_point(arn)) for t, arn in sources.items()}
    untagged = aws.table("scratch", items=2, tags={"backup-plan": "daily"})
    opted_out = aws.table("ledger", items=2, tags={**ON, "backup-restore-test": "off"})
    for arn in (untagged, opted_out):
        aws.recovery_point(arn)
    plan_arn = plan(aws)
    for resource_type in sources:
        select(aws, resource_type, ValidationWindowHours=4)

    after_the_run(aws)
    tests = plan_jobs(aws, plan_arn)
    assert set(tests) == set(sources.values())  # one job per tagged resource; the others untested
    for resource_type, source in sources.items():
        test = job(aws, tests[source]["RestoreJobId"])
        assert test["Status"] == "COMPLETED", test
        assert test["RecoveryPointArn"] == points[resource_type] != first_point
        assert test["CreatedBy"] == {"RestoreTestingPlanArn": plan_arn}
        assert test["IamRoleArn"] == TEST_ROLE
        assert test["ResourceType"] == resource_type
        assert RUN <= test["CreationDate"] <= RUN + dt.timedelta(hours=1)  # inside the start window
        created = test["CreatedResourceArn"]
        live = restored.describe(created)
        assert live is not None and live.tags.get("awsbackup-restore-test") == test["RestoreJobId"]
        if resource_type in {"DynamoDB", "S3", "RDS"}:
            assert live.name.startswith("awsbackup-restore-test-")
    restored_table = tests[table]["CreatedResourceArn"].rsplit("/", 1)[1]
    assert len(aws.items(restored_table)) == 21  # the latest point: every item, the late one too
    s3 = aws.client("s3")
    restored_bucket = tests[sources["S3"]]["CreatedResourceArn"].split(":::")[1]
    assert s3.get_object(Bucket=restored_bucket, Key="doc-3.txt")["Body"].read() == b"document 3" * 10
    restored_db = tests[sources["RDS"]]["CreatedResourceArn"].rsplit(":", 1)[1]
    db = aws.client("rds").describe_db_instances(DBInstanceIdentifier=restored_db)["DBInstances"][0]
    assert (db["Engine"], db["DeletionProtection"]) == ("postgres", False)  # inferred: protection off
    for detail in (e["detail"] for e in aws.events_of("Restore Job State Change")):
        if detail.get("status") == "COMPLETED":
            assert detail["restoreTestingPlanArn"] == plan_arn


def test_tags_are_read_on_the_latest_recovery_point_not_on_the_live_resource(aws: World) -> None:
    aws.advanced_dynamodb()
    tested = aws.table("tested", items=3, tags=ON)
    late = aws.table("late", items=3, tags={"backup-plan": "daily"})
    for arn in (tested, late):
        aws.recovery_point(arn)
    dynamodb = aws.client("dynamodb")
    dynamodb.untag_resource(ResourceArn=tested, TagKeys=["backup-restore-test"])  # after its backup
    dynamodb.tag_resource(ResourceArn=late, Tags=tags({"backup-restore-test": "on"}))  # after its backup
    plan_arn = plan(aws)
    select(aws, "DynamoDB")

    after_the_run(aws)
    assert set(plan_jobs(aws, plan_arn)) == {tested}


def test_recovery_points_carry_the_resources_tags_at_backup_time(aws: World) -> None:
    # GIVEN an EBS volume and a DynamoDB table without advanced backup, both tagged
    ebs = volume(aws, {"team": "ops", "backup-restore-test": "on"})
    table = aws.table("plain", items=1, tags={"team": "ops"})
    ebs_point = aws.recovery_point(ebs, RecoveryPointTags={"team": "backup", "made-by": "test"})
    table_point = aws.recovery_point(table, RecoveryPointTags={"made-by": "test"})
    aws.client("ec2").delete_tags(Resources=[ebs.rsplit("/", 1)[1]], Tags=[{"Key": "team"}])
    state = aws.backend().state
    # THEN the volume's point has its tags as they were, RecoveryPointTags winning a clash
    assert state.recovery_points[ebs_point].tags == {
        "team": "backup",
        "made-by": "test",
        "backup-restore-test": "on",
    }
    # AND a DynamoDB backup without advanced backup carries none ("Copying tags onto backups")
    assert state.recovery_points[table_point].tags == {}


def test_string_not_equals_tests_every_resource_not_tagged_off(aws: World) -> None:
    aws.advanced_dynamodb()
    untagged = aws.table("untagged", items=1)
    opted_in = aws.table("opted-in", items=1, tags={"backup-restore-test": "on"})
    opted_out = aws.table("opted-out", items=1, tags={"backup-restore-test": "off"})
    for arn in (untagged, opted_in, opted_out):
        aws.recovery_point(arn)
    plan_arn = plan(aws)
    select(aws, "DynamoDB", {"StringNotEquals": [{"Key": "backup-restore-test", "Value": "off"}]})

    after_the_run(aws)
    assert set(plan_jobs(aws, plan_arn)) == {untagged, opted_in}


def test_specific_arns_are_tested_whatever_their_tags(aws: World) -> None:
    listed = aws.table("listed", items=1)
    aws.table("other", items=1)
    aws.recovery_point(listed)
    aws.recovery_point(f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/other")
    plan_arn = plan(aws)
    document = {
        "RestoreTestingSelectionName": "listed",
        "ProtectedResourceType": "DynamoDB",
        "IamRoleArn": TEST_ROLE,
        "ProtectedResourceArns": [listed],
    }
    aws.backup.create_restore_testing_selection(RestoreTestingPlanName=PLAN, RestoreTestingSelection=document)

    after_the_run(aws)
    assert set(plan_jobs(aws, plan_arn)) == {listed}


@pytest.mark.parametrize(
    "selection",
    [
        {"ExcludeVaults": [vault_arn(VAULT)]},
        {"RecoveryPointTypes": ["CONTINUOUS"]},
        {"SelectionWindowDays": 1},  # the point below is two days old at the run
    ],
    ids=["excluded vault", "continuous only", "outside the selection window"],
)
def test_resources_without_an_eligible_point_are_skipped(aws: World, selection: dict[str, Any]) -> None:
    aws.advanced_dynamodb()
    table = aws.table("orders", items=1, tags=ON)
    aws.recovery_point(table)
    plan_arn = plan(aws, cron="cron(0 20 ? * 4 *)", **selection)  # Wednesday 20:00, two days later
    select(aws, "DynamoDB")

    aws.clock.advance_to(dt.datetime(2026, 3, 4, 22, 0, tzinfo=UTC))
    assert aws.backup.get_restore_testing_plan(RestoreTestingPlanName=PLAN)["RestoreTestingPlan"].get(
        "LastExecutionTime"
    ) == dt.datetime(2026, 3, 4, 20, 0, tzinfo=UTC)
    assert plan_jobs(aws, plan_arn) == {}


def test_random_within_window_restores_one_of_the_eligible_points(aws: World) -> None:
    aws.advanced_dynamodb()
    table = aws.table("orders", items=1, tags=ON)
    points = {aws.recovery_point(table) for _ in range(3)}
    plan_arn = plan(aws, Algorithm="RANDOM_WITHIN_WINDOW")
    select(aws, "DynamoDB")

    after_the_run(aws)
    [test] = plan_jobs(aws, plan_arn).values()
    assert test["RecoveryPointArn"] in points


def test_overrides_replace_inferred_metadata_whatever_the_case_of_their_keys(aws: World) -> None:
    ebs = volume(aws, ON)
    aws.recovery_point(ebs)
    plan_arn = plan(aws)
    select(aws, "EBS", RestoreMetadataOverrides={"AVAILABILITYZONE": f"{REGION}c"}, ValidationWindowHours=4)

    after_the_run(aws)
    [test] = plan_jobs(aws, plan_arn).values()
    metadata = aws.backup.get_restore_job_metadata(RestoreJobId=test["RestoreJobId"])["Metadata"]
    assert metadata["availabilityZone"] == f"{REGION}c" and "AVAILABILITYZONE" not in metadata
    volume_id = test["CreatedResourceArn"].rsplit("/", 1)[1]
    [created] = aws.client("ec2").describe_volumes(VolumeIds=[volume_id])["Volumes"]
    assert created["AvailabilityZone"] == f"{REGION}c"


# -- what becomes of the restored resources ------------------------------------------------------------
def test_restored_resources_go_after_their_validation_result_or_window(aws: World) -> None:
    aws.advanced_dynamodb()
    validated = aws.table("validated", items=2, tags=ON)
    waited = aws.table("waited", items=2, tags=ON)
    for arn in (validated, waited):
        aws.recovery_point(arn)
    plan_arn = plan(aws)
    select(aws, "DynamoDB", ValidationWindowHours=6)
    after_the_run(aws)
    tests = plan_jobs(aws, plan_arn)
    validated_job, waited_job = tests[validated]["RestoreJobId"], tests[waited]["RestoreJobId"]
    assert "DeletionStatus" not in job(aws, validated_job)

    aws.backup.put_restore_validation_result(RestoreJobId=validated_job, ValidationStatus="SUCCESSFUL")
    assert job(aws, validated_job)["DeletionStatus"] == "DELETING"
    aws.clock.advance(DELETION_SECONDS)
    done = job(aws, validated_job)
    assert (done["DeletionStatus"], done["ValidationStatus"]) == ("SUCCESSFUL", "SUCCESSFUL")
    assert done["DeletionStatusMessage"]
    assert restored.describe(done["CreatedResourceArn"]) is None
    assert restored.describe(job(aws, waited_job)["CreatedResourceArn"]) is not None  # its window runs

    completed = job(aws, waited_job)["CompletionDate"]
    aws.clock.advance_to(completed + dt.timedelta(hours=6, seconds=DELETION_SECONDS + 1))
    gone = job(aws, waited_job)
    assert gone["DeletionStatus"] == "SUCCESSFUL" and "ValidationStatus" not in gone
    assert restored.describe(gone["CreatedResourceArn"]) is None
    assert restored.describe(waited) is not None  # never the source


def test_a_restored_bucket_is_emptied_by_lifecycle_rules_and_gone_days_later(aws: World) -> None:
    source = bucket(aws, "invoices", ON)
    aws.recovery_point(source)
    plan_arn = plan(aws)
    select(aws, "S3", ValidationWindowHours=0)
    after_the_run(aws)
    [test] = plan_jobs(aws, plan_arn).values()
    name = test["CreatedResourceArn"].split(":::")[1]

    deleting = job(aws, test["RestoreJobId"])
    assert deleting["DeletionStatus"] == "DELETING"
    rules = aws.client("s3").get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
    assert rules[0]["Expiration"]["Days"] == 1 and rules[0]["Status"] == "Enabled"
    aws.clock.advance(S3_CLEANUP_SECONDS / 2)
    assert restored.describe(test["CreatedResourceArn"]) is not None  # lifecycle rules take days
    aws.clock.advance(S3_CLEANUP_SECONDS / 2)
    assert job(aws, test["RestoreJobId"])["DeletionStatus"] == "SUCCESSFUL"
    assert restored.describe(test["CreatedResourceArn"]) is None
    assert restored.describe(source) is not None


def test_a_deletion_that_fails_leaves_the_resource_and_says_failed(aws: World) -> None:
    aws.advanced_dynamodb()
    table = aws.table("orders", items=2, tags=ON)
    other = aws.table("other", items=2, tags=ON)
    for arn in (table, other):
        aws.recovery_point(arn)
    message = "AWS Backup could not delete the restored table: AccessDeniedException"
    FAULTS.fail_restore_test_deletion(message, resource_arn=table)
    plan_arn = plan(aws)
    select(aws, "DynamoDB", ValidationWindowHours=1)
    after_the_run(aws, hours=1 + 1 + DELETION_SECONDS / 3600)
    tests = plan_jobs(aws, plan_arn)

    failed = job(aws, tests[table]["RestoreJobId"])
    assert (failed["DeletionStatus"], failed["DeletionStatusMessage"]) == ("FAILED", message)
    assert restored.describe(failed["CreatedResourceArn"]) is not None  # left behind
    assert job(aws, tests[other]["RestoreJobId"])["DeletionStatus"] == "SUCCESSFUL"  # one deletion only


def test_a_restored_resource_whose_tag_was_removed_is_not_deleted(aws: World) -> None:
    aws.advanced_dynamodb()
    table = aws.table("orders", items=2, tags=ON)
    aws.recovery_point(table)
    plan_arn = plan(aws)
    select(aws, "DynamoDB", ValidationWindowHours=2)
    after_the_run(aws)
    [test] = plan_jobs(aws, plan_arn).values()
    aws.client("dynamodb").untag_resource(
        ResourceArn=test["CreatedResourceArn"], TagKeys=["awsbackup-restore-test"]
    )

    aws.clock.advance(3 * 3600)
    kept = job(aws, test["RestoreJobId"])
    assert kept["DeletionStatus"] == "FAILED" and "awsbackup-restore-test" in kept["DeletionStatusMessage"]
    assert restored.describe(kept["CreatedResourceArn"]) is not None


def test_restored_resources_are_never_backed_up_by_a_plan(aws: World) -> None:
    aws.advanced_dynamodb()
    table = aws.table("orders", items=2, tags=ON)
    aws.recovery_point(table)
    plan_arn = plan(aws)
    select(aws, "DynamoDB", ValidationWindowHours=48)
    daily = aws.plan("everything", cron="cron(0 23 ? * * *)")
    aws.backup.create_backup_selection(
        BackupPlanId=daily,
        BackupSelection={
            "SelectionName": "all",
            "IamRoleArn": ROLE,
            "Resources": ["arn:aws:dynamodb:*:*:table/*"],
        },
    )
    after_the_run(aws)
    [test] = plan_jobs(aws, plan_arn).values()

    aws.clock.advance_to(dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC))  # past the 23:00 window
    backed_up = {j["ResourceArn"] for j in aws.backup.list_backup_jobs(ByBackupVaultName=VAULT)["BackupJobs"]}
    assert table in backed_up and test["CreatedResourceArn"] not in backed_up


def test_tests_beyond_the_types_concurrency_quota_fail_when_their_window_closes(
    aws: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws.advanced_dynamodb()
    first = aws.table("first", items=2, tags=ON)
    second = aws.table("second", items=2, tags=ON)
    for arn in (first, second):
        aws.recovery_point(arn)
    monkeypatch.setitem(restore_testing.CONCURRENCY_QUOTAS, "DynamoDB", 1)
    monkeypatch.setattr(transfers, "BASE_SECONDS", 3 * 3600)  # a restore outlasts the start window
    plan_arn = plan(aws, window=1)
    select(aws, "DynamoDB")

    aws.clock.advance_to(RUN + dt.timedelta(hours=5))
    statuses = sorted(
        (job(aws, t["RestoreJobId"])["Status"], t.get("StatusMessage"))
        for t in plan_jobs(aws, plan_arn).values()
    )
    assert statuses == [("COMPLETED", None), ("FAILED", restore_testing.START_WINDOW_MESSAGE)]
    failed = next(
        e for e in aws.events_of("Restore Job State Change") if e["detail"].get("status") == "FAILED"
    )
    assert failed["detail"]["statusMessage"] == restore_testing.START_WINDOW_MESSAGE


def test_an_efs_test_restored_into_its_source_never_deletes_the_source(aws: World) -> None:
    source = file_system(aws, "home", ON)
    aws.recovery_point(source)
    plan_arn = plan(aws)
    select(aws, "EFS", RestoreMetadataOverrides={"newfilesystem": "false"}, ValidationWindowHours=0)

    after_the_run(aws, hours=3)
    [test] = plan_jobs(aws, plan_arn).values()
    done = job(aws, test["RestoreJobId"])
    assert done["Status"] == "COMPLETED" and done["CreatedResourceArn"] == source
    assert "DeletionStatus" not in done
    live = restored.describe(source)
    assert live is not None and "awsbackup-restore-test" not in live.tags
