"""The notifier's pace and Slack retries in detail: how long a digest is held and why, which
attempt it is on, when it falls back to e-mail, and what one batch reports."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from backup_autopilot.logic.alerting.classify import Context, HeldDigest, Signal, classify
from backup_autopilot.logic.alerting.digest import build_digest
from backup_autopilot.logic.alerting.service import (
    MAX_DELAY,
    Delivery,
    Notifier,
    NotifySettings,
    PostOutcome,
    next_step,
)
from tests.alerting_fakes import FakeAlertStore, FakeChat, FakeClock, FakeEmail, FakeOutbox
from tests.conftest import EVENTS

CTX = Context(plan_names={})


def failure(i: int, job: str | None = None) -> Signal:
    raw = json.loads((EVENTS / "notify" / "alerts" / "backup_failed.json").read_text())
    raw["detail"]["resourceArn"] = f"arn:aws:dynamodb:us-east-1:123456789012:table/t{i:05d}"
    raw["detail"]["backupJobId"] = job or f"job-{i}"
    return classify(raw, CTX)


def success(i: int) -> Signal:
    raw = json.loads((EVENTS / "notify" / "alerts" / "backup_completed.json").read_text())
    raw["detail"]["resourceArn"] = f"arn:aws:dynamodb:us-east-1:123456789012:table/t{i:05d}"
    return classify(raw, CTX)


def make(
    chat: FakeChat | None = None, *, no_chat: bool = False, **settings: Any
) -> tuple[Notifier, dict[str, Any]]:
    parts: dict[str, Any] = {
        "store": FakeAlertStore(),
        "email": FakeEmail(),
        "outbox": FakeOutbox(),
        "chat": None if no_chat else (chat if chat is not None else FakeChat()),
        "clock": FakeClock(),
    }
    return Notifier(settings=NotifySettings(**settings), **parts), parts


def test_the_step_resets_exactly_one_base_after_the_turn_was_due() -> None:
    assert next_step(1000, 240, 1120, 120, 900) == 120
    assert next_step(1000, 240, 1119, 120, 900) == 480
    assert next_step(1000, None, 1001, 120, 900) == 120
    assert next_step(None, 240, 1001, 120, 900) == 120
    assert next_step(1000, 30, 1001, 120, 900) == 120  # never shorter than the base


def test_a_digest_held_for_the_pace_waits_until_the_turn_is_due() -> None:
    n, p = make()
    n.deliver([failure(1)])
    p["clock"].advance(100.5)
    report = n.deliver([failure(2)])
    assert report.held == 1 and (report.emails, report.slack_posts) == (0, 0)
    [(held, delay)] = p["outbox"].held
    assert delay == 20  # 19.5 s, rounded up
    assert held.reason == "pace" and held.attempt == 0
    assert held.email is not None and held.slack is not None and held.email.total == 1
    # remembered although held: the same failure is not told twice
    assert "backup-failed:arn:aws:dynamodb:us-east-1:123456789012:table/t00002" in p["store"].records


def test_without_slack_a_held_digest_carries_the_email_alone() -> None:
    n, p = make(no_chat=True)
    n.deliver([failure(1)])
    n.deliver([failure(2)])
    [(held, delay)] = p["outbox"].held
    assert held.slack is None and held.email is not None and delay == 120


def test_the_interval_is_at_least_a_second_and_never_past_the_longest() -> None:
    n, p = make(digest_interval=0, longest_interval=0)
    n.deliver([failure(1)])
    assert p["store"].step == 1.0
    n2, p2 = make(digest_interval=300, longest_interval=60)
    n2.deliver([failure(1)])
    p2["clock"].advance(300)
    n2.deliver([failure(2)])
    assert p2["store"].step == 300.0  # longest below the base: the base
    n3, p3 = make(digest_interval=100, longest_interval=1000)
    n3.deliver([failure(1)])
    p3["clock"].advance(100)
    n3.deliver([failure(2)])  # sent at once when allowed: a storm, the interval doubles
    assert p3["store"].step == 200.0


def test_held_digests_back_together_are_one_message_on_the_latest_slack_attempt() -> None:
    chat = FakeChat(outcomes=[PostOutcome(delivered=False, status=500, retryable=True, reason="500")])
    n, p = make(chat)
    seven = build_digest([failure(7).opening.notice])  # type: ignore[union-attr]
    eight = build_digest([failure(8).opening.notice])  # type: ignore[union-attr]
    held = [
        Signal(held=HeldDigest(email=None, slack=seven, attempt=3, reason="slack 500")),
        Signal(held=HeldDigest(email=seven, slack=None, attempt=5, reason="pace")),
        Signal(held=HeldDigest(email=eight, slack=eight, attempt=1, reason="pace")),
    ]
    report = n.deliver(held)
    assert (report.emails, report.notices, report.slack_retries) == (1, 0, 1)
    assert p["store"].calls == ["turn"]  # nothing to read or remember
    assert p["email"].sent[0][0] == "backup-autopilot: 2 critical: Backup job failed (2)"
    # the Slack part goes on from the latest Slack attempt (an e-mail-only part has none)
    [(again, delay)] = p["outbox"].held
    assert (again.attempt, delay, again.email) == (4, 240, None)
    assert again.slack is not None and again.slack.total == 2


def test_slacks_retry_after_is_at_least_a_second_and_its_attempt_counts() -> None:
    chat = FakeChat(
        outcomes=[PostOutcome(delivered=False, status=429, retry_after=0.2, reason="429 rate_limited")]
    )
    n, p = make(chat, digest_interval=1)
    report = n.deliver([failure(1)])
    assert report.slack_retries == 1 and report.held == 0
    [(held, delay)] = p["outbox"].held
    assert delay == 1 and held.reason == "slack 429 rate_limited" and held.attempt == 1
    assert p["store"].next_at == p["clock"].now + 1.0


def test_a_long_retry_after_is_held_no_longer_than_sqs_allows() -> None:
    chat = FakeChat(outcomes=[PostOutcome(delivered=False, status=429, retry_after=5000, reason="429")])
    n, p = make(chat)
    n.deliver([failure(1)])
    [(_, delay)] = p["outbox"].held
    assert delay == MAX_DELAY == 900
    assert p["store"].next_at == p["clock"].now + 5000


def test_a_slack_429_on_the_last_attempt_falls_back_to_email() -> None:
    chat = FakeChat(
        outcomes=[PostOutcome(delivered=False, status=429, retry_after=30, reason="429 rate_limited")]
    )
    n, p = make(chat, max_slack_attempts=2)
    digest = build_digest([failure(1).opening.notice])  # type: ignore[union-attr]
    report = n.deliver([Signal(held=HeldDigest(email=None, slack=digest, attempt=1, reason="slack 500"))])
    assert report.slack_fallbacks == 1 and report.fallback_reasons == ["429 rate_limited"]
    assert p["outbox"].held == []
    subject, _, attributes = p["email"].sent[0]
    assert subject == "backup-autopilot: not delivered to Slack (429 rate_limited): 1 alert(s)"
    assert attributes["kind"] == ["slack-fallback"] and attributes["severity"] == "critical"


def test_a_5xx_backs_off_from_thirty_seconds_doubling_up_to_sqss_limit() -> None:
    chat = FakeChat(outcomes=[PostOutcome(delivered=False, status=503, retryable=True, reason="503")])
    n, p = make(chat, max_slack_attempts=20)
    digest = build_digest([failure(1).opening.notice])  # type: ignore[union-attr]
    n.deliver([Signal(held=HeldDigest(email=None, slack=digest, attempt=3, reason="slack 503"))])
    [(held, delay)] = p["outbox"].held
    assert (held.attempt, delay, held.reason) == (4, 240, "slack 503")
    chat.outcomes.append(PostOutcome(delivered=False, status=503, retryable=True, reason="503"))
    p["outbox"].held.clear()
    p["clock"].advance(3600)
    n.deliver([Signal(held=HeldDigest(email=None, slack=digest, attempt=9, reason="slack 503"))])
    [(held, delay)] = p["outbox"].held
    assert (held.attempt, delay) == (10, 900)


def test_a_refusal_without_a_reason_falls_back_as_refused() -> None:
    chat = FakeChat(outcomes=[PostOutcome(delivered=False)])
    n, p = make(chat)
    report = n.deliver([failure(1)])
    assert report.fallback_reasons == ["refused"] and report.slack_retries == 0
    assert p["email"].sent[-1][0] == "backup-autopilot: not delivered to Slack (refused): 1 alert(s)"


def test_the_email_says_the_stack_and_the_repeat_window() -> None:
    n, p = make(stack_name="prod", repeat_window=dt.timedelta(hours=6))
    n.deliver([failure(1)])
    _, body, _ = p["email"].sent[0]
    assert "Sent by backup-autopilot (stack prod). An open alert is not repeated for 6 h" in body
    footer = p["chat"].posted[0][1][-1]["elements"][0]["text"]
    assert footer.startswith("backup-autopilot · stack prod · an open alert is not repeated for 6 h")


def test_a_resolution_is_sent_and_its_record_deleted() -> None:
    n, p = make()
    n.deliver([failure(1)])
    p["clock"].advance(3600)
    report = n.deliver([success(1)])
    assert (report.resolved, report.notices, report.emails) == (1, 1, 1)
    assert p["store"].records == {}
    assert p["email"].sent[-1][0].startswith("backup-autopilot: [resolved] Backup job failed: t00001")


def test_a_batch_of_nothing_touches_nothing() -> None:
    n, p = make()
    report = n.deliver([Signal(ignored="info")])
    assert report == Delivery() and p["store"].calls == []


def test_a_delivery_report_is_a_flat_record_for_logs() -> None:
    n, _ = make()
    data = n.deliver([failure(1), failure(2)]).to_dict()
    assert data == {
        "notices": 2,
        "opened": 2,
        "repeated": 0,
        "suppressed": 0,
        "duplicates": 0,
        "resolved": 0,
        "emails": 1,
        "slack_posts": 1,
        "held": 0,
        "slack_retries": 0,
        "slack_fallbacks": 0,
        "fallback_reasons": [],
    }


def test_the_real_clock_is_used_without_a_fake_one() -> None:
    import time

    store, email, outbox = FakeAlertStore(), FakeEmail(), FakeOutbox()
    n = Notifier(store=store, email=email, outbox=outbox)
    before = time.time()
    n.deliver([failure(1)])
    assert before <= store.next_at - 120 <= time.time()


def test_the_report_counts_repeats_and_suppressed_repeats() -> None:
    n, p = make()
    n.deliver([failure(1), failure(2)])
    p["clock"].advance(3600)
    report = n.deliver([failure(1, "job-again")])
    assert (report.suppressed, report.repeated) == (1, 0)
    p["clock"].advance(25 * 3600)
    report = n.deliver([failure(2, "job-later")])
    assert (report.repeated, report.notices, report.emails) == (1, 1, 1)


def test_half_a_second_before_the_turn_the_digest_is_still_held() -> None:
    n, p = make()
    n.deliver([failure(1)])
    p["clock"].advance(119.5)
    report = n.deliver([failure(2)])
    assert report.held == 1 and report.emails == 0
    assert [delay for _, delay in p["outbox"].held] == [1]


def test_a_slack_retry_held_again_for_the_pace_keeps_its_attempt_and_no_empty_email() -> None:
    n, p = make()
    n.deliver([failure(1)])  # takes the turn
    digest = build_digest([failure(2).opening.notice])  # type: ignore[union-attr]
    n.deliver([Signal(held=HeldDigest(email=None, slack=digest, attempt=3, reason="slack 500"))])
    [(held, _)] = p["outbox"].held
    assert (held.attempt, held.reason, held.email) == (3, "pace", None)
    assert held.slack is not None and held.slack.total == 1


def test_an_email_only_digest_held_for_the_pace_has_no_empty_slack_part() -> None:
    n, p = make()
    n.deliver([failure(1)])
    digest = build_digest([failure(2).opening.notice])  # type: ignore[union-attr]
    n.deliver([Signal(held=HeldDigest(email=digest, slack=None, attempt=0, reason="pace"))])
    [(held, _)] = p["outbox"].held
    assert held.slack is None and held.email is not None


def test_the_fallback_email_names_the_stack() -> None:
    chat = FakeChat(outcomes=[PostOutcome(delivered=False, status=404, reason="404 channel_not_found")])
    n, p = make(chat, stack_name="prod")
    n.deliver([failure(1)])
    _, body, _ = p["email"].sent[-1]
    assert body.startswith("Slack refused this message (404 channel_not_found)")
    assert "Sent by backup-autopilot (stack prod)." in body
