"""The report's plots: leather charts rendered to inline SVG text.

leather is pure Python over :mod:`xml.etree` (it escapes the text it writes), draws in tens of
milliseconds and writes the same bytes for the same report (no random id, no date). It has no
stacked bars and no second axis, so: a stacked day is two columns drawn over each other (the
total behind, the good part in front: what shows of the total is the bad part), and coverage is
two charts side by side (share within RPO, resources out of RPO).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

import leather
from leather import theme

if TYPE_CHECKING:
    from collections.abc import Sequence

    from backup_autopilot.logic.report.build import Report
    from backup_autopilot.logic.report.trends import Series

GOOD, BAD, NEUTRAL, LINE = "#2e7d32", "#c62828", "#9e9e9e", "#1565c0"
DESTINATION_COLOURS = (LINE, "#6a1b9a", "#ef6c00", NEUTRAL)
WIDTH, HEIGHT = 720, 260
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif'  # the page's

# leather's theme is module settings (its documented way to style): the page's font, smaller text
# (the widths are leather's estimates for laying out labels), a white background, grey grid lines
for _part in ("title", "legend", "axis_title", "tick"):
    setattr(theme, f"{_part}_font_family", FONT)
theme.title_font_size, theme.title_font_char_height, theme.title_font_char_width = 13, 13, 7
theme.legend_font_size, theme.legend_font_char_height, theme.legend_font_char_width = 11, 11, 6.5
theme.axis_title_font_size, theme.axis_title_font_char_height, theme.axis_title_font_char_width = 11, 11, 6
theme.axis_title_gap = 10
theme.tick_font_size, theme.tick_font_char_height, theme.tick_font_char_width = 10, 10, 6
theme.background_color, theme.tick_color, theme.title_color = "#ffffff", "#e0e0e0", "#222"
theme.margin = 0.045  # room for the last date label, centred on the right edge


#: a coordinate attribute (leather computes in Decimal: 28 digits, sometimes ``0E-25``)
COORDINATE = re.compile(r'( (?:x|y|x1|x2|y1|y2|cx|cy|width|height)=")([-0-9.E]+)(")')


def _round(match: re.Match[str]) -> str:
    return f"{match[1]}{float(match[2]):.1f}".removesuffix(".0") + match[3]


def _svg(drawing: Any, width: int = WIDTH, height: int = HEIGHT) -> str:
    """The chart (or grid) as an ``<svg>`` element: no XML prolog, coordinates to a tenth of a
    pixel, and a ``viewBox`` so that the page can scale it to its column."""
    buffer = io.StringIO()
    drawing.to_svg(buffer, width=width, height=height)
    text = buffer.getvalue()
    text = COORDINATE.sub(_round, text[text.index("<svg") :])
    return text.replace("<svg ", f'<svg viewBox="0 0 {width} {height}" ', 1)


def _message(title: str, message: str) -> str:
    """An empty plot: its title and why there is nothing to draw (leather draws no chart without data)."""
    root = ET.Element("svg", width=str(WIDTH), height="80", version="1.1", xmlns="http://www.w3.org/2000/svg")
    root.set("viewBox", f"0 0 {WIDTH} 80")
    style = {"font-family": FONT, "fill": theme.title_color}
    ET.SubElement(root, "text", {**style, "x": "8", "y": "20", "font-size": "13"}).text = title
    centred = {**style, "x": str(WIDTH // 2), "y": "55", "text-anchor": "middle"}
    ET.SubElement(root, "text", centred).text = message
    return ET.tostring(root, encoding="unicode")


def _whole(value: Any, index: int, count: int) -> str:
    return f"{value:g}"


def _day(value: Any, index: int, count: int) -> str:
    return f"{value:%m-%d}"


def _every(step: int) -> Any:
    """Ordinal tick labels: every ``step``-th (a month of days would overlap)."""
    return lambda value, index, count: value if index % step == 0 else ""


def _moment(value: dt.date) -> dt.datetime:
    """``value`` as a naive UTC datetime: leather's time scale counts from ``datetime.min`` (naive),
    and over a short span it ticks hours, which a date cannot do."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return dt.datetime.combine(value, dt.time())


def _timed(series: Sequence[tuple[dt.date, float]]) -> list[tuple[dt.datetime, float]]:
    return [(_moment(moment), value) for moment, value in series]


def _time_scale(chart: leather.Chart, moments: Sequence[dt.date]) -> None:
    """The time axis over ``moments`` (a single moment gets a day either side: leather needs a span)."""
    first, last = _moment(min(moments)), _moment(max(moments))
    if first == last:
        first, last = first - dt.timedelta(days=1), last + dt.timedelta(days=1)
    chart.add_x_scale(first, last)
    chart.add_x_axis(tick_formatter=_day)


def _count_scale(chart: leather.Chart, values: Sequence[float], name: str, top: float | None = None) -> None:
    chart.add_y_scale(0, top if top is not None else max([1.0, *values]))
    chart.add_y_axis(tick_formatter=_whole, name=name)


def _stacked(title: str, good: Series, bad: Series, labels: tuple[str, str], axis: str, every: int) -> str:
    """Columns per day or week: the total (``labels[1]``, red) behind, the good part (green) in front."""
    if not good:
        return _message(title, "no data yet")
    failed = dict(bad)
    days = [(f"{day:%m-%d}", value, value + failed.get(day, 0.0)) for day, value in good]
    chart = leather.Chart(title)
    chart.add_columns([(label, total) for label, _, total in days], name=labels[1], fill_color=BAD)
    chart.add_columns([(label, ok) for label, ok, _ in days], name=labels[0], fill_color=GOOD)
    chart.add_x_axis(tick_formatter=_every(every))
    _count_scale(chart, [total for _, _, total in days], axis)
    return _svg(chart)


def coverage_trend(report: Report) -> str:
    title = "Within RPO, 90 days (% of tagged)"
    percent = report.trends.coverage.get("within_rpo_percent", [])
    out = report.trends.coverage.get("out_of_rpo", [])
    if not percent:
        return _message(title, "no daily coverage snapshot yet")
    share = leather.Chart(title)
    share.add_line(_timed(percent), stroke_color=LINE)
    _time_scale(share, [day for day, _ in percent])
    _count_scale(share, [value for _, value in percent], "%", top=100)
    outside = leather.Chart("Out of RPO, 90 days (resources)")
    outside.add_line(_timed(out or [(day, 0.0) for day, _ in percent]), stroke_color=BAD)
    _time_scale(outside, [day for day, _ in out or percent])
    _count_scale(outside, [value for _, value in out], "resources")
    grid = leather.Grid()
    grid.add_many([share, outside])
    return _svg(grid)


def backup_jobs_trend(report: Report) -> str:
    jobs = report.trends.backup_jobs
    return _stacked(
        "Backup jobs per day, 30 days",
        jobs.get("completed", []),
        jobs.get("failed", []),
        ("completed", "failed/expired/partial"),
        "backup jobs",
        every=5,
    )


def copy_lag(report: Report) -> str:
    title = "Copy lag per destination, 30 days (minutes after the backup)"
    destinations = [d for d in report.copies if d.lags]
    if not destinations:
        return _message(title, "no completed copy in 30 days")
    chart = leather.Chart(title)
    for index, destination in enumerate(destinations):
        minutes = _timed([(moment, lag / 60) for moment, lag in destination.lags])
        colour = DESTINATION_COLOURS[index % len(DESTINATION_COLOURS)]
        chart.add_dots(minutes, name=destination.destination, fill_color=colour, radius=3)
    _time_scale(chart, [moment for d in destinations for moment, _ in d.lags])
    _count_scale(chart, [lag / 60 for d in destinations for _, lag in d.lags], "minutes")
    return _svg(chart)


def restore_tests_trend(report: Report) -> str:
    tests = report.trends.restore_tests
    return _stacked(
        "Restore tests per week, 90 days",
        tests.get("passed", []),
        tests.get("failed", []),
        ("passed", "failed"),
        "restore tests",
        every=1,
    )


def restore_times(report: Report) -> str:
    title = "Restore time per type, 90 days: median, and the slowest behind it"
    rows = [r for r in report.restore_types if r.max_minutes is not None]
    if not rows:
        return _message(title, "no restore test in 90 days")
    slowest = [(r.resource_type, r.max_minutes or 0.0) for r in rows]
    chart = leather.Chart(title)
    chart.add_columns(slowest, name="slowest", fill_color="#ef9a9a")
    chart.add_columns(
        [(r.resource_type, r.median_minutes or 0.0) for r in rows], name="median", fill_color=LINE
    )
    _count_scale(chart, [minutes for _, minutes in slowest], "minutes to restore")
    return _svg(chart)


def sla_by_plan(report: Report) -> str:
    title = "SLA per plan, 30 days: recovery points made / expected (%)"
    plans = [(100 * (p.ratio or 0.0), p.plan) for p in report.plans if p.ratio is not None]
    if not plans:
        return _message(title, "no plan has a full interval yet")
    chart = leather.Chart(title)
    chart.add_bars(plans, fill_color=lambda datum: GOOD if datum.x >= 99 else BAD)
    chart.add_x_scale(0, 100)
    chart.add_x_axis(tick_formatter=_whole, name="%")
    return _svg(chart, height=90 + 36 * len(plans))


def all_plots(report: Report) -> dict[str, str]:
    """Every plot of the page, by its id."""
    return {
        "plot-coverage": coverage_trend(report),
        "plot-sla": sla_by_plan(report),
        "plot-backup-jobs": backup_jobs_trend(report),
        "plot-copy-lag": copy_lag(report),
        "plot-restore-times": restore_times(report),
        "plot-restore-tests": restore_tests_trend(report),
    }
