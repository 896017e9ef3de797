"""Every sample event under events/ parses with the model its function uses (contract test)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from backup_autopilot.models.base import Invalid, Model
from backup_autopilot.models.tag_events import TagChangeEvent
from tests.conftest import EVENTS

if TYPE_CHECKING:
    from pathlib import Path

TAG_EVENTS = sorted((EVENTS / "protect_resource").glob("*.json"))


@pytest.mark.parametrize("path", TAG_EVENTS, ids=lambda p: p.stem)
def test_tag_change_samples_parse(path: Path) -> None:
    event = TagChangeEvent.parse(json.loads(path.read_text()))
    assert event.detail.changed_tag_keys
    assert event.resource_arn.startswith("arn:aws:")


def test_removed_sample_reads_as_a_removal() -> None:
    event = TagChangeEvent.parse(json.loads((EVENTS / "protect_resource/removed.json").read_text()))
    assert event.detail.removed("backup-plan")


def test_version_accepts_int_float_and_string() -> None:
    versions = {TagChangeEvent.parse(json.loads(p.read_text())).detail.version for p in TAG_EVENTS}
    assert {1.0, 3.0, 4.0, 7.0} <= versions


def test_every_sample_parses_with_its_functions_model() -> None:
    from backup_autopilot.models.aws_events import (
        BackupJobEvent,
        CopyJobEvent,
        RestoreJobEvent,
        ScheduledEvent,
    )
    from backup_autopilot.models.reconcile_events import ContinuationEvent

    models: dict[str, list[type[Model]]] = {
        "start_copies": [BackupJobEvent],
        "copy_outcome": [CopyJobEvent],
        "reconcile": [ScheduledEvent, ContinuationEvent],
        "record_backup": [BackupJobEvent],
        "validate_restore": [RestoreJobEvent],
    }
    for folder, candidates in models.items():
        for path in sorted((EVENTS / folder).glob("*.json")):
            event = json.loads(path.read_text())
            assert any(_parses(model, event) for model in candidates), path


def _parses(model: type[Model], event: dict[str, object]) -> bool:
    try:
        model.parse(event)
    except Invalid:
        return False
    return True
