"""Alerting's memory and digests: what a batch tells people (new, repeated, resolved, how long it
was open), what the state table keeps between batches, and how notices group into one message."""

from __future__ import annotations

import datetime as dt

from backup_autopilot.logic.alerting.classify import Opening, Resolution, Signal
from backup_autopilot.logic.alerting.digest import LISTED, build_digest, level_counts, merge
from backup_autopilot.logic.alerting.memory import (
    SEEN,
    AlertRecord,
    decide,
    duration_text,
    keys_of,
    parse_time,
)
from backup_autopilot.models.alerts import Digest, Level, Notice

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(hours=24)


def _iso(when: dt.datetime) -> str:
    return when.isoformat()


def notice(
    key: str = "backup-failed:t1",
    *,
    when: dt.datetime | None = NOW,
    kind: str = "backup-failed",
    level: Level = Level.CRITICAL,
    plan: str | None = None,
    title: str = "Backup job failed",
) -> Notice:
    return Notice(
        key=key,
        kind=kind,
        title=title,
        level=level,
        what=f"{key} happened",
        why="AWS said so",
        fix="do the thing",
        time=_iso(when) if when else "",
        plan=plan,
    )


def opens(key: str = "backup-failed:t1", occurrence: str = "job-1", **kw: object) -> Signal:
    return Signal(opening=Opening(notice(key, **kw), occurrence))  # type: ignore[arg-type]


def resolves(*keys: str, when: dt.datetime = NOW, what: str = "backup job J completed") -> Signal:
    return Signal(resolution=Resolution(keys, _iso(when), what))


def record(
    key: str = "backup-failed:t1",
    *,
    opened: dt.datetime,
    last_seen: dt.datetime | None = None,
    told: dt.datetime | None = None,
    occurrences: int = 1,
    seen: list[str] | None = None,
    report: bool = False,
) -> AlertRecord:
    return AlertRecord(
        key=key,
        notice=notice(key, when=opened),
        opened=_iso(opened),
        last_seen=_iso(last_seen or opened),
        told=_iso(told or opened),
        occurrences=occurrences,
        seen=list(seen or ["job-0"]),
        report=report,
    )


# -- time and duration wording -----------------------------------------------------------------------
def test_how_long_an_alert_was_open_reads_naturally() -> None:
    assert duration_text(0) == "less than a minute"
    assert duration_text(0.99) == "less than a minute"
    assert duration_text(1) == "1 min"
    assert duration_text(89.4) == "89 min"
    assert duration_text(90) == "1 h 30 min"
    assert duration_text(47 * 60 + 59) == "47 h 59 min"
    assert duration_text(48 * 60) == "2.0 days"
    assert duration_text(60 * 24 * 3.25) == "3.2 days"


def test_event_times_are_read_in_utc_and_nonsense_falls_back() -> None:
    assert parse_time("2026-03-02T05:14:09Z", NOW) == dt.datetime(2026, 3, 2, 5, 14, 9, tzinfo=dt.UTC)
    naive = parse_time("2026-03-02T05:14:09", NOW)
    assert naive == dt.datetime(2026, 3, 2, 5, 14, 9, tzinfo=dt.UTC) and naive.tzinfo is dt.UTC
    assert parse_time("2026-03-02T07:14:09+02:00", NOW) == dt.datetime(2026, 3, 2, 5, 14, 9, tzinfo=dt.UTC)
    assert parse_time("yesterday", NOW) is NOW
    assert parse_time("", NOW) is NOW
    assert parse_time(None, NOW) is NOW


# -- the state table's records -----------------------------------------------------------------------
def test_a_record_survives_the_state_table_round_trip() -> None:
    original = record(opened=NOW, occurrences=3, seen=["a", "b"], report=True)
    original.untold = 2
    data = original.to_dict()
    assert data["key"] == "backup-failed:t1" and data["occurrences"] == 3 and data["untold"] == 2
    assert data["seen"] == ["a", "b"] and data["report"] is True and data["told"] == _iso(NOW)
    assert AlertRecord.from_dict(data) == original


def test_an_old_record_without_counts_reads_as_told_once() -> None:
    data = record(opened=NOW).to_dict()
    for field in ("occurrences", "untold", "seen", "report"):
        del data[field]
    back = AlertRecord.from_dict(data)
    assert (back.occurrences, back.untold, back.seen, back.report) == (1, 0, [], False)


def test_the_keys_a_batch_needs_are_those_it_opens_and_resolves() -> None:
    signals = [opens("a:1"), resolves("b:1", "b:2"), Signal(ignored="info")]
    assert keys_of(signals) == {"a:1", "b:1", "b:2"}
    assert keys_of([]) == set()


# -- deciding ----------------------------------------------------------------------------------------
def test_a_new_alert_is_told_and_remembered_from_its_event_time() -> None:
    when = NOW - dt.timedelta(minutes=3)
    decision = decide([opens(when=when)], {}, now=NOW, repeat_window=DAY)
    assert [n.key for n in decision.notices] == ["backup-failed:t1"] and decision.opened == 1
    saved = decision.save["backup-failed:t1"]
    assert (saved.opened, saved.last_seen, saved.told) == (_iso(when), _iso(when), _iso(NOW))
    assert (saved.occurrences, saved.untold, saved.seen, saved.report) == (1, 0, ["job-1"], False)
    assert decision.delete == set()


def test_an_alert_without_an_event_time_is_remembered_from_now() -> None:
    decision = decide([opens(when=None)], {}, now=NOW, repeat_window=DAY)
    saved = decision.save["backup-failed:t1"]
    assert saved.opened == saved.last_seen == _iso(NOW)


def test_a_repeat_within_the_window_is_counted_not_told() -> None:
    records = {"backup-failed:t1": record(opened=NOW - dt.timedelta(hours=2))}
    later = NOW - dt.timedelta(minutes=1)
    decision = decide([opens(occurrence="job-2", when=later)], records, now=NOW, repeat_window=DAY)
    assert decision.notices == [] and decision.suppressed == 1 and decision.repeated == 0
    saved = decision.save["backup-failed:t1"]
    assert (saved.occurrences, saved.untold, saved.seen) == (2, 1, ["job-0", "job-2"])
    assert saved.last_seen == _iso(later) and saved.notice.time == _iso(later)


def test_a_late_repeat_does_not_move_the_last_seen_time_back() -> None:
    last = NOW - dt.timedelta(minutes=10)
    records = {"backup-failed:t1": record(opened=NOW - dt.timedelta(hours=2), last_seen=last)}
    earlier = NOW - dt.timedelta(hours=1)
    decision = decide([opens(occurrence="job-2", when=earlier)], records, now=NOW, repeat_window=DAY)
    assert decision.save["backup-failed:t1"].last_seen == _iso(last)


def test_a_repeat_exactly_one_window_after_it_was_told_is_told_again_with_its_count() -> None:
    opened = NOW - DAY
    records = {"backup-failed:t1": record(opened=opened, told=NOW - DAY, occurrences=4)}
    decision = decide([opens(occurrence="job-9")], records, now=NOW, repeat_window=DAY)
    [told] = decision.notices
    assert decision.repeated == 1 and decision.suppressed == 0
    assert (told.occurrences, told.opened) == (5, _iso(opened))
    saved = decision.save["backup-failed:t1"]
    assert (saved.told, saved.untold) == (_iso(NOW), 0)


def test_a_repeat_a_second_before_the_window_ends_stays_quiet() -> None:
    records = {"backup-failed:t1": record(opened=NOW - DAY, told=NOW - DAY + dt.timedelta(seconds=1))}
    decision = decide([opens(occurrence="job-9")], records, now=NOW, repeat_window=DAY)
    assert decision.notices == [] and decision.suppressed == 1


def test_a_duplicate_after_the_window_reasserts_the_alert_without_counting_it() -> None:
    records = {"backup-failed:t1": record(opened=NOW - 2 * DAY, seen=["job-1"], occurrences=2)}
    decision = decide([opens(occurrence="job-1")], records, now=NOW, repeat_window=DAY)
    assert len(decision.notices) == 1 and decision.repeated == 1 and decision.duplicates == 0
    assert decision.notices[0].occurrences == 2


def test_a_duplicate_within_the_window_is_counted_as_a_duplicate_only() -> None:
    records = {"backup-failed:t1": record(opened=NOW - dt.timedelta(hours=1), seen=["job-1"])}
    decision = decide([opens(occurrence="job-1")], records, now=NOW, repeat_window=DAY)
    assert (decision.duplicates, decision.suppressed, decision.repeated) == (1, 0, 0)
    assert decision.save["backup-failed:t1"].occurrences == 1


def test_only_the_latest_occurrence_ids_are_remembered() -> None:
    seen = [f"job-{i}" for i in range(SEEN)]
    records = {"backup-failed:t1": record(opened=NOW - dt.timedelta(hours=1), seen=seen)}
    decision = decide([opens(occurrence="job-new")], records, now=NOW, repeat_window=DAY)
    kept = decision.save["backup-failed:t1"].seen
    assert len(kept) == SEEN == 20 and kept[0] == "job-1" and kept[-1] == "job-new"


def test_a_report_already_sent_is_never_told_again_and_keeps_its_first_text() -> None:
    records = {"restore-test-report:r": record("restore-test-report:r", opened=NOW - 3 * DAY, report=True)}
    first_text = records["restore-test-report:r"].notice
    decision = decide(
        [opens("restore-test-report:r", occurrence="again")], records, now=NOW, repeat_window=DAY
    )
    assert decision.notices == [] and decision.repeated == 0
    assert decision.save["restore-test-report:r"].notice == first_text
    # a success never resolves a report
    decision = decide([resolves("restore-test-report:r")], records, now=NOW, repeat_window=DAY)
    assert decision.notices == [] and decision.delete == set()


def test_a_new_report_is_remembered_as_a_report() -> None:
    signal = Signal(opening=Opening(notice("restore-test-report:r"), "run-1", report=True))
    decision = decide([signal], {}, now=NOW, repeat_window=DAY)
    assert decision.save["restore-test-report:r"].report is True


def test_a_resolution_says_what_succeeded_how_long_and_how_often_it_failed() -> None:
    opened = dt.datetime(2026, 3, 9, 7, 30, tzinfo=dt.UTC)
    records = {"backup-failed:t1": record(opened=opened, occurrences=3)}
    decision = decide([resolves("backup-failed:t1", when=NOW)], records, now=NOW, repeat_window=DAY)
    [told] = decision.notices
    assert told.level is Level.RESOLVED
    assert told.what == (
        "backup job J completed; open 25 h 30 min, backup job failed 3 times since 2026-03-09 07:30 UTC"
    )
    assert (told.why, told.fix, told.details) == (None, None, [])
    assert (told.time, told.opened, told.occurrences, told.open_minutes) == (
        _iso(NOW),
        _iso(opened),
        3,
        1530.0,
    )
    assert decision.resolved == 1 and decision.delete == {"backup-failed:t1"} and decision.save == {}


def test_a_failure_seen_once_is_resolved_as_once() -> None:
    records = {"backup-failed:t1": record(opened=NOW - dt.timedelta(minutes=5))}
    decision = decide([resolves("backup-failed:t1")], records, now=NOW, repeat_window=DAY)
    assert decision.notices[0].what.endswith("backup job failed once since 2026-03-10 08:55 UTC")
    assert "open 5 min" in decision.notices[0].what


def test_a_success_at_the_moment_of_the_last_failure_resolves_it() -> None:
    records = {"backup-failed:t1": record(opened=NOW - dt.timedelta(hours=1), last_seen=NOW)}
    decision = decide([resolves("backup-failed:t1", when=NOW)], records, now=NOW, repeat_window=DAY)
    assert decision.resolved == 1


def test_a_success_timed_before_the_alert_opened_is_never_a_negative_duration() -> None:
    # last seen is earlier than opened (a record from out-of-order events): the success still resolves
    opened = NOW
    records = {
        "backup-failed:t1": record(opened=opened, last_seen=NOW - dt.timedelta(hours=2)),
    }
    when = NOW - dt.timedelta(hours=1)
    decision = decide([resolves("backup-failed:t1", when=when)], records, now=NOW, repeat_window=DAY)
    assert decision.notices[0].open_minutes == 0.0
    assert "open less than a minute" in decision.notices[0].what


def test_a_resolution_for_several_keys_resolves_only_the_open_ones() -> None:
    records = {
        "backup-failed:t1": record(opened=NOW - dt.timedelta(hours=1)),
        "backup-expired:t1": record("backup-expired:t1", opened=NOW - dt.timedelta(hours=2)),
    }
    decision = decide(
        [resolves("backup-failed:t1", "backup-partial:t1", "backup-expired:t1")],
        records,
        now=NOW,
        repeat_window=DAY,
    )
    assert [n.key for n in decision.notices] == ["backup-failed:t1", "backup-expired:t1"]
    assert decision.resolved == 2 and decision.delete == {"backup-failed:t1", "backup-expired:t1"}


def test_opened_then_resolved_in_one_batch_replaces_the_opening_in_place() -> None:
    signals = [
        opens("a:1", when=NOW - dt.timedelta(minutes=30)),
        opens("b:1", when=NOW - dt.timedelta(minutes=20)),
        resolves("a:1", when=NOW - dt.timedelta(minutes=10)),
    ]
    decision = decide(signals, {}, now=NOW, repeat_window=DAY)
    assert [(n.key, n.level) for n in decision.notices] == [("a:1", Level.RESOLVED), ("b:1", Level.CRITICAL)]
    assert (decision.opened, decision.resolved) == (1, 1)
    assert set(decision.save) == {"b:1"} and decision.delete == {"a:1"}


def test_a_failure_after_a_resolution_in_one_batch_opens_it_again() -> None:
    records = {"a:1": record("a:1", opened=NOW - dt.timedelta(hours=3))}
    signals = [
        opens("a:1", occurrence="late", when=NOW - dt.timedelta(minutes=5)),
        resolves("a:1", when=NOW - dt.timedelta(minutes=30)),
    ]
    decision = decide(signals, records, now=NOW, repeat_window=DAY)
    assert [n.level for n in decision.notices] == [Level.RESOLVED, Level.CRITICAL]
    assert "a:1" in decision.save and decision.delete == set()
    assert decision.save["a:1"].opened == _iso(NOW - dt.timedelta(minutes=5))


def test_within_one_signal_the_resolution_comes_before_the_opening() -> None:
    records = {"backup-failed:t1": record(opened=NOW - dt.timedelta(hours=1))}
    signal = Signal(
        opening=Opening(notice("backup-issues:t1", kind="backup-issues"), "job-2"),
        resolution=Resolution(("backup-failed:t1",), _iso(NOW), "backup job completed (with issues)"),
    )
    decision = decide([signal], records, now=NOW, repeat_window=DAY)
    assert [(n.key, n.level) for n in decision.notices] == [
        ("backup-failed:t1", Level.RESOLVED),
        ("backup-issues:t1", Level.CRITICAL),
    ]


# -- digests -----------------------------------------------------------------------------------------
def test_notices_are_grouped_most_urgent_first_then_by_kind_and_plan() -> None:
    notices = [
        notice("w:1", kind="protection-removed", level=Level.WARNING),
        notice("r:1", kind="backup-failed", level=Level.RESOLVED),
        notice("c:2", kind="copy-failed"),
        notice("c:1", kind="backup-failed", plan="weekly"),
        notice("c:3", kind="backup-failed", plan="daily"),
        notice("c:4", kind="backup-failed", plan="daily"),
        notice("i:1", kind="coverage-report", level=Level.INFO),
    ]
    digest = build_digest(notices)
    assert [(g.level, g.kind, g.plan, g.count) for g in digest.groups] == [
        (Level.CRITICAL, "backup-failed", "daily", 2),
        (Level.CRITICAL, "backup-failed", "weekly", 1),
        (Level.CRITICAL, "copy-failed", None, 1),
        (Level.WARNING, "protection-removed", None, 1),
        (Level.RESOLVED, "backup-failed", None, 1),
        (Level.INFO, "coverage-report", None, 1),
    ]
    assert level_counts(digest) == {"critical": 4, "warning": 1, "resolved": 1, "info": 1}
    assert digest.groups[0].title == "Backup job failed"


def test_a_notice_told_twice_in_a_digest_is_counted_twice_but_listed_once() -> None:
    digest = build_digest([notice("a:1"), notice("a:1"), notice("a:2")])
    [group] = digest.groups
    assert group.count == 3 and [n.key for n in group.items] == ["a:1", "a:2"]


def test_a_group_lists_the_first_few_and_counts_all() -> None:
    digest = build_digest([notice(f"a:{i}") for i in range(LISTED + 2)])
    [group] = digest.groups
    assert LISTED == 5 and group.count == 7
    assert [n.key for n in group.items] == [f"a:{i}" for i in range(LISTED)]


def test_merging_digests_adds_counts_and_fills_the_list_without_repeats() -> None:
    first = build_digest([notice("a:1"), notice("a:2")])
    second = build_digest([notice("a:2"), notice("a:3"), notice("b:1", kind="copy-failed")])
    merged = merge([first, None, second])
    assert [(g.kind, g.count, [n.key for n in g.items]) for g in merged.groups] == [
        ("backup-failed", 4, ["a:1", "a:2", "a:3"]),
        ("copy-failed", 1, ["b:1"]),
    ]
    # the digests merged are left as they were (a held digest is not changed by a merge)
    assert [n.key for n in first.groups[0].items] == ["a:1", "a:2"] and first.groups[0].count == 2


def test_merging_never_lists_more_than_the_first_few() -> None:
    first = build_digest([notice(f"a:{i}") for i in range(4)])
    second = build_digest([notice(f"b:{i}") for i in range(4)])
    [group] = merge([first, second]).groups
    assert group.count == 8 and [n.key for n in group.items] == ["a:0", "a:1", "a:2", "a:3", "b:0"]


def test_merging_keeps_plans_and_levels_apart() -> None:
    merged = merge(
        [
            build_digest([notice("a:1", plan="daily")]),
            build_digest([notice("a:1", plan="weekly"), notice("a:1", level=Level.RESOLVED)]),
        ]
    )
    assert [(g.level, g.plan, g.count) for g in merged.groups] == [
        (Level.CRITICAL, "daily", 1),
        (Level.CRITICAL, "weekly", 1),
        (Level.RESOLVED, None, 1),
    ]


def test_merging_nothing_is_an_empty_digest() -> None:
    assert merge([None, Digest()]).empty
    assert level_counts(Digest()) == {}


def test_a_resolution_without_a_readable_time_resolves_as_of_now() -> None:
    records = {"backup-failed:t1": record(opened=NOW - dt.timedelta(minutes=30))}
    signal = Signal(resolution=Resolution(("backup-failed:t1",), "", "backup job J completed"))
    decision = decide([signal], records, now=NOW, repeat_window=DAY)
    assert decision.resolved == 1 and decision.notices[0].open_minutes == 30.0


def test_a_record_with_unreadable_times_is_resolved_as_if_opened_now() -> None:
    broken = record(opened=NOW - dt.timedelta(hours=1))
    broken.opened, broken.last_seen = "garbled", "garbled"
    decision = decide(
        [resolves("backup-failed:t1")], {"backup-failed:t1": broken}, now=NOW, repeat_window=DAY
    )
    assert decision.resolved == 1 and "open less than a minute" in decision.notices[0].what


def test_an_out_of_order_success_for_one_key_still_resolves_the_others() -> None:
    records = {
        "backup-failed:t1": record(opened=NOW - dt.timedelta(hours=2), last_seen=NOW),
        "backup-expired:t1": record("backup-expired:t1", opened=NOW - dt.timedelta(hours=2)),
    }
    when = NOW - dt.timedelta(hours=1)
    decision = decide(
        [resolves("backup-failed:t1", "backup-expired:t1", when=when)], records, now=NOW, repeat_window=DAY
    )
    assert [n.key for n in decision.notices] == ["backup-expired:t1"]
    assert decision.delete == {"backup-expired:t1"}


def test_how_long_it_was_open_is_kept_to_a_tenth_of_a_minute() -> None:
    records = {"backup-failed:t1": record(opened=NOW - dt.timedelta(seconds=100))}
    decision = decide([resolves("backup-failed:t1")], records, now=NOW, repeat_window=DAY)
    assert decision.notices[0].open_minutes == 1.7


def test_opened_and_resolved_in_one_batch_leaves_the_others_counted_as_opened() -> None:
    signals = [opens(f"k:{i}", when=NOW - dt.timedelta(minutes=30 - i)) for i in range(3)]
    signals.append(resolves("k:0", when=NOW - dt.timedelta(minutes=5)))
    decision = decide(signals, {}, now=NOW, repeat_window=DAY)
    assert (decision.opened, decision.resolved, len(decision.notices)) == (2, 1, 3)


def test_several_repeats_in_one_batch_are_each_counted() -> None:
    records = {"backup-failed:t1": record(opened=NOW - dt.timedelta(hours=1), seen=["job-0"])}
    signals = [opens(occurrence=f"job-{i}", when=NOW - dt.timedelta(minutes=10 - i)) for i in (1, 2, 0, 0)]
    decision = decide(signals, records, now=NOW, repeat_window=DAY)
    saved = decision.save["backup-failed:t1"]
    assert (saved.occurrences, saved.untold) == (3, 2)
    assert (decision.suppressed, decision.duplicates) == (2, 2)
