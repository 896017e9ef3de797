"""DR retention end to end: a copy keeps its source's retention (a weekly backup's copy 120 days, not
35), unless the stack overrides it for the plan (``<Plan>CopyRetentionDays``, the plan's
``backup-autopilot:copy-retention-days`` tag) or for every plan (``CopyRetentionDays``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from tests.sandbox.test_copy_flow import (
    BACKUP_AND_COPY_SECONDS,
    copy_jobs,
    dr_vault_arn,
    make_table,
    running,
    vault_points,
)

if TYPE_CHECKING:
    from sandbox import Sandbox


def _dr_copy(sb: Sandbox, table: str, plan: str) -> dict[str, object]:
    arn = make_table(sb, table, {"backup-plan": plan})
    sb.settle()
    sb.advance(BACKUP_AND_COPY_SECONDS)  # the first backup (on demand) and its copy
    [job] = [j for j in copy_jobs(sb, arn) if j["DestinationBackupVaultArn"] == dr_vault_arn(sb)]
    assert job["State"] == "COMPLETED", (job["ResourceArn"], job.get("StatusMessage"))
    [copied] = vault_points(sb, dr_vault_arn(sb), arn)
    return copied


def _kept_days(point: dict[str, object]) -> int:
    lifecycle = point["CalculatedLifecycle"]
    assert isinstance(lifecycle, dict) and isinstance(point["CreationDate"], dt.datetime)
    return round((lifecycle["DeleteAt"] - point["CreationDate"]).total_seconds() / 86_400)


def test_each_copy_keeps_its_sources_retention_by_default() -> None:
    with running(advanced=True) as sb:
        assert _kept_days(_dr_copy(sb, "weekly-orders", "weekly")) == 120
        assert _kept_days(_dr_copy(sb, "monthly-orders", "monthly")) == 365
        assert _kept_days(_dr_copy(sb, "daily-orders", "daily")) == 35


def test_a_plan_override_and_the_stacks_global_one() -> None:
    # GIVEN copies of weekly backups kept 180 days, and every other plan's 90 days (both inside
    # the DR vault lock's window)
    with running(advanced=True, WeeklyCopyRetentionDays="180", CopyRetentionDays="90") as sb:
        # THEN the first (on-demand) backup's copy carries the weekly plan's override, through the
        # recovery point tag the stack sets from the plan's tag
        assert _kept_days(_dr_copy(sb, "weekly-ledger", "weekly")) == 180
        assert _kept_days(_dr_copy(sb, "monthly-ledger", "monthly")) == 90
