"""inbound.accept: an event is parsed, and refused when malformed, from another account or from
another Region; a refusal is logged, counted (EventsRejected) and makes no AWS call."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from backup_autopilot.inbound import REJECTED, accept, refuse
from backup_autopilot.models.aws_events import BackupJobEvent
from backup_autopilot.observability import metrics
from tests.conftest import FakeLambdaContext, load_event

COMPLETED = "start_copies/backup_completed.json"
#: the context Lambda gives a function of account 123456789012 in us-east-1
CONTEXT: Any = FakeLambdaContext()


@pytest.fixture(autouse=True)
def _fresh_metrics() -> Any:
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


def _event(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(load_event(COMPLETED))
    event.update(changes)
    return event


def _rejections() -> float:
    values = metrics.metric_set.get("EventsRejected", {}).get("Value", [])
    return float(sum(values))


def test_an_event_of_this_account_and_region_is_accepted() -> None:
    parsed = accept(BackupJobEvent, _event(), CONTEXT)
    assert isinstance(parsed, BackupJobEvent) and parsed.account == "123456789012"
    assert _rejections() == 0


def test_another_accounts_event_is_refused_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN an event that claims another account (forged, or a misrouted cross-account rule)
    event = _event(account="210987654321")
    # WHEN the function accepts it, THEN it is refused, logged, and counted
    assert accept(BackupJobEvent, event, CONTEXT) is None
    assert _rejections() == 1
    assert [r.getMessage() for r in caplog.records] == ["rejected event from another account"]
    # the log line says which model refused which account (what an operator looks for)
    [record] = caplog.records
    assert (record.model, record.account) == ("BackupJobEvent", "210987654321")  # type: ignore[attr-defined]


def test_another_regions_event_is_refused_with_its_own_reason(caplog: pytest.LogCaptureFixture) -> None:
    assert accept(BackupJobEvent, _event(region="us-west-2"), CONTEXT) is None
    assert [r.getMessage() for r in caplog.records] == ["rejected event from another Region"]
    [record] = caplog.records
    assert (record.model, record.region) == ("BackupJobEvent", "us-west-2")  # type: ignore[attr-defined]


def test_another_regions_event_is_refused_and_counted() -> None:
    assert accept(BackupJobEvent, _event(region="eu-west-1"), CONTEXT) is None
    assert _rejections() == 1


def test_a_malformed_event_is_refused_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    event = _event(account="not-an-account", time=1_772_000_000)
    assert accept(BackupJobEvent, event, CONTEXT) is None
    assert _rejections() == 1
    assert [r.getMessage() for r in caplog.records] == ["rejected malformed event"]
    # which model, and the first field at fault with its path in the event
    [record] = caplog.records
    assert record.model == "BackupJobEvent"  # type: ignore[attr-defined]
    [error] = record.errors  # type: ignore[attr-defined]
    assert "$.account" in error or "$.time" in error


def test_a_refusal_is_counted_as_a_count() -> None:
    refuse("because")
    assert metrics.metric_set["EventsRejected"]["Unit"] == "Count"


def test_refuse_answers_the_rejected_outcome() -> None:
    assert refuse("because", detail="x") == REJECTED == {"outcome": "Rejected"}
    assert _rejections() == 1
    assert json.dumps(REJECTED)
