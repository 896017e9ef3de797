"""Alerting's pure parts: classification, memory across batches, digests and rendering.

Every alert kind renders: its Block Kit and its e-mail text are compared with a snapshot under
tests/unit/logic/snapshots/alerting/ (``UPDATE_SNAPSHOTS=1`` rewrites them; review the diff).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backup_autopilot.logic.alerting import render
from backup_autopilot.logic.alerting.classify import (
    Context,
    HeldDigest,
    RejectedEvent,
    Signal,
    classify,
    classify_body,
)
from backup_autopilot.logic.alerting.digest import LISTED, build_digest, merge
from backup_autopilot.logic.alerting.memory import AlertRecord, decide
from backup_autopilot.models.alerts import Level
from tests.conftest import EVENTS, scaled

SNAPSHOTS = Path(__file__).parent / "snapshots" / "alerting"
CTX = Context(plan_names={"b7d1c0de-0000-4000-8000-000000000001": "daily"})
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(hours=24)
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


def event(case: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / "notify" / "alerts" / f"{case}.json").read_text())
    return data


def signal(case: str) -> Signal:
    return classify(event(case), CTX)


# -- classification --------------------------------------------------------------------------------
OPENS = {
    "backup_failed": ("backup-failed", Level.CRITICAL, f"backup-failed:{TABLE}"),
    "backup_expired": ("backup-expired", Level.CRITICAL, f"backup-expired:{TABLE}"),
    "backup_aborted": ("backup-aborted", Level.CRITICAL, f"backup-aborted:{TABLE}"),
    "backup_partial": ("backup-partial", Level.CRITICAL, f"backup-partial:{TABLE}"),
    "backup_completed_with_issues": ("backup-issues", Level.WARNING, f"backup-issues:{TABLE}"),
    "copy_failed_raw": ("copy-failed", Level.CRITICAL, None),
    "copy_completed_with_issues": ("copy-issues", Level.WARNING, None),
    "restore_failed": ("restore-failed", Level.CRITICAL, f"restore-failed:{TABLE}"),
    "assignment_rejected": ("assignment-rejected", Level.CRITICAL, f"assignment-rejected:{TABLE}"),
    "protection_removed": ("protection-removed", Level.WARNING, f"protection-removed:{TABLE}"),
    "resource_protected_with_warnings": ("protected-warnings", Level.WARNING, None),
    "copy_failed": ("copy-failed", Level.CRITICAL, None),
    "copy_skipped_needs_action": ("copy-skipped", Level.WARNING, None),
    "copy_destination_rejected": ("copy-destination-rejected", Level.WARNING, None),
    "selection_not_matching": ("selection-not-matching", Level.CRITICAL, None),
    "restore_test_failed": ("restore-test-failed", Level.CRITICAL, f"restore-test-failed:{TABLE}"),
    "restore_test_leftover": ("restore-test-leftover", Level.WARNING, None),
    "restore_test_report": ("restore-test-report", Level.WARNING, None),
    "coverage_report_warning": ("coverage-report", Level.WARNING, None),
}
IGNORED = ["restore_test_job_failed", "copy_skipped_by_design", "reconcile_continuation"]
RESOLVES = {
    "backup_completed": [
        f"backup-failed:{TABLE}",
        "selection-not-matching:b7d1c0de-0000-4000-8000-000000000001",
    ],
    "copy_completed": ["copy-failed:arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0>"],
    "restore_test_passed": [f"restore-test-failed:{TABLE}"],
    "resource_protected": [f"assignment-rejected:{TABLE}", f"protection-removed:{TABLE}"],
    "coverage_report_info": ["coverage-report:123456789012:us-east-1"],
}


@pytest.mark.parametrize("case", sorted(OPENS))
def test_each_alert_kind_opens_with_its_kind_level_and_key(case: str) -> None:
    kind, level, key = OPENS[case]
    s = signal(case)
    assert s.opening is not None
    assert (s.opening.notice.kind, s.opening.notice.level) == (kind, level)
    if key:
        assert s.opening.notice.key == key


@pytest.mark.parametrize("case", IGNORED)
def test_info_internal_and_by_design_events_alert_nobody(case: str) -> None:
    s = signal(case)
    assert s.opening is None and s.resolution is None and s.ignored


@pytest.mark.parametrize("case", sorted(RESOLVES))
def test_successes_resolve_the_keys_of_their_resource(case: str) -> None:
    s = signal(case)
    assert s.resolution is not None and s.opening is None
    for wanted in RESOLVES[case]:
        assert any(key.startswith(wanted) for key in s.resolution.keys), (wanted, s.resolution.keys)


def test_raw_copy_failure_and_copy_failed_share_key_and_occurrence() -> None:
    # copy_outcome's classified Copy Failed and AWS's own event are one failure: one alert
    raw, classified = signal("copy_failed_raw").opening, signal("copy_failed").opening
    assert raw is not None and classified is not None
    assert raw.notice.key == classified.notice.key
    assert raw.occurrence == classified.occurrence
    decision = decide([signal("copy_failed_raw"), signal("copy_failed")], {}, now=NOW, repeat_window=DAY)
    assert len(decision.notices) == 1 and decision.duplicates == 1


def test_completed_with_issues_resolves_the_failure_and_opens_its_own() -> None:
    s = signal("backup_completed_with_issues")
    assert s.opening is not None and s.resolution is not None
    assert f"backup-failed:{TABLE}" in s.resolution.keys
    assert s.opening.notice.key not in s.resolution.keys


def test_plan_ids_read_as_the_stacks_plan_names() -> None:
    opening = signal("backup_failed").opening
    assert opening is not None and opening.notice.plan == "daily"


@pytest.mark.parametrize(
    "raw",
    [
        {"source": "my.app", "detail-type": "X", "detail": {}},
        {"source": "aws.backup", "detail-type": "Backup Job State Change", "detail": {"state": "FAILED"}},
        {"source": "backup-autopilot", "detail-type": "Copy Failed", "detail": {"severity": "loud"}},
        {"source": "backup-autopilot.notify", "detail-type": "Held Digest", "detail": None},
    ],
)
def test_malformed_or_unknown_events_are_rejected(raw: dict[str, Any]) -> None:
    with pytest.raises(RejectedEvent):
        classify(raw, CTX)


def test_held_digest_round_trips_through_its_message_body() -> None:
    digest = build_digest([signal("backup_failed").opening.notice])  # type: ignore[union-attr]
    held = HeldDigest(email=digest, slack=digest, attempt=2, reason="slack 429")
    back = classify_body(held.to_body(), CTX).held
    assert back == held


@pytest.mark.fuzz
@settings(max_examples=scaled(300), deadline=None)
@given(
    body=st.one_of(
        st.text(),
        st.dictionaries(
            st.sampled_from(["source", "detail-type", "detail", "id", "time", "account", "region", "x"]),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
                max_leaves=12,
            ),
            max_size=8,
        ).map(json.dumps),
    )
)
def test_any_message_body_is_classified_or_rejected_never_raises_otherwise(body: str) -> None:
    with contextlib.suppress(RejectedEvent):
        classify_body(body, CTX)


# -- memory ----------------------------------------------------------------------------------------
def _failure_at(when: dt.datetime, job: str) -> Signal:
    raw = event("backup_failed")
    raw["time"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    raw["detail"]["backupJobId"] = job
    return classify(raw, CTX)


def _success_at(when: dt.datetime) -> Signal:
    raw = event("backup_completed")
    raw["time"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return classify(raw, CTX)


def _run(batches: list[tuple[dt.datetime, list[Signal]]]) -> tuple[list[Any], dict[str, AlertRecord]]:
    records: dict[str, AlertRecord] = {}
    told = []
    for now, signals in batches:
        decision = decide(signals, records, now=now, repeat_window=DAY)
        told.extend(decision.notices)
        records.update(decision.save)
        for key in decision.delete:
            records.pop(key, None)
    return told, records


def test_the_same_failure_every_hour_for_a_day_is_one_message_and_one_resolved() -> None:
    start = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)
    batches = [
        (start + dt.timedelta(hours=h, seconds=30), [_failure_at(start + dt.timedelta(hours=h), f"job-{h}")])
        for h in range(24)
    ]
    batches.append(
        (start + dt.timedelta(hours=24, seconds=30), [_success_at(start + dt.timedelta(hours=24))])
    )
    told, records = _run(batches)
    assert [n.level for n in told] == [Level.CRITICAL, Level.RESOLVED]
    resolved = told[1]
    assert resolved.occurrences == 24 and resolved.open_minutes == 24 * 60
    assert "open 24 h 0 min" in resolved.what and "24 times" in resolved.what
    assert records == {}


def test_an_open_alert_is_told_again_after_the_window_with_its_count() -> None:
    start = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)
    batches = [
        (start + dt.timedelta(hours=h, seconds=30), [_failure_at(start + dt.timedelta(hours=h), f"job-{h}")])
        for h in (0, 1, 2, 25)
    ]
    told, records = _run(batches)
    assert len(told) == 2
    assert told[1].occurrences == 4 and told[1].opened is not None
    assert render.since(told[1]) == "still open: 4 times since 2026-03-02 05:00 UTC"
    assert records[told[0].key].untold == 0


def test_a_duplicate_delivery_is_neither_told_nor_counted() -> None:
    failure = _failure_at(NOW, "job-1")
    told, records = _run([(NOW, [failure]), (NOW + dt.timedelta(minutes=5), [failure])])
    assert len(told) == 1
    assert records[told[0].key].occurrences == 1


def test_a_success_older_than_the_last_failure_resolves_nothing() -> None:
    told, records = _run(
        [
            (NOW, [_failure_at(NOW, "job-1")]),
            (NOW + dt.timedelta(minutes=5), [_success_at(NOW - dt.timedelta(hours=1))]),
        ]
    )
    assert [n.level for n in told] == [Level.CRITICAL]
    assert len(records) == 1


def test_failed_and_recovered_in_one_batch_is_one_resolved_notice() -> None:
    decision = decide(
        [_success_at(NOW + dt.timedelta(minutes=10)), _failure_at(NOW, "job-1")],
        {},
        now=NOW,
        repeat_window=DAY,
    )
    assert [n.level for n in decision.notices] == [Level.RESOLVED]
    assert decision.notices[0].open_minutes == 10 and not decision.save


def test_a_success_without_an_open_alert_is_silent() -> None:
    decision = decide([_success_at(NOW)], {}, now=NOW, repeat_window=DAY)
    assert decision.notices == [] and not decision.save and not decision.delete


def test_a_report_is_sent_once_and_never_resolved_or_repeated() -> None:
    report = signal("restore_test_report")
    told, records = _run([(NOW, [report]), (NOW + 2 * DAY, [report])])
    assert len(told) == 1 and records[told[0].key].report


# -- digests ---------------------------------------------------------------------------------------
def test_a_storm_is_grouped_by_kind_and_plan_listing_the_first_and_counting_all() -> None:
    failures = [_failure_at(NOW, f"job-{i}") for i in range(1)]
    notices = []
    for i in range(300):
        raw = event("backup_failed")
        raw["detail"]["resourceArn"] = f"arn:aws:dynamodb:us-east-1:123456789012:table/t{i:03d}"
        raw["detail"]["backupJobId"] = f"job-{i}"
        if i % 3 == 0:
            del raw["detail"]["createdBy"]  # an on-demand job: no plan
        opening = classify(raw, CTX).opening
        assert opening is not None
        notices.append(opening.notice)
    assert failures
    digest = build_digest(notices)
    assert [(g.plan, g.count, len(g.items)) for g in digest.groups] == [
        (None, 100, LISTED),
        ("daily", 200, LISTED),
    ]
    merged = merge([digest, digest])
    assert merged.total == 600 and all(len(g.items) == LISTED for g in merged.groups)
    blocks = render.slack_blocks(merged)
    assert len(blocks) <= 50
    assert "... and 195 more backup job failed" in json.dumps([b.to_dict() for b in blocks])


# -- rendering: every kind, snapshots --------------------------------------------------------------
def _resolved(case: str, opener: str) -> Any:
    opened = signal(opener)
    assert opened.opening is not None
    first = decide([opened], {}, now=NOW - dt.timedelta(days=2), repeat_window=DAY)
    success = signal(case)
    assert success.resolution is not None
    later = dt.datetime.fromisoformat(success.resolution.time.replace("Z", "+00:00")) + dt.timedelta(days=30)
    decision = decide([success], first.save, now=later, repeat_window=DAY)
    return decision.notices


RENDERED: dict[str, str | None] = {
    **dict.fromkeys(OPENS),
    "backup_completed": "backup_failed",
    "copy_completed": "copy_failed_raw",
}
RENDERED |= {"restore_test_passed": "restore_test_failed", "resource_protected": "assignment_rejected"}
RENDERED |= {"coverage_report_info": "coverage_report_warning"}


def _snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed (UPDATE_SNAPSHOTS=1 to accept)"


@pytest.mark.parametrize("case", sorted(RENDERED))
def test_every_alert_kind_renders_its_block_kit_and_email_text(case: str) -> None:
    opener = RENDERED[case]
    if opener is None:
        opening = signal(case).opening
        assert opening is not None
        notices = [opening.notice]
    else:
        notices = _resolved(case, opener)
        assert [n.level for n in notices] == [Level.RESOLVED]
    digest = build_digest(notices)
    blocks = [block.to_dict() for block in render.slack_blocks(digest, stack="backup-autopilot")]
    slack = {"text": render.slack_text(digest), "blocks": blocks}
    email = "\n".join(
        [
            f"Subject: {render.subject(digest)}",
            f"Attributes: {json.dumps(render.attributes(digest), sort_keys=True)}",
            "",
            render.email_text(digest, stack="backup-autopilot"),
        ]
    )
    _snapshot(f"{case}.slack.json", json.dumps(slack, indent=1, sort_keys=True) + "\n")
    _snapshot(f"{case}.email.txt", email + "\n")
    # what a person needs: the resource, what happened, and (for an alert) why, what to do, a link
    notice = notices[0]
    assert notice.what and len(render.subject(digest)) < 100 and render.subject(digest).isascii()
    if notice.level is not Level.RESOLVED and notice.kind != "restore-test-report":
        assert notice.fix, case
        assert notice.link and notice.link.startswith("https://"), case
    assert len(blocks) <= 50


# -- untrusted text --------------------------------------------------------------------------------
HOSTILE = "<!channel> *pwned* <https://evil.example/x|click here> http://evil.example & www.evil.example"


def test_untrusted_text_is_never_markup_or_a_link_in_slack_or_email() -> None:
    raw = event("backup_failed")
    raw["detail"]["statusMessage"] = HOSTILE
    raw["detail"]["resourceArn"] = "arn:aws:dynamodb:us-east-1:123456789012:table/<!here>"
    opening = classify(raw, CTX).opening
    assert opening is not None
    digest = build_digest([opening.notice])
    blocks = [b.to_dict() for b in render.slack_blocks(digest)]
    for block in blocks:
        for text in _texts(block):
            if text.get("type") == "mrkdwn":
                assert "evil" not in text["text"] and "<!" not in text["text"], text
            if "evil" in text.get("text", ""):
                assert text["type"] == "plain_text"
                assert "https://evil" not in text["text"] and "http://evil" not in text["text"]
                assert "hxxp://evil.example" in text["text"] and "www[.]evil" in text["text"]
    buttons = [b["accessory"]["url"] for b in blocks if b.get("accessory")]
    assert buttons and all("evil" not in url for url in buttons)
    assert "&lt;!here&gt;" in render.slack_text(digest) and "<!here>" not in render.slack_text(digest)
    body = render.email_text(digest)
    assert "http://evil" not in body and "https://evil" not in body and "hxxps://evil.example/x" in body


def _texts(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") in {"plain_text", "mrkdwn"} and "text" in node:
            found.append(node)
        for value in node.values():
            found.extend(_texts(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_texts(value))
    return found


def test_control_characters_are_dropped_and_long_text_is_bounded() -> None:
    assert render.clean("a\x00b\u202ec\x1b[31m", 100) == "abc[31m"
    assert len(render.clean("x" * 10_000, 600)) == 600


# -- restore events as AWS sends them: FAILED names no resource; the job does ---------------------------
RESTORE_ROLE = "arn:aws:iam::123456789012:role/backup-autopilot-RestoreTestRole"


def _restore_failed_as_aws_sends_it(
    role: str = "arn:aws:iam::123456789012:role/ops-restores",
) -> dict[str, Any]:
    """The devguide's FAILED restore event: no vault, recovery point or source resource."""
    raw = event("restore_failed")
    for key in ("sourceResourceArn", "recoveryPointArn", "backupVaultArn"):
        raw["detail"].pop(key, None)
    raw["detail"].update({"iamRoleArn": role, "backupSizeInBytes": "0"})
    return raw


def _job(testing_plan_arn: str | None = None) -> Any:
    from backup_autopilot.logic.restore_tests.facts import RestoreJob

    return RestoreJob(
        job_id="7D3F0000-AAAA-4BBB-8CCC-000000000001",
        status="FAILED",
        resource_type="DynamoDB",
        source_resource_arn=TABLE,
        testing_plan_arn=testing_plan_arn,
    )


def test_a_failed_restore_event_without_its_resource_keeps_the_resource_line() -> None:
    described: list[str] = []

    def describe(job_id: str) -> Any:
        described.append(job_id)
        return _job()

    ctx = Context(plan_names={}, restore_role_arn=RESTORE_ROLE, describe_restore=describe)
    opened = classify(_restore_failed_as_aws_sends_it(), ctx).opening
    assert opened is not None
    assert described == ["7D3F0000-AAAA-4BBB-8CCC-000000000001"]
    assert opened.notice.key == f"restore-failed:{TABLE}"
    assert (opened.notice.resource_name, opened.notice.resource_type) == ("orders", "DynamoDB")
    assert "Table already exists" in (opened.notice.why or "")
    # without the Describe (the job is gone), the alert still opens, keyed by the job
    bare = classify(
        _restore_failed_as_aws_sends_it(), Context(plan_names={}, describe_restore=lambda _: None)
    )
    assert bare.opening is not None and bare.opening.notice.key.startswith("restore-failed:7D3F0000")


def test_a_restore_tests_failed_job_is_left_to_validate_restore_whatever_the_event_lacks() -> None:
    calls: list[str] = []

    def describe(job_id: str) -> Any:
        calls.append(job_id)
        return _job(testing_plan_arn="arn:aws:backup:us-east-1:123456789012:restore-testing-plan:weekly")

    # the stack's own restore-test role (its on-demand first tests and the plan's jobs): no Describe
    ctx = Context(plan_names={}, restore_role_arn=RESTORE_ROLE, describe_restore=describe)
    assert classify(_restore_failed_as_aws_sends_it(RESTORE_ROLE), ctx).ignored
    assert calls == []
    # another role, but the job was created by a restore testing plan: the Describe says so
    assert classify(_restore_failed_as_aws_sends_it(), ctx).ignored
    assert len(calls) == 1
