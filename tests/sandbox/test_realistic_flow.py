"""Every function of the stack under ``Sandbox(realistic=True)``: AWS's events 0-5 minutes late, 2 %
twice, 1 % never (seeded), plus, in each test, the one loss or duplicate the story needs (a targeted
delivery fault). Each test asserts what a user cares about, and which path caught it: the event
(late, or twice) or a sweep (the hourly reconcile, its copy sweep) when the event never came."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from sandbox import Sandbox
from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sandbox.lambda_service import Invocation

#: one hourly reconcile (rate(1 hour) from the sandbox's start, 09:00) and room for what it starts
HOUR = 3600
#: a tag event up to 5 min late, a backup (3 min), its completion up to 5 min late, a copy (2.5 min)
EVENT_CHAIN_SECONDS = 20 * 60


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(template=ROOT / "template.yaml", config_env="sandbox", realistic=True) as sandbox:
        backup = sandbox.client("backup")
        backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})  # copyable
        try:
            yield sandbox
        finally:  # AWS's default again: the setting lives in a process-wide adapter
            backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})


# -- helpers --------------------------------------------------------------------------------------
def _runs(sb: Sandbox, function: str, about: str | None = None) -> list[Invocation]:
    runs = [i for i in sb.invocations if i.function == function]
    return [i for i in runs if about is None or about in str(i.event)]


def _jobs(sb: Sandbox, arn: str) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = sb.client("backup").list_backup_jobs(ByResourceArn=arn)["BackupJobs"]
    return sorted(jobs, key=lambda job: job["CreationDate"])


def _copy_jobs(sb: Sandbox, arn: str) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = sb.client("backup").list_copy_jobs(ByResourceArn=arn)["CopyJobs"]
    return sorted(jobs, key=lambda job: job["CreationDate"])


def _dr_points(sb: Sandbox, arn: str) -> list[dict[str, Any]]:
    vault = str(sb.template.parameters["DrVaultName"])
    listed = sb.client("backup", region=sb.dr_region).list_recovery_points_by_backup_vault(
        BackupVaultName=vault
    )
    return [p for p in listed["RecoveryPoints"] if p["ResourceArn"] == arn]


def _domain(sb: Sandbox, detail_type: str, resource: str | None = None) -> list[dict[str, Any]]:
    found = [e for e in sb.events if e["source"] == "backup-autopilot" and e["detail-type"] == detail_type]
    return [e for e in found if resource is None or e["detail"].get("resource") == resource]


def _reports(sb: Sandbox) -> list[dict[str, Any]]:
    return [e["detail"] for e in _domain(sb, "Coverage Report")]


def _table(sb: Sandbox, name: str) -> str:
    return sb.create_table(name, items=5)


def _tag(sb: Sandbox, arn: str, plan: str = "daily") -> None:
    sb.client("dynamodb").tag_resource(ResourceArn=arn, Tags=[{"Key": "backup-plan", "Value": plan}])


# -- protect_resource -----------------------------------------------------------------------------
def test_protect_resource_a_late_duplicated_tag_event_protects_the_table_once(sb: Sandbox) -> None:
    # GIVEN tag events that arrive late AND twice
    sb.faults.duplicate_events("aws.tag", rate=1.0)
    orders = _table(sb, "orders")
    tagged_at = sb.clock.now()
    _tag(sb, orders)
    # WHEN the events arrive (within the 5 minutes AWS may take, plus the duplicate's spread)
    sb.advance(EVENT_CHAIN_SECONDS)
    # THEN the table is protected by the event path (late, twice) with exactly one first backup
    runs = _runs(sb, "ProtectResourceFunction", orders)
    assert len(runs) == 2 and all(run.outcome == "success" for run in runs)
    assert min(run.started for run in runs) > tagged_at  # the event came late
    assert {run.result["outcome"] for run in runs} == {"Resource Protected"}
    [job] = _jobs(sb, orders)  # the deterministic token: the duplicate started nothing new
    assert job["State"] == "COMPLETED"
    assert {run.result["backup_job_id"] for run in runs} == {job["BackupJobId"]}
    # AND the next reconcile finds it within its RPO: the sweep had nothing to catch
    sb.advance(HOUR)
    assert _reports(sb) and _reports(sb)[-1]["backups_started"] == 0
    assert len(_jobs(sb, orders)) == 1


# -- reconcile ------------------------------------------------------------------------------------
def test_reconcile_protects_the_table_whose_tag_event_was_dropped(sb: Sandbox) -> None:
    # GIVEN a table whose tag event AWS never delivers (and another whose event only comes late)
    lost = _table(sb, "ledger")
    late = _table(sb, "orders")
    sb.faults.drop_events("aws.tag", resource_arn=lost)
    _tag(sb, lost)
    _tag(sb, late)
    sb.advance(EVENT_CHAIN_SECONDS)
    assert [e["resources"] for e in sb.dropped_events()] == [[lost]]
    assert _runs(sb, "ProtectResourceFunction", lost) == [] and _jobs(sb, lost) == []
    assert len(_jobs(sb, late)) == 1  # the event path, late
    # WHEN the hourly reconcile runs
    sb.advance(HOUR)
    # THEN the lost table is backed up, by the reconcile, which says so in its Coverage Report
    [job] = _jobs(sb, lost)
    assert job["State"] == "COMPLETED" and "CreatedBy" not in job  # on demand, not a plan window
    reconcile = [r for r in _runs(sb, "ReconcileFunction") if r.result and r.result.get("backups_started")]
    assert len(reconcile) == 1 and reconcile[0].result["backups_started"] == 1
    assert reconcile[0].started <= job["CreationDate"]
    assert _reports(sb)[-1]["backups_started"] == 1
    assert len(_jobs(sb, late)) == 1  # the late one was already covered: nothing started twice


# -- start_copies ---------------------------------------------------------------------------------
def test_start_copies_late_completion_is_copied_by_the_event_and_a_dropped_one_by_the_copy_sweep(
    sb: Sandbox,
) -> None:
    # GIVEN two tables backed up at once; the completion event of one never arrives, the other's
    # arrives late and twice
    late, lost = _table(sb, "orders"), _table(sb, "payments")
    sb.faults.drop_events(
        "aws.backup", detail_type="Backup Job State Change", state="COMPLETED", resource_arn=lost
    )
    sb.faults.duplicate_events("aws.backup", rate=1.0)
    _tag(sb, late)
    _tag(sb, lost)
    sb.advance(EVENT_CHAIN_SECONDS)
    # THEN the late one is copied by StartCopiesFunction (both deliveries: one copy), the lost one not yet
    assert len(_runs(sb, "StartCopiesFunction", late)) == 2
    [copy] = _copy_jobs(sb, late)
    assert copy["State"] == "COMPLETED" and len(_dr_points(sb, late)) == 1
    assert _runs(sb, "StartCopiesFunction", lost) == [] and _copy_jobs(sb, lost) == []
    # WHEN the hourly reconcile runs its copy sweep
    sb.advance(HOUR)
    # THEN the lost one is copied by the sweep, once, and the Coverage Report counts it
    [swept] = _copy_jobs(sb, lost)
    assert swept["State"] == "COMPLETED" and len(_dr_points(sb, lost)) == 1
    report = _reports(sb)[-1]
    assert report["copy_missing"] == 1 and report["copies_started"] == 1
    assert len(_copy_jobs(sb, late)) == 1  # the sweep left the late one alone


# -- copy_outcome ---------------------------------------------------------------------------------
def test_copy_outcome_a_failure_whose_event_was_dropped_is_retried_by_the_sweep_lands_and_is_reported(
    sb: Sandbox,
) -> None:
    # GIVEN a copy that fails once for a reason a retry may fix, and whose FAILED event never arrives
    orders = _table(sb, "orders")
    sb.faults.fail_job("copy", "An internal error occurred in the copy service", resource_arn=orders)
    sb.faults.drop_events(
        "aws.backup", detail_type="Copy Job State Change", state="FAILED", resource_arn=orders
    )
    _tag(sb, orders)
    sb.advance(EVENT_CHAIN_SECONDS)
    [failed] = _copy_jobs(sb, orders)
    assert failed["State"] == "FAILED"
    assert [r for r in _runs(sb, "CopyOutcomeFunction", orders) if r.result.get("outcome") != "Ignored"] == []
    # WHEN hourly reconciles run (the copy token is honoured for an hour, then the retry is a new job)
    sb.advance(2 * HOUR + EVENT_CHAIN_SECONDS)
    # THEN the copy sweep retried it, the copy landed, and copy_outcome measured it from AWS's times
    jobs = _copy_jobs(sb, orders)
    assert [j["State"] for j in jobs] == ["FAILED", "COMPLETED"]
    assert len(_dr_points(sb, orders)) == 1
    assert any(report["copies_started"] for report in _reports(sb))
    [completed] = [
        r
        for r in _runs(sb, "CopyOutcomeFunction", orders)
        if r.result and r.result.get("outcome") == "Completed"
    ][:1]
    source = sb.client("backup").describe_recovery_point(
        BackupVaultName=sb.outputs["PrimaryVaultName"], RecoveryPointArn=jobs[1]["SourceRecoveryPointArn"]
    )
    lag = (jobs[1]["CompletionDate"] - source["CreationDate"]).total_seconds()
    assert completed.result["copy_lag_seconds"] == lag  # AWS's completion, not the event's late arrival
    # the failure itself, whose event was lost, is still heard of: the reconcile reports the failed
    # job again (the same dedupe key each run, so notify tells people once)
    reported = _domain(sb, "Copy Failed", orders)
    assert reported and {e["detail"]["copy_job_id"] for e in reported} == {failed["CopyJobId"]}


# -- notify ---------------------------------------------------------------------------------------
def test_notify_tells_people_once_of_a_late_duplicated_failure_and_the_reconcile_covers_a_lost_one(
    sb: Sandbox,
) -> None:
    # GIVEN two first backups that fail; one failure event arrives late and twice, the other never
    told, silent = _table(sb, "orders"), _table(sb, "payments")
    for arn in (told, silent):
        sb.faults.fail_job("backup", "Insufficient privileges to perform this action", resource_arn=arn)
    sb.faults.duplicate_events("aws.backup", rate=1.0)
    sb.faults.drop_events(
        "aws.backup", detail_type="Backup Job State Change", state="FAILED", resource_arn=silent
    )
    _tag(sb, told)
    _tag(sb, silent)
    sb.advance(EVENT_CHAIN_SECONDS)
    # THEN people hear of the delivered failure exactly once, despite the duplicate
    about_told = [n for n in sb.notifications if "orders" in n["Subject"]]
    channels = [n["Channel"] for n in about_told]
    assert "sns" in channels and len(channels) == len(set(channels))  # once per channel
    assert all("critical" in n["Subject"].lower() for n in about_told)
    assert not [n for n in sb.notifications if "payments" in n["Subject"]]
    # WHEN the reconciles run: the lost failure left the table without a recovery point
    sb.advance(2 * HOUR + EVENT_CHAIN_SECONDS)
    # THEN the reconcile backed it up again (the token is honoured an hour), and said so to people
    assert [j["State"] for j in _jobs(sb, silent)] == ["FAILED", "COMPLETED"]
    assert any(report["backups_started"] for report in _reports(sb))
    assert any("coverage" in n["Subject"].lower() for n in sb.notifications)
