"""sandbox.world: the Sandbox facade over the project's own template.yaml."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from sandbox import Sandbox, eventbus, runtime
from sandbox.template import TemplateError
from sandbox.world import SECOND_ACCOUNT_ID

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    monkeypatch.chdir(ROOT)
    with Sandbox() as sandbox:
        yield sandbox


def make_table(sb: Sandbox, name: str, account: str | None = None) -> None:
    sb.client("dynamodb", account=account).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_stack_is_deployed_with_the_sandbox_environment_of_samconfig(sb: Sandbox) -> None:
    assert (sb.stack_name, sb.region, sb.account_id) == ("backup-autopilot", "us-east-1", "123456789012")
    assert sb.dr_region == "us-west-2"
    assert sb.outputs["PrimaryVaultName"] == "backup-autopilot-primary"
    assert sb.physical_id("PrimaryVault") == "backup-autopilot-primary"
    vaults = sb.client("backup").list_backup_vaults()["BackupVaultList"]
    assert [v["BackupVaultName"] for v in vaults] == ["backup-autopilot-primary"]


def test_daily_plan_window_backs_up_a_tagged_table(sb: Sandbox) -> None:
    make_table(sb, "orders")
    arn = sb.client("dynamodb").describe_table(TableName="orders")["Table"]["TableArn"]
    sb.client("dynamodb").tag_resource(ResourceArn=arn, Tags=[{"Key": "backup-plan", "Value": "daily"}])
    window = sb.backup_backend().plan_next_window(sb.outputs["DailyPlanId"])

    sb.advance_to(window + dt.timedelta(hours=1))

    jobs = sb.client("backup").list_backup_jobs(
        ByResourceArn=arn, ByBackupVaultName=sb.outputs["PrimaryVaultName"]
    )
    plan_jobs = [job for job in jobs["BackupJobs"] if job.get("CreatedBy", {}).get("BackupPlanId")]
    assert [(job["State"], job["CreatedBy"]["BackupPlanId"]) for job in plan_jobs] == [
        ("COMPLETED", sb.outputs["DailyPlanId"])
    ]


def test_dr_side_is_deployed_into_the_dr_region(sb: Sandbox) -> None:
    dr = sb.stacks["backup-autopilot-dr"]
    backup = sb.client("backup", region=sb.dr_region)

    vault = backup.describe_backup_vault(BackupVaultName=dr.outputs["VaultName"])
    assert (
        vault["BackupVaultArn"]
        == f"arn:aws:backup:us-west-2:{sb.account_id}:backup-vault:backup-autopilot-dr"
    )
    assert dr.outputs["VaultName"] == sb.template.parameters["DrVaultName"]
    assert dr.warnings == []


def test_another_stack_can_be_deployed_into_the_second_account(sb: Sandbox) -> None:
    stack = sb.deploy_stack(
        ROOT / "dr" / "template.yaml",
        stack_name="partner-dr",
        region="eu-west-1",
        account=SECOND_ACCOUNT_ID,
        parameters={
            "VaultName": "partner-vault",
            "SourceBackupRoleArns": sb.outputs["BackupServiceRoleArn"],
        },
    )

    assert (
        stack.outputs["VaultArn"]
        == f"arn:aws:backup:eu-west-1:{SECOND_ACCOUNT_ID}:backup-vault:partner-vault"
    )
    vaults = sb.client("backup", region="eu-west-1", account=SECOND_ACCOUNT_ID).list_backup_vaults()
    assert [v["BackupVaultName"] for v in vaults["BackupVaultList"]] == ["partner-vault"]


def test_dr_side_can_be_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)

    with Sandbox(dr_template=None) as sb:
        assert sb.stacks == {}
        assert sb.client("backup", region="us-west-2").list_backup_vaults()["BackupVaultList"] == []


def test_second_account_is_a_separate_world(sb: Sandbox) -> None:
    make_table(sb, "theirs", account=SECOND_ACCOUNT_ID)

    assert sb.client("dynamodb", account=SECOND_ACCOUNT_ID).list_tables()["TableNames"] == ["theirs"]
    assert "theirs" not in sb.client("dynamodb").list_tables()["TableNames"]
    arn = sb.client("dynamodb", account=SECOND_ACCOUNT_ID).describe_table(TableName="theirs")["Table"][
        "TableArn"
    ]
    assert f":{SECOND_ACCOUNT_ID}:" in arn


def test_backup_failure_reaches_the_alerts_topic_through_the_stacks_wiring(sb: Sandbox) -> None:
    body = json.loads((ROOT / "events/notify/backup_job_failed.json").read_text())["Records"][0]["body"]
    failed = json.loads(body)

    eventbus.emit_service_event(
        account=sb.account_id,
        region=sb.region,
        source="aws.backup",
        detail_type="Backup Job State Change",
        detail=failed["detail"],
    )
    sb.advance(30)  # NotifyFunction's batching window

    [invocation] = [i for i in sb.invocations if i.function == "NotifyFunction"]
    assert invocation.trigger.startswith("sqs:backup-autopilot-NotificationQueue-")
    # one e-mail through the alerts topic, one post to the sandbox's Slack webhook
    assert [n["Channel"] for n in sb.notifications] == ["sns", "slack"]
    assert sb.notifications[0]["Subject"] == "backup-autopilot: [critical] Backup job failed: orders"
    assert sb.notifications[0]["TopicArn"] == sb.outputs["AlertsTopicArn"]
    assert "Insufficient privileges" in sb.notifications[1]["Message"]
    assert [e["detail-type"] for e in sb.events] == ["Backup Job State Change"]


def test_s3_client_reaches_buckets_named_like_a_service(sb: Sandbox) -> None:
    s3 = sb.client("s3")

    s3.create_bucket(Bucket="logs")
    s3.put_object(Bucket="logs", Key="a.txt", Body=b"a")

    assert [o["Key"] for o in s3.list_objects_v2(Bucket="logs")["Contents"]] == ["a.txt"]


def test_one_sandbox_at_a_time(sb: Sandbox) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        Sandbox().start()


def test_leaving_the_sandbox_restores_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    monkeypatch.setenv("AWS_PROFILE", "my-real-profile")
    monkeypatch.delenv("AWS_CONFIG_FILE", raising=False)
    with Sandbox() as first:
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
        assert "AWS_PROFILE" not in os.environ  # never a real account's profile inside
        make_table(first, "left-behind")

    assert os.environ["AWS_DEFAULT_REGION"] == "eu-north-1"
    assert os.environ["AWS_PROFILE"] == "my-real-profile"
    assert "AWS_CONFIG_FILE" not in os.environ
    assert not runtime.has_clock()
    with Sandbox() as second:
        assert "left-behind" not in second.client("dynamodb").list_tables()["TableNames"]


def test_parameters_override_samconfig(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)

    with Sandbox(parameters={"AlertEmail": "ops@example.com"}) as sb:
        subscriptions = sb.client("sns").list_subscriptions_by_topic(TopicArn=sb.outputs["AlertsTopicArn"])
        assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions["Subscriptions"]] == [
            ("email", "ops@example.com")
        ]


def test_failed_start_leaves_nothing_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)

    with pytest.raises(TemplateError, match="AllowedValues"):
        Sandbox(parameters={"AllowOptIn": "maybe"}).start()

    assert not runtime.has_clock()
    with Sandbox() as sb:
        assert sb.outputs


def test_start_time_is_chosen_by_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    start = dt.datetime(2027, 1, 4, 4, 59, tzinfo=dt.UTC)

    with Sandbox(start=start) as sb:
        assert sb.clock.now() == start
        sb.advance(60)
        assert sb.clock.now() == start + dt.timedelta(minutes=1)
