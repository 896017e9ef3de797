"""How long a copy is kept: its source's retention, unless its plan (or the stack) overrides it."""

from __future__ import annotations

from typing import Any

import pytest

from backup_autopilot.logic.copies.destinations import Destination, stack_destinations
from backup_autopilot.logic.copies.outcome import handle_copy_outcome
from backup_autopilot.logic.copies.planning import RecoveryPointFacts, retention_override
from backup_autopilot.logic.copies.service import CopyContext, copy_recovery_point, copy_retention
from backup_autopilot.models.aws_events import BackupJobEvent, CopyJobEvent
from tests.fakes import FakeCopies, FakeEvents, backup_completed, point_facts

ACCOUNT, OTHER = "123456789012", "210987654321"
DR_VAULT = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:bap-dr"
FAR_VAULT = f"arn:aws:backup:us-west-2:{OTHER}:backup-vault:bap-dr"
RP = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:weekly-1"
LANDED = f"arn:aws:backup:us-west-2:{ACCOUNT}:recovery-point:copy-1"


def _point(**overrides: Any) -> RecoveryPointFacts:
    return point_facts(**{"arn": RP, **overrides})


def _ctx(copies: FakeCopies, *, stack_days: int | None = None, far: bool = False) -> CopyContext:
    allowed = stack_destinations(DR_VAULT, FAR_VAULT if far else None)
    defaults = tuple(allowed.values())
    return CopyContext(copies, FakeEvents(), allowed, defaults, "backup-copy-to", stack_days)


def _completed(resources: list[str]) -> BackupJobEvent:
    return backup_completed(resources, backupVaultName="primary")


def test_without_any_override_a_copy_keeps_its_sources_retention() -> None:
    # GIVEN a weekly point (kept 120 days) and a stack that overrides nothing
    copies = FakeCopies(_point())
    # WHEN its completion is handled
    copy_recovery_point(_completed([RP]), _ctx(copies))
    # THEN StartCopyJob carries no lifecycle: AWS keeps the copy as long as its source
    assert copies.retentions == [None]


def test_the_stacks_copy_retention_applies_to_plans_without_their_own() -> None:
    copies = FakeCopies(_point())
    copy_recovery_point(_completed([RP]), _ctx(copies, stack_days=35))
    assert copies.retentions == [35]


def test_a_plans_override_wins_over_the_stacks() -> None:
    copies = FakeCopies(_point(copy_retention_days=730))
    copy_recovery_point(_completed([RP]), _ctx(copies, stack_days=35))
    assert copies.retentions == [730]
    assert copy_retention(_point(copy_retention_days=730), _ctx(copies)) == 730
    assert copy_retention(_point(), _ctx(copies)) is None


@pytest.mark.parametrize(
    ("value", "days"),
    [
        (None, None),
        ("", None),
        ("0", None),
        ("000", None),
        ("-30", None),
        ("90 days", None),
        ("²", None),  # a digit to str.isdigit, not to int(): never a crash
        ("1", 1),
        (" 90 ", 90),
        ("365", 365),
    ],
)
def test_a_tag_value_either_names_days_or_keeps_the_sources_retention(
    value: str | None, days: int | None
) -> None:
    assert retention_override(value) == days


def _copy_completed_in_dr() -> CopyJobEvent:
    return CopyJobEvent.parse(
        {
            "version": "0",
            "id": "e2",
            "detail-type": "Copy Job State Change",
            "source": "aws.backup",
            "account": ACCOUNT,
            "time": "2026-03-02T06:00:00Z",
            "region": "us-east-1",
            "resources": [RP],
            "detail": {
                "copyJobId": "C1",
                "state": "COMPLETED",
                "completionDate": "2026-03-02T06:00:00.000Z",
                "resourceArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-1",
                "sourceBackupVaultArn": f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:primary",
                "destinationBackupVaultArn": DR_VAULT,
                "destinationRecoveryPointArn": LANDED,
            },
        }
    )


def test_the_second_hop_keeps_the_original_points_retention_not_the_intermediate_copys() -> None:
    # GIVEN an EBS point whose plan keeps copies 400 days, tagged for the other account in the DR
    # Region (two hops: through the stack's DR vault); the first hop has landed
    source = _point(copy_retention_days=400)
    copies = FakeCopies(source, tag=f"{OTHER}:us-west-2")
    ctx = _ctx(copies, far=True)
    # WHEN its completion event arrives
    result = handle_copy_outcome(_copy_completed_in_dr(), ctx, own_account=ACCOUNT)
    # THEN the second hop starts with the original plan's retention
    assert result["second_hops"] and copies.retentions == [400]


def test_the_second_hop_is_not_started_twice() -> None:
    # GIVEN the second hop already has a copy job (a replayed completion event)
    copies = FakeCopies(_point(), tag=f"{OTHER}:us-west-2", destinations_by_point={LANDED: {FAR_VAULT}})
    # WHEN the completion is handled again
    result = handle_copy_outcome(_copy_completed_in_dr(), _ctx(copies, far=True), own_account=ACCOUNT)
    # THEN no second copy to the far vault is started
    assert result["second_hops"] == [] and "StartCopyJob" not in copies.calls


def test_a_stack_destination_key_is_account_and_region() -> None:
    assert Destination(OTHER, "us-west-2", FAR_VAULT).key == f"{OTHER}:us-west-2"
