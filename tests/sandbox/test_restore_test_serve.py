"""Restore tests against ``make serve``: plain boto3 clients and the clock route, nothing else.

A table tagged ``backup-plan=daily`` and ``backup-restore-test=on``, once the clock has passed a
week, has a restore job created by the stack's restore testing plan whose validation status is
SUCCESSFUL, and the table it restored no longer exists (issue 10's done-when).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "serve", "--port", "0"],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            found = re.search(r"listening on (http://[\d.]+:\d+)", log.read_text())
            if found:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=30)


def clock(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(f"{url}/_sandbox/clock", data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=600) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def aws(service: str, url: str) -> Any:
    client: Any = boto3.client  # a plain client, as a user's script makes one
    return client(
        service,
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # the sandbox accepts any credentials  # pragma: allowlist secret
    )


def test_a_tagged_table_is_restore_tested_by_the_stacks_plan_within_a_week(endpoint: str) -> None:
    backup, dynamodb = aws("backup", endpoint), aws("dynamodb", endpoint)
    # restore testing selects DynamoDB tables by the tags on their backups: advanced backup copies them
    backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    dynamodb.create_table(
        TableName="served-orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "backup-plan", "Value": "daily"}, {"Key": "backup-restore-test", "Value": "on"}],
    )
    for n in range(30):
        dynamodb.put_item(TableName="served-orders", Item={"pk": {"S": f"order-{n:03d}"}, "n": {"N": str(n)}})

    now = clock(endpoint, {"advance_seconds": 0})["now"]
    assert now.startswith("2026-03-02T09:00")  # Monday; the weekly run is on Sunday 05:00 UTC
    clock(endpoint, {"advance_to": "2026-03-09T12:00:00Z"})  # a week later (the run's 24 h window too)

    [plan] = backup.list_restore_testing_plans()["RestoreTestingPlans"]
    jobs = backup.list_restore_jobs(ByRestoreTestingPlanArn=plan["RestoreTestingPlanArn"])["RestoreJobs"]
    [job] = [j for j in jobs if j["SourceResourceArn"].endswith(":table/served-orders")]
    described = backup.describe_restore_job(RestoreJobId=job["RestoreJobId"])
    assert described["CreatedBy"]["RestoreTestingPlanArn"] == plan["RestoreTestingPlanArn"]
    assert (described["Status"], described["ValidationStatus"]) == ("COMPLETED", "SUCCESSFUL")
    assert "30 items restored, source had 30 at backup time" in described["ValidationStatusMessage"]
    assert described["DeletionStatus"] == "SUCCESSFUL"
    restored_table = described["CreatedResourceArn"].rsplit("/", 1)[-1]
    assert restored_table.startswith("awsbackup-restore-test-")
    with pytest.raises(ClientError) as gone:
        dynamodb.describe_table(TableName=restored_table)
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
    dynamodb.describe_table(TableName="served-orders")  # the source is untouched
