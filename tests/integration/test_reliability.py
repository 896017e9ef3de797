"""Reliability of a deployed stack (real AWS; skipped unless AWS_SAM_STACK_NAME names one).

They catch what the sandbox cannot prove: a FAILED backup job, a completed backup that is not copied
to the DR vault, an alert that never reaches the alerts topic, a message waiting in a dead-letter
queue, an alarm in ALARM, and a foreign account's event that the function does not refuse. Every
resource they create is uniquely named (``bap-it-...``) and deleted, pass or fail. A run takes up to
half an hour (a backup, then its copy); they never run in `make test` without a stack.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from tests.integration.conftest import STACK

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

pytestmark = pytest.mark.integration

#: how long a first backup (on demand, seconds after the tag) and then its copy may take
BACKUP_MINUTES = 20
COPY_MINUTES = 30
ALERT_MINUTES = 10


def wait_for(what: str, minutes: float, probe: Callable[[], Any], every: float = 15) -> Any:
    """``probe()``'s first truthy answer within ``minutes``; fails naming ``what`` otherwise."""
    deadline = time.monotonic() + minutes * 60
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not seen within {minutes} minutes")
        time.sleep(every)


def physical_id(logical_id: str) -> str:
    resource = boto3.client("cloudformation").describe_stack_resource(
        StackName=STACK, LogicalResourceId=logical_id
    )
    return str(resource["StackResourceDetail"]["PhysicalResourceId"])


@pytest.fixture
def table(outputs: dict[str, Any], run_id: str) -> Iterator[tuple[str, str]]:
    """A fresh DynamoDB table (name, ARN), deleted afterwards (only with a deployed stack: ``outputs``)."""
    ddb = boto3.client("dynamodb")
    arn = ddb.create_table(
        TableName=run_id,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]["TableArn"]
    try:
        ddb.get_waiter("table_exists").wait(TableName=run_id)
        ddb.put_item(TableName=run_id, Item={"pk": {"S": "item-1"}})
        yield run_id, arn
    finally:
        ddb.delete_table(TableName=run_id)


@pytest.fixture
def alert_inbox(outputs: dict[str, Any], run_id: str) -> Iterator[str]:
    """An SQS queue subscribed to the alerts topic (raw delivery); both deleted afterwards."""
    sqs, sns = boto3.client("sqs"), boto3.client("sns")
    url = sqs.create_queue(QueueName=f"{run_id}-alerts")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = outputs["AlertsTopicArn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    subscription = sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    try:
        yield url
    finally:
        sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=url)


def test_a_tagged_table_is_backed_up_not_failed_and_copied_to_the_dr_vault(table: tuple[str, str]) -> None:
    name, arn = table
    boto3.client("dynamodb").tag_resource(ResourceArn=arn, Tags=[{"Key": "backup-plan", "Value": "daily"}])
    backup = boto3.client("backup")

    def finished_job() -> Any:
        jobs = backup.list_backup_jobs(ByResourceArn=arn)["BackupJobs"]
        done = [
            job for job in jobs if job["State"] in {"COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL"}
        ]
        return done[0] if done else None

    job = wait_for(f"a finished backup job of {name}", BACKUP_MINUTES, finished_job)
    assert job["State"] == "COMPLETED", (
        f"backup job {job['BackupJobId']} ended {job['State']}: {job.get('StatusMessage')}"
    )
    point = job["RecoveryPointArn"]

    def completed_copy() -> list[Any]:
        copies = backup.list_copy_jobs(BySourceRecoveryPointArn=point)["CopyJobs"]
        failed = [c for c in copies if c["State"] in {"FAILED", "ABORTED", "PARTIAL"}]
        assert not failed, f"copy failed: {failed[0].get('StatusMessage')}"
        return [c for c in copies if c["State"] == "COMPLETED"]

    # needs advanced DynamoDB backup in the account (README, "Deploying to AWS" step 3)
    copies = wait_for(f"a completed copy of {point}", COPY_MINUTES, completed_copy)
    assert any(":backup-vault:" in c["DestinationBackupVaultArn"] for c in copies)


def test_no_backup_job_of_the_stacks_vault_failed_in_the_last_day(outputs: dict[str, Any]) -> None:
    backup = boto3.client("backup")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    failed = [
        job
        for state in ("FAILED", "ABORTED", "EXPIRED")
        for job in backup.list_backup_jobs(
            ByBackupVaultName=outputs["PrimaryVaultName"], ByState=state, ByCreatedAfter=since
        )["BackupJobs"]
    ]
    assert failed == [], [(j["ResourceArn"], j["State"], j.get("StatusMessage")) for j in failed]


def test_an_alert_reaches_the_alerts_topic(table: tuple[str, str], alert_inbox: str) -> None:
    # GIVEN a table tagged with a plan that does not exist: an Assignment Rejected alert
    name, arn = table
    boto3.client("dynamodb").tag_resource(ResourceArn=arn, Tags=[{"Key": "backup-plan", "Value": "Daily"}])
    sqs = boto3.client("sqs")

    def alert() -> list[str]:
        messages = sqs.receive_message(QueueUrl=alert_inbox, WaitTimeSeconds=10, MaxNumberOfMessages=10)
        return [m["Body"] for m in messages.get("Messages", []) if name in m["Body"]]

    [body, *_] = wait_for(f"an alert naming {name} on the alerts topic", ALERT_MINUTES, alert, every=1)
    assert "Assignment Rejected" in body or "rejected" in body.lower()


@pytest.mark.parametrize("queue", ["FailedEventsQueueUrl", "NotificationDLQUrl"])
def test_dead_letter_queues_are_empty(outputs: dict[str, Any], queue: str) -> None:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=outputs[queue],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    waiting = int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )
    assert waiting == 0, f"{waiting} message(s) wait in {queue}: read them, fix the cause, redrive"


def test_no_alarm_of_the_stack_is_in_alarm(outputs: dict[str, Any]) -> None:
    pages = boto3.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"{STACK}-")
    alarms = [alarm for page in pages for alarm in page["MetricAlarms"]]
    assert alarms, "the stack deployed no alarm"
    assert [a["AlarmName"] for a in alarms if a["StateValue"] == "ALARM"] == []


def test_a_foreign_accounts_event_is_refused_and_starts_nothing(table: tuple[str, str]) -> None:
    # GIVEN a tag event that claims another account, sent straight to the function
    name, arn = table
    region = boto3.session.Session().region_name
    event = {
        "version": "0",
        "id": "bap-it-foreign",
        "detail-type": "Tag Change on Resource",
        "source": "aws.tag",
        "account": "000000000000",
        "time": dt.datetime.now(dt.UTC).isoformat(),
        "region": region,
        "resources": [arn],
        "detail": {
            "changed-tag-keys": ["backup-plan"],
            "service": "dynamodb",
            "resource-type": "table",
            "version": 1,
            "tags": {"backup-plan": "daily"},
        },
    }
    answer = boto3.client("lambda").invoke(
        FunctionName=physical_id("ProtectResourceFunction"), Payload=json.dumps(event).encode()
    )
    result = json.loads(answer["Payload"].read())
    # THEN it is refused, and nothing was started for the table
    assert answer.get("FunctionError") is None and result == {"outcome": "Rejected"}
    assert boto3.client("backup").list_backup_jobs(ByResourceArn=arn)["BackupJobs"] == [], name
