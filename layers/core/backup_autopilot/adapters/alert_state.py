"""Alerting's memory in the stack's state table (DynamoDB, through boto3).

Records (same table and item shape as :mod:`.state`: ``pk``/``sk``, ``data`` JSON, TTL on
``expires_at``):

| pk | sk | what | kept |
|---|---|---|---|
| ``alert#<key>`` | ``open`` | an open alert (or a report already sent) | 30 days after its last change |
| ``alert-pace`` | ``turn`` | ``next_at``: when the next digest may go out (all invocations) | 1 day |

Reads and writes are batched (BatchGetItem by 100, BatchWriteItem by 25, unprocessed items
retried), so a batch of 100 events costs one read and a few writes. The turn is one conditional
UpdateItem: of two concurrent invocations, one gets it.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from backup_autopilot.logic.alerting.memory import AlertRecord

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable

    from mypy_boto3_dynamodb import DynamoDBClient

DAY = 86400
KEEP_DAYS = 30
PACE_PK, PACE_SK = "alert-pace", "turn"
#: attempts at unprocessed items before giving up (the batch is then retried by SQS)
UNPROCESSED_ROUNDS = 8


def _pk(key: str) -> str:
    return f"alert#{key}"


class AlertMemory:
    """Implements :class:`~backup_autopilot.logic.alerting.service.AlertStorePort`."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table = table
        self._clock = clock
        self._sleep = sleep

    # -- open alerts --------------------------------------------------------------------------------
    def load_alerts(self, keys: Collection[str]) -> dict[str, AlertRecord]:
        found: dict[str, AlertRecord] = {}
        wanted = sorted(set(keys))
        now = int(self._clock())
        for start in range(0, len(wanted), 100):
            request: dict[str, Any] = {
                self._table: {
                    "Keys": [{"pk": {"S": _pk(k)}, "sk": {"S": "open"}} for k in wanted[start : start + 100]],
                    "ConsistentRead": True,
                }
            }
            for _ in range(UNPROCESSED_ROUNDS):
                response = self._client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table, []):
                    expires = item.get("expires_at", {}).get("N")
                    if expires is not None and int(expires) < now:
                        continue  # TTL deletes within days: an expired record counts as gone
                    record = AlertRecord.from_dict(json.loads(item["data"]["S"]))
                    found[record.key] = record
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                self._sleep(0.05)
            else:
                raise RuntimeError("DynamoDB left keys unprocessed; the batch will be retried")
        return found

    def save_alerts(self, records: Iterable[AlertRecord], deleted: Iterable[str]) -> None:
        expires = str(int(self._clock()) + KEEP_DAYS * DAY)
        requests: list[dict[str, Any]] = [
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": _pk(record.key)},
                        "sk": {"S": "open"},
                        "data": {"S": json.dumps(record.to_dict(), default=str)},
                        "expires_at": {"N": expires},
                    }
                }
            }
            for record in records
        ]
        requests += [{"DeleteRequest": {"Key": {"pk": {"S": _pk(k)}, "sk": {"S": "open"}}}} for k in deleted]
        for start in range(0, len(requests), 25):
            pending: dict[str, Any] = {self._table: requests[start : start + 25]}
            for _ in range(UNPROCESSED_ROUNDS):
                response = self._client.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
                self._sleep(0.05)
            else:
                raise RuntimeError("DynamoDB left writes unprocessed; the batch will be retried")

    # -- the turn (pace across invocations) ------------------------------------------------------------
    def take_turn(self, now: float, step: Callable[[float | None, float | None], float]) -> float:
        key = {"pk": {"S": PACE_PK}, "sk": {"S": PACE_SK}}
        first = step(None, None)  # the base interval: taken at once, lengthened below in a storm
        try:
            taken = self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET next_at = :next, step = :step, expires_at = :expires",
                ConditionExpression="attribute_not_exists(next_at) OR next_at <= :now",
                ExpressionAttributeValues={
                    ":next": {"N": f"{now + first:.3f}"},
                    ":step": {"N": f"{first:.3f}"},
                    ":now": {"N": f"{now:.3f}"},
                    ":expires": {"N": str(int(now) + DAY)},
                },
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old: Any = error.response.get("Item") or {}
            next_at = float(old["next_at"]["N"]) if "next_at" in old else self._next_at()
            return max(0.001, next_at - now)
        previous: Any = taken.get("Attributes") or {}
        due = float(previous["next_at"]["N"]) if "next_at" in previous else None
        last = float(previous["step"]["N"]) if "step" in previous else None
        longer = step(due, last)
        if longer > first:  # a storm: this caller holds the turn, so it lengthens it alone
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET next_at = :next, step = :step",
                ExpressionAttributeValues={
                    ":next": {"N": f"{now + longer:.3f}"},
                    ":step": {"N": f"{longer:.3f}"},
                },
            )
        return 0.0

    def postpone_turns(self, until: float) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": PACE_PK}, "sk": {"S": PACE_SK}},
                UpdateExpression="SET next_at = :until, expires_at = :expires",
                ConditionExpression="attribute_not_exists(next_at) OR next_at < :until",
                ExpressionAttributeValues={
                    ":until": {"N": f"{until:.3f}"},
                    ":expires": {"N": str(int(until) + DAY)},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise  # a later turn is already set: nothing to do

    def _next_at(self) -> float:
        item = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": PACE_PK}, "sk": {"S": PACE_SK}}, ConsistentRead=True
        ).get("Item")
        return float(item["next_at"]["N"]) if item and "next_at" in item else 0.0
