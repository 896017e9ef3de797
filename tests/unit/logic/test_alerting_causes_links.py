"""Alerting's causes and console links: which cause and fix a failed job's alert names, and which
AWS console page its button opens (for every resource type, partition and Region)."""

from __future__ import annotations

import pytest

from backup_autopilot.logic.alerting import links
from backup_autopilot.logic.alerting.causes import (
    BACKUP_FIXES,
    STATE_FIXES,
    JobCause,
    backup_fix,
    classify_job_message,
)

# -- causes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        ("The KMS key is disabled", JobCause.KMS),
        ("Given key ID is not accessible", JobCause.KMS),
        ("The key is not accessible by the role", JobCause.KMS),
        ("the key policy denied the request", JobCause.KMS),
        ("The encryption key was disabled", JobCause.KMS),
        ("Access Denied", JobCause.ACCESS_DENIED),
        ("AccessDenied calling CreateSnapshot", JobCause.ACCESS_DENIED),
        ("User is not authorized to perform backup:StartBackupJob", JobCause.ACCESS_DENIED),
        ("User is not authorised", JobCause.ACCESS_DENIED),
        ("Unauthorized operation", JobCause.ACCESS_DENIED),
        ("Insufficient privileges to perform this action.", JobCause.ACCESS_DENIED),
        ("Resource not found", JobCause.NOT_FOUND),
        ("Table orders does not exist", JobCause.NOT_FOUND),
        ("The volume no longer exists", JobCause.NOT_FOUND),
        ("The table was deleted", JobCause.NOT_FOUND),
        ("A backup is already in progress", JobCause.CONFLICT),
        ("Another backup job is running on this resource", JobCause.CONFLICT),
        ("another job holds the resource", JobCause.CONFLICT),
        ("The volume is in use by a snapshot", JobCause.CONFLICT),
        ("Conflict with a running operation", JobCause.CONFLICT),
        ("Backup job limit reached", JobCause.LIMIT),
        ("Quota exceeded", JobCause.LIMIT),
        ("Too many requests", JobCause.LIMIT),
        ("Maximum concurrent jobs", JobCause.LIMIT),
        ("Throttling: slow down", JobCause.LIMIT),
        ("Rate exceeded", JobCause.LIMIT),
        ("Something unexpected happened", JobCause.OTHER),
        ("", JobCause.OTHER),
        (None, JobCause.OTHER),
    ],
)
def test_a_failed_jobs_message_is_read_as_its_cause(message: str | None, cause: JobCause) -> None:
    assert classify_job_message(message) is cause


def test_a_word_merely_containing_kms_or_key_is_not_a_kms_failure() -> None:
    assert classify_job_message("the monkey ate the snapshot") is JobCause.OTHER
    assert classify_job_message("skmsx went wrong") is JobCause.OTHER


def test_the_first_matching_cause_wins_kms_before_access_denied() -> None:
    assert classify_job_message("Access denied to the KMS key") is JobCause.KMS


def test_causes_are_named_in_alerts_by_their_stable_slugs() -> None:
    assert [c.value for c in JobCause] == [
        "kms-access",
        "access-denied",
        "resource-gone",
        "another-job-running",
        "limit",
        "other",
    ]


@pytest.mark.parametrize("state", ["EXPIRED", "ABORTED", "PARTIAL"])
def test_an_unexplained_failure_gets_the_fix_its_end_state_calls_for(state: str) -> None:
    assert backup_fix(state, "no words AWS explains") == (JobCause.OTHER, STATE_FIXES[state])
    assert backup_fix(state, None) == (JobCause.OTHER, STATE_FIXES[state])


def test_an_expired_job_is_told_to_widen_its_start_window() -> None:
    _cause, fix = backup_fix("EXPIRED", None)
    assert fix.startswith("the job did not start within its start window: widen the plan rule's start window")


def test_a_message_that_names_a_cause_wins_over_the_end_state() -> None:
    assert backup_fix("EXPIRED", "Rate exceeded") == (JobCause.LIMIT, BACKUP_FIXES[JobCause.LIMIT])
    assert backup_fix("FAILED", "Access Denied") == (
        JobCause.ACCESS_DENIED,
        BACKUP_FIXES[JobCause.ACCESS_DENIED],
    )


def test_an_unexplained_plain_failure_is_told_to_read_aws_message() -> None:
    cause, fix = backup_fix("FAILED", "boom")
    assert cause is JobCause.OTHER
    assert fix == BACKUP_FIXES[JobCause.OTHER] and fix.startswith("read AWS's message")


def test_every_cause_has_its_own_fix() -> None:
    assert set(BACKUP_FIXES) == set(JobCause)
    assert len(set(BACKUP_FIXES.values())) == len(JobCause)
    assert "kms:CreateGrant" in BACKUP_FIXES[JobCause.KMS]
    assert "BackupServiceRole" in BACKUP_FIXES[JobCause.ACCESS_DENIED]
    assert BACKUP_FIXES[JobCause.NOT_FOUND].startswith("the resource is gone")
    assert "Service Quotas" in BACKUP_FIXES[JobCause.LIMIT]
    assert BACKUP_FIXES[JobCause.CONFLICT].startswith("another job on the resource was running")


# -- links -------------------------------------------------------------------------------------------
CONSOLE = "https://eu-west-1.console.aws.amazon.com"


@pytest.mark.parametrize("kind", ["backup", "copy", "restore"])
def test_a_jobs_link_opens_its_page_in_the_backup_console(kind: str) -> None:
    assert links.job_link(kind, "JOB-1", "eu-west-1") == (
        f"{CONSOLE}/backup/home?region=eu-west-1#/jobs/{kind}/details/JOB-1"
    )


def test_a_job_id_is_url_quoted_in_its_link() -> None:
    link = links.job_link("backup", "a/b c#d", "eu-west-1")
    assert link == f"{CONSOLE}/backup/home?region=eu-west-1#/jobs/backup/details/a%2Fb%20c%23d"


def test_no_job_link_without_a_job_id_or_for_an_unknown_kind() -> None:
    assert links.job_link("backup", None, "eu-west-1") is None
    assert links.job_link("backup", "", "eu-west-1") is None
    assert links.job_link("snapshot", "JOB-1", "eu-west-1") is None


@pytest.mark.parametrize(
    ("arn", "host"),
    [
        ("arn:aws-us-gov:dynamodb:us-gov-west-1:1:table/t", "https://console.amazonaws-us-gov.com"),
        ("arn:aws-cn:dynamodb:cn-north-1:1:table/t", "https://console.amazonaws.cn"),
        ("arn:aws:dynamodb:us-gov-west-1:1:table/t", "https://us-gov-west-1.console.aws.amazon.com"),
        ("arn:unknown:dynamodb:us-gov-west-1:1:table/t", "https://us-gov-west-1.console.aws.amazon.com"),
        (None, "https://us-gov-west-1.console.aws.amazon.com"),
    ],
)
def test_a_job_link_uses_the_console_of_its_resources_partition(arn: str | None, host: str) -> None:
    region = "cn-north-1" if "aws-cn" in (arn or "") else "us-gov-west-1"
    link = links.job_link("copy", "J", region, arn)
    assert link == f"{host}/backup/home?region={region}#/jobs/copy/details/J"


@pytest.mark.parametrize(
    "region", ["", "useast1", "US-EAST-1", "us-east-1x", "us-east-123", "us-east-1/evil"]
)
def test_no_link_for_a_region_that_is_not_one(region: str) -> None:
    assert links.job_link("backup", "J", region) is None
    assert links.plan_link("P", region) is None
    assert links.backup_console(region, "/resources") is None


def test_two_digit_regions_have_links() -> None:
    assert links.backup_console("ap-southeast-12", "/x") == (
        "https://ap-southeast-12.console.aws.amazon.com/backup/home?region=ap-southeast-12#/x"
    )


def test_a_plans_link_opens_its_details() -> None:
    assert (
        links.plan_link("p/1", "eu-west-1")
        == f"{CONSOLE}/backup/home?region=eu-west-1#/backupplan/details/p%2F1"
    )
    assert links.plan_link(None, "eu-west-1") is None
    assert links.plan_link("", "eu-west-1") is None


def test_a_protected_resources_link_opens_its_recovery_points() -> None:
    arn = "arn:aws:dynamodb:eu-west-1:1:table/t"
    assert links.protected_resource_link(arn, "eu-west-1") == (
        f"{CONSOLE}/backup/home?region=eu-west-1#/resources/arn%3Aaws%3Adynamodb%3Aeu-west-1%3A1%3Atable%2Ft"
    )
    assert links.protected_resource_link(None, "eu-west-1") is None
    assert links.protected_resource_link("", "eu-west-1") is None
    gov = "arn:aws-us-gov:dynamodb:us-gov-west-1:1:table/t"
    assert (links.protected_resource_link(gov, "us-gov-west-1") or "").startswith(
        "https://console.amazonaws-us-gov.com/backup/home?region=us-gov-west-1#/resources/"
    )


@pytest.mark.parametrize(
    ("arn", "page"),
    [
        ("arn:aws:dynamodb:eu-west-1:1:table/orders", "/dynamodbv2/home?region=eu-west-1#table?name=orders"),
        ("arn:aws:ec2:eu-west-1:1:volume/vol-1", "/ec2/home?region=eu-west-1#VolumeDetails:volumeId=vol-1"),
        ("arn:aws:ec2:eu-west-1:1:instance/i-1", "/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-1"),
        ("arn:aws:rds:eu-west-1:1:db:ledger", "/rds/home?region=eu-west-1#database:id=ledger"),
        ("arn:aws:rds:eu-west-1:1:cluster:aur", "/rds/home?region=eu-west-1#database:id=aur;is-cluster=true"),
        (
            "arn:aws:elasticfilesystem:eu-west-1:1:file-system/fs-1",
            "/efs/home?region=eu-west-1#/file-systems/fs-1",
        ),
        ("arn:aws:fsx:eu-west-1:1:file-system/fs-2", "/fsx/home?region=eu-west-1#file-system-details/fs-2"),
    ],
)
def test_a_resources_own_console_page_where_its_tags_are_edited(arn: str, page: str) -> None:
    assert links.resource_link(arn) == CONSOLE + page


def test_a_bucket_opens_in_the_global_s3_console() -> None:
    assert links.resource_link("arn:aws:s3:::my bucket") == (
        "https://s3.console.aws.amazon.com/s3/buckets/my%20bucket?tab=properties"
    )
    assert (
        links.resource_link("arn:aws-cn:s3:::b") == "https://console.amazonaws.cn/s3/buckets/b?tab=properties"
    )


def test_a_type_without_its_own_page_opens_aws_backups_page_of_it() -> None:
    arn = "arn:aws:storagegateway:eu-west-1:1:gateway/sgw-1/volume/vol-1"
    link = links.resource_link(arn)
    assert link is not None
    assert link.startswith(f"{CONSOLE}/backup/home?region=eu-west-1#/resources/arn%3Aaws%3Astoragegateway")


def test_no_resource_link_for_what_is_not_a_resource_or_has_no_valid_region() -> None:
    assert links.resource_link(None) is None
    assert links.resource_link("not an arn") is None
    assert links.resource_link("arn:aws:dynamodb:bad:1:table/t") is None
    assert links.resource_link("arn:aws-us-gov:dynamodb:us-gov-west-1:1:table/t") == (
        "https://console.amazonaws-us-gov.com/dynamodbv2/home?region=us-gov-west-1#table?name=t"
    )
