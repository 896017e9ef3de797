"""Alerting's memory at its edges (botocore's Stubber; the round trip and the turn against the
sandbox's DynamoDB are in tests/unit/functions/test_notify.py): keys and writes DynamoDB leaves
unprocessed are sent again, then the batch fails (SQS retries it); an expired record counts as gone;
the turn when DynamoDB names no holder; a later turn already set is kept."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from backup_autopilot.adapters.alert_state import (
    DAY,
    KEEP_DAYS,
    PACE_PK,
    PACE_SK,
    UNPROCESSED_ROUNDS,
    AlertMemory,
)
from backup_autopilot.logic.alerting.memory import AlertRecord
from backup_autopilot.models.alerts import Level, Notice

if TYPE_CHECKING:
    from collections.abc import Iterator

NOW = 1_772_452_800
PACE_KEY = {"pk": {"S": PACE_PK}, "sk": {"S": PACE_SK}}


def _record(key: str) -> AlertRecord:
    notice = Notice(
        key=key, kind="backup-failed", title="Backup job failed", level=Level.CRITICAL, what="it failed"
    )
    return AlertRecord(key=key, notice=notice, opened="t0", last_seen="t1", told="t1")


def _item(key: str, expires: int | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": {"S": f"alert#{key}"},
        "sk": {"S": "open"},
        "data": {"S": json.dumps(_record(key).to_dict())},
    }
    if expires is not None:
        item["expires_at"] = {"N": str(expires)}
    return item


class Memory:
    def __init__(self) -> None:
        self.client = boto3.client("dynamodb", region_name="us-east-1")
        self.stub = Stubber(self.client)
        self.sleeps: list[float] = []
        self.memory = AlertMemory(self.client, "state", clock=lambda: NOW, sleep=self.sleeps.append)


@pytest.fixture
def ddb() -> Iterator[Memory]:
    memory = Memory()
    with memory.stub:
        yield memory
        memory.stub.assert_no_pending_responses()


def _keys(*keys: str) -> dict[str, Any]:
    return {
        "state": {
            "Keys": [{"pk": {"S": f"alert#{k}"}, "sk": {"S": "open"}} for k in keys],
            "ConsistentRead": True,
        }
    }


def test_records_are_read_100_keys_a_call_and_unprocessed_keys_again(ddb: Memory) -> None:
    keys = [f"k{i:03d}" for i in range(101)]
    ddb.stub.add_response(
        "batch_get_item",
        {"Responses": {"state": [_item("k000", None)]}, "UnprocessedKeys": _keys("k001")},
        {"RequestItems": _keys(*keys[:100])},
    )
    ddb.stub.add_response(
        "batch_get_item",
        {
            "Responses": {
                "state": [
                    _item("k001", NOW),  # expiring this second: still open
                ]
            }
        },
        {"RequestItems": _keys("k001")},
    )
    ddb.stub.add_response(
        "batch_get_item",
        {"Responses": {"state": [_item("k100", NOW - 1), _item("k099", NOW + 1)]}},  # the first expired
        {"RequestItems": _keys("k100")},
    )
    found = ddb.memory.load_alerts([*keys, "k000"])
    assert sorted(found) == ["k000", "k001", "k099"]
    assert found["k000"] == _record("k000")
    assert ddb.sleeps == [0.05]


def test_keys_left_unprocessed_every_round_fail_the_batch(ddb: Memory) -> None:
    for _ in range(UNPROCESSED_ROUNDS):
        ddb.stub.add_response("batch_get_item", {"UnprocessedKeys": _keys("k")}, None)
    with pytest.raises(RuntimeError, match="unprocessed"):
        ddb.memory.load_alerts(["k"])
    assert len(ddb.sleeps) == UNPROCESSED_ROUNDS


def _put(key: str) -> dict[str, Any]:
    return {
        "PutRequest": {
            "Item": {
                "pk": {"S": f"alert#{key}"},
                "sk": {"S": "open"},
                "data": {"S": json.dumps(_record(key).to_dict())},
                "expires_at": {"N": str(NOW + KEEP_DAYS * DAY)},
            }
        }
    }


def _delete(key: str) -> dict[str, Any]:
    return {"DeleteRequest": {"Key": {"pk": {"S": f"alert#{key}"}, "sk": {"S": "open"}}}}


def test_records_are_written_25_a_call_deletes_after_puts_and_unprocessed_writes_again(ddb: Memory) -> None:
    puts = [_put(f"k{i:02d}") for i in range(24)]
    ddb.stub.add_response(
        "batch_write_item",
        {"UnprocessedItems": {"state": [puts[3]]}},
        {"RequestItems": {"state": [*puts, _delete("gone-1")]}},
    )
    ddb.stub.add_response("batch_write_item", {}, {"RequestItems": {"state": [puts[3]]}})
    ddb.stub.add_response("batch_write_item", {}, {"RequestItems": {"state": [_delete("gone-2")]}})
    ddb.memory.save_alerts([_record(f"k{i:02d}") for i in range(24)], ["gone-1", "gone-2"])
    assert ddb.sleeps == [0.05]


def test_writes_left_unprocessed_every_round_fail_the_batch(ddb: Memory) -> None:
    for _ in range(UNPROCESSED_ROUNDS):
        ddb.stub.add_response("batch_write_item", {"UnprocessedItems": {"state": [_delete("k")]}}, None)
    with pytest.raises(RuntimeError, match="unprocessed"):
        ddb.memory.save_alerts([], ["k"])


def _turn_request(now: float, first: float) -> dict[str, Any]:
    return {
        "TableName": "state",
        "Key": PACE_KEY,
        "UpdateExpression": "SET next_at = :next, step = :step, expires_at = :expires",
        "ConditionExpression": "attribute_not_exists(next_at) OR next_at <= :now",
        "ExpressionAttributeValues": {
            ":next": {"N": f"{now + first:.3f}"},
            ":step": {"N": f"{first:.3f}"},
            ":now": {"N": f"{now:.3f}"},
            ":expires": {"N": str(int(now) + DAY)},
        },
        "ReturnValues": "ALL_OLD",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def test_the_turn_held_elsewhere_waits_for_it_even_when_dynamodb_names_no_holder(ddb: Memory) -> None:
    stub = ddb.stub
    # the condition failed and the error carries the holder's item: wait until its next_at
    stub.add_client_error(
        "update_item",
        "ConditionalCheckFailedException",
        modeled_fields={"Item": {"next_at": {"N": "1090.500"}}},
        expected_params=_turn_request(1000.0, 120.0),
    )
    # no item in the error: read the turn
    stub.add_client_error("update_item", "ConditionalCheckFailedException")
    stub.add_response(
        "get_item",
        {"Item": {"next_at": {"N": "1060"}}},
        {"TableName": "state", "Key": PACE_KEY, "ConsistentRead": True},
    )
    # nothing to read either: a moment's wait, never none
    stub.add_client_error("update_item", "ConditionalCheckFailedException")
    stub.add_response("get_item", {}, None)
    stub.add_client_error("update_item", "ProvisionedThroughputExceededException")
    memory = ddb.memory
    assert memory.take_turn(1000.0, lambda due, last: 120.0) == pytest.approx(90.5)
    assert memory.take_turn(1000.0, lambda due, last: 120.0) == pytest.approx(60.0)
    assert memory.take_turn(1000.0, lambda due, last: 120.0) == pytest.approx(0.001)
    with pytest.raises(ClientError, match="ProvisionedThroughputExceeded"):
        memory.take_turn(1000.0, lambda due, last: 120.0)


def test_the_turn_taken_passes_the_last_turn_to_the_step_and_lengthens_it_alone(ddb: Memory) -> None:
    stub = ddb.stub
    seen: list[tuple[float | None, float | None]] = []

    def step(due: float | None, last: float | None) -> float:
        seen.append((due, last))
        return 120.0 if due is None else 240.0

    stub.add_response(
        "update_item",
        {"Attributes": {"next_at": {"N": "990.000"}, "step": {"N": "120.000"}}},
        _turn_request(1000.0, 120.0),
    )
    stub.add_response(
        "update_item",
        {},
        {
            "TableName": "state",
            "Key": PACE_KEY,
            "UpdateExpression": "SET next_at = :next, step = :step",
            "ExpressionAttributeValues": {":next": {"N": "1240.000"}, ":step": {"N": "240.000"}},
        },
    )
    assert ddb.memory.take_turn(1000.0, step) == 0.0
    assert seen == [(None, None), (990.0, 120.0)]


def test_postponing_keeps_a_later_turn_and_raises_what_a_retry_may_fix(ddb: Memory) -> None:
    request = {
        "TableName": "state",
        "Key": PACE_KEY,
        "UpdateExpression": "SET next_at = :until, expires_at = :expires",
        "ConditionExpression": "attribute_not_exists(next_at) OR next_at < :until",
        "ExpressionAttributeValues": {":until": {"N": "2500.000"}, ":expires": {"N": str(2500 + DAY)}},
    }
    ddb.stub.add_response("update_item", {}, request)
    ddb.stub.add_client_error("update_item", "ConditionalCheckFailedException", expected_params=request)
    ddb.stub.add_client_error("update_item", "InternalServerError", http_status_code=500)
    ddb.memory.postpone_turns(2500.0)
    ddb.memory.postpone_turns(2500.0)  # a later turn already set: nothing to do
    with pytest.raises(ClientError, match="InternalServerError"):
        ddb.memory.postpone_turns(2500.0)
