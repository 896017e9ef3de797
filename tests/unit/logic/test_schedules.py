"""Plan rule intervals from AWS schedule expressions."""

from __future__ import annotations

import datetime as dt

import pytest

from backup_autopilot.logic.schedules import interval_of


@pytest.mark.parametrize(
    ("expression", "hours"),
    [
        ("cron(0 5 ? * * *)", 24),
        ("cron(0 5 ? * 1 *)", 24 * 7),
        ("cron(0 5 1 * ? *)", 24 * 31),
        ("cron(0 */4 * * ? *)", 4),
        ("cron(0 0/6 * * ? *)", 6),
        ("cron(0 * * * ? *)", 1),
        ("cron(0 1,13 * * ? *)", 12),
        ("cron(0 2,8 * * ? *)", 18),
        ("rate(12 hours)", 12),
        ("rate(1 day)", 24),
        ("rate(30 minutes)", 0.5),
        ("something else", 24),
    ],
)
def test_interval_of(expression: str, hours: float) -> None:
    assert interval_of(expression) == dt.timedelta(hours=hours)
