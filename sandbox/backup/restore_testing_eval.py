"""Restore testing's rules (pure): what AWS accepts in a plan and a selection, and what a run picks.

Sources: fact sheet 2.7 (the API), 4 (quotas), 6 (how runs work); the botocore ``backup`` model for
shapes and the error codes each operation declares.

Validation (:func:`plan_document`, :func:`updated_plan`, :func:`selection_document`,
:func:`updated_selection`):

* plan and selection names: ``^[a-zA-Z0-9_]{1,50}$`` (the selection's is the stricter of the two
  rules the documentation gives); names are immutable (the update shapes have none);
* ``ScheduleExpression``: AWS cron (``cron(...)``); ``ScheduleExpressionTimezone`` an IANA zone
  (default ``Etc/UTC``); ``StartWindowHours`` 1-168 (default 24);
* ``RecoveryPointSelection``: ``Algorithm`` (``LATEST_WITHIN_WINDOW``/``RANDOM_WITHIN_WINDOW``),
  ``RecoveryPointTypes`` (``SNAPSHOT``/``CONTINUOUS``) and ``IncludeVaults`` are required, as
  CloudFormation's schema requires them (the API model marks none of them required: UNVERIFIED);
  ``IncludeVaults``/``ExcludeVaults``: ``"*"`` or vault ARNs, ``*`` a wildcard, at most 30 each;
  ``SelectionWindowDays`` 1-365 (default 30);
* a selection: ``ProtectedResourceType`` one of :data:`PROTECTED_RESOURCE_TYPES`; either up to 30
  specific ``ProtectedResourceArns``, or ``["*"]`` with (optional) ``ProtectedResourceConditions``,
  never both; conditions alone mean the wildcard (UNVERIFIED); ``StringEquals``/``StringNotEquals``
  entries are ``{Key, Value}`` (a bare tag key, never starting with ``aws:``), at most 30 in all;
  ``ValidationWindowHours`` 0-168; ``RestoreMetadataOverrides`` a string map.

Picking at a run (:func:`selection_picks`, :func:`eligible_points`, :func:`choose_point`):

* a protected resource of the selection's type is picked when its ARN is listed, or (wildcard) when
  the conditions hold on the tags of its LATEST recovery point (fact sheet 0.9), ANDed;
  ``StringNotEquals`` holds when the tag is absent (UNVERIFIED, as for backup selections);
* its eligible points: COMPLETED, in a vault of ``IncludeVaults`` and not of ``ExcludeVaults``,
  created within ``SelectionWindowDays`` of the run, of an allowed ``RecoveryPointTypes``
  (``CONTINUOUS``: the continuous points of ``job_points``; ``SNAPSHOT``: the others); the latest
  one, or one at random.

The metadata of a test restore (:func:`restore_test_metadata`): the inferred metadata, every
``awsbackup-restore-test-`` name made new for the job, then the overrides, whose keys match the
metadata's keys case-insensitively (fact sheet 2.7).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from sandbox.backup.errors import (
    InvalidParameterValueException,
    LimitExceededException,
    MissingParameterValueException,
)
from sandbox.backup.job_points import is_continuous
from sandbox.backup.plan_schedule import parse_cron, parse_timezone
from sandbox.backup.selection_eval import RESTORE_TEST_MARKER, arn_matches, validate_iam_role_arn

if TYPE_CHECKING:
    import random
    from collections.abc import Callable, Iterable, Mapping

    from sandbox.backup.records import RecoveryPoint

NAME = re.compile(r"^[a-zA-Z0-9_]{1,50}$")
#: the model's ProtectedResourceType values (fact sheet 2.7)
PROTECTED_RESOURCE_TYPES = frozenset(
    {"Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune", "RDS", "S3"}
)
ALGORITHMS = ("LATEST_WITHIN_WINDOW", "RANDOM_WITHIN_WINDOW")
POINT_TYPES = ("CONTINUOUS", "SNAPSHOT")
CONDITION_OPERATORS = ("StringEquals", "StringNotEquals")
DEFAULT_TIMEZONE = "Etc/UTC"
START_WINDOW_HOURS = (1, 168)
DEFAULT_START_WINDOW_HOURS = 24
SELECTION_WINDOW_DAYS = (1, 365)
DEFAULT_SELECTION_WINDOW_DAYS = 30
VALIDATION_WINDOW_HOURS = (0, 168)
#: ARNs, conditions and vault selectors per restore testing selection (fact sheet 4)
MAX_ENTRIES = 30
#: the marker of the names restore testing infers (``awsbackup-restore-test-<id>``)
TEST_NAME_PREFIX = f"{RESTORE_TEST_MARKER}-"


# -- plans ---------------------------------------------------------------------------------------
def _name(kind: str, name: Any) -> str:
    if not name:
        raise MissingParameterValueException(f"{kind} is required")
    if not isinstance(name, str) or not NAME.match(name):
        raise InvalidParameterValueException(
            f"Invalid {kind} {name!r}: only alphanumeric characters and underscores, at most 50"
        )
    return name


def _in_range(name: str, value: Any, bounds: tuple[int, int]) -> int:
    low, high = bounds
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidParameterValueException(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return value


def _schedule(document: dict[str, Any]) -> None:
    expression = document.get("ScheduleExpression")
    if not expression:
        raise MissingParameterValueException("ScheduleExpression is required")
    parse_cron(expression)
    parse_timezone(document.get("ScheduleExpressionTimezone"))


def _vault_list(name: str, vaults: Any) -> list[str]:
    if not isinstance(vaults, list) or not all(isinstance(v, str) and v for v in vaults):
        raise InvalidParameterValueException(f"{name} must be a list of backup vault ARNs or '*'")
    if len(vaults) > MAX_ENTRIES:
        raise LimitExceededException(f"{name} can have at most {MAX_ENTRIES} entries; got {len(vaults)}")
    for vault in vaults:
        if vault != "*" and not vault.startswith("arn:"):
            raise InvalidParameterValueException(f"Invalid {name} entry {vault!r}: a backup vault ARN or '*'")
    return list(vaults)


def _recovery_point_selection(selection: Any) -> dict[str, Any]:
    if not isinstance(selection, dict):
        raise MissingParameterValueException("RecoveryPointSelection is required")
    for required in ("Algorithm", "RecoveryPointTypes", "IncludeVaults"):
        if not selection.get(required):
            raise MissingParameterValueException(f"RecoveryPointSelection.{required} is required")
    if selection["Algorithm"] not in ALGORITHMS:
        raise InvalidParameterValueException(
            f"Invalid Algorithm {selection['Algorithm']!r}: one of {', '.join(ALGORITHMS)}"
        )
    types = selection["RecoveryPointTypes"]
    if not isinstance(types, list) or any(t not in POINT_TYPES for t in types):
        raise InvalidParameterValueException(
            f"Invalid RecoveryPointTypes {types!r}: SNAPSHOT and/or CONTINUOUS"
        )
    stored: dict[str, Any] = {
        "Algorithm": selection["Algorithm"],
        "RecoveryPointTypes": list(types),
        "IncludeVaults": _vault_list("IncludeVaults", selection["IncludeVaults"]),
        "SelectionWindowDays": _in_range(
            "SelectionWindowDays",
            selection.get("SelectionWindowDays", DEFAULT_SELECTION_WINDOW_DAYS),
            SELECTION_WINDOW_DAYS,
        ),
    }
    if selection.get("ExcludeVaults"):
        stored["ExcludeVaults"] = _vault_list("ExcludeVaults", selection["ExcludeVaults"])
    return stored


def plan_document(document: dict[str, Any]) -> dict[str, Any]:
    """A RestoreTestingPlanForCreate as AWS stores it (defaults applied), or the error AWS gives."""
    name = _name("RestoreTestingPlanName", document.get("RestoreTestingPlanName"))
    _schedule(document)
    return {
        "RestoreTestingPlanName": name,
        "ScheduleExpression": document["ScheduleExpression"],
        "ScheduleExpressionTimezone": document.get("ScheduleExpressionTimezone") or DEFAULT_TIMEZONE,
        "StartWindowHours": _in_range(
            "StartWindowHours",
            document.get("StartWindowHours", DEFAULT_START_WINDOW_HOURS),
            START_WINDOW_HOURS,
        ),
        "RecoveryPointSelection": _recovery_point_selection(document.get("RecoveryPointSelection")),
    }


def updated_plan(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """The plan after UpdateRestoreTestingPlan: the members sent replace the stored ones, members of
    ``RecoveryPointSelection`` one by one (partial updates, fact sheet 2.7); the name never changes."""
    merged = copy.deepcopy(current)
    for key in ("ScheduleExpression", "ScheduleExpressionTimezone", "StartWindowHours"):
        if update.get(key) is not None:
            merged[key] = update[key]
    selection = update.get("RecoveryPointSelection")
    if selection:
        merged["RecoveryPointSelection"] = {**merged["RecoveryPointSelection"], **selection}
    return plan_document(merged)


# -- selections ----------------------------------------------------------------------------------
def _conditions(conditions: Any) -> dict[str, list[dict[str, str]]]:
    if not isinstance(conditions, dict):
        raise InvalidParameterValueException("ProtectedResourceConditions must be a structure")
    total = 0
    stored: dict[str, list[dict[str, str]]] = {}
    for operator, entries in conditions.items():
        if operator not in CONDITION_OPERATORS:
            raise InvalidParameterValueException(
                f"Unknown condition operator {operator!r}: StringEquals or StringNotEquals"
            )
        for entry in entries or []:
            key, value = entry.get("Key"), entry.get("Value")
            if not key or value is None:
                raise MissingParameterValueException(f"{operator} entries need a Key and a Value")
            if key.lower().startswith("aws:"):
                raise InvalidParameterValueException(
                    f"Invalid condition Key {key!r}: a tag key, which cannot start with 'aws:'"
                )
            total += 1
        if entries:
            stored[operator] = [{"Key": e["Key"], "Value": e["Value"]} for e in entries]
    if total > MAX_ENTRIES:
        raise LimitExceededException(f"A selection can have at most {MAX_ENTRIES} conditions; got {total}")
    return stored


def _arns_and_conditions(document: dict[str, Any]) -> dict[str, Any]:
    arns = document.get("ProtectedResourceArns")
    conditions = document.get("ProtectedResourceConditions")
    if arns is None and conditions is None:
        raise MissingParameterValueException(
            "ProtectedResourceArns or ProtectedResourceConditions is required"
        )
    stored: dict[str, Any] = {}
    if arns is not None:
        if not isinstance(arns, list) or not arns or not all(isinstance(a, str) and a for a in arns):
            raise InvalidParameterValueException("ProtectedResourceArns must be a non-empty list of ARNs")
        if "*" in arns and arns != ["*"]:
            raise InvalidParameterValueException(
                "ProtectedResourceArns is either ['*'] or a list of specific ARNs, not both"
            )
        if arns != ["*"]:
            if len(arns) > MAX_ENTRIES:
                raise LimitExceededException(
                    f"ProtectedResourceArns can have at most {MAX_ENTRIES} ARNs; got {len(arns)}"
                )
            for arn in arns:
                if not arn.startswith("arn:") or "*" in arn:
                    raise InvalidParameterValueException(
                        f"Invalid ProtectedResourceArns entry {arn!r}: a specific resource ARN"
                    )
            if conditions:
                raise InvalidParameterValueException(
                    "Cannot select by both specific ProtectedResourceArns and ProtectedResourceConditions: "
                    "use ['*'] with conditions"
                )
        stored["ProtectedResourceArns"] = list(arns)
    if conditions is not None:
        stored["ProtectedResourceConditions"] = _conditions(conditions)
    return stored


def selection_document(document: dict[str, Any]) -> dict[str, Any]:
    """A RestoreTestingSelectionForCreate as AWS stores it, or the error AWS gives."""
    name = _name("RestoreTestingSelectionName", document.get("RestoreTestingSelectionName"))
    resource_type = document.get("ProtectedResourceType")
    if not resource_type:
        raise MissingParameterValueException("ProtectedResourceType is required")
    if resource_type not in PROTECTED_RESOURCE_TYPES:
        raise InvalidParameterValueException(
            f"Invalid ProtectedResourceType {resource_type!r}: "
            f"one of {', '.join(sorted(PROTECTED_RESOURCE_TYPES))}"
        )
    stored: dict[str, Any] = {
        "RestoreTestingSelectionName": name,
        "ProtectedResourceType": resource_type,
        "IamRoleArn": validate_iam_role_arn(document.get("IamRoleArn")),
        **_arns_and_conditions(document),
    }
    overrides = document.get("RestoreMetadataOverrides")
    if overrides is not None:
        if not isinstance(overrides, dict) or not all(isinstance(v, str) for v in overrides.values()):
            raise InvalidParameterValueException("RestoreMetadataOverrides must map keys to string values")
        stored["RestoreMetadataOverrides"] = dict(overrides)
    if document.get("ValidationWindowHours") is not None:
        stored["ValidationWindowHours"] = _in_range(
            "ValidationWindowHours", document["ValidationWindowHours"], VALIDATION_WINDOW_HOURS
        )
    return stored


def updated_selection(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """The selection after UpdateRestoreTestingSelection (partial; name and type never change).

    Specific ARNs sent alone replace wildcard and conditions; conditions sent alone onto specific
    ARNs are refused: to switch to the wildcard, send both (fact sheet 2.7). UNVERIFIED beyond that.
    """
    merged = copy.deepcopy(current)
    for key in ("IamRoleArn", "RestoreMetadataOverrides", "ValidationWindowHours"):
        if update.get(key) is not None:
            merged[key] = update[key]
    arns, conditions = update.get("ProtectedResourceArns"), update.get("ProtectedResourceConditions")
    if arns is not None:
        merged["ProtectedResourceArns"] = arns
        if arns != ["*"] and conditions is None:
            merged.pop("ProtectedResourceConditions", None)
    if conditions is not None:
        merged["ProtectedResourceConditions"] = conditions
    return selection_document(merged)


# -- a run ---------------------------------------------------------------------------------------
def conditions_hold(conditions: Mapping[str, list[dict[str, str]]], tags: Mapping[str, str]) -> bool:
    """Every condition holds on ``tags`` (AND); StringNotEquals holds when the tag is absent."""
    for entry in conditions.get("StringEquals", []):
        if tags.get(entry["Key"]) != entry["Value"]:
            return False
    return all(tags.get(entry["Key"]) != entry["Value"] for entry in conditions.get("StringNotEquals", []))


def selection_picks(
    document: Mapping[str, Any], resource_arn: str, latest_point_tags: Mapping[str, str]
) -> bool:
    """Does the selection pick this protected resource (of its type) at a run?"""
    arns = document.get("ProtectedResourceArns") or ["*"]
    if arns != ["*"]:
        return resource_arn in arns
    return conditions_hold(document.get("ProtectedResourceConditions") or {}, latest_point_tags)


def vault_selected(patterns: Iterable[str], vault_arn: str) -> bool:
    return any(pattern == "*" or arn_matches(pattern, vault_arn) for pattern in patterns)


def eligible_points(
    points: Iterable[RecoveryPoint], recovery_point_selection: Mapping[str, Any], now: dt.datetime
) -> list[RecoveryPoint]:
    """The points a run may restore, oldest first."""
    types = recovery_point_selection["RecoveryPointTypes"]
    since = now - dt.timedelta(days=recovery_point_selection["SelectionWindowDays"])
    include = recovery_point_selection["IncludeVaults"]
    exclude = recovery_point_selection.get("ExcludeVaults") or []
    return sorted(
        (
            point
            for point in points
            if point.status == "COMPLETED"
            and ("CONTINUOUS" if is_continuous(point.arn) else "SNAPSHOT") in types
            and point.creation_date >= since
            and vault_selected(include, point.vault_arn)
            and not vault_selected(exclude, point.vault_arn)
        ),
        key=lambda point: point.creation_date,
    )


def choose_point(points: list[RecoveryPoint], algorithm: str, rng: random.Random) -> RecoveryPoint:
    """``LATEST_WITHIN_WINDOW``: the newest; ``RANDOM_WITHIN_WINDOW``: any, at random."""
    return points[-1] if algorithm == "LATEST_WITHIN_WINDOW" else rng.choice(points)


def restore_test_metadata(
    inferred: Mapping[str, str],
    known_keys: Iterable[str],
    overrides: Mapping[str, str],
    fresh_name: Callable[[], str],
) -> dict[str, str]:
    """The metadata a restore test runs with: ``inferred``, its ``awsbackup-restore-test-`` names
    made new (``fresh_name``), then ``overrides``; an override key is spelled as the metadata spells
    it (``known_keys``: the inferred and restore metadata keys), whatever its case."""
    metadata = {
        key: (fresh_name() if value.startswith(TEST_NAME_PREFIX) else value)
        for key, value in inferred.items()
    }
    spelling = {key.lower(): key for key in [*known_keys, *inferred]}
    for key, value in overrides.items():
        canonical = spelling.get(key.lower(), key)
        metadata.pop(next((k for k in metadata if k.lower() == key.lower()), canonical), None)
        metadata[canonical] = value
    return metadata
