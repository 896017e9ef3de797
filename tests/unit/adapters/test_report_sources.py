"""What the operator report reads, through boto3 (botocore's Stubber): every page of every listing,
the fields each fact takes from AWS's answer, what is skipped (a vault that is gone, a bucket we may
not read, an expired record, a verdict out of the window, a report's own alert), the day's snapshot
and the three objects the page is stored as."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from backup_autopilot.adapters.report_sources import (
    DAY,
    ELIGIBLE_TYPE_FILTERS,
    SNAPSHOT_DAYS,
    SNAPSHOT_PK,
    BackupReadings,
    ReportBucket,
    ReportState,
)
from backup_autopilot.logic.report.facts import DaySnapshot, JobFact, PointFact
from backup_autopilot.logic.resources import TaggedResource

if TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
VOLUME = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0123456789abcdef0"
BUCKET_ARN = "arn:aws:s3:::reports-bucket"
POINT = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:1a2b3c4d-0000-4000-8000-000000000001"
DR_VAULT = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr"
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
CLOCK = 1_772_452_800.0  # NOW as a POSIX time


class Stubbed:
    def __init__(self) -> None:
        self.clients: dict[str, Any] = {}
        self.stubs: dict[str, Stubber] = {}
        for service in ("backup", "resourcegroupstaggingapi", "s3", "dynamodb"):
            client = boto3.client(service, region_name="us-east-1")
            self.clients[service] = client
            self.stubs[service] = Stubber(client)

    def readings(self) -> BackupReadings:
        c = self.clients
        return BackupReadings(c["backup"], c["resourcegroupstaggingapi"], c["s3"])


@pytest.fixture
def aws() -> Iterator[Stubbed]:
    stubbed = Stubbed()
    for stub in stubbed.stubs.values():
        stub.activate()
    yield stubbed
    for stub in stubbed.stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def _mapping(arn: str, **tags: str) -> dict[str, Any]:
    return {"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}


# -- the Tagging API ---------------------------------------------------------------------------------
def test_tagged_reads_every_page_with_the_tags_of_each_resource(aws: Stubbed) -> None:
    tagging = aws.stubs["resourcegroupstaggingapi"]
    filters = [{"Key": "backup-autopilot:plan"}]
    tagging.add_response(
        "get_resources",
        {
            "ResourceTagMappingList": [_mapping(TABLE, **{"backup-autopilot:plan": "daily", "team": "a"})],
            "PaginationToken": "next",
        },
        {"TagFilters": filters, "ResourcesPerPage": 100},
    )
    tagging.add_response(
        "get_resources",
        {"ResourceTagMappingList": [{"ResourceARN": VOLUME}], "PaginationToken": ""},
        {"TagFilters": filters, "ResourcesPerPage": 100, "PaginationToken": "next"},
    )
    assert aws.readings().tagged("backup-autopilot:plan") == [
        TaggedResource(TABLE, {"backup-autopilot:plan": "daily", "team": "a"}),
        TaggedResource(VOLUME, {}),
    ]


def test_eligible_names_each_resource_s_backup_type_and_skips_what_backup_does_not_protect(
    aws: Stubbed,
) -> None:
    aws.stubs["resourcegroupstaggingapi"].add_response(
        "get_resources",
        {
            "ResourceTagMappingList": [
                {"ResourceARN": TABLE},
                {"ResourceARN": VOLUME},
                {"ResourceARN": BUCKET_ARN},
                {"ResourceARN": f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-1"},
            ]
        },
        {"ResourceTypeFilters": list(ELIGIBLE_TYPE_FILTERS), "ResourcesPerPage": 100},
    )
    assert aws.readings().eligible() == {TABLE: "DynamoDB", VOLUME: "EBS", BUCKET_ARN: "S3"}


# -- AWS Backup --------------------------------------------------------------------------------------
def test_region_settings_read_as_booleans(aws: Stubbed) -> None:
    backup = aws.stubs["backup"]
    settings = {
        "ResourceTypeOptInPreference": {"DynamoDB": True, "EFS": False},
        "ResourceTypeManagementPreference": {"DynamoDB": True},
    }
    backup.add_response("describe_region_settings", settings, {})
    backup.add_response("describe_region_settings", {"ResourceTypeOptInPreference": {}}, {})
    readings = aws.readings()
    assert readings.opted_in() == {"DynamoDB": True, "EFS": False}
    assert readings.advanced_dynamodb() is False  # the second answer names no management preference


def test_advanced_dynamodb_on_when_aws_says_so(aws: Stubbed) -> None:
    aws.stubs["backup"].add_response(
        "describe_region_settings", {"ResourceTypeManagementPreference": {"DynamoDB": True}}, {}
    )
    assert aws.readings().advanced_dynamodb() is True


def _point(arn: str, created: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {"RecoveryPointArn": arn, "CreationDate": created, **extra}


def test_points_of_each_vault_once_every_page_skipping_a_vault_gone_or_not_ours(aws: Stubbed) -> None:
    backup = aws.stubs["backup"]
    since = NOW - dt.timedelta(days=31)
    naive = dt.datetime(2026, 3, 1, 5, 0)  # as a parser may hand it: read as UTC
    # vaults are read in name order, each once (the list names "primary" twice)
    backup.add_client_error(
        "list_recovery_points_by_backup_vault",
        "AccessDeniedException",
        expected_params={"BackupVaultName": "other-team", "ByCreatedAfter": since},
    )
    backup.add_response(
        "list_recovery_points_by_backup_vault",
        {
            "RecoveryPoints": [
                _point(
                    POINT,
                    naive,
                    ResourceArn=TABLE,
                    ResourceType="DynamoDB",
                    Status="PARTIAL",
                    CreatedBy={"BackupPlanId": "plan-1"},
                )
            ],
            "NextToken": "page-2",
        },
        {"BackupVaultName": "primary", "ByCreatedAfter": since},
    )
    backup.add_response(
        "list_recovery_points_by_backup_vault",
        {"RecoveryPoints": [_point(POINT.replace("0001", "0002"), NOW)]},
        {"BackupVaultName": "primary", "ByCreatedAfter": since, "NextToken": "page-2"},
    )
    backup.add_client_error(
        "list_recovery_points_by_backup_vault",
        "ResourceNotFoundException",
        expected_params={"BackupVaultName": "removed", "ByCreatedAfter": since},
    )
    points = aws.readings().points(["primary", "removed", "other-team", "primary"], since)
    assert points == [
        PointFact(
            arn=POINT,
            resource_arn=TABLE,
            resource_type="DynamoDB",
            vault_name="primary",
            created=naive.replace(tzinfo=dt.UTC),
            status="PARTIAL",
            plan_id="plan-1",
        ),
        PointFact(
            arn=POINT.replace("0001", "0002"),
            resource_arn="",
            resource_type="",
            vault_name="primary",
            created=NOW,
            status="COMPLETED",  # AWS's answer named no status: a listed point is a finished one
            plan_id=None,
        ),
    ]


def test_points_raise_what_a_retry_may_fix(aws: Stubbed) -> None:
    aws.stubs["backup"].add_client_error(
        "list_recovery_points_by_backup_vault", "ThrottlingException", http_status_code=400
    )
    with pytest.raises(ClientError, match="ThrottlingException"):
        aws.readings().points(["primary"], NOW)


def test_backup_jobs_every_page_with_their_fields(aws: Stubbed) -> None:
    backup = aws.stubs["backup"]
    since = NOW - dt.timedelta(days=30)
    backup.add_response(
        "list_backup_jobs",
        {
            "BackupJobs": [
                {
                    "BackupJobId": "job-1",
                    "ResourceArn": TABLE,
                    "ResourceType": "DynamoDB",
                    "State": "FAILED",
                    "CreationDate": NOW - dt.timedelta(hours=2),
                    "CompletionDate": NOW - dt.timedelta(hours=1),
                    "StatusMessage": "Access denied",
                    "CreatedBy": {"BackupPlanId": "plan-1"},
                }
            ],
            "NextToken": "t",
        },
        {"ByCreatedAfter": since},
    )
    backup.add_response(
        "list_backup_jobs",
        {"BackupJobs": [{"BackupJobId": "job-2", "CreationDate": NOW, "State": "RUNNING"}]},
        {"ByCreatedAfter": since, "NextToken": "t"},
    )
    assert aws.readings().backup_jobs(since) == [
        JobFact(
            job_id="job-1",
            resource_arn=TABLE,
            resource_type="DynamoDB",
            state="FAILED",
            created=NOW - dt.timedelta(hours=2),
            completed=NOW - dt.timedelta(hours=1),
            message="Access denied",
            plan_id="plan-1",
        ),
        JobFact(
            job_id="job-2",
            resource_arn="",
            resource_type="",
            state="RUNNING",
            created=NOW,
            completed=None,
            message="",
            plan_id=None,
        ),
    ]


def test_copy_jobs_every_page_with_their_destination_and_source(aws: Stubbed) -> None:
    backup = aws.stubs["backup"]
    since = NOW - dt.timedelta(days=30)
    backup.add_response(
        "list_copy_jobs",
        {
            "CopyJobs": [
                {
                    "CopyJobId": "copy-1",
                    "ResourceArn": VOLUME,
                    "ResourceType": "EBS",
                    "State": "COMPLETED",
                    "CreationDate": NOW - dt.timedelta(minutes=30),
                    "CompletionDate": NOW,
                    "DestinationBackupVaultArn": DR_VAULT,
                    "SourceRecoveryPointArn": POINT,
                }
            ],
            "NextToken": "t",
        },
        {"ByCreatedAfter": since},
    )
    backup.add_response(
        "list_copy_jobs",
        {"CopyJobs": [{"CopyJobId": "copy-2", "CreationDate": NOW, "StatusMessage": "queued"}]},
        {"ByCreatedAfter": since, "NextToken": "t"},
    )
    assert aws.readings().copy_jobs(since) == [
        JobFact(
            job_id="copy-1",
            resource_arn=VOLUME,
            resource_type="EBS",
            state="COMPLETED",
            created=NOW - dt.timedelta(minutes=30),
            completed=NOW,
            message="",
            destination_vault_arn=DR_VAULT,
            source_point_arn=POINT,
        ),
        JobFact(
            job_id="copy-2",
            resource_arn="",
            resource_type="",
            state="",
            created=NOW,
            completed=None,
            message="queued",
            destination_vault_arn="",
            source_point_arn="",
        ),
    ]


# -- S3 ----------------------------------------------------------------------------------------------
def test_versioning_of_each_bucket_once_and_none_for_a_bucket_we_may_not_read(aws: Stubbed) -> None:
    s3 = aws.stubs["s3"]
    s3.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": "a"})
    s3.add_client_error(
        "get_bucket_versioning", "AccessDenied", http_status_code=403, expected_params={"Bucket": "b"}
    )
    s3.add_response("get_bucket_versioning", {"Status": "Suspended"}, {"Bucket": "c"})
    s3.add_response("get_bucket_versioning", {}, {"Bucket": "d"})  # never turned on
    assert aws.readings().versioning(["c", "a", "d", "b", "a"]) == {"a": True, "c": False, "d": False}


# -- the state table ---------------------------------------------------------------------------------
def _item(pk: str, sk: str, data: dict[str, Any], expires: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"pk": {"S": pk}, "sk": {"S": sk}, "data": {"S": json.dumps(data)}}
    if expires is not None:
        item["expires_at"] = {"N": str(expires)}
    return item


SCAN = {
    "TableName": "state",
    "FilterExpression": "begins_with(pk, :alert) OR begins_with(sk, :test)",
    "ExpressionAttributeValues": {":alert": {"S": "alert#"}, ":test": {"S": "restore-test#"}},
}


def _verdict(job_id: str, date: dt.datetime, **extra: Any) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "source_arn": TABLE,
        "resource_type": "DynamoDB",
        "date": date.isoformat(),
        **extra,
    }


def test_verdicts_and_open_alerts_from_every_page_of_the_scan(aws: Stubbed) -> None:
    ddb = aws.stubs["dynamodb"]
    since = NOW - dt.timedelta(days=90)
    notice = {
        "level": "critical",
        "title": "Backup failed",
        "what": "the backup of orders failed",
        "resource_name": "orders",
        "resource_arn": TABLE,
        "resource_type": "DynamoDB",
        "fix": "read the job's message",
    }
    ddb.add_response(
        "scan",
        {
            "Items": [
                _item(
                    f"resource#{TABLE}", "restore-test#job-1", _verdict("job-1", NOW, passed=True, minutes=12)
                ),
                # the latest verdict is a copy of one in the history: not counted twice
                _item(f"resource#{TABLE}", "restore-test#latest", _verdict("job-1", NOW, passed=True)),
                # before the window
                _item(
                    f"resource#{TABLE}", "restore-test#job-0", _verdict("job-0", since - dt.timedelta(days=1))
                ),
                # expired (TTL deletes it within days): gone for the report
                _item("alert#old", "open", {"key": "old", "notice": notice}, expires=int(CLOCK) - 1),
            ],
            "LastEvaluatedKey": {"pk": {"S": "alert#old"}, "sk": {"S": "open"}},
        },
        SCAN,
    )
    ddb.add_response(
        "scan",
        {
            "Items": [
                _item(
                    "alert#backup-failed:orders",
                    "open",
                    {
                        "key": "backup-failed:orders",
                        "notice": notice,
                        "opened": "2026-03-02T10:00:00+00:00",
                        "last_seen": "2026-03-02T11:00:00+00:00",
                        "occurrences": 3,
                    },
                    expires=int(CLOCK) + 60,
                ),
                # closed, or the report's own summary: not an open alert
                _item("alert#backup-failed:other", "closed", {"notice": notice}),
                _item("alert#daily-report", "open", {"report": True, "notice": notice}),
                # a record that is no verdict (no date)
                _item(f"resource#{VOLUME}", "restore-test#job-9", {"job_id": "job-9"}),
                # no key recorded: the key is the record's own
                _item("alert#bare", "open", {}),
            ]
        },
        {**SCAN, "ExclusiveStartKey": {"pk": {"S": "alert#old"}, "sk": {"S": "open"}}},
    )
    verdicts, alerts = ReportState(aws.clients["dynamodb"], "state", clock=lambda: CLOCK).verdicts_and_alerts(
        since
    )
    assert [(v.job_id, v.passed, v.minutes, v.resource_arn) for v in verdicts] == [
        ("job-1", True, 12.0, TABLE)
    ]
    assert [
        (a.key, a.level, a.title, a.what, a.resource, a.resource_type, a.fix, a.occurrences) for a in alerts
    ] == [
        (
            "backup-failed:orders",
            "critical",
            "Backup failed",
            "the backup of orders failed",
            "orders",
            "DynamoDB",
            "read the job's message",
            3,
        ),
        ("bare", "", "", "", "", "", "", 1),
    ]
    assert (alerts[0].opened, alerts[0].last_seen) == (
        "2026-03-02T10:00:00+00:00",
        "2026-03-02T11:00:00+00:00",
    )


def test_an_alert_without_a_resource_name_names_its_arn(aws: Stubbed) -> None:
    aws.stubs["dynamodb"].add_response(
        "scan", {"Items": [_item("alert#k", "open", {"notice": {"resource_arn": TABLE}})]}, SCAN
    )
    _, alerts = ReportState(aws.clients["dynamodb"], "state", clock=lambda: CLOCK).verdicts_and_alerts(NOW)
    assert [a.resource for a in alerts] == [TABLE]


def test_history_reads_the_snapshots_since_the_day(aws: Stubbed) -> None:
    aws.stubs["dynamodb"].add_response(
        "query",
        {"Items": [_item(SNAPSHOT_PK, "2026-02-28", {"tagged": 4.0}), _item(SNAPSHOT_PK, "2026-03-01", {})]},
        {
            "TableName": "state",
            "KeyConditionExpression": "pk = :pk AND sk >= :since",
            "ExpressionAttributeValues": {":pk": {"S": SNAPSHOT_PK}, ":since": {"S": "2026-02-28"}},
        },
    )
    history = ReportState(aws.clients["dynamodb"], "state").history(dt.date(2026, 2, 28))
    assert history == [
        DaySnapshot(dt.date(2026, 2, 28), {"tagged": 4.0}),
        DaySnapshot(dt.date(2026, 3, 1), {}),
    ]


def test_the_day_s_snapshot_is_kept_with_its_expiry(aws: Stubbed) -> None:
    aws.stubs["dynamodb"].add_response(
        "put_item",
        {},
        {
            "TableName": "state",
            "Item": {
                "pk": {"S": SNAPSHOT_PK},
                "sk": {"S": "2026-03-02"},
                "data": {"S": json.dumps({"tagged": 4.0, "within_rpo": 3.0})},
                "expires_at": {"N": str(int(CLOCK) + SNAPSHOT_DAYS * DAY)},
            },
        },
    )
    ReportState(aws.clients["dynamodb"], "state", clock=lambda: CLOCK).keep_day(
        dt.date(2026, 3, 2), {"tagged": 4.0, "within_rpo": 3.0}
    )


# -- the report bucket -------------------------------------------------------------------------------
def test_the_page_is_stored_as_the_latest_a_dated_copy_and_its_summary(aws: Stubbed) -> None:
    s3 = aws.stubs["s3"]
    html = "<html>é</html>"
    for key, body, kind in (
        ("index.html", html.encode(), "text/html; charset=utf-8"),
        ("reports/2026/03/02/1205.html", html.encode(), "text/html; charset=utf-8"),
        ("summary.json", json.dumps({"tagged": 4, "at": str(NOW)}, indent=2).encode(), "application/json"),
    ):
        s3.add_response(
            "put_object", {}, {"Bucket": "reports", "Key": key, "Body": body, "ContentType": kind}
        )
    locations = ReportBucket(aws.clients["s3"], "reports").store(
        html, {"tagged": 4, "at": NOW}, NOW + dt.timedelta(minutes=5)
    )
    assert locations == [
        "s3://reports/index.html",
        "s3://reports/reports/2026/03/02/1205.html",
        "s3://reports/summary.json",
    ]


# -- answers that leave out what they may --------------------------------------------------------------
def test_pages_without_their_list_read_as_empty(aws: Stubbed) -> None:
    """AWS's answers may leave out an empty list (botocore's model marks none of them required)."""
    backup, tagging = aws.stubs["backup"], aws.stubs["resourcegroupstaggingapi"]
    tagging.add_response("get_resources", {}, None)
    tagging.add_response("get_resources", {}, None)
    backup.add_response("describe_region_settings", {}, {})
    backup.add_response("list_recovery_points_by_backup_vault", {}, None)
    backup.add_response("list_backup_jobs", {}, None)
    backup.add_response("list_copy_jobs", {}, None)
    aws.stubs["dynamodb"].add_response("scan", {}, SCAN)
    aws.stubs["dynamodb"].add_response("query", {}, None)
    readings = aws.readings()
    state = ReportState(aws.clients["dynamodb"], "state", clock=lambda: CLOCK)
    assert readings.tagged("backup-autopilot:plan") == []
    assert readings.eligible() == {}
    assert readings.opted_in() == {}
    assert readings.points(["primary"], NOW) == []
    assert readings.backup_jobs(NOW) == []
    assert readings.copy_jobs(NOW) == []
    assert state.verdicts_and_alerts(NOW) == ([], [])
    assert state.history(NOW.date()) == []


def test_jobs_without_an_id_or_a_state_read_as_empty_strings(aws: Stubbed) -> None:
    backup = aws.stubs["backup"]
    backup.add_response(
        "list_backup_jobs", {"BackupJobs": [{"BackupJobId": "job-3", "CreationDate": NOW}]}, None
    )
    backup.add_response("list_copy_jobs", {"CopyJobs": [{"CreationDate": NOW}]}, None)
    readings = aws.readings()
    [job] = readings.backup_jobs(NOW)
    [copy] = readings.copy_jobs(NOW)
    assert (job.state, copy.job_id, copy.state) == ("", "", "")


def test_dates_in_another_zone_keep_their_instant(aws: Stubbed) -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    aws.stubs["backup"].add_response(
        "list_recovery_points_by_backup_vault",
        {"RecoveryPoints": [_point(POINT, dt.datetime(2026, 3, 2, 13, 0, tzinfo=paris))]},
        None,
    )
    [point] = aws.readings().points(["primary"], NOW)
    assert point.created == NOW


def test_expiry_window_and_keys_at_their_edges(aws: Stubbed) -> None:
    aws.stubs["dynamodb"].add_response(
        "scan",
        {
            "Items": [
                _item("alert#gone", "open", {"key": "gone"}, expires=int(CLOCK) - 1),  # the rest still read
                _item("alert#now", "open", {"key": "now"}, expires=int(CLOCK)),
                {"pk": {"S": "alert#nodata"}, "sk": {"S": "open"}},
                # the key the alert was recorded with, not the record's
                _item("alert#hashed-1f2e", "open", {"key": "backup-failed:orders"}),
                # a verdict on the window's first second is in it
                _item(f"resource#{TABLE}", "restore-test#job-5", _verdict("job-5", NOW, passed=False)),
            ]
        },
        SCAN,
    )
    verdicts, alerts = ReportState(aws.clients["dynamodb"], "state", clock=lambda: CLOCK).verdicts_and_alerts(
        NOW
    )
    assert [(a.key, a.opened, a.last_seen) for a in alerts] == [
        ("now", "", ""),
        ("nodata", "", ""),
        ("backup-failed:orders", "", ""),
    ]
    assert [(v.job_id, v.passed) for v in verdicts] == [("job-5", False)]
