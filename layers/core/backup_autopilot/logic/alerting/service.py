"""The notifier: one batch of signals into at most one e-mail and one Slack post, at the stack's pace.

For a batch (the SQS batching window turns a burst into one), :meth:`Notifier.deliver`:

1. reads the open alerts of the batch's keys (one batched read) and decides what is new,
   repeated past the window, suppressed, duplicated or resolved (:mod:`.memory`);
2. merges the new notices with the digests held earlier and now back from the queue;
3. takes the turn (a conditional write on one item of the state table): at most one digest per
   ``digest_interval`` (at least one second: Slack's limit for a webhook) across every concurrent
   invocation, the interval doubling while a storm lasts (:func:`next_step`). Without the turn,
   the digest is held: sent back to the queue, delayed until the turn is due, and merged there
   with what arrives meanwhile (a storm becomes a few digests);
4. publishes the e-mail (SNS) and posts to Slack. SNS failing raises: nothing was remembered, the
   batch returns to the queue (then the DLQ). Slack answering 429 holds the Slack part for
   ``Retry-After`` and keeps every invocation from posting before then; a 5xx or a network error
   holds it for a growing delay; a refusal that no retry can change (400, 403, 404, 410), or too
   many attempts, sends the digest to SNS instead (a fallback, counted by a metric with an alarm);
5. remembers the decision (one batched write) only after all of this, so a failed delivery is
   retried whole rather than forgotten.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any, Protocol

from msgspec import Struct, field, structs

from backup_autopilot.logic.alerting import render
from backup_autopilot.logic.alerting.classify import HeldDigest
from backup_autopilot.logic.alerting.digest import build_digest, merge
from backup_autopilot.logic.alerting.memory import decide, keys_of

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping

    from backup_autopilot.logic.alerting.classify import Signal
    from backup_autopilot.logic.alerting.memory import AlertRecord
    from backup_autopilot.models.alerts import Digest

#: SQS's longest message delay
MAX_DELAY = 900


class AlertStorePort(Protocol):
    def load_alerts(self, keys: Collection[str]) -> dict[str, AlertRecord]: ...

    def save_alerts(self, records: Iterable[AlertRecord], deleted: Iterable[str]) -> None: ...

    def take_turn(self, now: float, step: Callable[[float | None, float | None], float]) -> float:
        """0 when this caller may send now, else the seconds until the next turn. When it may, the
        next turn is due ``step(previous due time, previous step)`` seconds after ``now``."""
        ...

    def postpone_turns(self, until: float) -> None:
        """No turn before ``until`` (Slack's ``Retry-After``)."""
        ...


class EmailPort(Protocol):
    def publish(self, subject: str, message: str, attributes: Mapping[str, Any]) -> str: ...


class PostOutcome(Struct, frozen=True):
    """What Slack made of a post."""

    delivered: bool
    #: HTTP status (None: no answer)
    status: int | None = None
    #: 429: the seconds Slack asked to wait
    retry_after: float | None = None
    #: a later attempt may succeed (5xx, a network error, a secret that could not be read now)
    retryable: bool = False
    #: the status and Slack's short error string ("404 channel_not_found"), never the URL
    reason: str = ""


class ChatPort(Protocol):
    def post(self, text: str, blocks: list[Any]) -> PostOutcome: ...


class OutboxPort(Protocol):
    def hold(self, held: HeldDigest, delay_seconds: int) -> None:
        """Put ``held`` back on the notification queue, visible after ``delay_seconds``."""
        ...


class NotifySettings(Struct, frozen=True):
    repeat_window: dt.timedelta = dt.timedelta(hours=24)
    #: seconds between two digests (Slack allows one post a second per webhook; more keeps storms short)
    digest_interval: float = 120.0
    #: during a storm the interval doubles, up to this (SQS's longest delay)
    longest_interval: float = 900.0
    #: Slack attempts before a digest falls back to SNS
    max_slack_attempts: int = 8
    stack_name: str = ""


def next_step(
    previous_due: float | None, previous_step: float | None, now: float, base: float, longest: float
) -> float:
    """Seconds until the digest after this one: ``base``; doubled (up to ``longest``) while digests
    go out within ``base`` of the moment they were allowed (a storm: held digests keep coming back),
    ``base`` again after a quiet spell."""
    if previous_due is None or previous_step is None or now - previous_due >= base:
        return base
    return min(longest, max(base, previous_step * 2))


class Delivery(Struct):
    """What one batch led to (for logs and metrics)."""

    notices: int = 0
    opened: int = 0
    repeated: int = 0
    suppressed: int = 0
    duplicates: int = 0
    resolved: int = 0
    emails: int = 0
    slack_posts: int = 0
    held: int = 0
    slack_retries: int = 0
    slack_fallbacks: int = 0
    fallback_reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return structs.asdict(self)


class Notifier(Struct):
    store: AlertStorePort
    email: EmailPort
    outbox: OutboxPort
    chat: ChatPort | None = None
    settings: NotifySettings = field(default_factory=NotifySettings)
    clock: Callable[[], float] | None = None

    def _now(self) -> float:
        if self.clock is not None:
            return self.clock()
        import time

        return time.time()

    def deliver(self, signals: list[Signal]) -> Delivery:
        now_ts = self._now()
        now = dt.datetime.fromtimestamp(now_ts, dt.UTC)
        keys = keys_of(signals)
        records = self.store.load_alerts(keys) if keys else {}
        decision = decide(signals, records, now=now, repeat_window=self.settings.repeat_window)
        report = Delivery(
            notices=len(decision.notices),
            opened=decision.opened,
            repeated=decision.repeated,
            suppressed=decision.suppressed,
            duplicates=decision.duplicates,
            resolved=decision.resolved,
        )
        held = [s.held for s in signals if s.held is not None]
        fresh = build_digest(decision.notices)
        email = merge([fresh, *(h.email for h in held)])
        slack = merge([fresh, *(h.slack for h in held)]) if self.chat is not None else None
        attempt = max((h.attempt for h in held if h.slack is not None), default=0)
        if not email.empty or (slack is not None and not slack.empty):
            base = max(1.0, self.settings.digest_interval)
            longest = max(base, self.settings.longest_interval)
            wait = self.store.take_turn(now_ts, lambda due, step: next_step(due, step, now_ts, base, longest))
            if wait > 0:
                self._hold(email, slack, attempt, "pace", wait)
                report.held += 1
            else:
                if not email.empty:
                    self._publish(email)
                    report.emails += 1
                if slack is not None and not slack.empty:
                    self._post(slack, attempt, now_ts, report)
        if decision.save or decision.delete:
            self.store.save_alerts(decision.save.values(), decision.delete)
        return report

    # -- channels ----------------------------------------------------------------------------------
    def _publish(self, digest: Digest) -> None:
        s = self.settings
        body = render.email_text(
            digest, stack=s.stack_name, repeat_hours=s.repeat_window.total_seconds() / 3600
        )
        self.email.publish(render.subject(digest), body, render.attributes(digest))

    def _post(self, digest: Digest, attempt: int, now: float, report: Delivery) -> None:
        assert self.chat is not None
        s = self.settings
        blocks = render.slack_blocks(
            digest, stack=s.stack_name, repeat_hours=s.repeat_window.total_seconds() / 3600
        )
        outcome = self.chat.post(render.slack_text(digest), blocks)
        if outcome.delivered:
            report.slack_posts += 1
            return
        attempt += 1
        if outcome.retry_after is not None and attempt < s.max_slack_attempts:
            wait = max(1.0, outcome.retry_after)
            self.store.postpone_turns(now + wait)
            self._hold(None, digest, attempt, f"slack {outcome.reason}", wait)
            report.slack_retries += 1
        elif outcome.retryable and attempt < s.max_slack_attempts:
            self._hold(
                None, digest, attempt, f"slack {outcome.reason}", min(MAX_DELAY, 30 * 2 ** (attempt - 1))
            )
            report.slack_retries += 1
        else:
            reason = outcome.reason or "refused"
            subject, body = render.fallback_email(digest, reason, stack=s.stack_name)
            attributes = {**render.attributes(digest), "kind": ["slack-fallback"]}
            self.email.publish(subject, body, attributes)
            report.slack_fallbacks += 1
            report.fallback_reasons.append(reason)

    def _hold(
        self, email: Digest | None, slack: Digest | None, attempt: int, reason: str, wait: float
    ) -> None:
        held = HeldDigest(
            email=email if email is not None and not email.empty else None,
            slack=slack if slack is not None and not slack.empty else None,
            attempt=attempt,
            reason=reason,
        )
        if held.email is None and held.slack is None:
            return
        self.outbox.hold(held, min(MAX_DELAY, max(1, math.ceil(wait))))
