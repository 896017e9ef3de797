"""The other adapters on their paths (botocore's Stubber): EventBridge's refused entries retried once,
then an error; batches of at most 10; the tagged inventory's page token; AWS Backup's protected
resource (never backed up is None), its refusals, and what an on-demand backup carries."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from backup_autopilot.adapters.backup import BackupGateway
from backup_autopilot.adapters.events import MAX_BYTES, MAX_ENTRIES, EventBridgePublisher, EventPublishError
from backup_autopilot.adapters.inventory import PAGE_SIZE, TaggedInventory
from backup_autopilot.adapters.notifications import SnsPublisher
from backup_autopilot.logic.protection import Plan, ResourceGone
from backup_autopilot.logic.resources import parse_resource_arn

if TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"


def _stubbed(service: str) -> tuple[Any, Stubber]:
    client = boto3.client(service, region_name="us-east-1")  # type: ignore[call-overload]
    return client, Stubber(client)


@pytest.fixture
def events() -> Iterator[tuple[Any, Stubber]]:
    client, stub = _stubbed("events")
    with stub:
        yield client, stub
        stub.assert_no_pending_responses()


def _entries(n: int) -> list[dict[str, Any]]:
    return [{"EventId": f"e{i}"} for i in range(n)]


def test_refused_entries_are_sent_again_once_alone(events: tuple[Any, Stubber]) -> None:
    client, stub = events
    stub.add_response(
        "put_events",
        {
            "FailedEntryCount": 1,
            "Entries": [{"EventId": "e0"}, {"ErrorCode": "InternalFailure", "ErrorMessage": "x"}],
        },
        {"Entries": ANY},
    )
    stub.add_response("put_events", {"FailedEntryCount": 0, "Entries": _entries(1)}, {"Entries": ANY})
    publisher = EventBridgePublisher(client, "bus")
    publisher.publish("Copy Started", {"summary": "one", "resource": TABLE, "n": 1})
    publisher.publish("Copy Started", {"summary": "two", "resource": "not an arn", "n": 2})
    publisher.flush()
    # THEN both are published; the retry carried only the refused entry
    assert [detail["n"] for _, detail in publisher.published] == [1, 2]


def test_an_entry_refused_twice_fails_the_invocation(events: tuple[Any, Stubber]) -> None:
    client, stub = events
    refused = {
        "FailedEntryCount": 1,
        "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow"}],
    }
    stub.add_response("put_events", refused, {"Entries": ANY})
    stub.add_response("put_events", refused, {"Entries": ANY})
    publisher = EventBridgePublisher(client, "bus")
    publisher.publish("Coverage Report", {"severity": "info", "summary": "hourly"})
    with pytest.raises(EventPublishError, match="1 event\\(s\\) not published: ThrottlingException slow"):
        publisher.flush()
    assert publisher.published == []


def test_events_go_in_batches_of_ten_with_their_resource(events: tuple[Any, Stubber]) -> None:
    client, stub = events
    sent: list[list[dict[str, Any]]] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        sent.append(params["Entries"])

    client.meta.events.register("provide-client-params.events.PutEvents", capture)
    stub.add_response(
        "put_events", {"FailedEntryCount": 0, "Entries": _entries(MAX_ENTRIES)}, {"Entries": ANY}
    )
    stub.add_response("put_events", {"FailedEntryCount": 0, "Entries": _entries(2)}, {"Entries": ANY})
    publisher = EventBridgePublisher(client, "bus")
    for n in range(MAX_ENTRIES + 2):
        publisher.publish("Copy Started", {"summary": "copy", "resource": TABLE, "n": n})
    publisher.flush()
    assert [len(batch) for batch in sent] == [MAX_ENTRIES, 2]
    first = sent[0][0]
    assert first["Source"] == "backup-autopilot" and first["EventBusName"] == "bus"
    assert first["Resources"] == [TABLE] and json.loads(first["Detail"])["n"] == 0
    assert len(publisher.published) == MAX_ENTRIES + 2


def test_the_inventory_sends_its_page_token_and_ends_on_an_empty_one() -> None:
    client, stub = _stubbed("resourcegroupstaggingapi")
    tags = [{"Key": "backup-plan", "Value": "daily"}]
    stub.add_response(
        "get_resources",
        {"ResourceTagMappingList": [{"ResourceARN": TABLE, "Tags": tags}], "PaginationToken": "next"},
        {"TagFilters": [{"Key": "backup-plan"}], "ResourcesPerPage": PAGE_SIZE},
    )
    stub.add_response(
        "get_resources",
        {"ResourceTagMappingList": [], "PaginationToken": ""},
        {"TagFilters": [{"Key": "backup-plan"}], "ResourcesPerPage": PAGE_SIZE, "PaginationToken": "next"},
    )
    with stub:
        inventory = TaggedInventory(client)
        first = inventory.page("backup-plan", None)
        last = inventory.page("backup-plan", first.next_token)
        stub.assert_no_pending_responses()
    assert [(r.arn, dict(r.tags)) for r in first.resources] == [(TABLE, {"backup-plan": "daily"})]
    assert first.next_token == "next" and last.next_token is None and last.resources == []


def _plan(**overrides: Any) -> Plan:
    values: dict[str, Any] = {
        "alias": "weekly",
        "plan_id": "plan-1",
        "plan_arn": f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-plan:plan-1",
        "vault_name": "primary",
        "rule_name": "weekly",
        "lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120},
    }
    return Plan(**{**values, **overrides})


@pytest.fixture
def backup() -> Iterator[tuple[BackupGateway, Stubber]]:
    client, stub = _stubbed("backup")
    with stub:
        yield BackupGateway(client, role_arn="arn:aws:iam::1:role/r", stack_name="bap"), stub
        stub.assert_no_pending_responses()


def test_latest_backup_is_awss_last_backup_time_and_none_when_never_backed_up(
    backup: tuple[BackupGateway, Stubber],
) -> None:
    gateway, stub = backup
    when = dt.datetime(2026, 3, 2, 5, 3, tzinfo=dt.UTC)
    stub.add_response("describe_protected_resource", {"LastBackupTime": when}, {"ResourceArn": TABLE})
    stub.add_client_error("describe_protected_resource", "ResourceNotFoundException", "never")
    stub.add_client_error("describe_protected_resource", "ThrottlingException", "slow")
    assert gateway.latest_backup(TABLE) == when
    assert gateway.latest_backup(TABLE) is None
    with pytest.raises(Exception, match="ThrottlingException"):
        gateway.latest_backup(TABLE)


def test_an_on_demand_backup_carries_the_plans_lifecycle_tags_and_copy_retention(
    backup: tuple[BackupGateway, Stubber],
) -> None:
    gateway, stub = backup
    stub.add_response(
        "start_backup_job",
        {"BackupJobId": "J1"},
        {
            "BackupVaultName": "primary",
            "ResourceArn": TABLE,
            "IamRoleArn": "arn:aws:iam::1:role/r",
            "IdempotencyToken": "tok",
            "StartWindowMinutes": 60,
            "RecoveryPointTags": {
                "backup-autopilot:plan": "weekly",
                "backup-autopilot:stack": "bap",
                "backup-autopilot:copy-retention-days": "400",
            },
            "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120},
        },
    )
    resource = parse_resource_arn(TABLE)
    assert resource is not None
    assert gateway.start_backup(resource=resource, plan=_plan(copy_retention_days=400), token="tok") == "J1"


def test_a_resource_deleted_before_its_backup_is_gone(backup: tuple[BackupGateway, Stubber]) -> None:
    gateway, stub = backup
    stub.add_client_error("start_backup_job", "ResourceNotFoundException", "no such table")
    resource = parse_resource_arn(TABLE)
    assert resource is not None
    with pytest.raises(ResourceGone):
        gateway.start_backup(resource=resource, plan=_plan(lifecycle={}), token="tok")


def test_events_go_in_batches_that_stay_under_eventbridge_s_size_limit(events: tuple[Any, Stubber]) -> None:
    client, stub = events
    sent: list[list[dict[str, Any]]] = []
    client.meta.events.register(
        "provide-client-params.events.PutEvents", lambda params, **_: sent.append(params["Entries"])
    )
    for n in (3, 1):
        stub.add_response("put_events", {"FailedEntryCount": 0, "Entries": _entries(n)}, {"Entries": ANY})
    publisher = EventBridgePublisher(client, "bus")
    # four events of ~60 KB (a detail's own limit is 64 KiB): three fit one PutEvents (its limit is
    # 256 KB, the publisher keeps under 200 KB), the fourth goes alone
    for n in range(4):
        offenders = [{"resource": TABLE, "why": "x" * 540} for _ in range(100)]
        publisher.publish(
            "Coverage Report", {"severity": "info", "summary": "hourly", "offenders": offenders, "n": n}
        )
    publisher.flush()
    assert [[json.loads(e["Detail"])["n"] for e in batch] for batch in sent] == [[0, 1, 2], [3]]
    assert all(
        sum(len(e["Detail"]) + len(e["DetailType"]) + 200 for e in batch) <= MAX_BYTES for batch in sent
    )


def test_an_event_s_dates_are_published_as_text(events: tuple[Any, Stubber]) -> None:
    client, stub = events
    sent: list[list[dict[str, Any]]] = []
    client.meta.events.register(
        "provide-client-params.events.PutEvents", lambda params, **_: sent.append(params["Entries"])
    )
    stub.add_response("put_events", {"FailedEntryCount": 0, "Entries": _entries(1)}, {"Entries": ANY})
    publisher = EventBridgePublisher(client, "bus")
    when = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)
    publisher.publish("Copy Started", {"summary": "copy", "resource": TABLE, "at": when})
    publisher.flush()
    assert json.loads(sent[0][0]["Detail"])["at"] == "2026-03-02 05:00:00+00:00"


def test_an_alert_s_attributes_are_typed_for_subscription_filters() -> None:
    client, stub = _stubbed("sns")
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
    stub.add_response(
        "publish",
        {"MessageId": "m-1"},
        {
            "TopicArn": topic,
            "Subject": "Backup failed",
            "Message": "orders: the backup failed",
            "MessageAttributes": {
                "severity": {"DataType": "String", "StringValue": "critical"},
                "resolved": {"DataType": "String", "StringValue": "false"},
                "actionable": {"DataType": "String", "StringValue": "true"},
                "count": {"DataType": "Number", "StringValue": "3"},
                "resources": {"DataType": "String.Array", "StringValue": json.dumps([TABLE, "7"])},
            },
        },
    )
    with stub:
        message_id = SnsPublisher(client, topic).publish(
            "Backup failed",
            "orders: the backup failed",
            {
                "severity": "critical",
                "resolved": False,
                "actionable": True,
                "count": 3,
                "resources": [TABLE, 7],
                "plan": None,  # empty attributes are not sent (SNS refuses an empty value)
                "vault": "",
                "tags": [],
            },
        )
        stub.assert_no_pending_responses()
    assert message_id == "m-1"
