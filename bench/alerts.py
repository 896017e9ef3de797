"""Issue 11: alerting. Latency from event to Slack post, AWS calls per notify batch, and posts per
minute, for one failure in a quiet period and for a storm of 10,000 job failures in five minutes.

The failures are ``Backup Job State Change`` FAILED events of 10,000 distinct tables, emitted as
AWS Backup emits them (the sandbox's service events), so each reaches NotifyFunction through the
template's rule, the notification queue and its batching window. Slack is the sandbox's webhook
over real HTTP. Latency is simulated time (event entering the bus to the post that carried it);
a storm event's latency is read from the counts the posts carry (post k covers the failures after
those posts 1..k-1 counted, in emission order). Handler times are real time.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import TYPE_CHECKING, Any

from bench import seed
from bench.apicalls import ApiCallCounter, FunctionCalls
from bench.report import calls_table, heading, median, p95, table
from sandbox.demo_alerts import emit_failed_backup

if TYPE_CHECKING:
    from sandbox import Sandbox
    from sandbox.slack import SlackRequest

FUNCTION = "NotifyFunction"
STORM = 10_000
STORM_SECONDS = 300
QUICK_STORM = 300


def _failure(sb: Sandbox, i: int) -> dt.datetime:
    emitted = sb.clock.now()
    emit_failed_backup(
        sb,
        job_id=f"bench-{i:06d}",
        table=f"bench-{i:06d}",
        message="Insufficient privileges to perform this action.",
    )
    return emitted


def _count(post: SlackRequest) -> int:
    """How many alerts a post carries (its notification text says it)."""
    text = str((post.payload or {}).get("text", ""))
    found = re.match(r"backup-autopilot: (\d+) ", text)
    return int(found.group(1)) if found else 1


def _batches(sb: Sandbox, since: int) -> list[Any]:
    return [i for i in sb.invocations[since:] if i.function == FUNCTION and i.trigger.startswith("sqs:")]


def _quiet_failure(sb: Sandbox, calls: ApiCallCounter) -> tuple[float, FunctionCalls, int]:
    before, seen, posted = calls.of(FUNCTION).copy(), len(sb.invocations), len(sb.slack.posts)
    emitted = _failure(sb, 0)
    sb.advance(120)
    [post] = sb.slack.posts[posted:]
    invocations = _batches(sb, seen)
    return (post.time - emitted).total_seconds(), calls.of(FUNCTION).minus(before), len(invocations)


def run(quick: bool) -> None:
    heading("Issue 11: alerts (notify): latency, API calls per batch, Slack posts per minute")
    storm = QUICK_STORM if quick else STORM
    with seed.stack() as sb, ApiCallCounter(sb) as calls:
        sb.advance(3600 + 60)  # past the first hourly reconcile: a quiet stack
        latency, quiet_calls, quiet_batches = _quiet_failure(sb, calls)
        sb.advance(3600)
        before, seen = calls.of(FUNCTION).copy(), len(sb.invocations)
        posted, requested, mailed = len(sb.slack.posts), len(sb.slack.requests), len(sb.notifications)
        pace = STORM_SECONDS / storm
        emitted = []
        for i in range(1, storm + 1):
            emitted.append(_failure(sb, i))
            sb.advance(pace)
        sb.advance(30 * 60)
        storm_calls = calls.of(FUNCTION).minus(before)
        batches = _batches(sb, seen)
        posts = sb.slack.posts[posted:]
        requests = sb.slack.requests[requested:]
        emails = [n for n in sb.notifications[mailed:] if n["Channel"] == "sns"]

    counts = [_count(p) for p in posts]
    latencies: list[float] = []
    cursor = 0
    for post, count in zip(posts, counts, strict=True):
        latencies += [(post.time - t).total_seconds() for t in emitted[cursor : cursor + count]]
        cursor += count
    span = max(60.0, (posts[-1].time - posts[0].time).total_seconds()) if posts else 60.0
    per_minute = [
        sum(1 for p in posts if start <= p.time < start + dt.timedelta(minutes=1))
        for start in (p.time for p in posts)
    ]
    gaps = [(b.time - a.time).total_seconds() for a, b in itertools.pairwise(requests)]
    durations = [i.duration_ms for i in batches]
    per_batch = storm_calls.total() / max(1, len(batches))
    table(
        "Latency, event entering the bus to its Slack post (simulated time)",
        ["", "seconds"],
        [
            ["one failure, quiet stack (batching window 30 s)", f"{latency:.0f}"],
            [f"storm of {storm:,}: first failure", f"{latencies[0]:.0f}" if latencies else "-"],
            [f"storm of {storm:,}: median", f"{median(latencies):.0f}" if latencies else "-"],
            [f"storm of {storm:,}: p95", f"{p95(latencies):.0f}" if latencies else "-"],
            [f"storm of {storm:,}: last failure", f"{latencies[-1]:.0f}" if latencies else "-"],
        ],
        notes=[f"the storm's posts carried {sum(counts):,} of {storm:,} failures"],
    )
    table(
        f"A storm of {storm:,} job failures in {STORM_SECONDS // 60} minutes",
        ["", "value"],
        [
            ["notify batches (SQS)", len(batches)],
            ["Slack posts", len(posts)],
            ["e-mails (SNS)", len(emails)],
            [
                "Slack posts per minute: peak / over the storm",
                f"{max(per_minute, default=0)} / {len(posts) / (span / 60):.1f}",
            ],
            ["least gap between two webhook requests (s)", f"{min(gaps):.0f}" if gaps else "-"],
            ["webhook answers other than 200", sum(1 for r in requests if r.status != 200)],
            ["AWS calls per batch (mean)", f"{per_batch:.1f}"],
            [
                "handler time per batch, median / p95 (ms, real)",
                f"{median(durations):.0f} / {p95(durations):.0f}",
            ],
        ],
    )
    calls_table(
        f"AWS calls of {FUNCTION} per batch",
        [
            ("one failure (per batch)", quiet_calls, quiet_batches),
            ("storm (per batch)", storm_calls, len(batches)),
        ],
        notes=[
            "a batch of 100: one BatchGetItem (open alerts), one conditional UpdateItem (the turn), "
            "BatchWriteItem by 25, then SNS Publish, or SQS SendMessage when the digest is held",
            "GetSecretValue: once per container and 5 minutes (Powertools parameters cache)",
        ],
    )
