"""How often a plan rule runs, read from its schedule expression (pure)."""

from __future__ import annotations

import datetime as dt
import itertools
import re

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


def _every(field: str) -> bool:
    return field in {"*", "?"}


def interval_of(expression: str) -> dt.timedelta:
    """The (longest) interval between two runs of an AWS schedule expression.

    ``cron(0 5 ? * * *)`` -> 1 day, ``cron(0 5 ? * 1 *)`` -> 7 days, ``cron(0 5 1 * ? *)`` -> 31 days,
    ``cron(0 */4 * * ? *)`` -> 4 hours, ``rate(12 hours)`` -> 12 hours. Unknown forms: 1 day.
    """
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        return dt.timedelta(seconds=int(rate.group(1)) * _UNITS[rate.group(2).rstrip("s")])
    if not (expression.startswith("cron(") and expression.endswith(")")):
        return dt.timedelta(days=1)
    fields = expression[5:-1].split()
    if len(fields) != 6:
        return dt.timedelta(days=1)
    _minute, hour, day_of_month, month, day_of_week, _year = fields
    if not _every(month):
        return dt.timedelta(days=366)
    if not _every(day_of_month):
        return dt.timedelta(days=31)
    if not _every(day_of_week):
        return dt.timedelta(days=7)
    step = re.fullmatch(r"(?:\*|\d+)/(\d+)", hour)
    if step:
        return dt.timedelta(hours=int(step.group(1)))
    if hour == "*":
        return dt.timedelta(hours=1)
    if "," in hour:
        hours = sorted(int(h) for h in hour.split(","))
        gaps = [b - a for a, b in itertools.pairwise(hours)] + [24 - hours[-1] + hours[0]]
        return dt.timedelta(hours=max(gaps))
    return dt.timedelta(days=1)
