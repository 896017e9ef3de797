"""Notices into digests: grouped by level, kind and plan, the first few listed, all counted (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backup_autopilot.models.alerts import LEVEL_ORDER, Digest, Group

if TYPE_CHECKING:
    from collections.abc import Iterable

    from backup_autopilot.models.alerts import Notice

#: notices listed per group (the count is always complete)
LISTED = 5


def _group_key(group: Group) -> tuple[str, str, str]:
    return (group.level.value, group.kind, group.plan or "")


def _order(group: Group) -> tuple[int, str, str]:
    return (LEVEL_ORDER[group.level], group.kind, group.plan or "")


def build_digest(notices: Iterable[Notice]) -> Digest:
    groups: dict[tuple[str, str, str], Group] = {}
    for notice in notices:
        key = (notice.level.value, notice.kind, notice.plan or "")
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(
                kind=notice.kind, title=notice.title, level=notice.level, plan=notice.plan
            )
        group.count += 1
        if len(group.items) < LISTED and all(item.key != notice.key for item in group.items):
            group.items.append(notice)
    return Digest(groups=sorted(groups.values(), key=_order))


def merge(digests: Iterable[Digest | None]) -> Digest:
    """One digest holding the groups of all: counts added, the first listed kept."""
    groups: dict[tuple[str, str, str], Group] = {}
    for digest in digests:
        if digest is None:
            continue
        for group in digest.groups:
            key = _group_key(group)
            mine = groups.get(key)
            if mine is None:
                groups[key] = group.replace(items=list(group.items))  # its own list: items are added
                continue
            mine.count += group.count
            for item in group.items:
                if len(mine.items) < LISTED and all(i.key != item.key for i in mine.items):
                    mine.items.append(item)
    return Digest(groups=sorted(groups.values(), key=_order))


def level_counts(digest: Digest) -> dict[str, int]:
    counts: dict[str, int] = {}
    for group in digest.groups:
        counts[group.level.value] = counts.get(group.level.value, 0) + group.count
    return counts
