"""Copies end to end in the sandbox: a completed backup -> StartCopiesFunction -> copy jobs -> recovery
points in the DR Region (and another account's vault) that restore there; classified copy failures
that reach people; the hourly sweep for what events missed. The stack is the real template.yaml,
its DR side dr/template.yaml (deployed by the sandbox into DrRegion)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import botocore.endpoint
import pytest

from sandbox import Sandbox
from sandbox.template import read_samconfig
from sandbox.world import SECOND_ACCOUNT_ID
from tests.conftest import ROOT
from tests.sandbox.backup_support import BACKUP_TRUST

if TYPE_CHECKING:
    from collections.abc import Iterator

#: the stack's Region (samconfig.toml [sandbox]); the cross-account vault lives there too
STACK_REGION = read_samconfig(ROOT / "samconfig.toml", "sandbox").region or "us-east-1"
CENTRAL_ACCOUNT = SECOND_ACCOUNT_ID
CENTRAL_VAULT = "central-copies"
CENTRAL_VAULT_ARN = f"arn:aws:backup:{STACK_REGION}:{CENTRAL_ACCOUNT}:backup-vault:{CENTRAL_VAULT}"
#: first backup (60 s start + 120 s) and its copy (30 s start + 120 s) are done well within this
BACKUP_AND_COPY_SECONDS = 900
#: NotifyFunction's batching window (30 s) and a little more
DIGEST_SECONDS = 120


# -- worlds ---------------------------------------------------------------------------------------
@contextmanager
def running(advanced: bool, **parameters: str) -> Iterator[Sandbox]:
    """The stack, with advanced DynamoDB backup on or off in its Region.

    The setting is also put back to AWS's default (off) before the sandbox stops: the sandbox keeps
    it in a process-wide resource adapter that a new Sandbox does not reset, so it would leak
    into the next world of this process.
    """
    with Sandbox(template=ROOT / "template.yaml", config_env="sandbox", parameters=parameters) as sb:
        advanced_dynamodb(sb, advanced)
        try:
            yield sb
        finally:
            advanced_dynamodb(sb, False)


@pytest.fixture(scope="module")
def world() -> Iterator[Sandbox]:
    """One stack with advanced DynamoDB backup on, for the tests that touch only their own resources."""
    with running(advanced=True) as sb:
        yield sb


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    """A fresh stack (advanced DynamoDB backup on), for tests that change faults, rules or time."""
    with running(advanced=True) as sandbox:
        yield sandbox


@pytest.fixture
def plain_sb() -> Iterator[Sandbox]:
    """A fresh stack in a Region where advanced DynamoDB backup is off (AWS's default)."""
    with running(advanced=False) as sandbox:
        yield sandbox


@pytest.fixture
def central_sb() -> Iterator[Sandbox]:
    """A stack that also copies to another account's vault (CrossAccountVaultArn), which exists but
    has no access policy yet."""
    with running(advanced=True, CrossAccountVaultArn=CENTRAL_VAULT_ARN) as sandbox:
        central = sandbox.client("backup", account=sandbox.second_account_id)
        assert (
            central.create_backup_vault(BackupVaultName=CENTRAL_VAULT)["BackupVaultArn"] == CENTRAL_VAULT_ARN
        )
        yield sandbox


@pytest.fixture
def no_backoff_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry backoff without the real-time wait (simulated time does not move while a
    handler runs, so the wait only slows the test); the requested waits are recorded."""
    waits: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=waits.append))
    return waits


# -- helpers --------------------------------------------------------------------------------------
def advanced_dynamodb(sb: Sandbox, enabled: bool) -> None:
    sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": enabled})


def make_table(sb: Sandbox, name: str, tags: dict[str, str], items: int = 5) -> str:
    return sb.create_table(name, items=items, tags=tags)


def items(sb: Sandbox, table: str, region: str | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = sb.client("dynamodb", region=region).scan(TableName=table)["Items"]
    return sorted(found, key=lambda item: str(item["pk"]["S"]))


def copy_jobs(sb: Sandbox, resource_arn: str) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = sb.client("backup").list_copy_jobs(ByResourceArn=resource_arn)["CopyJobs"]
    return jobs


def primary_points(sb: Sandbox, resource_arn: str) -> list[str]:
    listed = sb.client("backup").list_recovery_points_by_backup_vault(
        BackupVaultName=sb.outputs["PrimaryVaultName"], ByResourceArn=resource_arn
    )["RecoveryPoints"]
    return [str(point["RecoveryPointArn"]) for point in listed]


def vault_points(sb: Sandbox, vault_arn: str, resource_arn: str) -> list[dict[str, Any]]:
    """Recovery points of ``resource_arn`` in any vault, read in the vault's own account and Region."""
    _, _, _, region, account, _, name = vault_arn.split(":")
    backup = sb.client("backup", region=region, account=account)
    listed: list[dict[str, Any]] = backup.list_recovery_points_by_backup_vault(BackupVaultName=name)[
        "RecoveryPoints"
    ]
    return [point for point in listed if point["ResourceArn"] == resource_arn]


def dr_vault_arn(sb: Sandbox) -> str:
    return str(sb.stacks[f"{sb.stack_name}-dr"].outputs["VaultArn"])


def restore_in_dr(sb: Sandbox, point_arn: str, metadata: dict[str, str]) -> str:
    """Restore a recovery point of the DR vault in the DR Region; the created resource's ARN."""
    backup = sb.client("backup", region=sb.dr_region)
    job_id = backup.start_restore_job(
        RecoveryPointArn=point_arn, Metadata=metadata, IamRoleArn=sb.outputs["BackupServiceRoleArn"]
    )["RestoreJobId"]
    sb.advance(600)
    job = backup.describe_restore_job(RestoreJobId=job_id)
    assert job["Status"] == "COMPLETED", job
    return str(job["CreatedResourceArn"])


def domain_events(sb: Sandbox, detail_type: str) -> list[dict[str, Any]]:
    return [e for e in sb.events if e["source"] == "backup-autopilot" and e["detail-type"] == detail_type]


def completed_backup_events(sb: Sandbox, resource_arn: str) -> list[dict[str, Any]]:
    return [
        e
        for e in sb.events
        if e["detail-type"] == "Backup Job State Change"
        and e["detail"].get("state") == "COMPLETED"
        and e["detail"].get("resourceArn") == resource_arn
    ]


def runs_of(sb: Sandbox, function: str) -> list[Any]:
    return [i for i in sb.invocations if i.function == function]


def allow_copies_from(sb: Sandbox, account: str) -> None:
    """The central vault's access policy lets ``account`` copy in (and nothing else)."""
    statement = {
        "Sid": "AllowCopiesFromTheBackupAccount",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    sb.client("backup", account=sb.second_account_id).put_backup_vault_access_policy(
        BackupVaultName=CENTRAL_VAULT, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


def set_start_copies_rule(sb: Sandbox, *, enabled: bool) -> None:
    events = sb.client("events")
    [rule] = [r["Name"] for r in events.list_rules()["Rules"] if "StartCopiesFunction" in r["Name"]]
    (events.enable_rule if enabled else events.disable_rule)(Name=rule)


# -- duplicate and replayed completion events -------------------------------------------------
def test_three_deliveries_and_a_replay_of_one_completion_make_one_copy_per_destination(
    central_sb: Sandbox,
) -> None:
    sb = central_sb
    allow_copies_from(sb, sb.account_id)
    sb.faults.duplicate_deliveries(3)
    arn = make_table(sb, "ledger", {"backup-plan": "daily"})  # no copy-to tag: both stack destinations
    sb.settle()
    sb.advance(BACKUP_AND_COPY_SECONDS)
    assert len(runs_of(sb, "StartCopiesFunction")) == 3  # the one completion, delivered three times

    [completed, *_] = completed_backup_events(sb, arn)
    replay = sb.invoke("StartCopiesFunction", {k: v for k, v in completed.items() if k != "_bus"})
    assert replay.outcome == "success", replay.error
    sb.advance(BACKUP_AND_COPY_SECONDS)

    jobs = copy_jobs(sb, arn)
    assert sorted(j["DestinationBackupVaultArn"] for j in jobs) == sorted(
        [dr_vault_arn(sb), CENTRAL_VAULT_ARN]
    )
    # the replay sees both copy jobs (ListCopyJobs) and starts nothing
    assert replay.result["started"] == [] and len(replay.result["already_copied"]) == 2
    assert [j["State"] for j in jobs] == ["COMPLETED", "COMPLETED"]
    assert len(vault_points(sb, dr_vault_arn(sb), arn)) == 1
    assert len(vault_points(sb, CENTRAL_VAULT_ARN, arn)) == 1


def test_a_completion_redriven_hours_later_makes_no_second_copy(sb: Sandbox) -> None:
    arn = make_table(sb, "ledger", {"backup-plan": "daily"})
    sb.settle()
    sb.advance(BACKUP_AND_COPY_SECONDS)
    [completed] = completed_backup_events(sb, arn)
    [point] = primary_points(sb, arn)
    sb.advance(6 * 3600)  # e.g. an operator redrives FailedEventsQueue in the afternoon

    replay = sb.invoke("StartCopiesFunction", {k: v for k, v in completed.items() if k != "_bus"})
    assert replay.outcome == "success", replay.error
    sb.advance(BACKUP_AND_COPY_SECONDS)
    assert len([j for j in copy_jobs(sb, arn) if j["SourceRecoveryPointArn"] == point]) == 1
    assert len(vault_points(sb, dr_vault_arn(sb), arn)) == 1


# -- two destinations ---------------------------------------------------------------------------
def test_two_destinations_make_two_copies_that_both_land(central_sb: Sandbox) -> None:
    sb = central_sb
    allow_copies_from(sb, sb.account_id)
    copy_to = f"{sb.dr_region},{sb.second_account_id}:{STACK_REGION}"
    arn = make_table(sb, "payments", {"backup-plan": "daily", "backup-copy-to": copy_to})
    sb.settle()
    sb.advance(BACKUP_AND_COPY_SECONDS)

    jobs = copy_jobs(sb, arn)
    assert sorted(j["DestinationBackupVaultArn"] for j in jobs) == sorted(
        [dr_vault_arn(sb), CENTRAL_VAULT_ARN]
    )
    assert [j["State"] for j in jobs] == ["COMPLETED", "COMPLETED"]
    [in_dr] = vault_points(sb, dr_vault_arn(sb), arn)
    [in_central] = vault_points(sb, CENTRAL_VAULT_ARN, arn)
    assert {in_dr["RecoveryPointArn"], in_central["RecoveryPointArn"]} == {
        j["DestinationRecoveryPointArn"] for j in jobs
    }
    assert in_central["RecoveryPointArn"].startswith(f"arn:aws:backup:{STACK_REGION}:{CENTRAL_ACCOUNT}:")
    assert domain_events(sb, "Copy Failed") == []


# -- cross-account without the vault policy ----------------------------------------------------
def test_cross_account_copy_without_vault_policy_fails_with_the_cause_and_reaches_people(
    central_sb: Sandbox,
) -> None:
    sb = central_sb
    arn = make_table(sb, "payments", {"backup-plan": "daily"})  # no copy-to tag: every stack destination
    sb.settle()
    sb.advance(BACKUP_AND_COPY_SECONDS)

    states = {j["DestinationBackupVaultArn"]: j["State"] for j in copy_jobs(sb, arn)}
    assert states == {dr_vault_arn(sb): "COMPLETED", CENTRAL_VAULT_ARN: "FAILED"}
    assert vault_points(sb, CENTRAL_VAULT_ARN, arn) == []
    [failed] = domain_events(sb, "Copy Failed")
    assert failed["detail"]["cause"] == "vault-access-policy"
    assert failed["detail"]["destination_vault_arn"] == CENTRAL_VAULT_ARN
    assert "access policy" in failed["detail"]["fix"]
    assert "backup:CopyIntoBackupVault" in failed["detail"]["fix"]

    sb.advance(DIGEST_SECONDS)
    mentions = [
        n for n in sb.notifications if "Copy Failed" in n["Message"] and CENTRAL_VAULT in n["Message"]
    ]
    assert sorted(n["Channel"] for n in mentions) == ["slack", "sns"]  # one e-mail, one Slack post
    assert "access policy" in mentions[0]["Message"]


# -- KMS access denied on the DR vault ---------------------------------------------------------
def test_kms_denied_on_the_dr_vault_is_a_copy_failed_with_cause_kms_access(sb: Sandbox) -> None:
    sb.faults.deny_kms_for_copies_to(dr_vault_arn(sb))
    arn = make_table(sb, "invoices", {"backup-plan": "daily"})
    sb.settle()
    sb.advance(BACKUP_AND_COPY_SECONDS)

    [job] = copy_jobs(sb, arn)
    assert job["State"] == "FAILED"
    [failed] = domain_events(sb, "Copy Failed")
    assert failed["detail"]["cause"] == "kms-access"
    assert failed["detail"]["copy_job_id"] == job["CopyJobId"]
    assert "kms:CreateGrant" in failed["detail"]["fix"]
    sb.advance(DIGEST_SECONDS)
    assert [n for n in sb.notifications if "Copy Failed" in n["Message"]]


# -- a dropped completion event is copied by the hourly sweep -------------------------------
def test_a_dropped_completion_event_is_copied_by_the_next_reconcile_and_only_once(sb: Sandbox) -> None:
    set_start_copies_rule(sb, enabled=False)
    arn = make_table(sb, "shipments", {"backup-plan": "daily"})
    sb.settle()
    sb.advance(600)  # the backup completes; its event reaches no StartCopiesFunction
    set_start_copies_rule(sb, enabled=True)
    assert len(completed_backup_events(sb, arn)) == 1
    assert runs_of(sb, "StartCopiesFunction") == []
    assert copy_jobs(sb, arn) == []

    sb.advance(3600)  # the hourly reconcile, then the copy it started
    [job] = copy_jobs(sb, arn)
    assert job["State"] == "COMPLETED"
    assert len(vault_points(sb, dr_vault_arn(sb), arn)) == 1
    [report] = domain_events(sb, "Coverage Report")
    assert report["detail"]["copies_started"] == 1
    assert report["detail"]["copy_missing"] == 1

    sb.advance(3600)  # the next reconcile finds the copy and starts nothing
    reports = domain_events(sb, "Coverage Report")
    assert len(reports) == 2
    assert reports[1]["detail"]["copies_started"] == 0
    assert len(copy_jobs(sb, arn)) == 1


# -- throttling on 30% of AWS Backup calls ---------------------------------------------------
def test_throttling_on_30_percent_of_backup_calls_copies_every_point_exactly_once(
    sb: Sandbox, no_backoff_waits: list[float]
) -> None:
    sb.faults.throttle("backup", rate=0.3)
    arns = [make_table(sb, f"burst-{i}", {"backup-plan": "daily"}) for i in range(8)]
    sb.settle()
    sb.advance(BACKUP_AND_COPY_SECONDS)
    sb.advance(400)  # Lambda's asynchronous retries (60 s, 120 s) of any invocation that still failed
    hits = sb.faults.api[0].hits
    sb.faults.clear()  # the test's own reads must not be throttled

    assert hits > 0 and no_backoff_waits  # throttled calls happened and botocore retried them
    points = {arn: primary_points(sb, arn) for arn in arns}
    assert [len(p) for p in points.values()] == [1] * len(arns)
    for arn, [point] in points.items():
        [job] = copy_jobs(sb, arn)
        assert job["SourceRecoveryPointArn"] == point
        assert job["State"] == "COMPLETED"
        assert len(vault_points(sb, dr_vault_arn(sb), arn)) == 1


# -- plain DynamoDB backups cannot be copied -----------------------------------------------
def test_plain_dynamodb_backup_is_not_copied_and_says_why(plain_sb: Sandbox) -> None:
    sb = plain_sb
    arn = make_table(sb, "sessions", {"backup-plan": "daily"})
    sb.settle()
    sb.advance(BACKUP_AND_COPY_SECONDS)

    assert len(primary_points(sb, arn)) == 1
    assert copy_jobs(sb, arn) == []
    [skipped] = domain_events(sb, "Copy Skipped")
    assert skipped["detail"]["resource"] == arn
    assert skipped["detail"]["destination_vault_arn"] == dr_vault_arn(sb)
    assert "advanced DynamoDB backup" in skipped["detail"]["summary"]


# The tests below share the module's world (it must start after every function-scoped sandbox
# has stopped: one sandbox runs per process at a time).
# -- another account AND another Region: two hops through the stack's DR vault ---------------------
def test_copy_to_another_account_in_the_dr_region_goes_through_the_dr_vault() -> None:
    dr_region = "us-west-2"  # samconfig's sandbox DrRegion
    far_vault_arn = f"arn:aws:backup:{dr_region}:{CENTRAL_ACCOUNT}:backup-vault:{CENTRAL_VAULT}"
    with running(advanced=True, CrossAccountVaultArn=far_vault_arn) as sb:
        assert sb.dr_region == dr_region
        far = sb.client("backup", region=dr_region, account=sb.second_account_id)
        far.create_backup_vault(BackupVaultName=CENTRAL_VAULT)
        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "backup:CopyIntoBackupVault",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:PrincipalAccount": [sb.account_id]}
            },  # dr/template.yaml's form
        }
        far.put_backup_vault_access_policy(
            BackupVaultName=CENTRAL_VAULT,
            Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )
        arn = make_table(
            sb, "ledger", {"backup-plan": "daily", "backup-copy-to": f"{CENTRAL_ACCOUNT}:{dr_region}"}
        )
        sb.settle()
        sb.advance(2 * BACKUP_AND_COPY_SECONDS)
        # THEN the first hop lands in the stack's DR vault, the second in the other account's vault
        [first] = copy_jobs(sb, arn)
        assert first["DestinationBackupVaultArn"] == dr_vault_arn(sb) and first["State"] == "COMPLETED"
        second = sb.client("backup", region=dr_region).list_copy_jobs(
            BySourceRecoveryPointArn=first["DestinationRecoveryPointArn"]
        )["CopyJobs"]
        assert [(j["DestinationBackupVaultArn"], j["State"]) for j in second] == [
            (far_vault_arn, "COMPLETED")
        ]
        assert len(vault_points(sb, far_vault_arn, arn)) == 1
        # AND the data arrived: a restore in the other account holds the table's items
        [point] = vault_points(sb, far_vault_arn, arn)
        # AWS Backup assumes the restore role: it exists in that account and trusts AWS Backup
        role = sb.client("iam", account=CENTRAL_ACCOUNT).create_role(
            RoleName="restore", AssumeRolePolicyDocument=BACKUP_TRUST
        )["Role"]["Arn"]
        restore = far.start_restore_job(
            RecoveryPointArn=point["RecoveryPointArn"],
            IamRoleArn=role,
            Metadata={"targetTableName": "ledger-far-restore"},
            ResourceType="DynamoDB",
        )["RestoreJobId"]
        sb.advance(600)
        assert far.describe_restore_job(RestoreJobId=restore)["Status"] == "COMPLETED"
        restored = sb.client("dynamodb", region=dr_region, account=sb.second_account_id).scan(
            TableName="ledger-far-restore"
        )
        assert restored["Count"] == 5


# -- a completed backup lands in the DR Region and restores there ---------------------------
def test_completed_table_backup_is_copied_to_the_dr_region_and_restores_there(world: Sandbox) -> None:
    arn = make_table(world, "orders", {"backup-plan": "daily"}, items=25)
    world.settle()
    world.advance(BACKUP_AND_COPY_SECONDS)

    [source] = primary_points(world, arn)
    [job] = copy_jobs(world, arn)
    assert job["State"] == "COMPLETED", job
    assert job["SourceRecoveryPointArn"] == source
    assert job["DestinationBackupVaultArn"] == dr_vault_arn(world)
    [copied] = vault_points(world, dr_vault_arn(world), arn)
    assert copied["RecoveryPointArn"] == job["DestinationRecoveryPointArn"]
    assert copied["Status"] == "COMPLETED"
    assert copied["Lifecycle"] == {"DeleteAfterDays": 35}  # the stack's CopyRetentionDays
    [started] = [e for e in domain_events(world, "Copy Started") if e["detail"]["resource"] == arn]
    assert started["detail"]["copy_job_id"] == job["CopyJobId"]
    # the copy lag metric: the copy's completion minus the backup's creation
    [outcome] = [r for r in runs_of(world, "CopyOutcomeFunction") if r.event["resources"] == [source]]
    created = world.client("backup").describe_recovery_point(
        BackupVaultName=world.outputs["PrimaryVaultName"], RecoveryPointArn=source
    )["CreationDate"]
    assert outcome.result == {
        "outcome": "Completed",
        "copy_lag_seconds": (job["CompletionDate"] - created).total_seconds(),
        "second_hops": [],  # the DR Region is the final destination
    }

    restored = restore_in_dr(world, copied["RecoveryPointArn"], {"targetTableName": "orders-restored"})
    assert restored == f"arn:aws:dynamodb:{world.dr_region}:{world.account_id}:table/orders-restored"
    assert items(world, "orders-restored", region=world.dr_region) == items(world, "orders")
    assert len(items(world, "orders-restored", region=world.dr_region)) == 25


def test_completed_bucket_backup_is_copied_to_the_dr_region_and_restores_there(world: Sandbox) -> None:
    s3 = world.client("s3")
    s3.create_bucket(Bucket="invoices")
    s3.put_bucket_versioning(Bucket="invoices", VersioningConfiguration={"Status": "Enabled"})
    objects = {"2026/03/1.pdf": b"%PDF-1 march", "2026/03/2.pdf": b"%PDF-2 march", "index.json": b"{}"}
    for key, body in objects.items():
        s3.put_object(Bucket="invoices", Key=key, Body=body)
    s3.put_bucket_tagging(Bucket="invoices", Tagging={"TagSet": [{"Key": "backup-plan", "Value": "daily"}]})
    world.settle()
    world.advance(BACKUP_AND_COPY_SECONDS)

    arn = "arn:aws:s3:::invoices"
    [job] = copy_jobs(world, arn)
    assert job["State"] == "COMPLETED", job
    [copied] = vault_points(world, dr_vault_arn(world), arn)
    restore_in_dr(
        world, copied["RecoveryPointArn"], {"DestinationBucketName": "invoices-dr", "NewBucket": "true"}
    )
    dr_s3 = world.client("s3", region=world.dr_region)
    restored = {
        obj["Key"]: dr_s3.get_object(Bucket="invoices-dr", Key=obj["Key"])["Body"].read()
        for obj in dr_s3.list_objects_v2(Bucket="invoices-dr")["Contents"]
    }
    assert restored == objects


# -- backup-copy-to=none ------------------------------------------------------------------------
def test_copy_to_none_makes_no_copy_not_even_by_the_sweep(world: Sandbox) -> None:
    arn = make_table(world, "scratchpad", {"backup-plan": "daily", "backup-copy-to": "none"})
    world.settle()
    world.advance(BACKUP_AND_COPY_SECONDS)
    assert len(primary_points(world, arn)) == 1
    assert [r for r in runs_of(world, "StartCopiesFunction") if r.event["detail"]["resourceArn"] == arn]
    reports = len(domain_events(world, "Coverage Report"))
    world.advance(3600)  # an hourly reconcile (and its copy sweep) in between
    assert len(domain_events(world, "Coverage Report")) > reports

    assert copy_jobs(world, arn) == []
    assert vault_points(world, dr_vault_arn(world), arn) == []
    assert not [e for e in domain_events(world, "Copy Started") if e["detail"]["resource"] == arn]
