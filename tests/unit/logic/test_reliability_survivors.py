"""Tests that kill the mutants a mutation-testing spot-check found alive (issue 9): each fails when
the line it guards is changed. Tokens keep their exact values across versions (a replay during an
upgrade must not start a second job); the copy sweep copies a point missing ONE of its copies;
aborted copies are reported; failures no retry can fix are not retried, "other" ones are."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backup_autopilot.adapters.copies import _needs_no_retry
from backup_autopilot.logic.copies.destinations import stack_destinations
from backup_autopilot.logic.copies.failures import (
    COPY_FAILED,
    RETRYABLE,
    FailureCause,
    classify_failure,
    copy_failure_event,
)
from backup_autopilot.logic.copies.outcome import handle_copy_outcome
from backup_autopilot.logic.copies.planning import RecoveryPointFacts
from backup_autopilot.logic.copies.service import CopyContext
from backup_autopilot.logic.copies.sweep import PointSummary, sweep_copies
from backup_autopilot.logic.tokens import (
    TOKEN_LENGTH,
    backup_token,
    copy_token,
    restore_token,
    token,
    window_start,
)
from backup_autopilot.models.aws_events import CopyJobEvent
from tests.fakes import FakeCopies, FakeEvents

ACCOUNT = "123456789012"
DR = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr"
FAR = "arn:aws:backup:us-east-1:210987654321:backup-vault:central"
POINT = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:P1"
DAY = dt.timedelta(days=1)
MONDAY = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


# -- tokens: exact, stable values ---------------------------------------------------------------------
def test_tokens_keep_their_exact_values_across_versions() -> None:
    # a replay after an upgrade must send the token the previous version sent (else: a second job)
    assert token("a", "b") == (
        "0eab8a0a3380abf4c7d1fb0b43b66aafbb64a4b953e4eb2dccca579461912d0c"  # pragma: allowlist secret
    )
    assert copy_token("rp", "vault") == (
        "34f9c2e1423259ed6c8987621459f8b384f706effa5a0bbea3c76474a0f0d644"  # pragma: allowlist secret
    )
    assert backup_token("arn:r", "plan-1", MONDAY) == (
        "7cabc861965474da7b67d021322503b636e533bc912274ed6743adaa2907e798"  # pragma: allowlist secret
    )
    assert restore_token("rp", "run-1") == (
        "a5c383ccc2620d9cf828100a638b27b512ebc187baa32d8c00e59b637aaa3aef"  # pragma: allowlist secret
    )
    assert TOKEN_LENGTH == 64 and len(token("x")) == 64


def test_the_backup_token_names_the_resource_the_plan_and_the_window() -> None:
    base = backup_token("arn:r", "plan-1", MONDAY)
    assert backup_token("arn:r", "plan-2", MONDAY) != base  # the same resource on another plan
    assert backup_token("arn:s", "plan-1", MONDAY) != base
    assert backup_token("arn:r", "plan-1", MONDAY + DAY) != base
    assert copy_token("rp", "v1") != copy_token("rp", "v2") != copy_token("rq", "v2")
    assert restore_token("rp", "run-1") != restore_token("rp", "run-2")


@pytest.mark.parametrize(
    ("now", "interval", "start"),
    [
        (MONDAY + dt.timedelta(hours=5, minutes=30), DAY, MONDAY),
        (MONDAY, DAY, MONDAY),
        (MONDAY - dt.timedelta(seconds=1), DAY, MONDAY - DAY),
        (MONDAY + dt.timedelta(minutes=61), dt.timedelta(hours=1), MONDAY + dt.timedelta(hours=1)),
    ],
)
def test_a_window_starts_on_its_interval_boundary(
    now: dt.datetime, interval: dt.timedelta, start: dt.datetime
) -> None:
    assert window_start(now, interval) == start


# -- the copy sweep -------------------------------------------------------------------------------------
def _facts(**overrides: Any) -> RecoveryPointFacts:
    values: dict[str, Any] = {
        "arn": POINT,
        "vault_name": "primary",
        "account": ACCOUNT,
        "region": "us-east-1",
        "resource_arn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders",
        "resource_type": "RDS",
        "status": "COMPLETED",
        "storage_class": "WARM",
        "aws_managed_key": False,
    }
    return RecoveryPointFacts(**{**values, **overrides})


def _ctx(copies: FakeCopies, events: FakeEvents) -> CopyContext:
    allowed = stack_destinations(DR, FAR)
    return CopyContext(copies, events, allowed, tuple(allowed.values()), "backup-copy-to", None)


def test_a_point_copied_to_one_destination_of_two_is_copied_to_the_other() -> None:
    # GIVEN a point with a copy job to the DR vault but none to the cross-account vault
    copies, events = FakeCopies(_facts()), FakeEvents()
    points = [PointSummary(POINT, "primary", "arn:r", "COMPLETED")]
    # WHEN the sweep runs
    sweep = sweep_copies(
        points, attempted={(POINT, DR)}, ctx=_ctx(copies, events), account=ACCOUNT, region="us-east-1"
    )
    # THEN only the missing one is started
    assert (sweep.points, sweep.covered, sweep.copied, sweep.copies_started) == (1, 0, 1, 1)
    assert copies.destinations_by_point == {POINT: {FAR}}


def test_points_not_completed_are_not_swept() -> None:
    copies, events = FakeCopies(_facts()), FakeEvents()
    points = [PointSummary(POINT, "primary", "arn:r", "PARTIAL")]
    sweep = sweep_copies(
        points, attempted=set(), ctx=_ctx(copies, events), account=ACCOUNT, region="us-east-1"
    )
    assert sweep.points == 0 and copies.calls == []


# -- copy failures ------------------------------------------------------------------------------------------
def _copy_event(state: str, message: str = "Copy job was aborted") -> CopyJobEvent:
    return CopyJobEvent.parse(
        {
            "version": "0",
            "id": "e9",
            "detail-type": "Copy Job State Change",
            "source": "aws.backup",
            "account": ACCOUNT,
            "time": "2026-03-02T05:21:13Z",
            "region": "us-east-1",
            "resources": [POINT],
            "detail": {
                "copyJobId": "C9",
                "state": state,
                "statusMessage": message,
                "resourceArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:orders",
                "destinationBackupVaultArn": DR,
                "destinationRecoveryPointArn": {},
            },
        }
    )


@pytest.mark.parametrize("state", ["FAILED", "ABORTED", "PARTIAL"])
def test_failed_aborted_and_partial_copies_are_reported(state: str) -> None:
    copies, events = FakeCopies(_facts()), FakeEvents()
    result = handle_copy_outcome(_copy_event(state), _ctx(copies, events), own_account=ACCOUNT)
    assert result["outcome"] == COPY_FAILED
    [(detail_type, detail)] = events.published
    assert detail_type == COPY_FAILED and state.lower() in detail["summary"]
    assert detail["severity"] == "critical" and detail["dedupe_key"] == "copy-failed:C9"


def test_running_and_completed_copies_are_not_failures() -> None:
    assert copy_failure_event(_copy_event("RUNNING")) is None
    assert copy_failure_event(_copy_event("COMPLETED")) is None


def test_only_failures_a_retry_can_fix_are_retried() -> None:
    assert {FailureCause.LIMIT, FailureCause.OTHER} == RETRYABLE
    unexplained = {"State": "FAILED", "StatusMessage": "An internal error occurred"}
    assert classify_failure(unexplained["StatusMessage"]) is FailureCause.OTHER
    assert _needs_no_retry(unexplained) is False  # the sweep tries "other" failures again
    assert _needs_no_retry({"State": "FAILED", "StatusMessage": "Rate exceeded"}) is False
    kms = {"State": "FAILED", "StatusMessage": "Access denied: kms:CreateGrant on the key"}
    assert _needs_no_retry(kms) is True  # alerted once; no retry storm
    assert _needs_no_retry({"State": "FAILED"}) is False  # no message: "other"
    assert _needs_no_retry({"State": "COMPLETED"}) is True
    assert _needs_no_retry({"State": "RUNNING"}) is True
