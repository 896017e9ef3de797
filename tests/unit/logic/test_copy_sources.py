"""Copies are made of recovery points in the stack's vaults only: one rule for both paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backup_autopilot.logic.copies.destinations import stack_destinations
from backup_autopilot.logic.copies.service import CopyContext, copies_from, copy_recovery_point
from backup_autopilot.logic.copies.sweep import PointSummary, sweep_copies
from tests.fakes import FakeCopies, FakeEvents
from tests.unit.logic.test_copy_service import _event, _point

if TYPE_CHECKING:
    from collections.abc import Iterable

DR_VAULT = "arn:aws:backup:us-west-2:123456789012:backup-vault:bap-dr"
ALLOWED = stack_destinations(DR_VAULT, None)


def _ctx(
    copies: FakeCopies, events: FakeEvents, vaults: Iterable[str] = ("primary", "team-vault")
) -> CopyContext:
    return CopyContext(
        copies, events, ALLOWED, tuple(ALLOWED.values()), "backup-copy-to", None, frozenset(vaults)
    )


def test_the_rule() -> None:
    ctx = _ctx(FakeCopies(point=_point()), FakeEvents())
    assert copies_from(ctx, "primary") and copies_from(ctx, "team-vault")
    assert not copies_from(ctx, "other-team-vault") and not copies_from(ctx, None)


def test_a_completed_backup_in_another_vault_is_ignored_without_a_call_or_an_event() -> None:
    copies, events = FakeCopies(point=_point(vault_name="other-team-vault")), FakeEvents()
    result = copy_recovery_point(_event(backupVaultName="other-team-vault"), _ctx(copies, events))
    assert result["outcome"] == "Ignored" and "other-team-vault" in result["reason"]
    assert copies.calls == [] and events.published == []


def test_the_sweep_skips_points_of_other_vaults_by_the_same_rule() -> None:
    copies, events = FakeCopies(point=_point()), FakeEvents()
    points = [
        PointSummary("arn:theirs", "other-team-vault", "arn:r1", "COMPLETED"),
        PointSummary("arn:ours", "primary", "arn:r2", "COMPLETED"),
    ]
    sweep = sweep_copies(
        points, attempted=set(), ctx=_ctx(copies, events), account="123456789012", region="us-east-1"
    )
    assert sweep.points == 1 and sweep.copies_started == 1
