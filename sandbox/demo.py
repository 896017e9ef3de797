"""`make demo`: the product's story, told by the sandbox, with the events as a readable timeline.

1. The stack (and its DR vault) is deployed into the sandbox.
2. A table with 1,000 orders is tagged ``backup-plan=daily``: protected at once, first backup now.
3. A mistyped tag (``Daily``) is rejected loudly, naming the valid plans.
4. A bucket is tagged while S3 tag events are lost: the hourly reconcile protects it.
5. Completed backups are copied to the DR Region; one copy fails (KMS) and is classified.
6. The daily plan's window backs up everything tagged ``daily``.
7. The copy in the DR Region is restored into a NEW table: the same 1,000 items.
8. People hear about what needs them, in Slack and by e-mail: a failed backup and its recovery,
   a storm of 1,000 failures as a few digests, the restore test report (``demo_alerts``).
9. Restore tests, in a world of their own (``demo_restore_tests``): a weekly run over a table, a
   bucket, a volume, a database and a file system; the bucket's injected empty restore fails with
   its reason, the others pass within their RTO targets; everything restored is deleted; one report.
10. The operator report of the first world (``demo_report``): the stack's ReportFunction's page, read
    from the report bucket; the story ends with its path and a one-screen summary.

``python -m sandbox demo --realistic`` tells the same story with AWS's events delivered as AWS
delivers them (late, twice, or never: ``Sandbox(realistic=True)``): each step waits (in simulated
time) until what it shows has happened, up to :data:`PATIENCE_SECONDS`; the checks are the same.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from sandbox import Sandbox, demo_alerts, demo_report, demo_restore_tests
from sandbox.resources import tagevents

if TYPE_CHECKING:
    from collections.abc import Callable

ITEMS = 1_000
#: how long a step waits for what it shows (simulated time; events can be 5 minutes late, twice)
PATIENCE_SECONDS = 30 * 60
STEP_SECONDS = 30
#: timeline lines that are routine (hourly sweeps, empty notify batches): counted, not printed
ROUTINE = ("Coverage Report", "ReconcileFunction <-", "NotifyFunction <-", "fired (rate(", "storm-")


def _say(text: str) -> None:
    print(f"\n== {text}")


def _tag_table(sb: Sandbox, arn: str, tags: dict[str, str]) -> None:
    sb.client("dynamodb").tag_resource(
        ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
    )


def _count_items(sb: Sandbox, table: str, region: str | None = None) -> int:
    paginator = sb.client("dynamodb", region=region).get_paginator("scan")
    return sum(page["Count"] for page in paginator.paginate(TableName=table, Select="COUNT"))


def _domain(sb: Sandbox, detail_type: str) -> list[dict[str, Any]]:
    return [e for e in sb.events if e["source"] == "backup-autopilot" and e["detail-type"] == detail_type]


def _jobs(sb: Sandbox, arn: str) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = sb.client("backup").list_backup_jobs(ByResourceArn=arn)["BackupJobs"]
    return sorted(jobs, key=lambda j: j["CreationDate"])


def _until(sb: Sandbox, happened: Callable[[], bool], patience: float = PATIENCE_SECONDS) -> bool:
    """Run what is due now, then move time on in small steps until ``happened()`` (at once when
    events are on time; up to ``patience`` seconds when they are late). Returns ``happened()``."""
    sb.settle()
    waited = 0.0
    while not happened() and waited < patience:
        sb.advance(STEP_SECONDS)
        waited += STEP_SECONDS
    return happened()


def _wait_for(sb: Sandbox, read: Callable[[], dict[str, Any]], done: set[str]) -> dict[str, Any]:
    for _ in range(360):
        state = read()
        if state.get("State", state.get("Status")) in done:
            return state
        sb.advance(60)
    raise TimeoutError("still running after 6 hours of simulated time")


def run(*, realistic: bool = False) -> int:
    started = time.perf_counter()
    with Sandbox(template="template.yaml", config_env="sandbox", realistic=realistic) as sb:
        backup = sb.client("backup")
        dr_vault = str(sb.template.parameters["DrVaultName"])
        checks: dict[str, bool] = {}
        _say(f"stack '{sb.stack_name}' deployed ({sb.account_id}, {sb.region}; DR vault in {sb.dr_region})")
        if realistic:
            print("   AWS events delivered as AWS delivers them: 0-5 min late, 2% twice, 1% never")
        for plan in backup.list_backup_plans()["BackupPlansList"]:
            print(f"   plan {plan['BackupPlanName']}")
        backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
        print("   advanced DynamoDB backup turned on (needed to copy DynamoDB backups)")

        _say(f"a table with {ITEMS:,} orders is tagged backup-plan=daily")
        orders = sb.create_table("orders", items=ITEMS)
        _tag_table(sb, orders, {"backup-plan": "daily", "team": "payments"})
        _until(sb, lambda: bool(_jobs(sb, orders)))
        first = _jobs(sb, orders)
        print(
            f"   backup job started at once: {len(first)} ({first[0]['State'] if first else '-'}), "
            "no wait for the 05:00 window"
        )
        checks["first backup at once"] = len(first) == 1

        _say("a table is tagged backup-plan=Daily (a typo)")
        ledger = sb.create_table("ledger", items=50)
        _tag_table(sb, ledger, {"backup-plan": "Daily"})
        _until(sb, lambda: bool(_domain(sb, "Assignment Rejected")))
        rejected = _domain(sb, "Assignment Rejected")
        for event in rejected:
            print(f"   Assignment Rejected: {event['detail']['summary']}")
        checks["typo rejected, no job"] = len(rejected) == 1 and not _jobs(sb, ledger)

        _say("a bucket is tagged while S3 tag events are lost")
        tagevents.set_enabled("S3", False)
        s3 = sb.client("s3")
        s3.create_bucket(Bucket="invoices-archive")
        s3.put_bucket_versioning(Bucket="invoices-archive", VersioningConfiguration={"Status": "Enabled"})
        for month in range(1, 13):
            s3.put_object(Bucket="invoices-archive", Key=f"2025/{month:02d}.pdf", Body=b"%PDF-1.7 " * month)
        s3.put_bucket_tagging(
            Bucket="invoices-archive", Tagging={"TagSet": [{"Key": "backup-plan", "Value": "weekly"}]}
        )
        bucket = "arn:aws:s3:::invoices-archive"
        sb.settle()
        print(f"   right after tagging: {len(_jobs(sb, bucket))} backup job (no event arrived)")
        sb.advance(3600)
        print(f"   after the hourly reconcile: {len(_jobs(sb, bucket))} backup job")
        checks["reconcile catches the lost event"] = len(_jobs(sb, bucket)) == 1

        _say("completed backups are copied to the DR Region; one copy is denied by KMS")
        payments = sb.create_table("payments", items=20)
        sb.faults.fail_job(
            "copy",
            "Access denied: the backup role is not authorized to perform kms:CreateGrant on the DR key "
            "(Given key ID is not accessible)",
            resource_arn=payments,
        )
        _tag_table(sb, payments, {"backup-plan": "daily"})
        sb.advance(900)
        dr = sb.client("backup", region=sb.dr_region)

        def dr_points() -> list[dict[str, Any]]:
            listed: list[dict[str, Any]] = dr.list_recovery_points_by_backup_vault(BackupVaultName=dr_vault)[
                "RecoveryPoints"
            ]
            return listed

        _until(
            sb,
            lambda: any(p["ResourceArn"] == orders for p in dr_points()) and bool(_domain(sb, "Copy Failed")),
        )
        copies = dr_points()
        for point in copies:
            name = point["ResourceArn"].split("/")[-1]
            print(f"   in the DR vault ({sb.dr_region}): {point['ResourceType']} {name}")
        failed = _domain(sb, "Copy Failed")
        for event in failed:
            print(f"   Copy Failed [{event['detail']['cause']}]: fix: {event['detail']['fix']}")
        checks["copies land in the DR Region"] = len(copies) >= 1
        checks["copy failure classified"] = any(e["detail"]["cause"] == "kms-access" for e in failed)

        window = sb.clock.now().replace(hour=5, minute=0, second=0) + dt.timedelta(days=1)
        _say(f"the clock passes the daily plan's window ({window:%a %H:%M} UTC)")
        sb.advance_to(window + dt.timedelta(minutes=30))
        plan_jobs = [
            j for j in backup.list_backup_jobs()["BackupJobs"] if j.get("CreatedBy", {}).get("BackupPlanId")
        ]
        for job in plan_jobs:
            print(f"   plan backup of {job['ResourceArn'].split('/')[-1]}: {job['State']}")
        checks["plan window backs up tagged tables"] = {j["ResourceArn"] for j in plan_jobs} >= {
            orders,
            payments,
        }

        _say("the copy in the DR Region is restored into a NEW table")
        orders_copy = next(p for p in copies if p["ResourceArn"] == orders)
        metadata = dr.get_recovery_point_restore_metadata(
            BackupVaultName=dr_vault, RecoveryPointArn=orders_copy["RecoveryPointArn"]
        )["RestoreMetadata"]
        restore_id = dr.start_restore_job(
            RecoveryPointArn=orders_copy["RecoveryPointArn"],
            IamRoleArn=orders_copy["IamRoleArn"],
            Metadata={**metadata, "targetTableName": "orders-dr-restore"},
            ResourceType="DynamoDB",
            IdempotencyToken="demo-dr-restore",
        )["RestoreJobId"]
        restore = _wait_for(
            sb, lambda: dr.describe_restore_job(RestoreJobId=restore_id), {"COMPLETED", "FAILED"}
        )
        restored = (
            _count_items(sb, "orders-dr-restore", sb.dr_region) if restore["Status"] == "COMPLETED" else 0
        )
        print(f"   restore {restore['Status']}: {restore.get('CreatedResourceArn')}")
        print(f"   items: source {_count_items(sb, 'orders'):,}, restored in {sb.dr_region} {restored:,}")
        checks["DR restore holds every item"] = restored == ITEMS

        # alerting: a failure and its recovery, a storm, the restore test report, and what people
        # saw in Slack and by e-mail (sandbox/demo_alerts.py)
        demo_alerts.run(sb, checks)

        report_lines = demo_report.run(sb, checks)  # the operator report of this world (printed last)

        _say("timeline (routine hourly sweeps and empty notify batches omitted)")
        lines = sb.timeline()
        shown = [line for line in lines if not any(marker in line for marker in ROUTINE)]
        for line in shown:
            print(f"   {line}")
        print(f"   ({len(lines) - len(shown)} routine lines omitted)")

    # restore tests: a weekly run over five types, in a world of its own that starts on a Saturday
    # (sandbox/demo_restore_tests.py)
    demo_restore_tests.run(checks, realistic=realistic)

    _say("checks")
    for name, ok in checks.items():
        print(f"   [{'ok' if ok else 'FAILED'}] {name}")
    _say("the operator report (ReportFunction's page, read from the report bucket)")
    for line in report_lines:
        print(f"   {line}")
    passed = all(checks.values())
    verdict = "demo finished" if passed else "demo FAILED"
    print(f"\n{verdict} in {time.perf_counter() - started:.1f}s (real time)")
    return 0 if passed else 1


def main(*, realistic: bool = False) -> None:
    raise SystemExit(run(realistic=realistic))
