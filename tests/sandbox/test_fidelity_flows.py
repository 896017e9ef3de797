"""What AWS refuses, end to end through the stack: a copy the DR vault's Vault Lock refuses becomes a
classified ``Copy Failed``; plans whose negated selection conditions match nothing (if AWS reads a
missing tag that way: UNVERIFIED) are caught by the reconcile's ``Selection Not Matching`` while the
reconcile keeps every resource backed up on demand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sandbox import Sandbox
from tests.conftest import ROOT
from tests.sandbox.test_copy_flow import (
    BACKUP_AND_COPY_SECONDS,
    DIGEST_SECONDS,
    copy_jobs,
    domain_events,
    dr_vault_arn,
    make_table,
    running,
)

DAY = 86_400
TABLES = ("orders", "payments")


def test_a_copy_the_dr_vault_lock_refuses_is_classified_vault_lock_retention() -> None:
    # the DR vault's lock keeps copies 7 to 3650 days (dr/template.yaml); the stack asks for 1 day
    with running(advanced=True, CopyRetentionDays="1") as sb:
        arn = make_table(sb, "ledger", {"backup-plan": "daily"})
        sb.settle()
        sb.advance(BACKUP_AND_COPY_SECONDS)
        [job] = [j for j in copy_jobs(sb, arn) if j["DestinationBackupVaultArn"] == dr_vault_arn(sb)]
        assert job["State"] == "FAILED"
        assert "retention" in job["StatusMessage"] and "Vault Lock" in job["StatusMessage"]
        [failed] = domain_events(sb, "Copy Failed")
        assert failed["detail"]["cause"] == "vault-lock-retention"
        sb.advance(DIGEST_SECONDS)
        assert any("Copy Failed" in n["Message"] and "ledger" in n["Message"] for n in sb.notifications)


def _run(negated_conditions: str) -> tuple[Sandbox, list[dict[str, Any]], dict[str, str]]:
    sb = Sandbox(template=ROOT / "template.yaml", negated_conditions=negated_conditions)
    sb.start()
    try:
        arns = {name: sb.create_table(name, items=3, tags={"backup-plan": "daily"}) for name in TABLES}
        sb.advance(3 * DAY)  # three daily windows, 72 hourly reconciles
    except BaseException:
        sb.stop()
        raise
    return sb, domain_events(sb, "Selection Not Matching"), arns


def _plan_jobs(sb: Sandbox, arn: str) -> list[dict[str, Any]]:
    jobs = sb.client("backup").list_backup_jobs(ByResourceArn=arn)["BackupJobs"]
    return [j for j in jobs if j.get("CreatedBy", {}).get("BackupPlanId")]


def test_plans_that_match_nothing_are_reported_and_the_reconcile_keeps_protecting() -> None:
    sb, events, arns = _run("require_tag")
    try:
        assert all(_plan_jobs(sb, arn) == [] for arn in arns.values())  # the selection backs nothing up
        assert events, "no Selection Not Matching event reached the bus"
        detail = events[-1]["detail"]
        assert detail["plan"] == "daily" and detail["severity"] == "critical"
        assert set(detail["resources"]) == set(arns.values())
        assert any(
            "Selection Not Matching" in n["Message"] for n in sb.notifications if n["Channel"] == "sns"
        )
        now = sb.clock.now()
        for arn in arns.values():  # on-demand backups by the reconcile keep every table fresh
            points = sb.client("backup").list_recovery_points_by_resource(ResourceArn=arn)["RecoveryPoints"]
            # within the daily plan's RPO (a day), plus the hour a reconcile run may take to see it
            assert max(p["CreationDate"] for p in points) >= now - dt.timedelta(hours=25)
    finally:
        sb.stop()


def test_with_the_default_reading_the_plans_match_and_nothing_is_reported() -> None:
    sb, events, arns = _run("match_missing")
    try:
        assert events == []
        assert all(_plan_jobs(sb, arn) for arn in arns.values())
    finally:
        sb.stop()
