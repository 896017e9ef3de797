"""The filters of ListCopyJobs and ListRestoreJobs (pure): validation and matching.

Equality filters compare a job field with the value given (``COPY_FILTERS``, ``RESTORE_FILTERS``:
filter name -> the job's value); ``ByCreatedAfter/Before`` and ``ByCompleteAfter/Before`` are time
windows; ``ANY`` and ``AGGREGATE_ALL`` select every job; message categories compare
case-insensitively. Jobs keep their creation order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.backup.errors import InvalidParameterValueException
from sandbox.backup.state import as_utc

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterable

#: the model's CopyJobStatus (ByState filter) and RestoreJobStatus (ByStatus filter) enums
COPY_STATE_FILTERS = {
    "CREATED", "RUNNING", "ABORTING", "ABORTED", "COMPLETING", "COMPLETED", "FAILING", "FAILED", "PARTIAL",
    "AGGREGATE_ALL", "ANY",
}  # fmt: skip
RESTORE_STATUS_FILTERS = {"PENDING", "RUNNING", "COMPLETED", "ABORTED", "FAILED"}
#: filter values that select every job ("ANY", "AGGREGATE_ALL": the model's aggregate values)
_ALL_VALUES = {"ANY", "AGGREGATE_ALL"}

#: equality filters of ListCopyJobs / ListRestoreJobs: filter name -> the job's value
COPY_FILTERS: dict[str, Callable[[Any], Any]] = {
    "ByResourceArn": lambda job: job.resource_arn,
    "ByState": lambda job: job.state,
    "ByResourceType": lambda job: job.resource_type,
    "ByDestinationVaultArn": lambda job: job.destination_vault_arn,
    "ByAccountId": lambda job: job.account,
    "ByParentJobId": lambda job: None,  # the sandbox has no composite (parent) jobs
    "ByMessageCategory": lambda job: (job.message_category or "").upper(),
    "BySourceRecoveryPointArn": lambda job: job.source_recovery_point_arn,
}
RESTORE_FILTERS: dict[str, Callable[[Any], Any]] = {
    "ByAccountId": lambda job: job.account,
    "ByResourceType": lambda job: job.resource_type,
    "ByStatus": lambda job: job.status,
    "ByRestoreTestingPlanArn": lambda job: job.created_by.get("RestoreTestingPlanArn"),
    "ByParentJobId": lambda job: None,
}


def utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else as_utc(value)


def in_window(when: dt.datetime | None, after: dt.datetime | None, before: dt.datetime | None) -> bool:
    if after is None and before is None:
        return True
    if when is None:
        return False
    return (after is None or when >= after) and (before is None or when <= before)


def check_enum(filters: dict[str, Any], name: str, allowed: set[str]) -> None:
    value = filters.get(name)
    if value is not None and value not in allowed:
        raise InvalidParameterValueException(f"Invalid value for {name}: {value}")


def normalised(filters: dict[str, Any]) -> dict[str, Any]:
    """ANY / AGGREGATE_ALL select every job; message categories compare case-insensitively."""
    result = {name: value for name, value in filters.items() if value not in _ALL_VALUES}
    if result.get("ByMessageCategory") is not None:
        result["ByMessageCategory"] = result["ByMessageCategory"].upper()
    return result


def filtered(
    jobs: Iterable[Any], filters: dict[str, Any], fields: dict[str, Callable[[Any], Any]]
) -> list[Any]:
    """Jobs (in creation order) matching every equality and time-window filter that is set."""
    wanted = {name: filters[name] for name in fields if filters.get(name) is not None}
    created = (utc(filters.get("ByCreatedAfter")), utc(filters.get("ByCreatedBefore")))
    complete = (utc(filters.get("ByCompleteAfter")), utc(filters.get("ByCompleteBefore")))
    return [
        job
        for job in jobs
        if all(fields[name](job) == value for name, value in wanted.items())
        and in_window(job.creation_date, *created)
        and in_window(job.completion_date, *complete)
    ]
