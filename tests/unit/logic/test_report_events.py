"""The metrics one event emits: a copy's lag or failure per destination (copy_outcome), a restore
test's verdict, restore time and share of its RTO target per resource type (validate_restore)."""

from __future__ import annotations

from backup_autopilot.logic.report.events import copy_points, restore_test_points
from tests.unit.logic.test_report import ACCOUNT, DR, REGION

COMMON = (("Account", ACCOUNT), ("Region", REGION))
BY_DR = (("Destination", DR.key), *COMMON)
BY_TABLE = (("ResourceType", "DynamoDB"), *COMMON)


def test_a_completed_copy_emits_its_lag_by_destination() -> None:
    result = {"outcome": "Copy Completed", "copy_lag_seconds": 754}
    assert copy_points(result, DR.vault_arn, ACCOUNT, REGION) == [("CopyLagSeconds", "Seconds", 754.0, BY_DR)]


def test_a_failed_copy_emits_one_failure_by_destination() -> None:
    result = {"outcome": "Copy Failed", "copy_lag_seconds": None}
    assert copy_points(result, DR.vault_arn, ACCOUNT, REGION) == [("CopiesFailed", "Count", 1.0, BY_DR)]


def test_a_failed_copy_with_a_lag_emits_both() -> None:
    result = {"outcome": "Copy Failed", "copy_lag_seconds": 0}
    assert [name for name, *_ in copy_points(result, DR.vault_arn, ACCOUNT, REGION)] == [
        "CopiesFailed",
        "CopyLagSeconds",
    ]


def test_a_copy_without_a_known_destination_or_anything_to_say_emits_nothing() -> None:
    failed = {"outcome": "Copy Failed", "copy_lag_seconds": 10}
    assert copy_points(failed, None, ACCOUNT, REGION) == []
    assert copy_points(failed, "", ACCOUNT, REGION) == []
    assert copy_points({"outcome": "Copy Skipped"}, DR.vault_arn, ACCOUNT, REGION) == []


def test_a_verdict_emits_its_count_restore_time_and_share_of_the_target() -> None:
    result = {"resource_type": "DynamoDB", "rto_minutes": 12.5, "rto_target_minutes": 60}
    assert restore_test_points("RestoreTestsPassed", result, ACCOUNT, REGION) == [
        ("RestoreTestsPassed", "Count", 1.0, BY_TABLE),
        ("RestoreTimeMinutes", "Count", 12.5, BY_TABLE),
        ("RestoreTimePercentOfTarget", "Percent", 20.8, BY_TABLE),
    ]


def test_a_verdict_without_a_target_emits_no_share_of_it() -> None:
    result = {"resource_type": "DynamoDB", "rto_minutes": 0, "rto_target_minutes": 0}
    assert restore_test_points("RestoreTestsFailed", result, ACCOUNT, REGION) == [
        ("RestoreTestsFailed", "Count", 1.0, BY_TABLE),
        ("RestoreTimeMinutes", "Count", 0.0, BY_TABLE),
    ]


def test_a_verdict_without_a_restore_time_emits_only_its_count() -> None:
    result = {"resource_type": "DynamoDB", "rto_minutes": None, "rto_target_minutes": 60}
    assert restore_test_points("RestoreTestsFailed", result, ACCOUNT, REGION) == [
        ("RestoreTestsFailed", "Count", 1.0, BY_TABLE)
    ]


def test_a_verdict_of_no_known_type_emits_nothing() -> None:
    assert restore_test_points("RestoreTestsFailed", {"rto_minutes": 3}, ACCOUNT, REGION) == []
    assert restore_test_points("RestoreTestsFailed", {"resource_type": ""}, ACCOUNT, REGION) == []
