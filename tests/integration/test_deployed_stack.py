"""The deployed stack protects a freshly tagged table within minutes (real AWS)."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.integration


def test_plans_have_their_tag_selection(outputs: dict[str, Any]) -> None:
    backup = boto3.client("backup")
    for key in ("DailyPlanId", "WeeklyPlanId", "MonthlyPlanId"):
        selections = backup.list_backup_selections(BackupPlanId=outputs[key])["BackupSelectionsList"]
        assert len(selections) == 1


def test_tagged_table_gets_a_backup_job_within_minutes(outputs: dict[str, Any], run_id: str) -> None:
    ddb, backup = boto3.client("dynamodb"), boto3.client("backup")
    arn = ddb.create_table(
        TableName=run_id,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]["TableArn"]
    try:
        ddb.get_waiter("table_exists").wait(TableName=run_id)
        ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "backup-plan", "Value": "daily"}])
        deadline = time.monotonic() + 600  # tag events are best effort; reconcile runs hourly
        while time.monotonic() < deadline:
            if backup.list_backup_jobs(ByResourceArn=arn)["BackupJobs"]:
                break
            time.sleep(15)
        assert backup.list_backup_jobs(ByResourceArn=arn)["BackupJobs"]
    finally:
        ddb.delete_table(TableName=run_id)
