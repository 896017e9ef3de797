"""sandbox.server: the sandbox as a local AWS endpoint with /_sandbox/ control routes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from sandbox import Sandbox
from sandbox.server import SandboxServer

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
AWS_CLI = Path(sys.executable).parent / "aws"


def control(url: str, route: str, body: dict[str, Any] | str | None = None) -> tuple[int, Any]:
    data = None if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
    request = urllib.request.Request(
        f"{url}/_sandbox/{route}", data=data, method="GET" if data is None else "POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    return status, (json.loads(text) if text.startswith(("{", "[")) else text)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Sandbox, str]]:
    monkeypatch.chdir(ROOT)
    with Sandbox() as sb:
        server = SandboxServer(sb, port=0).start()
        try:
            yield sb, server.url
        finally:
            server.stop()


def test_clock_route_moves_time_and_reports_what_ran(served: tuple[Sandbox, str]) -> None:
    sb, url = served
    sqs = sb.client("sqs")
    event = json.loads((ROOT / "events/notify/backup_job_failed.json").read_text())["Records"][0]["body"]
    sqs.send_message(QueueUrl=sb.outputs["NotificationQueueUrl"], MessageBody=event)

    status, answer = control(url, "clock", {"advance_seconds": 30})

    assert status == 200
    assert answer["now"] == "2026-03-02T09:00:30+00:00"
    assert answer["timers_run"] >= 1
    assert [i["function"] for i in answer["invocations"]] == ["NotifyFunction"]
    first = answer["notifications"][0]
    assert first["Channel"] == "sns"
    assert first["Subject"] == "backup-autopilot: [critical] Backup job failed: orders"
    assert [n["Channel"] for n in answer["notifications"]] == ["sns", "slack"]
    assert control(url, "invocations")[1][0]["outcome"] == "success"
    assert len(control(url, "notifications")[1]) == 2
    assert "invoke    NotifyFunction <- sqs:" in control(url, "timeline")[1]


def test_events_route_lists_events_that_entered_a_bus(served: tuple[Sandbox, str]) -> None:
    sb, url = served
    sb.client("events").put_events(
        Entries=[
            {
                "Source": "backup-autopilot",
                "DetailType": "Coverage Report",
                "Detail": "{}",
                "EventBusName": sb.outputs["EventBusName"],
            }
        ]
    )

    status, events = control(url, "events")

    assert status == 200
    assert [(e["source"], e["detail-type"], e["_bus"]) for e in events] == [
        ("backup-autopilot", "Coverage Report", sb.outputs["EventBusName"])
    ]


def test_faults_route_configures_the_injector(served: tuple[Sandbox, str]) -> None:
    sb, url = served

    status, described = control(
        url, "faults", {"throttle": [{"service": "backup", "operation": "StartBackupJob"}]}
    )

    assert status == 200
    assert described["throttle"][0]["operation"] == "StartBackupJob"
    assert control(url, "faults")[1] == sb.faults.describe()


def test_stack_route_tells_where_everything_is(served: tuple[Sandbox, str]) -> None:
    sb, url = served

    stack = control(url, "stack")[1]

    assert (stack["stack_name"], stack["region"]) == (sb.stack_name, sb.region)
    assert stack["outputs"]["PrimaryVaultName"] == sb.outputs["PrimaryVaultName"]
    assert stack["functions"]["NotifyFunction"] == sb.attribute("NotifyFunction", "Arn")


@pytest.mark.parametrize(
    ("route", "body", "status", "error"),
    [
        ("nowhere", None, 404, "no control route /_sandbox/nowhere"),
        ("events", {}, 405, "POST /_sandbox/events is not a route"),
        ("clock", "not json", 400, "the body is not JSON"),
        ("clock", {"advance_seconds": -1}, 400, "time only moves forward"),
        ("faults", {"throttle": [{"no_such_field": 1}]}, 400, "invalid fault spec"),
    ],
)
def test_bad_control_requests_are_refused(
    served: tuple[Sandbox, str], route: str, body: dict[str, Any] | str | None, status: int, error: str
) -> None:
    got_status, answer = control(served[1], route, body)

    assert got_status == status
    assert error in answer["error"]


# -- a real server process, as `make serve` runs it ------------------------------------------------------
@pytest.fixture(scope="module")
def server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "serve", "--port", "0"],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield _wait_for_url(log, process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for_url(log: Path, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"listening on (http://[\d.]+:\d+)", log.read_text())
        if found:
            return found.group(1)
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}:\n{log.read_text()}")
        time.sleep(0.2)
    raise AssertionError(f"serve did not start:\n{log.read_text()}")


def test_served_stack_answers_boto3(server_process: str) -> None:
    backup = boto3.client("backup", region_name="us-east-1", endpoint_url=server_process)
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=server_process)

    plans = sorted(p["BackupPlanName"] for p in backup.list_backup_plans()["BackupPlansList"])
    assert plans == ["backup-autopilot-daily", "backup-autopilot-monthly", "backup-autopilot-weekly"]
    assert backup.list_backup_jobs()["BackupJobs"] == []
    assert any(
        name.startswith("backup-autopilot-StateTable-") for name in dynamodb.list_tables()["TableNames"]
    )


@pytest.mark.skipif(
    not AWS_CLI.exists() and shutil.which("aws") is None, reason="the aws CLI is not installed"
)
def test_served_stack_answers_the_aws_cli(server_process: str) -> None:
    aws = str(AWS_CLI) if AWS_CLI.exists() else "aws"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}

    def run(*command: str) -> Any:
        done = subprocess.run(
            [aws, "--endpoint-url", server_process, "--output", "json", *command],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        )
        return json.loads(done.stdout)

    assert run("backup", "list-backup-jobs") == {"BackupJobs": []}
    assert any(
        name.startswith("backup-autopilot-StateTable-")
        for name in run("dynamodb", "list-tables")["TableNames"]
    )


def test_served_clock_runs_the_plan_window(server_process: str) -> None:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=server_process)
    backup = boto3.client("backup", region_name="us-east-1", endpoint_url=server_process)
    arn = dynamodb.create_table(
        TableName="served-orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "backup-plan", "Value": "daily"}],
    )["TableDescription"]["TableArn"]

    status, answer = control(server_process, "clock", {"advance_to": "2026-03-03T07:00:00Z"})

    assert status == 200
    jobs = backup.list_backup_jobs(ByResourceArn=arn)["BackupJobs"]
    plan_jobs = [job for job in jobs if job.get("CreatedBy", {}).get("BackupPlanId")]
    assert [job["State"] for job in plan_jobs] == ["COMPLETED"]
    assert any(e["detail-type"] == "Backup Job State Change" for e in answer["events"])
