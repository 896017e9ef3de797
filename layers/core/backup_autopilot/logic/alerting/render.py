"""Digests into messages: an e-mail (subject, plain text, SNS attributes) and a Slack Block Kit post.

Text that came from an event (AWS's status message, a resource name, a tag value, a summary) is
untrusted: it is cleaned (control characters dropped, length capped, ``http://`` and ``www.``
defanged so that no client turns it into a link) and, in Slack, only ever placed in
``plain_text`` objects, which Slack never parses for markup, mentions or links. The only links
are the console links the stack builds itself (:mod:`.links`), as buttons. The few ``mrkdwn``
strings (group headings) are escaped (``&``, ``<``, ``>``) and ``verbatim``.

slack_sdk's Block Kit builders are imported when a Slack message is rendered (about 90 ms), so a
function that only sends e-mail never pays for them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from backup_autopilot.logic.alerting.digest import level_counts
from backup_autopilot.logic.alerting.memory import parse_time
from backup_autopilot.models.alerts import LEVEL_ORDER, Digest, Group, Level, Notice

SUBJECT_LIMIT = 99  # SNS: ASCII, under 100 characters, no line breaks
PREFIX = "backup-autopilot"
#: Slack's limits: 50 blocks a message, 3,000 characters a text object, 150 for a header
MAX_BLOCKS = 48
TEXT_LIMIT = 2900
HEADER_LIMIT = 150
FIELD_LIMIT = 600

ICONS = {
    Level.CRITICAL: ":red_circle:",
    Level.WARNING: ":large_orange_circle:",
    Level.RESOLVED: ":white_check_mark:",
    Level.INFO: ":large_blue_circle:",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SCHEME = re.compile(r"\b(h)(ttps?)(://)", re.I)
_WWW = re.compile(r"\bwww\.", re.I)


# -- untrusted text --------------------------------------------------------------------------------
def clean(text: Any, limit: int = FIELD_LIMIT) -> str:
    """Event text made safe to show anywhere: no control characters, no live link, bounded."""
    value = _CONTROL.sub("", str(text if text is not None else ""))
    value = _SCHEME.sub(lambda m: f"{m.group(1)}xx{m.group(2)[2:]}{m.group(3)}", value)
    value = _WWW.sub("www[.]", value)
    return value if len(value) <= limit else value[: limit - 3] + "..."


def mrkdwn_escape(text: str) -> str:
    """Slack's three control characters, escaped (for our own headings in ``mrkdwn``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ascii_line(text: str) -> str:
    return " ".join(text.encode("ascii", "replace").decode("ascii").split())


# -- shared wording ----------------------------------------------------------------------------------
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _when(value: str | None) -> str:
    if not value:
        return ""
    parsed = parse_time(value, _EPOCH)
    return f"{parsed:%Y-%m-%d %H:%M} UTC" if parsed != _EPOCH else clean(value, 40)


def where(notice: Notice) -> str:
    """Resource, type, account, Region, plan: ``orders (DynamoDB) in 123456789012 us-east-1, plan daily``."""
    name = notice.resource_name or notice.resource_arn
    kind = f" ({notice.resource_type})" if notice.resource_type else ""
    account = f"account {notice.account}" if notice.account else ""
    place = ", ".join(p for p in (account, notice.region) if p)
    plan = f", plan {notice.plan}" if notice.plan else ""
    if not name:
        return (place or "this stack") + plan
    return f"{name}{kind}" + (f" in {place}" if place else "") + plan


def since(notice: Notice) -> str | None:
    if notice.level is Level.RESOLVED or notice.occurrences <= 1 or not notice.opened:
        return None
    return f"still open: {notice.occurrences} times since {_when(notice.opened)}"


def summary_counts(digest: Digest) -> str:
    counts = level_counts(digest)
    order = sorted(counts, key=lambda level: LEVEL_ORDER[Level(level)])
    return ", ".join(f"{counts[level]} {level}" for level in order)


def top_level(digest: Digest) -> Level:
    return min((g.level for g in digest.groups), key=lambda level: LEVEL_ORDER[level], default=Level.INFO)


# -- e-mail (SNS) ----------------------------------------------------------------------------------
def subject(digest: Digest) -> str:
    """``backup-autopilot: [critical] Backup job failed: orders``, or counts and kinds for many."""
    if digest.total == 1:
        notice = digest.groups[0].items[0]
        name = f": {notice.resource_name}" if notice.resource_name else ""
        text = f"{PREFIX}: [{notice.level.value}] {notice.title}{name}"
    else:
        kinds = ", ".join(f"{g.title} ({g.count})" for g in digest.groups)
        text = f"{PREFIX}: {summary_counts(digest)}: {kinds}"
    text = ascii_line(clean(text, 500))
    return text if len(text) <= SUBJECT_LIMIT else text[: SUBJECT_LIMIT - 3] + "..."


def shared(group: Group) -> tuple[str | None, str | None]:
    """The why and the fix every listed notice of a group has in common (a storm's), said once."""
    if len(group.items) < 2:
        return None, None
    whys, fixes = {n.why for n in group.items}, {n.fix for n in group.items}
    return (next(iter(whys)) if len(whys) == 1 else None), (next(iter(fixes)) if len(fixes) == 1 else None)


def what(notice: Notice) -> str:
    """What happened, without the fix a summary repeats (``...; fix: ...``) when the notice has one."""
    text = notice.what
    if notice.fix and "; fix: " in text:
        text = text.split("; fix: ", 1)[0]
    return text + (f" ({_when(notice.time)})" if notice.time else "")


def _notice_lines(notice: Notice, common: tuple[str | None, str | None] = (None, None)) -> list[str]:
    lines = [f"  {clean(where(notice), 300)}", f"    What happened: {clean(what(notice))}"]
    still = since(notice)
    if still:
        lines.append(f"    {still}")
    if notice.why and notice.why != common[0]:
        lines.append(f"    Why: {clean(notice.why)}")
    if notice.fix and notice.fix != common[1]:
        lines.append(f"    What to do: {clean(notice.fix)}")
    lines.extend(f"    - {clean(line, 300)}" for line in notice.details)
    if notice.link:
        lines.append(f"    Console: {notice.link}")
    return lines


def email_text(digest: Digest, *, stack: str = "", repeat_hours: float = 24) -> str:
    """A plain-text body an e-mail client shows as it is (no markup, one link per notice)."""
    lines = [f"{PREFIX}: {summary_counts(digest)}", ""]
    for group in digest.groups:
        plan = f", plan {clean(group.plan, 100)}" if group.plan else ""
        lines.append(f"{group.level.value.upper()}: {group.title}{plan} ({group.count})")
        common = shared(group)
        if common[0]:
            lines.append(f"  Why (all below): {clean(common[0])}")
        if common[1]:
            lines.append(f"  What to do (all below): {clean(common[1])}")
        for notice in group.items:
            lines.extend(_notice_lines(notice, common))
            lines.append("")
        if group.count > len(group.items):
            lines.append(f"  ... and {group.count - len(group.items)} more {group.title.lower()}")
            lines.append("")
    stack_text = f" (stack {stack})" if stack else ""
    lines.append("--")
    lines.append(
        f"Sent by {PREFIX}{stack_text}. An open alert is not repeated for {repeat_hours:g} h (repeats are "
        "counted); when the resource next succeeds, one 'resolved' message follows."
    )
    return "\n".join(lines)


def attributes(digest: Digest) -> dict[str, Any]:
    """SNS message attributes for subscription filter policies (severity, kind, type, account)."""
    items = [n for g in digest.groups for n in g.items]
    kinds = sorted({g.kind for g in digest.groups})
    types = sorted({n.resource_type for n in items if n.resource_type})
    accounts = sorted({n.account for n in items if n.account})
    result: dict[str, Any] = {
        "severity": top_level(digest).value,
        "kind": kinds,
        "alert_count": digest.total,
    }
    if types:
        result["resource_type"] = types
    if accounts:
        result["account"] = accounts
    return result


def fallback_email(digest: Digest, reason: str, *, stack: str = "") -> tuple[str, str]:
    """The e-mail sent instead when Slack refuses a message for good (404, 410, 403, 400)."""
    subject_text = ascii_line(
        f"{PREFIX}: not delivered to Slack ({clean(reason, 60)}): {digest.total} alert(s)"
    )
    body = "\n".join(
        [
            f"Slack refused this message ({clean(reason, 200)}); it will not be retried.",
            "Fix the webhook (the channel was archived or deleted, or the app was removed), then put the new "
            "webhook URL into the stack's Slack secret. The alarm SlackDeliveryFallback fires meanwhile.",
            "",
            email_text(digest, stack=stack),
        ]
    )
    return subject_text[:SUBJECT_LIMIT], body


# -- Slack -------------------------------------------------------------------------------------------
def _plain(text: str, limit: int = TEXT_LIMIT) -> Any:
    from slack_sdk.models.blocks import PlainTextObject

    return PlainTextObject(text=clean(text, limit) or " ", emoji=False)


def _notice_text(notice: Notice, common: tuple[str | None, str | None] = (None, None)) -> str:
    parts = [where(notice), f"What happened: {what(notice)}"]
    still = since(notice)
    if still:
        parts.append(still)
    if notice.why and notice.why != common[0]:
        parts.append(f"Why: {notice.why}")
    if notice.fix and notice.fix != common[1]:
        parts.append(f"What to do: {notice.fix}")
    parts.extend(f"- {line}" for line in notice.details)
    # each part is cleaned on its own (bounded), then the whole (bounded again)
    return "\n".join(clean(part, FIELD_LIMIT) for part in parts)


def slack_text(digest: Digest) -> str:
    """The notification text (shown by phones and where blocks cannot be)."""
    if digest.total == 1:
        notice = digest.groups[0].items[0]
        return mrkdwn_escape(clean(f"[{notice.level.value}] {notice.title}: {where(notice)}", 300))
    kinds = ", ".join(f"{g.title} ({g.count})" for g in digest.groups)
    return mrkdwn_escape(clean(f"{PREFIX}: {summary_counts(digest)}: {kinds}", 300))


def slack_blocks(digest: Digest, *, stack: str = "", repeat_hours: float = 24) -> list[Any]:
    """The Block Kit blocks of a digest (slack_sdk model objects)."""
    from slack_sdk.models.blocks import (
        ButtonElement,
        ContextBlock,
        DividerBlock,
        HeaderBlock,
        MarkdownTextObject,
        PlainTextObject,
        SectionBlock,
    )

    icon = ICONS[top_level(digest)]
    header = clean(f"{icon} {PREFIX}: {summary_counts(digest)}", HEADER_LIMIT)
    blocks: list[Any] = [HeaderBlock(text=PlainTextObject(text=header, emoji=True))]
    omitted = 0
    for number, group in enumerate(digest.groups):
        if len(blocks) + 3 > MAX_BLOCKS:
            omitted += group.count
            continue
        plan = f" · plan {mrkdwn_escape(clean(group.plan, 100))}" if group.plan else ""
        title = f"{group.level.value.upper()} · {mrkdwn_escape(group.title)}"
        heading = f"{ICONS[group.level]} *{title}*{plan} · {group.count}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=heading, verbatim=True)))
        common = shared(group)
        said = [f"{label}: {text}" for label, text in zip(("Why", "What to do"), common, strict=True) if text]
        if said:
            blocks.append(SectionBlock(text=_plain("\n".join(f"{line} (all below)" for line in said))))
        listed = 0
        for index, notice in enumerate(group.items):
            if len(blocks) + 3 > MAX_BLOCKS:
                break
            listed += 1
            accessory = None
            if notice.link:
                accessory = ButtonElement(
                    text=PlainTextObject(text="Open in console", emoji=False),
                    url=notice.link,
                    action_id=f"console-{number}-{index}",
                )
            blocks.append(SectionBlock(text=_plain(_notice_text(notice, common)), accessory=accessory))
        if group.count > listed:
            more = group.count - listed
            blocks.append(ContextBlock(elements=[_plain(f"... and {more} more {group.title.lower()}")]))
        blocks.append(DividerBlock())
    footer = (
        f"{PREFIX}{f' · stack {stack}' if stack else ''} · an open alert is not repeated for "
        f"{repeat_hours:g} h; a 'resolved' message follows the next success"
    )
    if omitted:
        footer = f"{omitted} more alert(s) not listed (message size) · " + footer
    blocks.append(ContextBlock(elements=[_plain(footer)]))
    return blocks
