"""`make demo`: a short story told by the sandbox, with the events as a readable timeline.

1. The stack is deployed into the sandbox (vault, daily/weekly/monthly plans, their tag selections).
2. A DynamoDB table with 1,000 orders is tagged ``backup-plan=daily``.
3. The clock passes the daily plan's window: AWS Backup's plan backs the table up.
4. The recovery point is restored into a NEW table, which holds the same 1,000 items.
5. A second table's backup fails (an injected fault): the failure reaches the alerts topic as a digest.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from sandbox import Sandbox

ITEMS = 1_000


def _say(text: str) -> None:
    print(f"\n== {text}")


def _make_table(sb: Sandbox, name: str, items: int, tags: dict[str, str]) -> str:
    ddb = sb.client("dynamodb")
    arn: str = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]["TableArn"]
    for start in range(0, items, 25):
        ddb.batch_write_item(
            RequestItems={
                name: [
                    {"PutRequest": {"Item": {"pk": {"S": f"order-{i:05d}"}, "total": {"N": str(i * 3)}}}}
                    for i in range(start, min(start + 25, items))
                ]
            }
        )
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    return arn


def _count_items(sb: Sandbox, table: str) -> int:
    paginator = sb.client("dynamodb").get_paginator("scan")
    return sum(page["Count"] for page in paginator.paginate(TableName=table, Select="COUNT"))


def _next_daily_window(now: dt.datetime) -> dt.datetime:
    window = now.replace(hour=5, minute=0, second=0, microsecond=0)
    return window if window > now else window + dt.timedelta(days=1)


def _wait_for(
    sb: Sandbox, describe: Any, done: set[str], step: int = 60, limit: int = 6 * 3600
) -> dict[str, Any]:
    waited = 0
    while True:
        state: dict[str, Any] = describe()
        if state.get("State", state.get("Status")) in done:
            return state
        if waited >= limit:
            raise TimeoutError(
                f"still {state.get('State', state.get('Status'))} after {limit}s of simulated time"
            )
        sb.advance(step)
        waited += step


def run() -> int:
    started = time.perf_counter()
    with Sandbox(template="template.yaml", config_env="sandbox") as sb:
        backup = sb.client("backup")
        _say(f"stack '{sb.stack_name}' deployed into the sandbox (account {sb.account_id}, {sb.region})")
        for plan in backup.list_backup_plans()["BackupPlansList"]:
            selections = backup.list_backup_selections(BackupPlanId=plan["BackupPlanId"])[
                "BackupSelectionsList"
            ]
            print(f"   plan {plan['BackupPlanName']}: {len(selections)} tag selection(s)")

        _say(f"a table with {ITEMS:,} orders is tagged backup-plan=daily")
        orders_arn = _make_table(sb, "orders", ITEMS, {"backup-plan": "daily", "team": "payments"})
        _make_table(sb, "scratch", 10, {"team": "payments"})  # not tagged: must not be backed up
        ledger_arn = _make_table(sb, "ledger", 50, {"backup-plan": "daily"})
        sb.faults.fail_job(
            "backup", "Insufficient privileges to perform this action.", resource_arn=ledger_arn
        )

        window = _next_daily_window(sb.clock.now())
        _say(f"the clock moves to the daily window ({window:%a %H:%M} UTC) and past it")
        sb.advance_to(window + dt.timedelta(hours=2))
        jobs = backup.list_backup_jobs()["BackupJobs"]
        for job in jobs:
            name = job["ResourceArn"].split("/")[-1]
            print(f"   backup job {name}: {job['State']} {job.get('StatusMessage', '')}")
        done = [j for j in jobs if j["ResourceArn"] == orders_arn and j["State"] == "COMPLETED"]
        if not done:
            print("!! the orders table was not backed up")
            return 1
        recovery_point = done[0]["RecoveryPointArn"]

        _say("the recovery point is restored into a NEW table")
        metadata = backup.get_recovery_point_restore_metadata(
            BackupVaultName=done[0]["BackupVaultName"], RecoveryPointArn=recovery_point
        )["RestoreMetadata"]
        restore_id = backup.start_restore_job(
            RecoveryPointArn=recovery_point,
            IamRoleArn=done[0]["IamRoleArn"],
            Metadata={**metadata, "targetTableName": "orders-restored"},
            ResourceType="DynamoDB",
            IdempotencyToken="demo-restore-orders",
        )["RestoreJobId"]
        restore = _wait_for(
            sb, lambda: backup.describe_restore_job(RestoreJobId=restore_id), {"COMPLETED", "FAILED"}
        )
        restored_items = _count_items(sb, "orders-restored") if restore["Status"] == "COMPLETED" else 0
        print(f"   restore job {restore['Status']}: {restore.get('CreatedResourceArn')}")
        print(f"   items: source {_count_items(sb, 'orders'):,}, restored {restored_items:,}")

        _say("alerts (the ledger backup failed; SQS batches it, notify sends one digest)")
        sb.advance(120)
        for note in sb.notifications:
            print(f"   SNS: {note.get('Subject')}")
            for line in str(note.get("Message", "")).splitlines():
                print(f"        {line}")

        _say("timeline")
        for line in sb.timeline():
            print(f"   {line}")
        ok = restore["Status"] == "COMPLETED" and restored_items == ITEMS and bool(sb.notifications)
    print(f"\n{'demo finished' if ok else 'demo FAILED'} in {time.perf_counter() - started:.1f}s (real time)")
    return 0 if ok else 1


def main() -> None:
    raise SystemExit(run())
