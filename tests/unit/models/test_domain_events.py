"""Every domain event is validated against its detail-type's model before it is acted on."""

from __future__ import annotations

import pytest

from backup_autopilot.models.base import Invalid
from backup_autopilot.models.domain_events import (
    DOMAIN_EVENT_MODELS,
    MAX_DETAIL_BYTES,
    UnknownDomainEvent,
    detail_extras,
    parse_domain_detail,
)


def test_an_unknown_detail_type_is_refused() -> None:
    with pytest.raises(UnknownDomainEvent):
        parse_domain_detail("Totally Legit Alert", {"summary": "s"})


@pytest.mark.parametrize(
    ("detail_type", "detail"),
    [
        ("Copy Skipped", {"summary": "s"}),  # no reason
        ("Assignment Rejected", {"summary": "s", "reason": "r" * 5000}),  # too long
        ("Resource Protected", {"summary": "s", "plan": "daily", "warnings": ["w"] * 101}),  # too many
        (
            "Request Refused",
            {"summary": "s", "extra": {"deep": {"deeper": {"deepest": {"x": [1]}}}}},
        ),  # too deep
        ("Coverage Report", {"summary": "s", "blob": "x" * (MAX_DETAIL_BYTES + 1)}),  # too big
        ("Restore Test Failed", {"summary": "", "reasons": []}),  # empty summary
        ("Plan Rejected", "not an object"),
        ("Reconcile Continuation", {"summary": "s", "run_id": "r 1", "token": "t", "pages": 1}),  # bad id
    ],
)
def test_a_detail_that_does_not_fit_its_model_is_refused(detail_type: str, detail: object) -> None:
    with pytest.raises(Invalid):
        parse_domain_detail(detail_type, detail)


def test_extras_are_every_field_but_the_common_ones() -> None:
    raw = {"severity": "warning", "summary": "s", "reason": "COLD", "dedupe_key": "k", "n": 3}
    extras = detail_extras(parse_domain_detail("Copy Skipped", raw), raw)
    assert extras == {
        "reason": "COLD",
        "n": 3,
        "recovery_point": None,
        "copy_job_id": None,
        "destination_vault_arn": None,
    }


def test_every_detail_type_the_stack_publishes_has_a_model() -> None:
    assert {
        "Resource Protected",
        "Assignment Rejected",
        "Protection Removed",
        "Copy Started",
        "Copy Skipped",
        "Copy Failed",
        "Copy Destination Rejected",
        "Selection Not Matching",
        "Restore Test Passed",
        "Restore Test Failed",
        "Restore Test Leftover",
        "Restore Test Report",
        "Coverage Report",
        "Request Refused",
        "Plan Rejected",
        "Reconcile Continuation",
    } == set(DOMAIN_EVENT_MODELS)
