"""The notifier with in-memory ports: pace, held digests, Slack's answers, SNS failing."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from backup_autopilot.logic.alerting.classify import Context, Signal, classify
from backup_autopilot.logic.alerting.service import Notifier, NotifySettings, PostOutcome
from tests.alerting_fakes import FakeAlertStore, FakeChat, FakeClock, FakeEmail, FakeOutbox
from tests.conftest import EVENTS

if TYPE_CHECKING:
    import datetime as dt

CTX = Context(plan_names={})


def failure(i: int, when: dt.datetime | None = None) -> Signal:
    raw = json.loads((EVENTS / "notify" / "alerts" / "backup_failed.json").read_text())
    raw["detail"]["resourceArn"] = f"arn:aws:dynamodb:us-east-1:123456789012:table/t{i:05d}"
    raw["detail"]["backupJobId"] = f"job-{i}"
    if when is not None:
        raw["time"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return classify(raw, CTX)


def notifier(chat: FakeChat | None = None, **settings: Any) -> tuple[Notifier, dict[str, Any]]:
    parts: dict[str, Any] = {
        "store": FakeAlertStore(),
        "email": FakeEmail(),
        "outbox": FakeOutbox(),
        "chat": chat if chat is not None else FakeChat(),
        "clock": FakeClock(),
    }
    n = Notifier(settings=NotifySettings(**settings), **parts)
    return n, parts


def held_signals(outbox: FakeOutbox) -> list[Signal]:
    signals = [Signal(held=held) for held, _ in outbox.held]
    outbox.held.clear()
    return signals


def test_one_failure_is_one_email_and_one_slack_post() -> None:
    n, p = notifier()
    report = n.deliver([failure(1)])
    assert (report.emails, report.slack_posts, report.held) == (1, 1, 0)
    subject, body, attributes = p["email"].sent[0]
    assert subject == "backup-autopilot: [critical] Backup job failed: t00001"
    assert attributes["severity"] == "critical" and attributes["kind"] == ["backup-failed"]
    assert "Console: https://us-east-1.console.aws.amazon.com/backup/home" in body
    assert p["store"].calls == ["load", "turn", "save"]  # one read, one turn, one write per batch


def test_a_storm_in_ten_batches_at_once_is_one_post_then_one_held_digest() -> None:
    n, p = notifier()
    for batch in range(10):
        n.deliver([failure(batch * 100 + i) for i in range(100)])
    assert len(p["chat"].posted) == 1 and len(p["email"].sent) == 1
    assert len(p["outbox"].held) == 9 and {delay for _, delay in p["outbox"].held} == {120}
    # the held digests come back together, after the turn: one more post counting every failure
    p["clock"].advance(150)
    n.deliver(held_signals(p["outbox"]))
    assert len(p["chat"].posted) == 2 and len(p["email"].sent) == 2
    assert "900 critical" in p["chat"].posted[1][0] and "900 critical" in p["email"].sent[1][0]


def test_slack_429_is_delivered_later_once_and_holds_every_post_meanwhile() -> None:
    chat = FakeChat(
        outcomes=[PostOutcome(delivered=False, status=429, retry_after=30, reason="429 rate_limited")]
    )
    n, p = notifier(chat, digest_interval=1)
    n.deliver([failure(1)])
    assert len(p["email"].sent) == 1 and chat.posted == []
    [(held, delay)] = p["outbox"].held
    assert delay == 30 and held.email is None and held.slack is not None and held.attempt == 1
    # nobody posts before Retry-After: a new failure 5 s later is held too
    p["clock"].advance(5)
    n.deliver([failure(2)])
    assert chat.posted == [] and len(p["outbox"].held) == 2
    p["clock"].advance(30)
    n.deliver(held_signals(p["outbox"]))
    assert len(chat.posted) == 1 and len(chat.attempts) == 2
    assert "2 critical" in chat.posted[0][0]
    assert len(p["email"].sent) == 2  # the failure held by the pace was e-mailed once, now


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, "channel_not_found"),
        (410, "channel_is_archived"),
        (403, "action_prohibited"),
        (400, "invalid_payload"),
    ],
)
def test_slack_refusals_fall_back_to_sns_without_retry(status: int, body: str) -> None:
    chat = FakeChat(outcomes=[PostOutcome(delivered=False, status=status, reason=f"{status} {body}")])
    n, p = notifier(chat)
    report = n.deliver([failure(1)])
    assert report.slack_fallbacks == 1 and p["outbox"].held == [] and len(chat.attempts) == 1
    (_, _, _), (subject, message, attributes) = p["email"].sent
    assert subject.startswith(f"backup-autopilot: not delivered to Slack ({status} {body})")
    assert attributes["kind"] == ["slack-fallback"] and "Backup job failed" in message


def test_slack_5xx_is_retried_with_growing_delays_then_falls_back() -> None:
    chat = FakeChat(
        outcomes=[PostOutcome(delivered=False, status=500, retryable=True, reason="500 rollup_error")] * 3
    )
    n, p = notifier(chat, max_slack_attempts=3, digest_interval=1)
    n.deliver([failure(1)])
    delays = []
    for _ in range(2):
        [(_, delay)] = p["outbox"].held
        delays.append(delay)
        p["clock"].advance(delay)
        report = n.deliver(held_signals(p["outbox"]))
    assert delays == [30, 60]
    assert report.slack_fallbacks == 1 and chat.posted == []
    assert [s for s, _, _ in p["email"].sent][-1].startswith("backup-autopilot: not delivered to Slack (500")


def test_sns_failing_raises_and_remembers_nothing() -> None:
    n, p = notifier()
    p["email"].fail = True
    with pytest.raises(RuntimeError):
        n.deliver([failure(1)])
    assert p["store"].records == {} and p["chat"].posted == []
    # once SNS is back the same batch is told, once
    p["email"].fail = False
    p["clock"].advance(400)
    n.deliver([failure(1)])
    assert len(p["email"].sent) == 1 and len(p["chat"].posted) == 1


def test_without_slack_the_email_alone_goes_out() -> None:
    store, email, outbox = FakeAlertStore(), FakeEmail(), FakeOutbox()
    n = Notifier(store=store, email=email, outbox=outbox, chat=None, clock=FakeClock())
    report = n.deliver([failure(1)])
    assert report.emails == 1 and report.slack_posts == 0


def test_nothing_new_sends_nothing_and_takes_no_turn() -> None:
    n, p = notifier()
    n.deliver([failure(1)])
    p["clock"].advance(3600)
    report = n.deliver([failure(1)])  # the same job again: a duplicate
    assert report.duplicates == 1 and len(p["email"].sent) == 1
    assert p["store"].calls.count("turn") == 1


def test_the_digest_interval_doubles_while_a_storm_lasts_and_resets_after_a_quiet_spell() -> None:
    from backup_autopilot.logic.alerting.service import next_step

    assert next_step(None, None, 1000, 120, 900) == 120  # the first digest
    assert next_step(1000, 120, 1030, 120, 900) == 240  # 30 s after it was allowed: a storm
    assert next_step(1000, 480, 1010, 120, 900) == 900  # never past the longest
    assert next_step(1000, 480, 1200, 120, 900) == 120  # quiet for longer than the base: reset
