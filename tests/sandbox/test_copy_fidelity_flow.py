"""Copies as AWS really behaves, end to end in the sandbox with the real template.yaml: a continuous
(point-in-time) recovery point is never sent to StartCopyJob, and a copy failure whose event lacks
the job's fields still tells people which resource it is about (DescribeCopyJob)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from sandbox import Sandbox
from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

#: a backup (60 s start + 120 s) and its copy (30 s start + 120 s), with room to spare
BACKUP_AND_COPY_SECONDS = 900


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(template=ROOT / "template.yaml", config_env="sandbox") as sandbox:
        backup = sandbox.client("backup")
        backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
        try:
            yield sandbox
        finally:  # AWS's default again: the setting lives in a process-wide adapter
            backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})


def _domain(sb: Sandbox, detail_type: str) -> list[dict[str, Any]]:
    return [e for e in sb.events if e["source"] == "backup-autopilot" and e["detail-type"] == detail_type]


def _copy_jobs(sb: Sandbox, resource_arn: str) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = sb.client("backup").list_copy_jobs(ByResourceArn=resource_arn)["CopyJobs"]
    return jobs


# -- a continuous point: Copy Skipped (CONTINUOUS), no copy job --------------------------------------
def test_a_continuous_recovery_point_is_skipped_as_continuous_and_never_copied(sb: Sandbox) -> None:
    # GIVEN a plan rule with continuous backup into the stack's vault, selecting buckets tagged pitr=on
    backup = sb.client("backup")
    rule = {
        "RuleName": "pitr",
        "TargetBackupVaultName": sb.outputs["PrimaryVaultName"],
        "ScheduleExpression": "cron(0 5 ? * * *)",
        "EnableContinuousBackup": True,
        "Lifecycle": {"DeleteAfterDays": 35},
    }
    plan_id = backup.create_backup_plan(BackupPlan={"BackupPlanName": "pitr", "Rules": [rule]})[
        "BackupPlanId"
    ]
    backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={
            "SelectionName": "pitr",
            "IamRoleArn": sb.outputs["BackupServiceRoleArn"],
            "Resources": ["*"],
            "Conditions": {
                "StringEquals": [{"ConditionKey": "aws:ResourceTag/pitr", "ConditionValue": "on"}]
            },
        },
    )
    s3 = sb.client("s3")
    s3.create_bucket(Bucket="ledger-pitr")
    s3.put_bucket_versioning(Bucket="ledger-pitr", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="ledger-pitr", Key="2026/03.csv", Body=b"a,b\n")
    s3.put_bucket_tagging(Bucket="ledger-pitr", Tagging={"TagSet": [{"Key": "pitr", "Value": "on"}]})
    bucket = "arn:aws:s3:::ledger-pitr"

    # WHEN the rule's window backs the bucket up, and an hourly reconcile (its copy sweep) follows
    sb.advance_to(sb.backup_backend().plan_next_window(plan_id))
    sb.advance(BACKUP_AND_COPY_SECONDS + 3600)

    # THEN the point is continuous, StartCopiesFunction skipped it as CONTINUOUS, and no copy exists
    [point] = backup.list_recovery_points_by_backup_vault(
        BackupVaultName=sb.outputs["PrimaryVaultName"], ByResourceArn=bucket
    )["RecoveryPoints"]
    assert ":recovery-point:continuous:" in point["RecoveryPointArn"]
    skipped = [e["detail"] for e in _domain(sb, "Copy Skipped") if e["detail"]["resource"] == bucket]
    assert skipped and {d["reason"] for d in skipped} == {"CONTINUOUS"}
    assert {d["recovery_point"] for d in skipped} == {point["RecoveryPointArn"]}
    assert _copy_jobs(sb, bucket) == []
    assert [
        r
        for r in sb.invocations
        if r.function == "StartCopiesFunction" and r.event["resources"] == [point["RecoveryPointArn"]]
    ]


# -- a copy failure event without the job's fields ----------------------------------------------
def _failed_copy(sb: Sandbox) -> tuple[str, dict[str, Any]]:
    """A table whose copy to the DR vault failed, and that copy's FAILED event (as AWS sent it)."""
    table = sb.create_table("payments", items=5)
    sb.faults.fail_job("copy", "Access denied exception while trying to list tags", resource_arn=table)
    sb.client("dynamodb").tag_resource(ResourceArn=table, Tags=[{"Key": "backup-plan", "Value": "daily"}])
    sb.advance(BACKUP_AND_COPY_SECONDS)
    [failed] = [
        e
        for e in sb.events
        if e["detail-type"] == "Copy Job State Change"
        and e["detail"]["state"] == "FAILED"
        and e["detail"].get("resourceArn") == table
    ]
    return table, {k: v for k, v in failed.items() if k != "_bus"}


@pytest.mark.parametrize(
    "lacking",
    [
        ("resourceArn", "destinationBackupVaultArn", "statusMessage"),  # the job id: DescribeCopyJob
        ("copyJobId", "resourceArn", "destinationBackupVaultArn", "statusMessage"),  # ListCopyJobs
    ],
    ids=["with-job-id", "without-job-id"],
)
def test_a_minimal_copy_failure_event_still_names_the_resource(sb: Sandbox, lacking: tuple[str, ...]) -> None:
    table, failed = _failed_copy(sb)
    [job] = _copy_jobs(sb, table)
    minimal = {
        **failed,
        "id": "minimal-1",
        "detail": {k: v for k, v in failed["detail"].items() if k not in lacking},
    }

    before = len(_domain(sb, "Copy Failed"))
    invocation = sb.invoke("CopyOutcomeFunction", minimal)

    assert invocation.outcome == "success", invocation.error
    assert invocation.result["outcome"] == "Copy Failed"
    copy_failed = _domain(sb, "Copy Failed")[before:]
    [detail] = [e["detail"] for e in copy_failed]
    assert detail["resource"] == table  # the alert's resource line
    assert detail["copy_job_id"] == job["CopyJobId"]
    assert detail["destination_vault_arn"] == job["DestinationBackupVaultArn"]
    assert detail["cause"] == "access-denied"  # from DescribeCopyJob's StatusMessage


# -- a copy failure whose event never arrived: the hourly sweep alerts it, once ---------------------
def test_a_copy_failure_whose_event_was_lost_is_alerted_by_the_next_reconcile_once(sb: Sandbox) -> None:
    table = sb.create_table("invoices", items=5)
    sb.faults.fail_job("copy", "Access denied exception while trying to list tags", resource_arn=table)
    lost = sb.faults.drop_events("aws.backup", detail_type="Copy Job State Change", state="FAILED")
    sb.client("dynamodb").tag_resource(ResourceArn=table, Tags=[{"Key": "backup-plan", "Value": "daily"}])
    sb.advance(BACKUP_AND_COPY_SECONDS)
    [job] = [j for j in _copy_jobs(sb, table) if j["State"] == "FAILED"]
    assert lost.hits, "the FAILED copy event must have been lost for this test to mean anything"
    assert not [e for e in _domain(sb, "Copy Failed") if e["detail"]["resource"] == table]

    sb.advance(2 * 3600)  # the hourly reconcile runs twice within the lookback

    reported = [e["detail"] for e in _domain(sb, "Copy Failed") if e["detail"]["resource"] == table]
    assert reported and {d["copy_job_id"] for d in reported} == {job["CopyJobId"]}
    assert reported[0]["cause"] == "access-denied"
    # people hear of it once, however many runs report it again (notify drops the repeats)
    subjects = [n.get("Subject") or "" for n in sb.notifications if n["Channel"] == "sns"]
    assert sum("Copy Failed" in s and "invoices" in s for s in subjects) == 1, subjects
