"""The stack's state table (DynamoDB, ``pk``/``sk``, TTL on ``expires_at``), through boto3.

Records (one item each; ``data`` holds JSON):

| pk | sk | what | kept |
|---|---|---|---|
| ``facts#<recovery point>`` | ``facts`` | the source's facts at backup time | the point's retention |
| ``restore-job#<id>`` | ``on-demand`` | an on-demand test the stack started | 30 days |
| ``restore-job#<id>`` | ``validation`` | the claim that validates a job once | 30 days |
| ``restore-job#<id>`` | ``result`` | the job's verdict | 400 days |
| ``resource#<arn>`` | ``restore-test#latest`` | the resource's last verdict | 400 days |
| ``resource#<arn>`` | ``restore-test#<date>#<job>`` | verdict history | 400 days |
| ``resource#<arn>`` | ``first-test`` | where its first on-demand test stands | 30 days |
| ``on-demand-open`` | ``<job id>`` | an on-demand test resource not yet deleted | 30 days |
| ``on-demand-pending`` | ``<job id>`` | an on-demand test without a verdict yet | 30 days |
| ``restore-run`` | ``<run id>`` | a scheduled run already reported | 60 days |
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from msgspec import structs

from backup_autopilot.logic.restore_tests.facts import OnDemandTest, ResourceFacts

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from backup_autopilot.logic.restore_tests.validation import RestoreTestResult

DAY = 86400
#: keys per BatchGetItem request (DynamoDB's limit)
BATCH_KEYS = 100
RESULT_DAYS = 400
SHORT_DAYS = 30


class StateStore:
    """Implements the restore tests' state ports over the stack's table."""

    def __init__(self, client: DynamoDBClient, table: str, clock: Any = time.time) -> None:
        self._client = client
        self._table = table
        self._clock = clock

    # -- primitives -------------------------------------------------------------------------
    def _put(self, pk: str, sk: str, data: dict[str, Any], days: int, *, only_new: bool = False) -> bool:
        item = {
            "pk": {"S": pk},
            "sk": {"S": sk},
            "data": {"S": json.dumps(data, default=str)},
            "expires_at": {"N": str(int(self._clock()) + days * DAY)},
        }
        try:
            if only_new:
                self._client.put_item(
                    TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)"
                )
            else:
                self._client.put_item(TableName=self._table, Item=item)
        except ClientError as error:
            if only_new and error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        item = self._client.get_item(
            TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
        ).get("Item")
        if not item:
            return None
        expires = item.get("expires_at", {}).get("N")
        if expires is not None and int(expires) < int(self._clock()):
            return None  # TTL deletes within days of expiry: an expired record counts as gone
        data: dict[str, Any] = json.loads(item["data"]["S"])
        return data

    def _delete(self, pk: str, sk: str) -> None:
        self._client.delete_item(TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": sk}})

    # -- source facts -----------------------------------------------------------------------
    def save_source_facts(self, recovery_point_arn: str, facts: ResourceFacts, keep_days: int) -> None:
        self._put(f"facts#{recovery_point_arn}", "facts", facts.to_dict(), max(keep_days, 1))

    def source_facts(self, recovery_point_arn: str) -> ResourceFacts | None:
        data = self._get(f"facts#{recovery_point_arn}", "facts")
        return ResourceFacts.from_dict(data) if data else None

    # -- on-demand tests ----------------------------------------------------------------------
    def remember_on_demand(self, test: OnDemandTest) -> None:
        self._put(f"restore-job#{test.job_id}", "on-demand", structs.asdict(test), SHORT_DAYS)
        # listed by the hourly sweep until its verdict is recorded (its event may be lost)
        self._put("on-demand-pending", test.job_id, {"job_id": test.job_id}, SHORT_DAYS)

    def pending_on_demand(self) -> list[str]:
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "on-demand-pending"}},
            ConsistentRead=True,
        )
        return [item["sk"]["S"] for item in response.get("Items", [])]

    def on_demand_test(self, job_id: str) -> OnDemandTest | None:
        data = self._get(f"restore-job#{job_id}", "on-demand")
        return OnDemandTest(**data) if data else None

    def first_test(self, resource_arn: str) -> dict[str, Any] | None:
        return self._get(f"resource#{resource_arn}", "first-test")

    def mark_first_test(self, resource_arn: str, state: dict[str, Any]) -> None:
        self._put(f"resource#{resource_arn}", "first-test", state, SHORT_DAYS)

    def undeleted_on_demand(self) -> list[dict[str, Any]]:
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "on-demand-open"}},
            ConsistentRead=True,
        )
        return [json.loads(item["data"]["S"]) for item in response.get("Items", [])]

    def mark_deleted(self, job_id: str) -> None:
        self._delete("on-demand-open", job_id)

    # -- verdicts -------------------------------------------------------------------------------
    def claim_validation(self, job_id: str) -> bool:
        """True for the first caller only (a conditional write): a job is validated once."""
        return self._put(f"restore-job#{job_id}", "validation", {"claimed": True}, SHORT_DAYS, only_new=True)

    def record_result(self, result: RestoreTestResult) -> None:
        data = {
            "job_id": result.job_id,
            "source_arn": result.source_arn,
            "resource_type": result.resource_type,
            "passed": result.passed,
            "reasons": result.reasons,
            "recovery_point": result.recovery_point_arn,
            "restored_arn": result.restored_arn,
            "minutes": result.minutes,
            "rto_target": result.rto_target,
            "on_demand": result.on_demand,
            "date": result.date.isoformat(),
        }
        self._put(f"restore-job#{result.job_id}", "result", data, RESULT_DAYS)
        self._put(f"resource#{result.source_arn}", "restore-test#latest", data, RESULT_DAYS)
        self._put(
            f"resource#{result.source_arn}",
            f"restore-test#{result.date:%Y-%m-%dT%H:%M:%S}#{result.job_id}",
            data,
            RESULT_DAYS,
        )
        if result.on_demand and result.restored_arn:
            self._put("on-demand-open", result.job_id, data, SHORT_DAYS)
        if result.on_demand:
            self._delete("on-demand-pending", result.job_id)

    def result_of(self, job_id: str) -> dict[str, Any] | None:
        return self._get(f"restore-job#{job_id}", "result")

    def results_of(self, job_ids: list[str]) -> dict[str, dict[str, Any] | None]:
        """The verdicts of many jobs: BatchGetItem, 100 keys a request (a run's report reads them all)."""
        found: dict[str, dict[str, Any] | None] = dict.fromkeys(job_ids)
        now = int(self._clock())
        for start in range(0, len(job_ids), BATCH_KEYS):
            keys = [
                {"pk": {"S": f"restore-job#{j}"}, "sk": {"S": "result"}}
                for j in job_ids[start : start + BATCH_KEYS]
            ]
            request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
            while request:
                response = self._client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table, []):
                    expires = item.get("expires_at", {}).get("N")
                    if expires is None or int(expires) >= now:
                        found[item["pk"]["S"].removeprefix("restore-job#")] = json.loads(item["data"]["S"])
                request = dict(response.get("UnprocessedKeys") or {})
        return found

    def latest_result(self, resource_arn: str) -> dict[str, Any] | None:
        return self._get(f"resource#{resource_arn}", "restore-test#latest")

    # -- reports --------------------------------------------------------------------------------
    def run_reported(self, run_id: str) -> bool:
        return self._get("restore-run", run_id) is not None

    def mark_run_reported(self, run_id: str) -> bool:
        now = dt.datetime.fromtimestamp(self._clock(), dt.UTC).isoformat()
        return self._put("restore-run", run_id, {"reported": now}, 60, only_new=True)
