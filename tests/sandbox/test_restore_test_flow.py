"""Restore tests end to end: the stack's restore testing plan restores what the restore-test tag opts
in, ``validate_restore`` checks the data against what ``record_backup`` recorded at backup time and
puts the verdict, AWS Backup (the sandbox) deletes what the plan restored, the stack deletes what its
own first tests restored, and the hourly sweep reports each run once and catches what was left.

Every type AWS Backup's restore testing supports is tested here: DynamoDB, S3, EBS, EC2, RDS, Aurora,
EFS and FSx (for Lustre). What the built-in checks can and cannot see per type is in
``logic/restore_tests/checks.py``; what the sandbox models of each type is in ``sandbox/resources``
(EBS, EFS and FSx hold no file or block content there, so their checks are configuration checks).

Times: the world starts on a Saturday; the weekly run is on Sunday at 05:00 UTC; the stack is deployed
with ``RestoreTestStartWindowHours=1`` so a run's tests all start within its first hour. A restore
takes 2.5 simulated minutes for a small resource (sandbox/backup/transfers.py), 3.4 hours for a
1,200 GiB FSx for Lustre file system.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from backup_autopilot.logic.restore_tests.validation import MESSAGE_LIMIT
from bench.apicalls import CALL_BUDGETS, RESTORE_CHECK_CALLS, ApiCallCounter
from bench.restore_tests import VERDICTS, PerInvocation, event_type, first_test
from sandbox import Sandbox
from sandbox.backup.restore_test_cleanup import S3_CLEANUP_SECONDS
from sandbox.resources import restored
from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

UTC = dt.UTC
SATURDAY = dt.datetime(2026, 3, 7, 9, 0, tzinfo=UTC)
SUNDAY_RUN = dt.datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
ON = {"backup-plan": "daily", "backup-restore-test": "on"}
TYPES = ("DynamoDB", "S3", "EBS", "EC2", "RDS", "Aurora", "EFS", "FSx")
CHECKS = ROOT / "tests" / "sandbox" / "fixtures" / "restore_check" / "template.yaml"
HOUR = 3600


@contextlib.contextmanager
def stack(**parameters: str) -> Iterator[Sandbox]:
    """The stack as deployed by ``make serve``, its weekly run's tests all starting in one hour;
    advanced DynamoDB backup on (AWS copies tags onto DynamoDB backups only then, and restore
    testing selects by the tags on the recovery point)."""
    with Sandbox(
        template=ROOT / "template.yaml",
        start=SATURDAY,
        parameters={"RestoreTestStartWindowHours": "1", **parameters},
    ) as sb:
        sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
        yield sb


# -- what a team tags --------------------------------------------------------------------------------
def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def make(sb: Sandbox, resource_type: str, name: str, tags: dict[str, str]) -> str:
    """A resource of ``resource_type`` holding some data, tagged after creation (a tag event)."""
    ec2, rds = sb.client("ec2"), sb.client("rds")
    if resource_type == "DynamoDB":
        return sb.create_table(name, items=120, tags=tags)
    if resource_type == "S3":
        s3 = sb.client("s3")
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        for month in range(1, 7):
            s3.put_object(Bucket=name, Key=f"2025/{month:02d}.pdf", Body=b"%PDF-1.7 " * month)
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
        return f"arn:aws:s3:::{name}"
    if resource_type == "EBS":
        volume = ec2.create_volume(AvailabilityZone=f"{sb.region}a", Size=16, VolumeType="gp3")["VolumeId"]
        ec2.create_tags(Resources=[volume], Tags=tag_list(tags))
        return f"arn:aws:ec2:{sb.region}:{sb.account_id}:volume/{volume}"
    if resource_type == "EC2":
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")
        instance_id = instance["Instances"][0]["InstanceId"]
        ec2.create_tags(Resources=[instance_id], Tags=tag_list(tags))
        return f"arn:aws:ec2:{sb.region}:{sb.account_id}:instance/{instance_id}"
    if resource_type == "RDS":
        arn = rds.create_db_instance(
            DBInstanceIdentifier=name,
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="admin",
            MasterUserPassword="not-a-secret-1",  # pragma: allowlist secret
        )["DBInstance"]["DBInstanceArn"]
        rds.add_tags_to_resource(ResourceName=arn, Tags=tag_list(tags))
        return str(arn)
    if resource_type == "Aurora":
        cluster = rds.create_db_cluster(
            DBClusterIdentifier=name,
            Engine="aurora-postgresql",
            MasterUsername="admin",
            MasterUserPassword="not-a-secret-1",  # pragma: allowlist secret
        )["DBCluster"]
        rds.create_db_instance(
            DBInstanceIdentifier=f"{name}-1",
            DBClusterIdentifier=name,
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
        )
        rds.add_tags_to_resource(ResourceName=cluster["DBClusterArn"], Tags=tag_list(tags))
        return str(cluster["DBClusterArn"])
    if resource_type == "EFS":
        efs = sb.client("efs")
        created = efs.create_file_system(CreationToken=name, Encrypted=True)
        efs.tag_resource(ResourceId=created["FileSystemId"], Tags=tag_list(tags))
        return str(created["FileSystemArn"])
    assert resource_type == "FSx"
    fsx = sb.client("fsx")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    file_system = fsx.create_file_system(FileSystemType="LUSTRE", StorageCapacity=1200, SubnetIds=[subnet])
    arn = file_system["FileSystem"]["ResourceARN"]
    fsx.tag_resource(ResourceARN=arn, Tags=tag_list(tags))
    return str(arn)


# -- what happened -------------------------------------------------------------------------------------
def restore_jobs(sb: Sandbox) -> list[dict[str, Any]]:
    backup = sb.client("backup")
    listed = backup.list_restore_jobs()["RestoreJobs"]
    return [dict(backup.describe_restore_job(RestoreJobId=job["RestoreJobId"])) for job in listed]


def plan_tests(sb: Sandbox) -> dict[str, dict[str, Any]]:
    """The stack's restore testing plan's jobs (as DescribeRestoreJob tells them), by tested resource."""
    plan = sb.outputs["RestoreTestingPlanArn"]
    jobs = restore_jobs(sb)
    tests = {
        j["SourceResourceArn"]: j for j in jobs if j.get("CreatedBy", {}).get("RestoreTestingPlanArn") == plan
    }
    assert len(tests) == len([j for j in jobs if j.get("CreatedBy", {}).get("RestoreTestingPlanArn") == plan])
    return tests


def first_tests(sb: Sandbox) -> dict[str, dict[str, Any]]:
    """The stack's own on-demand tests (started by the stack's restore role, no testing plan)."""
    role = sb.outputs["RestoreTestRoleArn"]
    jobs = [j for j in restore_jobs(sb) if not j.get("CreatedBy") and j["IamRoleArn"] == role]
    return {j["SourceResourceArn"]: j for j in jobs}


def domain(sb: Sandbox, detail_type: str) -> list[dict[str, Any]]:
    return [
        e["detail"]
        for e in sb.events
        if e["source"] == "backup-autopilot" and e["detail-type"] == detail_type
    ]


def verdicts(sb: Sandbox) -> dict[str, list[dict[str, Any]]]:
    """Restore Test Passed / Failed events, by restore job id."""
    found: dict[str, list[dict[str, Any]]] = {}
    for detail_type in ("Restore Test Passed", "Restore Test Failed"):
        for detail in domain(sb, detail_type):
            found.setdefault(detail["restore_job_id"], []).append({"type": detail_type, **detail})
    return found


def validations(sb: Sandbox, job_id: str) -> list[dict[str, Any]]:
    """What validate_restore answered for each delivery of ``job_id``'s events."""
    return [
        i.result
        for i in sb.invocations
        if i.function == "ValidateRestoreFunction" and i.event["detail"].get("restoreJobId") == job_id
    ]


def alerts(sb: Sandbox, *words: str) -> list[dict[str, Any]]:
    """E-mails (SNS, the alerts topic) that mention every word."""
    topic = sb.outputs["AlertsTopicArn"]
    return [
        n
        for n in sb.notifications
        if n["Channel"] == "sns" and n["TopicArn"] == topic and all(w in str(n["Message"]) for w in words)
    ]


def sweeps(sb: Sandbox) -> list[dict[str, list[str]]]:
    """What each hourly reconcile's restore-test sweep did (its result's ``restore_sweep``)."""
    return [
        i.result["restore_sweep"]
        for i in sb.invocations
        if i.function == "ReconcileFunction" and isinstance(i.result, dict) and "restore_sweep" in i.result
    ]


def alive(arn: str) -> bool:
    return restored.describe(arn) is not None


# -- the weekly run over every type --------------------------------------------------------------------
def test_a_weekly_run_validates_every_type_and_everything_restored_is_deleted() -> None:
    with stack() as sb, ApiCallCounter(sb) as calls, PerInvocation(sb, calls) as measured:
        sources = {t: make(sb, t, f"prod-{t.lower()}", ON) for t in TYPES}

        # opting in: each resource's first test runs on demand after its first backup (FSx: a
        # 1,200 GiB backup takes 7 hours and its restore 3.4 more)
        sb.advance(11 * HOUR)
        first = first_tests(sb)
        assert set(first) == set(sources.values())
        for resource_type, source in sources.items():
            job = first[source]
            assert job["Status"] == "COMPLETED" and job["ValidationStatus"] == "SUCCESSFUL", job
            assert job["CreatedResourceArn"] != source
            if resource_type in {"DynamoDB", "S3", "RDS", "Aurora"}:  # types the test names
                assert job["CreatedResourceArn"].rsplit("/", 1)[-1].rsplit(":", 1)[-1].startswith("bap-rt-")
            assert not alive(job["CreatedResourceArn"]), f"{resource_type}: the stack deletes its own"
            [verdict] = verdicts(sb)[job["RestoreJobId"]]
            assert verdict["type"] == "Restore Test Passed" and verdict["on_demand"] is True

        # the weekly run: one test per opted-in resource, each validated on its data
        sb.advance_to(SUNDAY_RUN + dt.timedelta(hours=6))
        tests = plan_tests(sb)
        assert set(tests) == set(sources.values())
        for resource_type, source in sources.items():
            job = tests[source]
            message = job.get("ValidationStatusMessage", "")
            assert (job["Status"], job.get("ValidationStatus")) == ("COMPLETED", "SUCCESSFUL"), job
            assert (
                message.startswith(f"backup-autopilot: restored {resource_type} is ")
                and len(message) <= MESSAGE_LIMIT
            )
            assert (
                job["CreatedResourceArn"]
                .rsplit("/", 1)[-1]
                .rsplit(":", 1)[-1]
                .startswith(("awsbackup-restore-test", "vol-", "i-", "fs-"))
            )
            assert [v["type"] for v in verdicts(sb)[job["RestoreJobId"]]] == ["Restore Test Passed"]
        assert (
            "120 items restored, source had 120 at backup time"
            in tests[sources["DynamoDB"]]["ValidationStatusMessage"]
        )
        assert "5/5 sampled objects identical" in tests[sources["S3"]]["ValidationStatusMessage"]

        # one report for the run, to the alerts topic (an e-mail) and Slack
        [report] = domain(sb, "Restore Test Report")
        assert report["counts"] == {
            "tested": 8,
            "passed": 8,
            "failed": 0,
            "no_verdict": 0,
            "over_rto_target": 0,
            "not_tested": 0,
        }
        [email] = alerts(sb, "Restore Test Report")
        assert "Restore Test Report" in email["Subject"]  # alone, or in a digest with what else came
        assert "8 tested, 8 passed, 0 failed, 0 over their RTO target, 0 not tested" in email["Message"]
        assert all(source in email["Message"] for source in sources.values())
        assert len([p for p in sb.slack.posts if "Restore Test Report" in json.dumps(p.payload)]) == 1

        # AWS deletes what the plan restored once the verdict is put (S3: lifecycle rules, days)
        sb.advance(S3_CLEANUP_SECONDS + HOUR)
        deleted = {t: plan_tests(sb)[s]["DeletionStatus"] for t, s in sources.items()}
        assert set(deleted.values()) == {"SUCCESSFUL"}, deleted
        everything = [j["CreatedResourceArn"] for j in (*first.values(), *tests.values())]
        assert not [arn for arn in everything if alive(arn)]
        assert all(alive(source) for source in sources.values())  # never a source

        # and each verdict cost its budget of API calls (issue 12: counts, never time)
        spent = {
            ("first test" if first_test(item) else "weekly test", event_type(item)): item.calls.total()
            for item in measured.of("ValidateRestoreFunction", VERDICTS)
        }
        assert len(spent) == 2 * len(TYPES), spent
        for (case, resource_type), total in spent.items():
            budget = CALL_BUDGETS[("ValidateRestoreFunction", case)][0]
            assert total <= budget + RESTORE_CHECK_CALLS[case].get(resource_type, 0), (
                case,
                resource_type,
                total,
            )


# -- what fails, and why ---------------------------------------------------------------------------------
def test_an_injected_empty_restore_fails_validation_with_its_reason() -> None:
    with stack() as sb:
        table = make(sb, "DynamoDB", "orders", ON)
        bucket = make(sb, "S3", "invoices-archive", ON)
        sb.advance(HOUR)  # first backups (the facts are recorded) and first tests, healthy
        assert {j["ValidationStatus"] for j in first_tests(sb).values()} == {"SUCCESSFUL"}

        sb.faults.empty_restore("DynamoDB")  # AWS says COMPLETED; the restored table holds nothing
        sb.faults.empty_restore("S3")
        sb.advance_to(SUNDAY_RUN + dt.timedelta(hours=3))

        tests = plan_tests(sb)
        for source, reason in (
            (table, "0 items restored, source had 120 at backup time"),
            (bucket, "0 objects restored, source had 6 at backup time"),
        ):
            job = tests[source]
            assert (job["Status"], job["ValidationStatus"]) == ("COMPLETED", "FAILED")
            assert reason in job["ValidationStatusMessage"]
            [verdict] = verdicts(sb)[job["RestoreJobId"]]
            assert verdict["type"] == "Restore Test Failed" and verdict["severity"] == "critical"
            assert any(reason in r for r in verdict["reasons"])
            assert any("missing" in r for r in verdict["reasons"])  # the sampled items are not there
            [email] = alerts(sb, "Restore Test Failed", source.rsplit("/", 1)[-1].rsplit(":", 1)[-1])
            assert reason in email["Message"]
        [report] = domain(sb, "Restore Test Report")
        assert (report["counts"]["tested"], report["counts"]["failed"]) == (2, 2)
        assert report["severity"] == "warning"
        assert {f["resource"] for f in report["failed"]} == {table, bucket}


def test_a_restore_over_its_rto_target_fails() -> None:
    with stack() as sb:
        slow = make(sb, "DynamoDB", "orders", {**ON, "backup-rto-minutes": "1"})
        fine = make(sb, "DynamoDB", "ledger", {**ON, "backup-rto-minutes": "60"})
        sb.advance_to(SUNDAY_RUN + dt.timedelta(hours=3))

        tests = plan_tests(sb)
        assert tests[slow]["ValidationStatus"] == "FAILED"
        assert tests[slow]["ValidationStatusMessage"] == "backup-autopilot: restored in 2.5 min, target 1 min"
        assert tests[fine]["ValidationStatus"] == "SUCCESSFUL"
        assert tests[fine]["ValidationStatusMessage"].endswith("; restored in 2.5 min, target 60 min")
        [report] = domain(sb, "Restore Test Report")
        assert [
            (e["resource"], e["rto_minutes"], e["rto_target_minutes"]) for e in report["over_rto_target"]
        ] == [(slow, 2.5, 1.0)]
        assert [(p["resource"], p["rto_target_minutes"]) for p in report["passed"]] == [(fine, 60.0)]


# -- what is never touched -------------------------------------------------------------------------------
def test_a_restore_someone_else_started_is_never_touched_or_validated() -> None:
    with stack() as sb:
        table = make(sb, "DynamoDB", "orders", ON)
        sb.advance(HOUR)
        backup = sb.client("backup")
        point = backup.list_recovery_points_by_resource(ResourceArn=table)["RecoveryPoints"][0]
        # a person recovers the table (a real recovery, not a test) ...
        recovery = backup.start_restore_job(
            RecoveryPointArn=point["RecoveryPointArn"],
            Metadata={"targetTableName": "orders-recovered"},
            IamRoleArn=sb.attribute("BackupServiceRole", "Arn"),
            ResourceType="DynamoDB",
        )["RestoreJobId"]
        # ... and the team runs a restore testing plan of its own on the same table
        backup.create_restore_testing_plan(
            RestoreTestingPlan={
                "RestoreTestingPlanName": "team_checks",
                "ScheduleExpression": "cron(0 3 ? * * *)",
                "StartWindowHours": 1,
                "RecoveryPointSelection": {
                    "Algorithm": "LATEST_WITHIN_WINDOW",
                    "RecoveryPointTypes": ["SNAPSHOT"],
                    "IncludeVaults": ["*"],
                },
            }
        )
        backup.create_restore_testing_selection(
            RestoreTestingPlanName="team_checks",
            RestoreTestingSelection={
                "RestoreTestingSelectionName": "orders",
                "ProtectedResourceType": "DynamoDB",
                "IamRoleArn": sb.outputs["RestoreTestRoleArn"],
                "ProtectedResourceArns": [table],
                "ValidationWindowHours": 2,
            },
        )
        sb.advance_to(SUNDAY_RUN + dt.timedelta(days=1))  # the team's runs, the stack's run, 24 sweeps

        theirs = [recovery] + [
            j["RestoreJobId"]
            for j in restore_jobs(sb)
            if j.get("CreatedBy", {})
            .get("RestoreTestingPlanArn", "")
            .split(":")[-1]
            .startswith("team_checks")
        ]
        assert len(theirs) == 3  # the recovery and two nightly runs of the team's plan
        for job_id in theirs:
            job = backup.describe_restore_job(RestoreJobId=job_id)
            assert job["Status"] == "COMPLETED" and "ValidationStatus" not in job
            assert {r["outcome"] for r in validations(sb, job_id)} == {"Ignored"}  # seen, left alone
            assert job_id not in verdicts(sb)
        recovered = f"arn:aws:dynamodb:{sb.region}:{sb.account_id}:table/orders-recovered"
        live = restored.describe(recovered)
        assert live is not None  # never deleted ...
        assert "backup-autopilot:restore-test" not in live.tags  # ... nor marked
        [report] = domain(sb, "Restore Test Report")
        assert report["counts"]["tested"] == 1  # the stack's own test only
        assert plan_tests(sb)[table]["ValidationStatus"] == "SUCCESSFUL"


def test_no_restored_resource_is_enrolled_by_the_plans_or_by_protect_resource() -> None:
    with stack() as sb:
        table = make(sb, "DynamoDB", "orders", ON)
        volume = make(sb, "EBS", "data", ON)
        # what the tests restore stays (AWS's deletion fails, and so does the stack's) ...
        sb.faults.fail_restore_test_deletion(count=None)
        stuck = [
            sb.faults.throttle(
                "dynamodb", "DeleteTable", code="ResourceInUseException", message="Table is being updated"
            ),
            sb.faults.throttle("ec2", "DeleteVolume", code="VolumeInUse", message="Volume is in use"),
        ]
        sb.advance_to(SUNDAY_RUN + dt.timedelta(hours=2))
        copies = [j["CreatedResourceArn"] for j in (*first_tests(sb).values(), *plan_tests(sb).values())]
        assert len(copies) == 4 and all(alive(arn) for arn in copies)
        # ... and carries the source's plan tag (as a restore that copies tags would)
        for arn in copies:
            if ":table/" in arn:
                sb.client("dynamodb").tag_resource(ResourceArn=arn, Tags=tag_list({"backup-plan": "daily"}))
            else:
                sb.client("ec2").create_tags(
                    Resources=[arn.rsplit("/", 1)[-1]], Tags=tag_list({"backup-plan": "daily"})
                )
        tagged_at = sb.clock.now()
        sb.advance_to(SUNDAY_RUN + dt.timedelta(days=1, hours=2))  # hourly reconciles, Monday's window

        handled = [
            i.result["outcome"]
            for i in sb.invocations
            if i.function == "ProtectResourceFunction" and i.started >= tagged_at
        ]
        assert handled == ["Ignored"] * 4  # each tag event: a restore test's copy, never enrolled
        backup = sb.client("backup")
        jobs = backup.list_backup_jobs(ByCreatedAfter=tagged_at)["BackupJobs"]
        assert {j["ResourceArn"] for j in jobs} == {table, volume}  # Monday's window: the sources only
        protected = {r["ResourceArn"] for r in backup.list_protected_resources()["Results"]}
        assert not protected & set(copies)
        # once they can be deleted again, the next sweep deletes the stack's own copies
        for fault in stuck:
            sb.faults.api.remove(fault)
        sb.advance(HOUR)
        own = [j["CreatedResourceArn"] for j in first_tests(sb).values()]
        assert len(own) == 2 and not [arn for arn in own if alive(arn)]


def test_a_deletion_failure_is_caught_by_the_sweep() -> None:
    with stack() as sb:
        table = make(sb, "DynamoDB", "orders", ON)
        # the stack cannot delete its first test's table at once (in use): the verdict stands ...
        sb.faults.throttle(
            "dynamodb",
            "DeleteTable",
            code="ResourceInUseException",
            message="Table is being updated",
            count=1,
        )
        sb.advance(30 * 60)
        [first] = first_tests(sb).values()
        [answer] = validations(sb, first["RestoreJobId"])
        assert answer["outcome"] == "Restore Test Passed" and answer["deleted"] is False
        assert "ResourceInUseException" in answer["deletion_deferred"]
        assert alive(first["CreatedResourceArn"])
        # ... and the next hourly sweep deletes it
        sb.advance(HOUR)
        assert not alive(first["CreatedResourceArn"])
        assert any(first["CreatedResourceArn"] in sweep["deleted"] for sweep in sweeps(sb))

        # AWS fails to delete what its weekly test restored: the sweep reports it (AWS's to delete)
        sb.faults.fail_restore_test_deletion(resource_arn=table)
        sb.advance_to(SUNDAY_RUN + dt.timedelta(hours=4))
        job = plan_tests(sb)[table]
        assert (job["ValidationStatus"], job["DeletionStatus"]) == ("SUCCESSFUL", "FAILED")
        created = job["CreatedResourceArn"]
        assert alive(created)
        leftovers = [d for d in domain(sb, "Restore Test Leftover") if d["resource"] == created]
        assert leftovers and leftovers[0]["severity"] == "warning"
        assert len(alerts(sb, "Restore Test Leftover", created.rsplit("/", 1)[-1])) == 1  # told once


def test_duplicate_events_validate_once() -> None:
    with stack() as sb:
        sb.faults.duplicate_deliveries(3)  # every event reaches every rule three times
        table = make(sb, "DynamoDB", "orders", ON)
        sb.advance_to(SUNDAY_RUN + dt.timedelta(hours=3))

        jobs = [*first_tests(sb).values(), plan_tests(sb)[table]]
        assert len(jobs) == 2
        for job in jobs:
            answers = sorted(r["outcome"] for r in validations(sb, job["RestoreJobId"]))
            assert answers == ["AlreadyValidated", "AlreadyValidated", "Restore Test Passed"]
            assert len(verdicts(sb)[job["RestoreJobId"]]) == 1
            assert job["ValidationStatus"] == "SUCCESSFUL"  # put once (a second put is refused)
        assert len(domain(sb, "Restore Test Report")) == 1
        assert len(alerts(sb, "Restore Test Report")) == 1


def test_lost_events_are_caught_up_by_the_hourly_sweep() -> None:
    with stack() as sb:
        table = f"arn:aws:dynamodb:{sb.region}:{sb.account_id}:table"
        # AWS's events are best effort: here, every restore job's events are lost, orders' opt-in
        # (its tag event) is never seen, and ledger's backups complete without a word
        sb.faults.drop_events("aws.backup", detail_type="Restore Job State Change")
        sb.faults.drop_events("aws.tag", resource_arn=f"{table}/orders")
        sb.faults.drop_events(
            "aws.backup", detail_type="Backup Job State Change", resource_arn=f"{table}/ledger"
        )
        orders = make(sb, "DynamoDB", "orders", ON)
        ledger = make(sb, "DynamoDB", "ledger", ON)
        sb.advance(3 * HOUR)

        # the reconcile protects orders and its sweep sets its first test to follow the first backup
        # (record_backup starts it); the sweep validates it, as it does every test whose event is lost
        first = first_tests(sb)
        assert first[orders]["ValidationStatus"] == "SUCCESSFUL" and not alive(
            first[orders]["CreatedResourceArn"]
        )
        assert [r["outcome"] for r in validations(sb, first[orders]["RestoreJobId"])] == []  # no event came
        assert not [
            i
            for i in sb.invocations
            if i.function == "ProtectResourceFunction" and orders in json.dumps(i.event)
        ]
        assert any(first[orders]["RestoreJobId"] in sweep["validated_late"] for sweep in sweeps(sb))
        assert ledger not in first  # its first test waits for a backup completion it never hears of

        sb.advance_to(SUNDAY_RUN + dt.timedelta(hours=3))
        tests = plan_tests(sb)
        assert {s: j["ValidationStatus"] for s, j in tests.items()} == {
            orders: "SUCCESSFUL",
            ledger: "SUCCESSFUL",
        }
        # nothing was recorded at ledger's backup time: the source was read at validation time
        assert "item counts and samples are not compared" in tests[ledger]["ValidationStatusMessage"]
        assert "120 items restored, source had 120 at backup time" in tests[orders]["ValidationStatusMessage"]
        assert len(domain(sb, "Restore Test Report")) == 1


# -- a team's own check ----------------------------------------------------------------------------------
def test_a_users_own_check_is_invoked_and_combined_with_the_built_in_checks() -> None:
    with stack() as sb:
        functions = sb.deploy_stack(CHECKS, stack_name="orders-team-checks").functions
        assert functions["OrdersRestoreCheck"].name.startswith(
            str(sb.template.parameters["RestoreCheckFunctionPrefix"])
        )
        orders = make(sb, "DynamoDB", "orders", {**ON, "backup-restore-check": "backup-restore-check-orders"})
        rogue = make(sb, "DynamoDB", "ledger", {**ON, "backup-restore-check": "delete-everything"})
        missing = make(sb, "DynamoDB", "archive", {**ON, "backup-restore-check": "backup-restore-check-gone"})
        sb.advance(HOUR)

        # the first test of orders: the user's check ran on the restored table and passed
        first = first_tests(sb)
        assert first[orders]["ValidationStatus"] == "SUCCESSFUL"
        assert first[orders]["ValidationStatusMessage"].endswith(
            "; backup-restore-check-orders: orders 0..119 all present"
        )
        [ran] = [i for i in sb.invocations if i.function == "OrdersRestoreCheck"]
        assert ran.trigger == "lambda:Invoke" and ran.outcome == "success"
        assert ran.event["restored_resource_arn"] == first[orders]["CreatedResourceArn"]
        assert ran.event["source_resource_arn"] == orders and ran.event["resource_type"] == "DynamoDB"
        # a tag never makes the stack invoke a function outside the prefix; one that is not there fails
        assert first[rogue]["ValidationStatus"] == "FAILED"
        assert (
            "delete-everything is not allowed: the function's name must start with backup-restore-check-"
            in (first[rogue]["ValidationStatusMessage"])
        )
        assert first[missing]["ValidationStatus"] == "FAILED"
        assert (
            "backup-restore-check-gone: could not run the check" in first[missing]["ValidationStatusMessage"]
        )
        assert "ResourceNotFoundException" in first[missing]["ValidationStatusMessage"]

        # an empty restore: the built-in checks and the user's check each say why
        sb.faults.empty_restore("DynamoDB")
        sb.advance_to(SUNDAY_RUN + dt.timedelta(hours=3))
        job = plan_tests(sb)[orders]
        assert job["ValidationStatus"] == "FAILED"
        message = job["ValidationStatusMessage"]
        assert "0 items restored, source had 120 at backup time" in message
        assert (
            f"backup-restore-check-orders: no orders in {job['CreatedResourceArn'].rsplit('/', 1)[-1]}"
            in message
        )
        assert len([i for i in sb.invocations if i.function == "OrdersRestoreCheck"]) == 2
