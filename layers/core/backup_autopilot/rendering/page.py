"""The report page: the Jinja2 template, autoescaped, with the plots inlined."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from backup_autopilot.rendering.plots import all_plots

if TYPE_CHECKING:
    import datetime as dt

    from backup_autopilot.logic.report.build import Report

TEMPLATES = Path(__file__).parent / "templates"


def _hours(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} h" if value < 72 else f"{value / 24:.1f} d"


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _when(value: dt.datetime | None) -> str:
    return "never" if value is None else f"{value:%Y-%m-%d %H:%M}"


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(hours=_hours, minutes=_minutes, percent=_percent, when=_when)
    return environment


def render(report: Report) -> str:
    """The page for ``report`` (plots rendered here: leather escapes the text it writes)."""
    plots = {name: Markup(svg) for name, svg in all_plots(report).items()}
    return (
        _environment().get_template("report.html.j2").render(report=report, totals=report.totals, plots=plots)
    )
