"""Alert decisions and digests (pure logic)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backup_autopilot.logic.alerts import RejectedEvent, alert_from_event, build_digest
from backup_autopilot.logic.notify import plan_batch
from backup_autopilot.models.alerts import Severity
from tests.conftest import load_event, scaled


def _events(case: str) -> list[dict]:
    return [json.loads(r["body"]) for r in load_event(f"notify/{case}.json")["Records"]]


def test_failed_backup_job_becomes_critical_alert_naming_resource_and_reason() -> None:
    # GIVEN a real-shaped FAILED backup job event
    event = _events("backup_job_failed")[0]
    # WHEN alerting looks at it
    alert = alert_from_event(event)
    # THEN it is critical, names the resource and AWS's reason
    assert alert is not None
    assert alert.severity is Severity.CRITICAL
    assert alert.resource == "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
    assert "Insufficient privileges" in alert.detail


def test_completed_backup_without_message_is_not_alerted() -> None:
    event = _events("backup_job_failed")[0]
    event["detail"]["state"] = "COMPLETED"
    event["detail"]["statusMessage"] = ""
    assert alert_from_event(event) is None


def test_completed_with_issues_is_a_warning() -> None:
    event = _events("backup_job_failed")[0]
    event["detail"]["state"] = "COMPLETED"
    event["detail"]["statusMessage"] = "Some files were skipped"
    alert = alert_from_event(event)
    assert alert is not None and alert.severity is Severity.WARNING


def test_restore_failure_uses_status_key() -> None:
    event = {
        "version": "0",
        "id": "e1",
        "detail-type": "Restore Job State Change",
        "source": "aws.backup",
        "account": "123456789012",
        "time": "2026-03-02T05:41:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "restoreJobId": "R1",
            "status": "FAILED",
            "statusMessage": "Table already exists",
            "sourceResourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
        },
    }
    alert = alert_from_event(event)
    assert alert is not None
    assert alert.title == "Restore job failed"
    assert alert.resource == "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


def test_copy_failure_with_empty_destination_point_is_parsed() -> None:
    copy_event = _events("burst_with_duplicates")[2]
    alert = alert_from_event(copy_event)
    assert alert is not None
    assert "key ID is not accessible" in alert.detail


def test_unknown_source_is_rejected() -> None:
    with pytest.raises(RejectedEvent):
        alert_from_event({"source": "my.app", "detail-type": "X", "detail": {}})


def test_duplicates_in_a_burst_become_one_digest_entry() -> None:
    # GIVEN the same failure delivered twice plus a copy failure
    plan = plan_batch(
        (r["messageId"], r["body"]) for r in load_event("notify/burst_with_duplicates.json")["Records"]
    )
    # THEN one digest with two distinct alerts, every message accepted
    assert plan.digest is not None
    assert len(plan.digest.alerts) == 2
    assert len(plan.accepted) == 3 and not plan.rejected
    assert plan.digest.subject == "backup-autopilot: 2 critical"


def test_malformed_messages_are_rejected_and_valid_ones_kept() -> None:
    plan = plan_batch(
        (r["messageId"], r["body"]) for r in load_event("notify/malformed_and_valid.json")["Records"]
    )
    assert set(plan.rejected) == {
        "0a1b2c3d-0000-4000-8000-000000000021",
        "0a1b2c3d-0000-4000-8000-000000000022",
    }
    assert plan.accepted == ["0a1b2c3d-0000-4000-8000-000000000023"]
    assert plan.digest is not None and len(plan.digest.alerts) == 1


def test_digest_subject_fits_sns_limit() -> None:
    event = _events("backup_job_failed")[0]
    alert = alert_from_event(event)
    assert alert is not None
    long_alert = alert.model_copy(update={"title": "x" * 300})
    digest = build_digest([long_alert])
    assert digest is not None and len(digest.subject) <= 100


@pytest.mark.fuzz
@settings(max_examples=scaled(300), deadline=None)
@given(
    body=st.one_of(
        st.text(),
        st.binary().map(lambda b: b.decode("latin-1")),
        st.dictionaries(
            st.text(max_size=20),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
                max_leaves=12,
            ),
            max_size=8,
        ).map(json.dumps),
    )
)
def test_any_message_body_is_accepted_or_rejected_never_raises(body: str) -> None:
    plan = plan_batch([("m1", body)])
    assert ("m1" in plan.rejected) != ("m1" in plan.accepted)
