"""Selection matching: how Resources, ListOfTags, Conditions, NotResources and opt-in combine."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.backup.selection_eval import (
    arn_matches,
    matching_resources,
    names_resource_type,
    selection_matches,
    string_like,
)
from sandbox.resources.base import LiveResource

TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
VOLUME = "arn:aws:ec2:eu-west-1:123456789012:volume/vol-0123"


def _resource(
    arn: str = TABLE,
    tags: dict[str, str] | None = None,
    resource_type: str = "DynamoDB",
    name: str = "orders",
) -> LiveResource:
    return LiveResource(arn=arn, resource_type=resource_type, name=name, tags=tags or {})


def _always(_: str) -> bool:
    return True


def _never(_: str) -> bool:
    return False


def _doc(**parts: Any) -> dict[str, Any]:
    return {"SelectionName": "s", "IamRoleArn": "arn:aws:iam::123456789012:role/r", **parts}


def _cond(operator: str, key: str, value: str) -> dict[str, list[dict[str, str]]]:
    return {operator: [{"ConditionKey": f"aws:ResourceTag/{key}", "ConditionValue": value}]}


def test_conditions_are_anded_and_case_sensitive() -> None:
    conditions = {
        "StringEquals": [{"ConditionKey": "aws:ResourceTag/backup-plan", "ConditionValue": "daily"}],
        "StringLike": [{"ConditionKey": "aws:ResourceTag/team", "ConditionValue": "co?e*"}],
    }
    doc = _doc(Resources=["*"], Conditions=conditions)
    assert selection_matches(doc, _resource(tags={"backup-plan": "daily", "team": "core-db"}), _always)
    assert not selection_matches(doc, _resource(tags={"backup-plan": "daily"}), _always)
    assert not selection_matches(doc, _resource(tags={"backup-plan": "Daily", "team": "core"}), _always)


def test_not_conditions_hold_when_the_tag_is_absent() -> None:
    doc = _doc(Resources=["*"], Conditions=_cond("StringNotLike", "restore-test", "*"))
    assert selection_matches(doc, _resource(), _always)
    assert not selection_matches(doc, _resource(tags={"restore-test": "x"}), _always)
    doc = _doc(Resources=["*"], Conditions=_cond("StringNotEquals", "stage", "test"))
    assert selection_matches(doc, _resource(), _always)
    assert selection_matches(doc, _resource(tags={"stage": "prod"}), _always)
    assert not selection_matches(doc, _resource(tags={"stage": "test"}), _always)


def test_resources_or_list_of_tags_and_conditions_minus_not_resources() -> None:
    doc = _doc(
        Resources=[VOLUME],
        ListOfTags=[{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "true"}],
        Conditions=_cond("StringNotEquals", "stage", "test"),
        NotResources=["arn:aws:dynamodb:*:*:table/scratch-*"],
    )
    assert selection_matches(doc, _resource(VOLUME, resource_type="EBS"), _always)
    assert selection_matches(doc, _resource(tags={"backup": "true"}), _always)
    assert not selection_matches(doc, _resource(tags={"backup": "true", "stage": "test"}), _always)
    scratch = "arn:aws:dynamodb:eu-west-1:123456789012:table/scratch-1"
    assert not selection_matches(doc, _resource(scratch, tags={"backup": "true"}), _always)
    assert not selection_matches(doc, _resource(tags={"other": "x"}), _always)


def test_only_conditions_matches_nothing() -> None:
    assert not selection_matches(
        _doc(Conditions=_cond("StringEquals", "a", "b")), _resource(tags={"a": "b"}), _always
    )


def test_opt_in_applies_unless_the_resource_type_is_named() -> None:
    tagged = _resource(tags={"backup": "true"})
    by_tag = _doc(
        ListOfTags=[{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "true"}]
    )
    assert not selection_matches(by_tag, tagged, _never)
    assert not selection_matches(_doc(Resources=["*"]), tagged, _never)
    assert not selection_matches(_doc(Resources=["arn:aws:dynamodb:*"]), tagged, _never)
    assert selection_matches(_doc(Resources=["arn:aws:dynamodb:*:*:table/*"]), tagged, _never)
    assert selection_matches(_doc(Resources=[TABLE]), tagged, _never)


def test_restore_test_leftovers_never_match() -> None:
    doc = _doc(Resources=["*"])
    assert not selection_matches(doc, _resource(name="awsbackup-restore-test-abc"), _always)
    assert not selection_matches(doc, _resource(tags={"awsbackup-restore-test": ""}), _always)


def test_matching_resources_dedupes_and_keeps_the_first_selection() -> None:
    first = _doc(SelectionName="first", Resources=["*"])
    second = _doc(SelectionName="second", Resources=[TABLE])
    picked = matching_resources(
        [first, second], [_resource(), _resource(VOLUME, resource_type="EBS")], _always
    )
    assert [(r.arn, d["SelectionName"]) for r, d in picked] == [(TABLE, "first"), (VOLUME, "first")]


def test_names_resource_type() -> None:
    assert names_resource_type("arn:aws:ec2:*:*:instance/*")
    assert names_resource_type("arn:aws:rds:*:*:db:*")
    assert names_resource_type("arn:aws:s3:::logs-*")
    assert not names_resource_type("arn:aws:ec2:*")
    assert not names_resource_type("arn:aws:s3:::*")
    assert not names_resource_type("*")


@pytest.mark.fuzz
@given(st.text(alphabet="ab:/-", max_size=12), st.text(alphabet="ab:/-", max_size=12))
def test_a_trailing_wildcard_is_a_prefix_match(prefix: str, rest: str) -> None:
    assert arn_matches(prefix + "*", prefix + rest)
    assert arn_matches(prefix, prefix)
    assert string_like(prefix + "*", prefix + rest)
