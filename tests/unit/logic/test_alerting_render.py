"""Alerting's messages: what an e-mail's subject, body and SNS attributes say, and what a Slack post
shows (headings, the why and fix said once for a storm, counts of what is not listed, size limits)."""

from __future__ import annotations

import json
from typing import Any

from backup_autopilot.logic.alerting import render
from backup_autopilot.logic.alerting.digest import build_digest
from backup_autopilot.models.alerts import Digest, Group, Level, Notice

TIME = "2026-03-02T05:14:09Z"


def notice(key: str = "backup-failed:t1", **kw: Any) -> Notice:
    fields: dict[str, Any] = {
        "kind": "backup-failed",
        "title": "Backup job failed",
        "level": Level.CRITICAL,
        "what": "backup job J ended FAILED",
        "resource_arn": "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
        "resource_name": "orders",
        "resource_type": "DynamoDB",
        "account": "123456789012",
        "region": "us-east-1",
        "time": TIME,
    }
    fields.update(kw)
    return Notice(key=key, **fields)


def blocks_of(digest: Digest, **kw: Any) -> list[dict[str, Any]]:
    return [b.to_dict() for b in render.slack_blocks(digest, **kw)]


# -- wording -----------------------------------------------------------------------------------------
def test_where_names_the_resource_its_type_account_region_and_plan() -> None:
    assert (
        render.where(notice(plan="daily"))
        == "orders (DynamoDB) in account 123456789012, us-east-1, plan daily"
    )
    assert render.where(notice(resource_type=None)) == "orders in account 123456789012, us-east-1"
    assert render.where(notice(account="")) == "orders (DynamoDB) in us-east-1"
    assert render.where(notice(account="", region="")) == "orders (DynamoDB)"
    assert render.where(notice(resource_name=None)) == (
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders (DynamoDB) in account 123456789012, us-east-1"
    )


def test_where_without_a_resource_names_the_place_or_the_stack() -> None:
    bare = notice(resource_name=None, resource_arn=None, resource_type=None)
    assert render.where(bare) == "account 123456789012, us-east-1"
    assert render.where(bare.replace(account="", region="")) == "this stack"
    assert render.where(bare.replace(account="", region="", plan="daily")) == "this stack, plan daily"


def test_an_alert_still_open_says_how_often_since_when() -> None:
    repeated = notice(occurrences=3, opened="2026-03-01T04:00:00Z")
    assert render.since(repeated) == "still open: 3 times since 2026-03-01 04:00 UTC"
    assert render.since(repeated.replace(occurrences=1)) is None
    assert render.since(repeated.replace(opened=None)) is None
    assert render.since(repeated.replace(level=Level.RESOLVED)) is None
    # an unreadable time is shown as it came, cleaned
    assert render.since(repeated.replace(opened="sometime")) == "still open: 3 times since sometime"


def test_what_happened_drops_the_fix_a_summary_repeats_and_adds_the_time() -> None:
    assert render.what(notice()) == "backup job J ended FAILED (2026-03-02 05:14 UTC)"
    with_fix = notice(what="copy failed: key; fix: share the key", fix="share the key")
    assert render.what(with_fix) == "copy failed: key (2026-03-02 05:14 UTC)"
    # without a fix of its own the summary is kept whole
    assert render.what(with_fix.replace(fix=None, time="")) == "copy failed: key; fix: share the key"


def test_clean_defangs_links_and_caps_length() -> None:
    assert render.clean("see https://x.example and HTTP://y and www.z.example") == (
        "see hxxps://x.example and HxxP://y and www[.]z.example"
    )
    assert render.clean(None) == ""
    assert render.clean(42) == "42"
    assert render.clean("abcdef", 6) == "abcdef"
    assert render.clean("abcdefg", 6) == "abc..."
    assert len(render.clean("x" * 700)) == render.FIELD_LIMIT == 600


def test_slack_markup_characters_are_escaped_in_headings() -> None:
    assert render.mrkdwn_escape("a & <b> c") == "a &amp; &lt;b&gt; c"


def test_a_subject_line_is_one_ascii_line() -> None:
    assert render.ascii_line("  caf\u00e9\n  orders\t ") == "caf? orders"


def test_counts_are_said_most_urgent_first() -> None:
    digest = build_digest(
        [notice("i:1", level=Level.INFO), notice("r:1", level=Level.RESOLVED), notice("c:1"), notice("c:2")]
    )
    assert render.summary_counts(digest) == "2 critical, 1 resolved, 1 info"
    assert render.top_level(digest) is Level.CRITICAL
    assert render.top_level(build_digest([notice(level=Level.WARNING)])) is Level.WARNING
    assert render.top_level(Digest()) is Level.INFO


# -- e-mail ------------------------------------------------------------------------------------------
def test_one_alerts_subject_names_its_level_title_and_resource() -> None:
    assert (
        render.subject(build_digest([notice()])) == "backup-autopilot: [critical] Backup job failed: orders"
    )
    no_name = build_digest([notice(resource_name=None)])
    assert render.subject(no_name) == "backup-autopilot: [critical] Backup job failed"


def test_many_alerts_subject_counts_them_by_kind() -> None:
    digest = build_digest(
        [
            notice("a:1"),
            notice("a:2"),
            notice("w:1", kind="copy-issues", title="Copy issues", level=Level.WARNING),
        ]
    )
    assert render.subject(digest) == (
        "backup-autopilot: 2 critical, 1 warning: Backup job failed (2), Copy issues (1)"
    )


def test_a_long_subject_is_cut_under_snss_limit() -> None:
    long = build_digest([notice(resource_name="n" * 200)])
    text = render.subject(long)
    assert len(text) == 99 and text.endswith("...") and text.startswith("backup-autopilot: [critical]")
    exact = "backup-autopilot: [critical] Backup job failed: "
    fits = build_digest([notice(resource_name="n" * (99 - len(exact)))])
    assert len(render.subject(fits)) == 99 and not render.subject(fits).endswith("...")


def test_a_storms_shared_why_and_fix_are_said_once_above_its_notices() -> None:
    storm = [notice(f"a:{i}", resource_name=f"t{i}", why="Access Denied", fix="grant it") for i in range(3)]
    digest = build_digest(storm)
    assert render.shared(digest.groups[0]) == ("Access Denied", "grant it")
    body = render.email_text(digest)
    assert "  Why (all below): Access Denied\n  What to do (all below): grant it\n" in body
    assert "    Why: " not in body and "    What to do: " not in body


def test_notices_with_different_whys_keep_their_own() -> None:
    digest = build_digest(
        [notice("a:1", why="one", fix="same"), notice("a:2", resource_name="other", why="two", fix="same")]
    )
    assert render.shared(digest.groups[0]) == (None, "same")
    body = render.email_text(digest)
    assert "    Why: one\n" in body and "    Why: two\n" in body and "Why (all below)" not in body
    assert "  What to do (all below): same\n" in body
    # a single notice shares nothing: its why and fix are its own
    assert render.shared(build_digest([notice(why="w", fix="f")]).groups[0]) == (None, None)


def test_an_email_body_tells_what_why_what_to_do_and_links_the_console() -> None:
    one = notice(
        why="Access Denied",
        fix="grant it",
        details=["line one"],
        link="https://us-east-1.console.aws.amazon.com/backup/home",
        occurrences=2,
        opened="2026-03-01T04:00:00Z",
        plan="daily",
    )
    body = render.email_text(build_digest([one]), stack="prod", repeat_hours=12)
    assert body.split("\n") == [
        "backup-autopilot: 1 critical",
        "",
        "CRITICAL: Backup job failed, plan daily (1)",
        "  orders (DynamoDB) in account 123456789012, us-east-1, plan daily",
        "    What happened: backup job J ended FAILED (2026-03-02 05:14 UTC)",
        "    still open: 2 times since 2026-03-01 04:00 UTC",
        "    Why: Access Denied",
        "    What to do: grant it",
        "    - line one",
        "    Console: https://us-east-1.console.aws.amazon.com/backup/home",
        "",
        "--",
        "Sent by backup-autopilot (stack prod). An open alert is not repeated for 12 h "
        "(repeats are counted); when the resource next succeeds, one 'resolved' message follows.",
    ]


def test_an_email_counts_what_it_does_not_list() -> None:
    digest = build_digest([notice(f"a:{i}", resource_name=f"t{i}") for i in range(8)])
    body = render.email_text(digest)
    assert "  ... and 3 more backup job failed\n" in body
    assert "Sent by backup-autopilot. An open alert is not repeated for 24 h" in body


def test_sns_attributes_let_subscriptions_filter_by_severity_kind_type_and_account() -> None:
    digest = build_digest(
        [
            notice("a:1"),
            notice("b:1", kind="copy-issues", level=Level.WARNING, resource_type="EBS", account="999"),
            notice("c:1", kind="coverage-report", level=Level.INFO, resource_type=None, account=""),
        ]
    )
    assert render.attributes(digest) == {
        "severity": "critical",
        "kind": ["backup-failed", "copy-issues", "coverage-report"],
        "alert_count": 3,
        "resource_type": ["DynamoDB", "EBS"],
        "account": ["123456789012", "999"],
    }
    bare = build_digest([notice(resource_type=None, account="", level=Level.WARNING)])
    assert render.attributes(bare) == {"severity": "warning", "kind": ["backup-failed"], "alert_count": 1}


def test_the_fallback_email_says_slack_refused_and_carries_the_alerts() -> None:
    subject, body = render.fallback_email(build_digest([notice()]), "404 channel_not_found", stack="prod")
    assert subject == "backup-autopilot: not delivered to Slack (404 channel_not_found): 1 alert(s)"
    lines = body.split("\n")
    assert lines[0] == "Slack refused this message (404 channel_not_found); it will not be retried."
    assert lines[1].startswith("Fix the webhook (the channel was archived or deleted")
    assert lines[2] == "" and lines[3] == "backup-autopilot: 1 critical"
    assert "(stack prod)" in body
    long_subject, _ = render.fallback_email(build_digest([notice()]), "r" * 300)
    assert len(long_subject) <= 99


# -- Slack -------------------------------------------------------------------------------------------
def test_slack_text_for_one_alert_and_for_many() -> None:
    assert render.slack_text(build_digest([notice()])) == (
        "[critical] Backup job failed: orders (DynamoDB) in account 123456789012, us-east-1"
    )
    many = build_digest([notice("a:1"), notice("a:2")])
    assert render.slack_text(many) == "backup-autopilot: 2 critical: Backup job failed (2)"


def test_a_slack_post_has_a_header_a_heading_per_group_the_notices_and_a_footer() -> None:
    one = notice(
        why="Access Denied",
        fix="grant it",
        plan="a&b",
        link="https://us-east-1.console.aws.amazon.com/backup/home",
        details=["d1"],
    )
    blocks = blocks_of(build_digest([one]), stack="prod", repeat_hours=6)
    assert [b["type"] for b in blocks] == ["header", "section", "section", "divider", "context"]
    assert blocks[0]["text"] == {
        "type": "plain_text",
        "text": ":red_circle: backup-autopilot: 1 critical",
        "emoji": True,
    }
    assert blocks[1]["text"] == {
        "type": "mrkdwn",
        "text": ":red_circle: *CRITICAL · Backup job failed* · plan a&amp;b · 1",
        "verbatim": True,
    }
    assert blocks[2]["text"]["type"] == "plain_text" and blocks[2]["text"]["emoji"] is False
    assert blocks[2]["text"]["text"].split("\n") == [
        "orders (DynamoDB) in account 123456789012, us-east-1, plan a&b",
        "What happened: backup job J ended FAILED (2026-03-02 05:14 UTC)",
        "Why: Access Denied",
        "What to do: grant it",
        "- d1",
    ]
    assert blocks[2]["accessory"] == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Open in console", "emoji": False},
        "url": "https://us-east-1.console.aws.amazon.com/backup/home",
        "action_id": "console-0-0",
    }
    assert blocks[4]["elements"][0]["text"] == (
        "backup-autopilot · stack prod · an open alert is not repeated for 6 h; "
        "a 'resolved' message follows the next success"
    )


def test_each_level_has_its_icon_in_the_header() -> None:
    for level, icon in [
        (Level.WARNING, ":large_orange_circle:"),
        (Level.RESOLVED, ":white_check_mark:"),
        (Level.INFO, ":large_blue_circle:"),
    ]:
        header = blocks_of(build_digest([notice(level=level)]))[0]["text"]["text"]
        assert header == f"{icon} backup-autopilot: 1 {level.value}"


def test_a_notice_without_a_link_has_no_button_and_a_storm_says_its_why_once() -> None:
    storm = [notice(f"a:{i}", resource_name=f"t{i}", why="Denied", fix="grant") for i in range(7)]
    blocks = blocks_of(build_digest(storm))
    assert blocks[2]["text"]["text"] == "Why: Denied (all below)\nWhat to do: grant (all below)"
    listed = blocks[3:8]
    assert all("accessory" not in b for b in listed)
    assert all("Why:" not in b["text"]["text"] for b in listed)
    assert blocks[8] == {
        "type": "context",
        "elements": [{"type": "plain_text", "text": "... and 2 more backup job failed", "emoji": False}],
    }
    assert blocks[-1]["elements"][0]["text"].startswith(
        "backup-autopilot · an open alert is not repeated for 24 h"
    )


def test_a_post_too_big_for_slack_counts_the_alerts_it_leaves_out() -> None:
    # 12 kinds of 5 alerts: 6 groups fill 43 blocks, the 7th lists 2 of its 5, the last 5 are left out
    notices = [
        notice(f"k{g}:{i}", kind=f"kind-{g:02d}", title=f"Kind {g}") for g in range(12) for i in range(5)
    ]
    blocks = blocks_of(build_digest(notices))
    assert len(blocks) == 49
    assert blocks[-3] == {
        "type": "context",
        "elements": [{"type": "plain_text", "text": "... and 3 more kind 6", "emoji": False}],
    }
    assert blocks[-1]["elements"][0]["text"].startswith(
        "25 more alert(s) not listed (message size) · backup-autopilot · an open alert"
    )
    assert "Kind 7" not in json.dumps(blocks)


def test_slack_text_objects_are_never_empty() -> None:
    blank = notice(
        what="", resource_name=None, resource_arn=None, resource_type=None, account="", region="", time=""
    )
    blocks = blocks_of(build_digest([blank]))
    assert all(b["text"]["text"] for b in blocks if "text" in b)


def test_a_group_with_more_counted_than_listed_in_a_held_digest_says_so() -> None:
    group = Group(
        kind="backup-failed", title="Backup job failed", level=Level.CRITICAL, count=40, items=[notice()]
    )
    blocks = blocks_of(Digest(groups=[group]))
    assert blocks[3]["elements"][0]["text"] == "... and 39 more backup job failed"
    assert "  ... and 39 more backup job failed" in render.email_text(Digest(groups=[group]))


def test_event_text_is_bounded_where_each_message_shows_it() -> None:
    name = "n" * 400
    long = notice(
        resource_name=name, account="", region="", resource_type=None, details=["d" * 400], plan=None
    )
    body = render.email_text(build_digest([long.replace(plan="p" * 150)]))
    assert f"  {'n' * 297}...\n" in body  # the resource line: 300 characters
    assert f"    - {'d' * 297}...\n" in body  # a detail line: 300 characters
    assert f"CRITICAL: Backup job failed, plan {'p' * 97}... (1)" in body  # a plan: 100 characters
    assert render.slack_text(build_digest([long])) == f"[critical] Backup job failed: {name}"[:297] + "..."
    blocks = blocks_of(build_digest([long.replace(plan="p" * 150)]))
    assert f"plan {'p' * 97}... · 1" in blocks[1]["text"]["text"]
    longer = blocks_of(build_digest([long.replace(resource_name="n" * 700)]))
    assert longer[2]["text"]["text"].split("\n")[0] == "n" * 597 + "..."  # each Slack part: 600


def test_a_slack_text_for_many_kinds_lists_them_and_is_bounded() -> None:
    digest = build_digest([notice("a:1"), notice("b:1", kind="copy-failed", title="Copy Failed")])
    assert render.slack_text(digest) == "backup-autopilot: 2 critical: Backup job failed (1), Copy Failed (1)"
    many = build_digest([notice(f"k{i}:1", kind=f"kind-{i:02d}", title="T" * 20) for i in range(20)])
    assert len(render.slack_text(many)) == 300


def test_the_slack_header_is_bounded_to_slacks_header_limit() -> None:
    kinds = [notice(f"{lvl.value}:1", level=lvl) for lvl in Level]
    header = blocks_of(build_digest(kinds))[0]["text"]["text"]
    assert len(header) <= render.HEADER_LIMIT


def test_a_slack_post_says_an_alert_is_still_open() -> None:
    repeated = notice(occurrences=4, opened="2026-03-01T04:00:00Z")
    text = blocks_of(build_digest([repeated]))[2]["text"]["text"]
    assert text.split("\n")[2] == "still open: 4 times since 2026-03-01 04:00 UTC"


def test_the_fallback_email_says_how_to_fix_the_webhook() -> None:
    subject, body = render.fallback_email(build_digest([notice()]), "x" * 300)
    assert subject == "backup-autopilot: not delivered to Slack (" + "x" * 57  # cut to SNS's 99
    lines = body.split("\n")
    assert lines[0] == f"Slack refused this message ({'x' * 197}...); it will not be retried."
    assert lines[1] == (
        "Fix the webhook (the channel was archived or deleted, or the app was removed), then put the new "
        "webhook URL into the stack's Slack secret. The alarm SlackDeliveryFallback fires meanwhile."
    )
    assert "(stack " not in body


def test_an_email_leaves_a_blank_line_after_what_it_does_not_list() -> None:
    digest = build_digest([notice(f"a:{i}", resource_name=f"t{i}") for i in range(6)])
    assert "  ... and 1 more backup job failed\n\n--\n" in render.email_text(digest)


def test_a_group_is_started_only_while_its_heading_a_notice_and_a_divider_fit() -> None:
    # 13 one-alert groups and one of three fill 45 blocks; the 15th group's heading still fits
    notices = [notice(f"k{g}:1", kind=f"kind-{g:02d}", title=f"Kind {g}") for g in range(13)]
    notices += [notice(f"k13:{i}", kind="kind-13", title="Kind 13") for i in range(3)]
    notices += [notice("k14:1", kind="kind-14", title="Kind 14")]
    blocks = blocks_of(build_digest(notices))
    assert len(blocks) == 49
    assert blocks[45]["text"]["text"].startswith(":red_circle: *CRITICAL · Kind 14*")
    assert blocks[46]["elements"][0]["text"] == "... and 1 more kind 14"
    assert blocks[-1]["elements"][0]["text"].startswith("backup-autopilot · an open alert")
