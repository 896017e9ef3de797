"""What the operator report reads, through boto3: AWS Backup's APIs, the Tagging API, S3 bucket
versioning and the state table (restore-test verdicts, open alerts, the report's daily snapshots).

Every call here is a read (List*, Get*, Describe*, Scan, Query) except :meth:`ReportState.keep_day`,
which writes the day's snapshot (the dry run never builds a :class:`ReportState`).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from backup_autopilot.logic.report.facts import AlertFact, DaySnapshot, JobFact, PointFact, VerdictFact
from backup_autopilot.logic.resources import TaggedResource, parse_resource_arn

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

#: the Tagging API's resource type filters of the types AWS Backup protects
ELIGIBLE_TYPE_FILTERS = (
    "dynamodb:table",
    "ec2:volume",
    "ec2:instance",
    "rds:db",
    "rds:cluster",
    "elasticfilesystem:file-system",
    "fsx:file-system",
    "fsx:volume",
    "s3",
)
DAY = 86400
#: the report's daily snapshots are kept this long (the 90-day trends, with room)
SNAPSHOT_DAYS = 400
SNAPSHOT_PK = "report-day"


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class BackupReadings:
    """AWS Backup and the Tagging API, read only."""

    def __init__(self, backup: Any, tagging: Any, s3: Any) -> None:
        self._backup = backup
        self._tagging = tagging
        self._s3 = s3

    # -- the Tagging API ---------------------------------------------------------------------------
    def tagged(self, tag_key: str) -> list[TaggedResource]:
        """Every resource carrying ``tag_key``."""
        return [
            TaggedResource(item["ResourceARN"], {t["Key"]: t["Value"] for t in item.get("Tags", [])})
            for item in self._resources({"TagFilters": [{"Key": tag_key}]})
        ]

    def eligible(self) -> dict[str, str]:
        """Resources of the types AWS Backup protects that the Tagging API lists: ARN -> type."""
        found: dict[str, str] = {}
        for item in self._resources({"ResourceTypeFilters": list(ELIGIBLE_TYPE_FILTERS)}):
            ref = parse_resource_arn(item["ResourceARN"])
            if ref is not None:
                found[ref.arn] = ref.resource_type
        return found

    def _resources(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for page in self._tagging.get_paginator("get_resources").paginate(**request, ResourcesPerPage=100):
            yield from page.get("ResourceTagMappingList", [])

    # -- AWS Backup ---------------------------------------------------------------------------------
    def opted_in(self) -> dict[str, bool]:
        settings = self._backup.describe_region_settings()
        return {k: bool(v) for k, v in settings.get("ResourceTypeOptInPreference", {}).items()}

    def advanced_dynamodb(self) -> bool:
        settings = self._backup.describe_region_settings()
        return bool(settings.get("ResourceTypeManagementPreference", {}).get("DynamoDB", False))

    def points(self, vaults: Iterable[str], since: dt.datetime) -> list[PointFact]:
        found: list[PointFact] = []
        for vault in sorted(set(vaults)):
            try:
                pages = list(
                    self._backup.get_paginator("list_recovery_points_by_backup_vault").paginate(
                        BackupVaultName=vault, ByCreatedAfter=since
                    )
                )
            except ClientError as error:
                if error.response["Error"]["Code"] in {"ResourceNotFoundException", "AccessDeniedException"}:
                    continue  # a listed vault that is gone, or not the stack's to read
                raise
            for page in pages:
                for item in page.get("RecoveryPoints", []):
                    found.append(
                        PointFact(
                            arn=item["RecoveryPointArn"],
                            resource_arn=item.get("ResourceArn", ""),
                            resource_type=item.get("ResourceType", ""),
                            vault_name=vault,
                            created=_utc(item["CreationDate"]),
                            status=item.get("Status", "COMPLETED"),
                            plan_id=(item.get("CreatedBy") or {}).get("BackupPlanId"),
                        )
                    )
        return found

    def backup_jobs(self, since: dt.datetime) -> list[JobFact]:
        return [
            JobFact(
                job_id=job["BackupJobId"],
                resource_arn=job.get("ResourceArn", ""),
                resource_type=job.get("ResourceType", ""),
                state=job.get("State", ""),
                created=_utc(job["CreationDate"]),
                completed=_utc(job["CompletionDate"]) if job.get("CompletionDate") else None,
                message=job.get("StatusMessage", "") or "",
                plan_id=(job.get("CreatedBy") or {}).get("BackupPlanId"),
            )
            for page in self._backup.get_paginator("list_backup_jobs").paginate(ByCreatedAfter=since)
            for job in page.get("BackupJobs", [])
        ]

    def copy_jobs(self, since: dt.datetime) -> list[JobFact]:
        return [
            JobFact(
                job_id=job.get("CopyJobId", ""),
                resource_arn=job.get("ResourceArn", ""),
                resource_type=job.get("ResourceType", ""),
                state=job.get("State", ""),
                created=_utc(job["CreationDate"]),
                completed=_utc(job["CompletionDate"]) if job.get("CompletionDate") else None,
                message=job.get("StatusMessage", "") or "",
                destination_vault_arn=job.get("DestinationBackupVaultArn", ""),
                source_point_arn=job.get("SourceRecoveryPointArn", ""),
            )
            for page in self._backup.get_paginator("list_copy_jobs").paginate(ByCreatedAfter=since)
            for job in page.get("CopyJobs", [])
        ]

    # -- S3 -----------------------------------------------------------------------------------------
    def versioning(self, buckets: Iterable[str]) -> dict[str, bool]:
        """Whether versioning is on, for each bucket (a bucket we may not read counts as on: the
        report then says nothing rather than something wrong)."""
        found: dict[str, bool] = {}
        for bucket in sorted(set(buckets)):
            try:
                status = self._s3.get_bucket_versioning(Bucket=bucket).get("Status")
            except ClientError:
                continue
            found[bucket] = status == "Enabled"
        return found


class ReportState:
    """The state table, as the report reads it (and keeps its daily snapshots in it)."""

    def __init__(self, client: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table
        self._clock = clock

    def _scan(self) -> Iterator[dict[str, Any]]:
        now = int(self._clock())
        request: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "begins_with(pk, :alert) OR begins_with(sk, :test)",
            "ExpressionAttributeValues": {":alert": {"S": "alert#"}, ":test": {"S": "restore-test#"}},
        }
        while True:
            response = self._client.scan(**request)
            for item in response.get("Items", []):
                expires = item.get("expires_at", {}).get("N")
                if expires is not None and int(expires) < now:
                    continue  # TTL deletes within days of expiry: an expired record counts as gone
                yield item
            if not response.get("LastEvaluatedKey"):
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def verdicts_and_alerts(self, since: dt.datetime) -> tuple[list[VerdictFact], list[AlertFact]]:
        """Restore-test verdicts since ``since`` (history, not the ``latest`` copy) and open alerts."""
        verdicts: list[VerdictFact] = []
        alerts: list[AlertFact] = []
        for item in self._scan():
            pk, sk = item["pk"]["S"], item["sk"]["S"]
            data = json.loads(item.get("data", {}).get("S", "{}"))
            if pk.startswith("resource#") and sk.startswith("restore-test#") and sk != "restore-test#latest":
                verdict = VerdictFact.from_record(data)
                if verdict is not None and verdict.date >= since:
                    verdicts.append(verdict)
            elif pk.startswith("alert#") and sk == "open" and not data.get("report"):
                notice = data.get("notice") or {}
                alerts.append(
                    AlertFact(
                        key=str(data.get("key", pk[len("alert#") :])),
                        level=str(notice.get("level", "")),
                        title=str(notice.get("title", "")),
                        what=str(notice.get("what", "")),
                        opened=str(data.get("opened", "")),
                        last_seen=str(data.get("last_seen", "")),
                        occurrences=int(data.get("occurrences", 1)),
                        resource=str(notice.get("resource_name") or notice.get("resource_arn") or ""),
                        resource_type=str(notice.get("resource_type") or ""),
                        fix=str(notice.get("fix") or ""),
                    )
                )
        return verdicts, alerts

    def history(self, since: dt.date) -> list[DaySnapshot]:
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk >= :since",
            ExpressionAttributeValues={":pk": {"S": SNAPSHOT_PK}, ":since": {"S": since.isoformat()}},
        )
        return [
            DaySnapshot(dt.date.fromisoformat(item["sk"]["S"]), json.loads(item["data"]["S"]))
            for item in response.get("Items", [])
        ]

    def keep_day(self, day: dt.date, values: dict[str, float]) -> None:
        """The day's snapshot (each run of the day overwrites it: the last one stands)."""
        self._client.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": SNAPSHOT_PK},
                "sk": {"S": day.isoformat()},
                "data": {"S": json.dumps(values)},
                "expires_at": {"N": str(int(self._clock()) + SNAPSHOT_DAYS * DAY)},
            },
        )


class ReportBucket:
    """The stack's report bucket: the latest page, a dated copy, and the JSON summary."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def store(self, html: str, summary: dict[str, Any], now: dt.datetime) -> list[str]:
        body = html.encode()
        keys = ["index.html", f"reports/{now:%Y/%m/%d}/{now:%H%M}.html", "summary.json"]
        for key, content, kind in (
            (keys[0], body, "text/html; charset=utf-8"),
            (keys[1], body, "text/html; charset=utf-8"),
            (keys[2], json.dumps(summary, indent=2, default=str).encode(), "application/json"),
        ):
            self._s3.put_object(Bucket=self._bucket, Key=key, Body=content, ContentType=kind)
        return [f"s3://{self._bucket}/{key}" for key in keys]
