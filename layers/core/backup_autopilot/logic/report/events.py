"""The per-destination and per-type metrics of one event's outcome (copy_outcome, validate_restore)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backup_autopilot.logic.report.copies import destination_key
from backup_autopilot.logic.report.metrics import point

if TYPE_CHECKING:
    from collections.abc import Mapping

#: what :func:`backup_autopilot.observability.emit_dimensioned` takes
Emitted = tuple[str, str, float, tuple[tuple[str, str], ...]]

COPY_FAILED = "Copy Failed"


def copy_points(
    result: Mapping[str, Any], destination_vault_arn: str | None, account: str, region: str
) -> list[Emitted]:
    """``CopyLagSeconds`` of a completed copy, ``CopiesFailed`` of a failed one, by destination."""
    if not destination_vault_arn:
        return []
    key = destination_key(destination_vault_arn)
    found = []
    if result.get("outcome") == COPY_FAILED:
        found.append(point("CopiesFailed", 1, key=key, account=account, region=region))
    if result.get("copy_lag_seconds") is not None:
        found.append(
            point("CopyLagSeconds", result["copy_lag_seconds"], key=key, account=account, region=region)
        )
    return [(p.name, p.unit, p.value, p.dimensions) for p in found]


def restore_test_points(name: str, result: Mapping[str, Any], account: str, region: str) -> list[Emitted]:
    """A verdict by resource type: passed or failed, the restore time and its share of the target."""
    resource_type = result.get("resource_type")
    if not resource_type:
        return []
    found = [point(name, 1, key=resource_type, account=account, region=region)]
    minutes, target = result.get("rto_minutes"), result.get("rto_target_minutes")
    if minutes is not None:
        found.append(point("RestoreTimeMinutes", minutes, key=resource_type, account=account, region=region))
        if target:
            found.append(
                point(
                    "RestoreTimePercentOfTarget",
                    round(100.0 * minutes / target, 1),
                    key=resource_type,
                    account=account,
                    region=region,
                )
            )
    return [(p.name, p.unit, p.value, p.dimensions) for p in found]
