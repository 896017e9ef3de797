"""Backup selections: validation of the document AWS accepts, and matching against live resources.

How the parts combine (fact sheet 2.1, read from the developer guide's examples; AWS marks the full
combination as something to test): ``(Resources OR ListOfTags) AND Conditions``, minus
``NotResources``. A selection with neither ``Resources`` nor ``ListOfTags`` matches nothing; one
with none of ``Resources``, ``ListOfTags`` and ``Conditions`` is refused at creation
(InvalidParameterValueException; UNVERIFIED: the model marks all three optional).

* ``Resources``/``NotResources``: ARNs, ``*`` as a wildcard (any run of characters); when an entry
  has a wildcard it must END with ``*`` (``arn:aws:s3:::logs-*``, ``arn:aws:ec2:*:*:volume/*``);
  ``"*"`` alone means every supported resource.
* ``ListOfTags``: ``STRINGEQUALS`` on a bare tag key; entries are ORed.
* ``Conditions``: ``StringEquals``/``StringNotEquals``/``StringLike``/``StringNotLike`` on
  ``aws:ResourceTag/<key>``, all ANDed, case-sensitive; ``*`` (any run) and ``?`` (one character)
  in ``StringLike`` values, as IAM reads them; a ``Not`` condition holds when the tag is absent
  (``match_missing``, the default) or, with :func:`set_negated_conditions` ``("require_tag")``,
  only on a resource that HAS the tag key (what AWS does is UNVERIFIED, fact sheet 8; the
  product's guard is the reconcile's ``Selection Not Matching``).
* Region opt-in (fact sheet 2.6): a resource picked through an entry that names its resource type
  explicitly (``arn:aws:dynamodb:*:*:table/*``, a full ARN) is backed up even when its type is
  opted out; picked through ``"*"``, a service-only pattern (``arn:aws:ec2:*``) or ``ListOfTags``,
  it must be opted in.
* Resources AWS Backup itself never backs up from a plan: those tagged ``awsbackup-restore-test``
  or named ``awsbackup-restore-test...`` (restore-testing leftovers).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sandbox.backup.errors import (
    InvalidParameterValueException,
    LimitExceededException,
    MissingParameterValueException,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from sandbox.resources.base import LiveResource

SELECTION_NAME = re.compile(r"^[a-zA-Z0-9\-\_\.]{1,50}$")
CREATOR_REQUEST_ID = re.compile(r"^[a-zA-Z0-9\-\_\.]{1,50}$")
IAM_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
MAX_RESOURCES = 500
MAX_WILDCARD_RESOURCES = 30
MAX_CONDITIONS = 30
MAX_TAGS = 30
CONDITION_OPERATORS = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")
TAG_CONDITION_PREFIX = "aws:ResourceTag/"
RESTORE_TEST_MARKER = "awsbackup-restore-test"
#: how StringNotEquals/StringNotLike treat a resource WITHOUT the tag key: "match_missing" (the
#: condition holds) or "require_tag" (it does not). Process-wide, as the sandbox's world is.
NEGATED_CONDITION_MODES = ("match_missing", "require_tag")
_negated_conditions = "match_missing"


def set_negated_conditions(mode: str) -> None:
    """Choose how negated conditions read a missing tag (``Sandbox(negated_conditions=...)``)."""
    global _negated_conditions
    if mode not in NEGATED_CONDITION_MODES:
        raise ValueError(f"negated_conditions must be one of {NEGATED_CONDITION_MODES}, not {mode!r}")
    _negated_conditions = mode


def negated_conditions() -> str:
    return _negated_conditions


# -- validation ----------------------------------------------------------------------------------
def validate_iam_role_arn(role_arn: str | None) -> str:
    if not role_arn:
        raise MissingParameterValueException("IamRoleArn is required")
    if not IAM_ROLE_ARN.match(role_arn):
        raise InvalidParameterValueException(f"Invalid IAM role ARN: {role_arn}")
    return role_arn


def _validate_arn_list(name: str, arns: list[str]) -> None:
    wildcards = [arn for arn in arns if "*" in arn]
    for arn in wildcards:
        if not arn.endswith("*"):
            raise InvalidParameterValueException(
                f"Invalid {name} entry {arn}: a wildcard is only allowed at the end of the ARN"
            )
    for arn in arns:
        if arn != "*" and not arn.startswith("arn:"):
            raise InvalidParameterValueException(f"Invalid {name} entry {arn}: not an ARN")
    limit = MAX_WILDCARD_RESOURCES if wildcards else MAX_RESOURCES
    if len(arns) > limit:
        raise LimitExceededException(
            f"{name} can have at most {limit} ARNs{' when wildcards are used' if wildcards else ''}; "
            f"got {len(arns)}"
        )


def _validate_conditions(conditions: dict[str, Any]) -> None:
    total = 0
    for operator, entries in conditions.items():
        if operator not in CONDITION_OPERATORS:
            raise InvalidParameterValueException(f"Unknown condition operator {operator}")
        for entry in entries or []:
            key = entry.get("ConditionKey") or ""
            if not key.startswith(TAG_CONDITION_PREFIX) or len(key) == len(TAG_CONDITION_PREFIX):
                raise InvalidParameterValueException(
                    f"Invalid ConditionKey {key!r}: conditions take aws:ResourceTag/<key>"
                )
            if entry.get("ConditionValue") is None:
                raise MissingParameterValueException(f"ConditionValue is required for {key}")
            total += 1
    if total > MAX_CONDITIONS:
        raise LimitExceededException(f"A selection can have at most {MAX_CONDITIONS} conditions; got {total}")


def _validate_list_of_tags(tags: list[dict[str, Any]]) -> None:
    if len(tags) > MAX_TAGS:
        raise LimitExceededException(f"ListOfTags can have at most {MAX_TAGS} entries; got {len(tags)}")
    for entry in tags:
        if (entry.get("ConditionType") or "").upper() != "STRINGEQUALS":
            raise InvalidParameterValueException("ListOfTags only supports ConditionType STRINGEQUALS")
        if not entry.get("ConditionKey"):
            raise MissingParameterValueException("ListOfTags entries need a ConditionKey")


def validate_selection(selection: dict[str, Any]) -> None:
    """Reject a BackupSelection document as AWS does (error codes from the botocore model)."""
    name = selection.get("SelectionName")
    if not name:
        raise MissingParameterValueException("SelectionName is required")
    if not SELECTION_NAME.match(name):
        raise InvalidParameterValueException(
            f"Invalid SelectionName {name!r}: it must match ^[a-zA-Z0-9\\-\\_\\.]{{1,50}}$"
        )
    validate_iam_role_arn(selection.get("IamRoleArn"))
    if not (selection.get("Resources") or selection.get("ListOfTags") or selection.get("Conditions")):
        # UNVERIFIED text and code: AWS refuses a selection that assigns nothing
        raise InvalidParameterValueException(
            "Invalid backup selection: specify at least one of Resources, ListOfTags or Conditions"
        )
    _validate_arn_list("Resources", selection.get("Resources") or [])
    _validate_arn_list("NotResources", selection.get("NotResources") or [])
    _validate_list_of_tags(selection.get("ListOfTags") or [])
    _validate_conditions(selection.get("Conditions") or {})


def validate_creator_request_id(creator_request_id: str | None) -> None:
    if creator_request_id is not None and not CREATOR_REQUEST_ID.match(creator_request_id):
        raise InvalidParameterValueException(f"Invalid CreatorRequestId {creator_request_id!r}")


# -- matching ------------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _wildcard_regex(pattern: str, single_char: bool) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?" and single_char:
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def arn_matches(pattern: str, arn: str) -> bool:
    return _wildcard_regex(pattern, False).fullmatch(arn) is not None


def string_like(pattern: str, value: str) -> bool:
    return _wildcard_regex(pattern, True).fullmatch(value) is not None


def names_resource_type(pattern: str) -> bool:
    """True when the pattern names a resource type (or a resource), not just a service."""
    parts = pattern.split(":", 5)
    return len(parts) == 6 and parts[5] != "" and not parts[5].startswith("*")


def _condition_holds(operator: str, expected: str, actual: str | None) -> bool:
    if operator == "StringEquals":
        return actual == expected
    if operator == "StringLike":
        return actual is not None and string_like(expected, actual)
    if actual is None:  # StringNotEquals/StringNotLike on a resource without the tag key
        return _negated_conditions == "match_missing"
    if operator == "StringNotEquals":
        return actual != expected
    return not string_like(expected, actual)  # StringNotLike


def conditions_hold(conditions: dict[str, Any], tags: dict[str, str]) -> bool:
    for operator, entries in conditions.items():
        for entry in entries or []:
            key = entry["ConditionKey"][len(TAG_CONDITION_PREFIX) :]
            if not _condition_holds(operator, entry["ConditionValue"], tags.get(key)):
                return False
    return True


def _tags_match(list_of_tags: list[dict[str, Any]], tags: dict[str, str]) -> bool:
    return any(tags.get(entry["ConditionKey"]) == entry.get("ConditionValue") for entry in list_of_tags)


def is_restore_test_leftover(resource: LiveResource) -> bool:
    return RESTORE_TEST_MARKER in resource.tags or resource.name.startswith(RESTORE_TEST_MARKER)


def selection_matches(
    selection: dict[str, Any], resource: LiveResource, opted_in: Callable[[str], bool]
) -> bool:
    """Does this BackupSelection document pick ``resource`` (``opted_in(resource_type)``)?"""
    if is_restore_test_leftover(resource):
        return False
    if any(arn_matches(p, resource.arn) for p in selection.get("NotResources") or []):
        return False
    if not conditions_hold(selection.get("Conditions") or {}, resource.tags):
        return False
    patterns = [p for p in selection.get("Resources") or [] if arn_matches(p, resource.arn)]
    if any(names_resource_type(p) for p in patterns):
        return True
    picked = bool(patterns) or _tags_match(selection.get("ListOfTags") or [], resource.tags)
    return picked and opted_in(resource.resource_type)


def matching_resources(
    selections: Iterable[dict[str, Any]],
    resources: Iterable[LiveResource],
    opted_in: Callable[[str], bool],
) -> list[tuple[LiveResource, dict[str, Any]]]:
    """Every resource picked by at least one selection, once, with the first selection that picked it."""
    documents = list(selections)
    picked: list[tuple[LiveResource, dict[str, Any]]] = []
    for resource in resources:
        for document in documents:
            if selection_matches(document, resource, opted_in):
                picked.append((resource, document))
                break
    return picked
