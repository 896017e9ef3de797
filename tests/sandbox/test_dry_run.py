"""The dry run against the sandbox: it lists what the stack then protects and rejects, and makes no
write call (every request it sends is a List, Get or Describe)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3

from backup_autopilot.dry_run.cli import main as dry_run
from sandbox import Sandbox

if TYPE_CHECKING:
    import pytest

READ = ("List", "Get", "Describe")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], list[str]]:
    session = boto3.Session()
    calls: list[str] = []
    session.events.register("before-call", lambda model, **_: calls.append(model.name))
    capsys.readouterr()
    status = dry_run(["--format", "json", *argv], session=session)
    return status, json.loads(capsys.readouterr().out), calls


def _bucket(sb: Sandbox, name: str, *, versioned: bool) -> str:
    s3 = sb.client("s3")
    s3.create_bucket(Bucket=name)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=name, Key="a.txt", Body=b"a")
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "backup-plan", "Value": "daily"}]})
    return f"arn:aws:s3:::{name}"


def test_the_dry_run_lists_what_the_stack_then_protects_with_no_write(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Sandbox() as sb:
        sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
        lost = sb.faults.drop_events("aws.tag")  # the stack hears of no tag: only the dry run looks
        orders = sb.create_table(
            "orders", items=3, tags={"backup-plan": "daily", "backup-restore-test": "on"}
        )
        customers = sb.create_table("customers", items=3, tags={"backup-plan": "weekly"})
        typo = sb.create_table("audit", items=1, tags={"backup-plan": "Daily"})
        invoices = _bucket(sb, "invoices", versioned=True)
        logs = _bucket(sb, "raw-logs", versioned=False)
        sb.settle()
        assert sb.client("backup").list_backup_jobs()["BackupJobs"] == []

        status, result, calls = _run(capsys)

        # THEN no write call, and it says what it would do
        assert calls and [c for c in calls if not c.startswith(READ)] == []
        assert status == 1  # two resources would be rejected
        protected = {d["resource"]: d for d in result["protected"]}
        assert set(protected) == {orders, customers, invoices}
        assert protected[orders]["plan"] == "daily" and protected[orders]["restore_test"] is True
        assert protected[orders]["copies"] == [f"{sb.account_id}:us-west-2"]
        assert {d["resource"]: d["reason"] for d in result["rejected"]} == {
            typo: "'Daily' is not an assignable plan",
            logs: "AWS Backup cannot back up an S3 bucket without versioning",
        }
        assert sb.client("backup").list_backup_jobs()["BackupJobs"] == []  # still nothing started

        # WHEN the hourly reconcile runs  THEN the stack protects exactly those resources
        sb.faults.delivery.drops.remove(lost)
        sb.advance(2 * 3600)
        started = {job["ResourceArn"] for job in sb.client("backup").list_backup_jobs()["BackupJobs"]}
        assert started == set(protected)


def test_a_hypothetical_tag_on_one_resource(capsys: pytest.CaptureFixture[str]) -> None:
    with Sandbox() as sb:
        sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
        table = sb.create_table("reports", items=1)
        status, result, calls = _run(capsys, "--resource", table, "--tag", "backup-plan=weekly")
        assert [c for c in calls if not c.startswith(READ)] == []
        assert status == 0 and result["violations"] == 0
        assert [(d["resource"], d["plan"]) for d in result["protected"]] == [(table, "weekly")]
        status, result, _ = _run(capsys, "--resource", table, "--tag", "backup-plan=weekley")
        assert status == 1 and "did you mean 'weekly'?" in result["rejected"][0]["fix"]


def test_violations_of_the_stack_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    with Sandbox() as sb:
        sb.create_table("orders", items=1, tags={"backup-plan": "daily"})  # advanced DynamoDB is off
        status, result, _ = _run(capsys, "--params", "DrVaultName=no-such-vault")
        checks = {f["check"]: f for f in result["findings"]}
        assert status == 1
        assert checks["dr-vault"]["severity"] == "error" and "no-such-vault" in checks["dr-vault"]["detail"]
        assert checks["advanced-dynamodb"]["severity"] == "error"
