"""Every sample event in events/ is one its function's rules deliver (EventBridge's own matching).

A sample no rule would deliver tests a path that never runs in AWS. Samples under ``direct/`` are
the opposite on purpose: no rule delivers them (they show the handler's own refusals).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from moto.events.models import EventPattern

from tests.conftest import EVENTS

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sandbox import Sandbox

#: events/<folder> -> the function (logical id) whose rules must deliver its samples
FUNCTIONS = {
    "protect_resource": "ProtectResourceFunction",
    "reconcile": "ReconcileFunction",
    "start_copies": "StartCopiesFunction",
    "copy_outcome": "CopyOutcomeFunction",
    "validate_restore": "ValidateRestoreFunction",
    "record_backup": "RecordBackupFunction",
}
SAMPLES = sorted(p for p in EVENTS.glob("*/*.json") if p.parent.name in FUNCTIONS)
DIRECT = sorted(p for p in EVENTS.glob("*/direct/*.json") if p.parent.parent.name in FUNCTIONS)


@pytest.fixture(scope="module")
def patterns() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """The event patterns of the rules that target each function, as deployed in the sandbox."""
    from sandbox import Sandbox

    with Sandbox() as sb:
        yield _patterns(sb)


def _patterns(sb: Sandbox) -> dict[str, list[dict[str, Any]]]:
    events = sb.client("events")
    found: dict[str, list[dict[str, Any]]] = {}
    for logical_id in FUNCTIONS.values():
        try:
            arn = sb.router.function(logical_id).spec.arn
        except KeyError:
            continue
        for bus in ("default", sb.physical_id("EventBus")):
            names = events.list_rule_names_by_target(TargetArn=arn, EventBusName=bus)["RuleNames"]
            for name in names:
                rule = events.describe_rule(Name=name, EventBusName=bus)
                if "EventPattern" in rule:
                    found.setdefault(logical_id, []).append(json.loads(rule["EventPattern"]))
                if "ScheduleExpression" in rule:  # EventBridge sends a schedule's own event shape
                    found.setdefault(logical_id, []).append(
                        {
                            "source": ["aws.events"],
                            "detail-type": ["Scheduled Event"],
                            "account": [sb.account_id],
                        }
                    )
    return found


def _delivered(event: Any, patterns: list[dict[str, Any]]) -> bool:
    return any(EventPattern.load(json.dumps(pattern)).matches_event(event) for pattern in patterns)


def test_every_function_with_samples_has_rules(patterns: dict[str, list[dict[str, Any]]]) -> None:
    folders = {p.parent.name for p in SAMPLES}
    missing = [FUNCTIONS[f] for f in folders if FUNCTIONS[f] not in patterns]
    assert missing == [], f"samples for functions no rule targets: {missing}"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_sample_is_delivered_by_its_functions_rules(
    path: Path, patterns: dict[str, list[dict[str, Any]]]
) -> None:
    event = json.loads(path.read_text())
    function = FUNCTIONS[path.parent.name]
    assert _delivered(event, patterns.get(function, [])), f"no rule of {function} delivers {path.name}"


@pytest.mark.parametrize("path", DIRECT, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_a_direct_only_sample_is_not_delivered_by_any_rule(
    path: Path, patterns: dict[str, list[dict[str, Any]]]
) -> None:
    event = json.loads(path.read_text())
    every_pattern = [pattern for found in patterns.values() for pattern in found]
    assert not _delivered(event, every_pattern), f"{path} is delivered: move it out of direct/"
