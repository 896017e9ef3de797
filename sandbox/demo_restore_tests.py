"""The demo's restore-test chapter: a weekly run of the stack's restore testing plan, in a world of its own.

1. A team opts five resources in (``backup-restore-test=on``), with restore-time targets
   (``backup-rto-minutes``): a DynamoDB table, an S3 bucket, an EBS volume, an RDS database, an EFS
   file system. Each gets its first test on demand after its first backup (validated, then deleted
   by the stack), instead of waiting up to a week.
2. The bucket's backups go bad: AWS will say its restore COMPLETED, but the restored bucket is
   empty (``sb.faults.empty_restore``).
3. Sunday 05:00 UTC: the weekly run restores each resource; ``validate_restore`` checks the data
   against what was recorded at backup time and the restore time against each target, and tells
   AWS the verdict. The bucket's test fails, with its reason; the others pass.
4. AWS deletes every restored copy once its verdict is in (a bucket: days later, through lifecycle
   rules): nothing restored is left.
5. One Restore Test Report reaches the alerts topic (e-mail) and Slack: as a user sees it.

The world starts on a Saturday (the main story's world is Monday's, and a restore test run is
weekly); with ``--realistic`` AWS's events are late, twice or lost here too, and each step waits
(in simulated time) for what it shows: the hourly sweep validates a test whose event was lost.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sandbox.resources import restored
from sandbox.world import Sandbox

if TYPE_CHECKING:
    from collections.abc import Callable

SATURDAY = dt.datetime(2026, 3, 7, 9, 0, tzinfo=dt.UTC)
SUNDAY_RUN = dt.datetime(2026, 3, 8, 5, 0, tzinfo=dt.UTC)
ON = {"backup-plan": "daily", "backup-restore-test": "on"}
#: how long a step waits for what it shows (simulated time)
PATIENCE = dt.timedelta(days=4)
STEP_SECONDS = 15 * 60
#: lines of the report e-mail printed
EMAIL_LINES = 24


def _say(text: str) -> None:
    print(f"\n== {text}")


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _wait(sb: Sandbox, done: Callable[[], bool]) -> bool:
    deadline = sb.clock.now() + PATIENCE
    sb.settle()
    while not done() and sb.clock.now() < deadline:
        sb.advance(STEP_SECONDS)
    return done()


def _resources(sb: Sandbox) -> dict[str, tuple[str, str, str]]:
    """The team's resources: name -> (type, ARN, RTO target in minutes)."""
    s3, ec2, rds, efs = sb.client("s3"), sb.client("ec2"), sb.client("rds"), sb.client("efs")
    made: dict[str, tuple[str, str, str]] = {}
    made["orders"] = (
        "DynamoDB",
        sb.create_table("orders", items=500, tags={**ON, "backup-rto-minutes": "30"}),
        "30",
    )
    s3.create_bucket(Bucket="invoices-archive")
    s3.put_bucket_versioning(Bucket="invoices-archive", VersioningConfiguration={"Status": "Enabled"})
    for month in range(1, 13):
        s3.put_object(Bucket="invoices-archive", Key=f"2025/{month:02d}.pdf", Body=b"%PDF-1.7 " * month)
    s3.put_bucket_tagging(
        Bucket="invoices-archive", Tagging={"TagSet": _tags({**ON, "backup-rto-minutes": "60"})}
    )
    made["invoices-archive"] = ("S3", "arn:aws:s3:::invoices-archive", "60")
    volume = ec2.create_volume(AvailabilityZone=f"{sb.region}a", Size=50, VolumeType="gp3")["VolumeId"]
    ec2.create_tags(Resources=[volume], Tags=_tags({**ON, "Name": "build-cache", "backup-rto-minutes": "30"}))
    made["build-cache"] = ("EBS", f"arn:aws:ec2:{sb.region}:{sb.account_id}:volume/{volume}", "30")
    database = rds.create_db_instance(
        DBInstanceIdentifier="billing",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="billing",
        MasterUserPassword="not-a-real-secret-1",  # pragma: allowlist secret
    )["DBInstance"]["DBInstanceArn"]
    rds.add_tags_to_resource(ResourceName=database, Tags=_tags({**ON, "backup-rto-minutes": "45"}))
    made["billing"] = ("RDS", str(database), "45")
    home = efs.create_file_system(CreationToken="home", Encrypted=True)
    efs.tag_resource(ResourceId=home["FileSystemId"], Tags=_tags({**ON, "backup-rto-minutes": "30"}))
    made["home"] = ("EFS", str(home["FileSystemArn"]), "30")
    return made


def _jobs(sb: Sandbox) -> list[dict[str, Any]]:
    backup = sb.client("backup")
    return [
        dict(backup.describe_restore_job(RestoreJobId=j["RestoreJobId"]))
        for j in backup.list_restore_jobs()["RestoreJobs"]
    ]


def _plan_tests(sb: Sandbox) -> dict[str, dict[str, Any]]:
    plan = sb.outputs["RestoreTestingPlanArn"]
    return {
        j["SourceResourceArn"]: j
        for j in _jobs(sb)
        if (j.get("CreatedBy") or {}).get("RestoreTestingPlanArn") == plan
    }


def _first_tests(sb: Sandbox) -> dict[str, dict[str, Any]]:
    role = sb.outputs["RestoreTestRoleArn"]
    return {
        j["SourceResourceArn"]: j for j in _jobs(sb) if not j.get("CreatedBy") and j["IamRoleArn"] == role
    }


def _minutes(job: dict[str, Any]) -> float:
    return float((job["CompletionDate"] - job["CreationDate"]).total_seconds() / 60)


def _reports(sb: Sandbox) -> list[dict[str, Any]]:
    return [
        e["detail"]
        for e in sb.events
        if e["source"] == "backup-autopilot" and e["detail-type"] == "Restore Test Report"
    ]


def _told(sb: Sandbox, channel: str) -> list[dict[str, Any]]:
    return [
        n for n in sb.notifications if n["Channel"] == channel and "Restore Test Report" in str(n["Message"])
    ]


def run(checks: dict[str, bool], *, realistic: bool = False) -> None:
    with Sandbox(template="template.yaml", config_env="sandbox", start=SATURDAY, realistic=realistic) as sb:
        _say(
            f"restore tests: a new world, {SATURDAY:%a %Y-%m-%d %H:%M} UTC; the weekly run: Sunday 05:00 UTC"
        )
        sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
        print("   advanced DynamoDB backup on (AWS copies a table's tags onto its backups only then)")
        team = _resources(sb)
        for name, (kind, _, rto) in team.items():
            print(f"   {kind:<8} {name:<17} tagged backup-restore-test=on, backup-rto-minutes={rto}")
        sources = {arn: name for name, (_, arn, _) in team.items()}

        _say("each resource's first test runs on demand after its first backup (not a week later)")
        _wait(
            sb,
            lambda: {a for a, j in _first_tests(sb).items() if j.get("ValidationStatus")} >= set(sources),
        )
        first = _first_tests(sb)
        for arn, name in sources.items():
            job = first.get(arn, {})
            copy = job.get("CreatedResourceArn", "-")
            gone = (
                "deleted by the stack" if copy != "-" and restored.describe(copy) is None else "still there"
            )
            verdict = job.get("ValidationStatus", "no test")
            print(f"   {name:<17} {verdict:<10} {copy.rsplit('/', 1)[-1]} ({gone})")
        checks["restore tests: a first test right after opting in, its copy deleted by the stack"] = all(
            first.get(arn, {}).get("ValidationStatus") == "SUCCESSFUL"
            and restored.describe(first[arn]["CreatedResourceArn"]) is None
            for arn in sources
        )

        _say("the bucket's backups go bad: its next restore will complete EMPTY (injected)")
        sb.faults.empty_restore("S3")
        _say(f"the clock passes the weekly run ({SUNDAY_RUN:%a %H:%M} UTC; AWS starts each test within 24 h)")
        sb.advance_to(SUNDAY_RUN)
        _wait(
            sb,
            lambda: (
                {a for a, j in _plan_tests(sb).items() if j.get("ValidationStatus")} >= set(sources)
                and bool(_reports(sb))
            ),
        )
        tests = _plan_tests(sb)
        for arn, name in sources.items():
            test = tests.get(arn)
            if test is None:
                print(f"   {name:<17} not tested")
                continue
            target = float(team[name][2])
            minutes = _minutes(test)
            print(
                f"   {name:<17} {test.get('ValidationStatus', '-'):<10} restored in {minutes:4.1f} min "
                f"(target {target:g} min: {'met' if minutes <= target else 'MISSED'})"
            )
            if test.get("ValidationStatus") == "FAILED":
                print(f"   {'':<17} why: {test.get('ValidationStatusMessage', '')}")
        bucket = tests.get("arn:aws:s3:::invoices-archive", {})
        healthy = [arn for arn in sources if arn != "arn:aws:s3:::invoices-archive"]
        checks["restore tests: the weekly run passes every healthy resource"] = all(
            tests.get(arn, {}).get("ValidationStatus") == "SUCCESSFUL" for arn in healthy
        )
        checks["restore tests: the injected empty restore fails, with its reason"] = bucket.get(
            "ValidationStatus"
        ) == "FAILED" and "0 objects restored, source had 12 at backup time" in bucket.get(
            "ValidationStatusMessage", ""
        )
        checks["restore tests: each restore time measured against its target"] = len(tests) == len(
            sources
        ) and all(
            f"target {team[name][2]} min" in tests[arn].get("ValidationStatusMessage", "")
            for arn, name in sources.items()
            if tests[arn].get("ValidationStatus") == "SUCCESSFUL"
        )

        _say("AWS deletes what the run restored once its verdict is in (a bucket through lifecycle rules)")
        copies = [
            j["CreatedResourceArn"] for j in (*first.values(), *tests.values()) if j.get("CreatedResourceArn")
        ]
        _wait(sb, lambda: all(restored.describe(arn) is None for arn in copies))
        left = [arn for arn in copies if restored.describe(arn) is not None]
        print(f"   restored copies: {len(copies)}; still existing: {len(left)}")
        checks["restore tests: everything restored is gone afterwards"] = bool(copies) and not left

        reports, emails, posts = _reports(sb), _told(sb, "sns"), _told(sb, "slack")
        _say(f"the run's report, as a user reads it ({len(emails)} e-mail, {len(posts)} Slack post)")
        if emails:
            print(f"   Subject: {emails[0]['Subject']}")
            for line in str(emails[0]["Message"]).splitlines()[:EMAIL_LINES]:
                print(f"   | {line}")
        checks["restore tests: one report per run reaches the alerts topic and Slack"] = (
            len(reports) == 1 and len(emails) == 1 and len(posts) == 1
        )
