"""Recovery point lifecycles (pure): AWS's validation rules and the CalculatedLifecycle of a point.

* ``MoveToColdStorageAfterDays`` applies only to types that support cold storage: EFS, DynamoDB
  with advanced backup (a ``recovery-point:`` ARN), EBS when ``OptInToArchiveForSupportedResources``
  is set, Timestream, VMware and SAP HANA (fact sheet 5; for other types the setting is ignored, as
  AWS ignores it).
* ``DeleteAfterDays``: the point is deleted. Both count from the point's creation date.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sandbox.backup.errors import InvalidParameterValueException

if TYPE_CHECKING:
    from sandbox.backup.records import RecoveryPoint

COLD_STORAGE_TYPES = {"EFS", "Timestream", "VirtualMachine", "SAP HANA on Amazon EC2"}


def supports_cold_storage(point: RecoveryPoint) -> bool:
    if point.resource_type in COLD_STORAGE_TYPES:
        return True
    if point.resource_type == "DynamoDB":
        return ":recovery-point:" in point.arn
    return point.resource_type == "EBS" and bool(point.lifecycle.get("OptInToArchiveForSupportedResources"))


def calculated_lifecycle(point: RecoveryPoint) -> dict[str, dt.datetime]:
    """The API's CalculatedLifecycle: when the point moves to cold storage and when it is deleted."""
    result: dict[str, dt.datetime] = {}
    cold_days = point.lifecycle.get("MoveToColdStorageAfterDays")
    if cold_days and cold_days > 0 and supports_cold_storage(point):
        result["MoveToColdStorageAt"] = point.creation_date + dt.timedelta(days=cold_days)
    delete_days = point.lifecycle.get("DeleteAfterDays")
    if delete_days and delete_days > 0:
        result["DeleteAt"] = point.creation_date + dt.timedelta(days=delete_days)
    return result


def validate_lifecycle(lifecycle: dict[str, Any] | None, *, allow_indefinite: bool = False) -> None:
    """AWS's lifecycle rules: cold storage lasts at least 90 days before deletion.

    ``allow_indefinite``: copy jobs accept ``-1`` for both values (keep indefinitely).
    """
    if not lifecycle:
        return
    cold = lifecycle.get("MoveToColdStorageAfterDays")
    delete = lifecycle.get("DeleteAfterDays")
    for name, value in (("MoveToColdStorageAfterDays", cold), ("DeleteAfterDays", delete)):
        if value is not None and value < 1 and not (allow_indefinite and value == -1):
            raise InvalidParameterValueException(
                f"Invalid lifecycle. {name} must be a positive number of days"
            )
    if cold is not None and cold > 0 and delete is not None and delete > 0 and delete < cold + 90:
        raise InvalidParameterValueException(
            "Invalid lifecycle. DeleteAfterDays cannot be less than 90 days apart from "
            "MoveToColdStorageAfterDays"
        )


def copy_lifecycle(requested: dict[str, Any] | None, source: dict[str, Any]) -> dict[str, Any]:
    """The lifecycle of a copy: the request's, except that a copy with no lifecycle, or ``-1``
    (keep), keeps the SOURCE point's expiry (fact sheet 1.3: "with no lifecycle or -1, its source's
    expiry"). The copy has the source's creation date, so the source's ``DeleteAfterDays`` gives
    the same delete date."""
    lifecycle = {k: v for k, v in (requested or {}).items() if v is not None and v != -1}
    if "DeleteAfterDays" not in lifecycle and source.get("DeleteAfterDays"):
        lifecycle["DeleteAfterDays"] = source["DeleteAfterDays"]
    if not requested and source.get("MoveToColdStorageAfterDays"):
        lifecycle["MoveToColdStorageAfterDays"] = source["MoveToColdStorageAfterDays"]
    return lifecycle
