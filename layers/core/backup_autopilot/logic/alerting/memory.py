"""Memory across batches: which alerts are open, what is new, what repeats, what is resolved (pure).

One :class:`AlertRecord` per open key (the state table keeps them). For a batch of signals and
the records of their keys, :func:`decide` returns the notices to send and the records to write
or delete:

* a key not open: the alert is told, and remembered (opened, last seen, told at, occurrences);
* a key open: the occurrence is counted ("3 more times since"); it is told again only once the
  repeat window has passed since it was last told; a duplicate (same occurrence id: the same job,
  the same event delivered twice) is not counted;
* a success for an open key: one "resolved" notice saying how long it was open, and the record
  goes; a success older than the last failure resolves nothing (events arrive out of order);
* opened and resolved in the same batch: one notice, the resolution.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from backup_autopilot.models.alerts import Level, Notice

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from backup_autopilot.logic.alerting.classify import Opening, Resolution, Signal

#: occurrence ids remembered per key (duplicates arrive close together)
SEEN = 20


def parse_time(value: str | None, default: dt.datetime) -> dt.datetime:
    if not value:
        return default
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return default
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class AlertRecord(Struct):
    """An open alert (or a report already sent), as the state table keeps it."""

    key: str
    notice: Notice
    opened: str
    last_seen: str
    told: str
    occurrences: int = 1
    #: occurrences since it was last told
    untold: int = 0
    seen: list[str] = field(default_factory=list)
    report: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "notice": self.notice.to_dict(),
            "opened": self.opened,
            "last_seen": self.last_seen,
            "told": self.told,
            "occurrences": self.occurrences,
            "untold": self.untold,
            "seen": self.seen,
            "report": self.report,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertRecord:
        return cls(
            key=str(data["key"]),
            notice=Notice.parse(data["notice"]),
            opened=str(data["opened"]),
            last_seen=str(data["last_seen"]),
            told=str(data["told"]),
            occurrences=int(data.get("occurrences", 1)),
            untold=int(data.get("untold", 0)),
            seen=[str(s) for s in data.get("seen", [])],
            report=bool(data.get("report", False)),
        )


class Decision(Struct):
    notices: list[Notice] = field(default_factory=list)
    save: dict[str, AlertRecord] = field(default_factory=dict)
    delete: set[str] = field(default_factory=set)
    opened: int = 0
    repeated: int = 0
    suppressed: int = 0
    duplicates: int = 0
    resolved: int = 0


def keys_of(signals: Iterable[Signal]) -> set[str]:
    """Every key the signals open or resolve (the records :func:`decide` needs)."""
    keys: set[str] = set()
    for signal in signals:
        if signal.opening is not None:
            keys.add(signal.opening.notice.key)
        if signal.resolution is not None:
            keys.update(signal.resolution.keys)
    return keys


def duration_text(minutes: float) -> str:
    if minutes < 1:
        return "less than a minute"
    if minutes < 90:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    if hours < 48:
        return f"{int(hours)} h {int(minutes % 60)} min"
    return f"{hours / 24:.1f} days"


class _Decider:
    def __init__(self, records: Mapping[str, AlertRecord], now: dt.datetime, window: dt.timedelta) -> None:
        self.state = dict(records)
        self.now = now
        self.window = window
        self.decision = Decision()
        #: keys opened in this batch -> index of their notice
        self.opened_now: dict[str, int] = {}

    def open(self, opening: Opening) -> None:
        notice, d = opening.notice, self.decision
        now_text = self.now.isoformat()
        record = self.state.get(notice.key)
        if record is None:
            record = AlertRecord(
                key=notice.key,
                notice=notice,
                opened=notice.time or now_text,
                last_seen=notice.time or now_text,
                told=now_text,
                seen=[opening.occurrence],
                report=opening.report,
            )
            self.opened_now[notice.key] = len(d.notices)
            d.notices.append(notice)
            d.opened += 1
            self._keep(record)
            return
        duplicate = opening.occurrence in record.seen
        if not duplicate:
            record.occurrences += 1
            record.untold += 1
            record.seen = [*record.seen, opening.occurrence][-SEEN:]
            if parse_time(notice.time, self.now) > parse_time(record.last_seen, self.now):
                record.last_seen = notice.time
        told = parse_time(record.told, self.now)
        if not record.report and self.now - told >= self.window:
            # still open after the window (a duplicate too: the fact is re-asserted): told again
            d.notices.append(notice.replace(opened=record.opened, occurrences=record.occurrences))
            record.told, record.untold = now_text, 0
            d.repeated += 1
        elif duplicate:
            d.duplicates += 1
        else:
            d.suppressed += 1
        record.notice = notice if not record.report else record.notice
        self._keep(record)

    def resolve(self, resolution: Resolution) -> None:
        d = self.decision
        when = parse_time(resolution.time, self.now)
        for key in resolution.keys:
            record = self.state.get(key)
            if record is None or record.report:
                continue
            if when < parse_time(record.last_seen, self.now):
                continue  # a success older than the last failure (out of order): still open
            opened = parse_time(record.opened, self.now)
            minutes = max(0.0, (when - opened).total_seconds() / 60)
            times = "once" if record.occurrences == 1 else f"{record.occurrences} times"
            notice = record.notice.replace(
                level=Level.RESOLVED,
                what=f"{resolution.what}; open {duration_text(minutes)}, "
                f"{record.notice.title.lower()} {times} since {opened:%Y-%m-%d %H:%M} UTC",
                why=None,
                fix=None,
                time=resolution.time,
                opened=record.opened,
                occurrences=record.occurrences,
                open_minutes=round(minutes, 1),
                details=[],
            )
            if key in self.opened_now:
                d.notices[self.opened_now.pop(key)] = notice  # opened and resolved in this batch
                d.opened -= 1
            else:
                d.notices.append(notice)
            d.resolved += 1
            del self.state[key]
            d.save.pop(key, None)
            d.delete.add(key)

    def _keep(self, record: AlertRecord) -> None:
        self.state[record.key] = record
        self.decision.save[record.key] = record
        self.decision.delete.discard(record.key)


def _when(signal: Signal, now: dt.datetime) -> dt.datetime:
    if signal.opening is not None:
        return parse_time(signal.opening.notice.time, now)
    if signal.resolution is not None:
        return parse_time(signal.resolution.time, now)
    return now


def decide(
    signals: Iterable[Signal],
    records: Mapping[str, AlertRecord],
    *,
    now: dt.datetime,
    repeat_window: dt.timedelta,
) -> Decision:
    """The notices a batch deserves, given the open alerts of its keys (see the module docstring).

    Signals are taken in event time order (a batch may hold them out of order); within one
    signal the resolution comes first (a completion "with issues" resolves the failures and
    opens its own alert).
    """
    decider = _Decider(records, now, repeat_window)
    for signal in sorted(signals, key=lambda s: _when(s, now)):
        if signal.resolution is not None:
            # resolve first when the same event also opens something else (completed with issues)
            decider.resolve(signal.resolution)
        if signal.opening is not None:
            decider.open(signal.opening)
    return decider.decision
