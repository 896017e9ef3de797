"""The report's plots: matplotlib figures rendered to inline SVG text (deterministic output)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import matplotlib as mpl

mpl.use("svg")  # no display, no GUI toolkit: the SVG backend only

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    import datetime as dt

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from backup_autopilot.logic.report.build import Report
    from backup_autopilot.logic.report.trends import Series

GOOD, BAD, NEUTRAL, LINE = "#2e7d32", "#c62828", "#9e9e9e", "#1565c0"
STYLE: Any = {
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",  # text stays text (the page's font), the SVG stays small
}


def _svg(figure: Figure, name: str) -> str:
    """The figure as an ``<svg>`` element (no XML prolog), ids salted by ``name`` so that several
    plots on one page never share a clip-path id."""
    buffer = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": name}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _figure() -> tuple[Figure, Axes]:
    figure, axes = plt.subplots(figsize=(7.2, 2.6), layout="constrained")
    return figure, axes


def _dates(axes: Axes) -> None:
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))  # type: ignore[no-untyped-call]
    axes.tick_params(axis="x", labelrotation=0)


def _xy(series: Series) -> tuple[list[float], list[float]]:
    """Days as matplotlib's date numbers, and the values."""
    return [_num(day) for day, _ in series], [value for _, value in series]


def _num(moment: dt.date) -> float:
    return float(mdates.date2num(moment))  # type: ignore[no-untyped-call]


def _stacked(axes: Axes, good: Series, bad: Series, labels: tuple[str, str], width: float) -> None:
    days, ok = _xy(good)
    _, failed = _xy(bad)
    axes.bar(days, ok, width=width, color=GOOD, label=labels[0])
    axes.bar(days, failed, width=width, bottom=ok, color=BAD, label=labels[1])
    axes.legend(loc="upper left", frameon=False, ncols=2)
    _dates(axes)


def coverage_trend(report: Report) -> str:
    figure, axes = _figure()
    with mpl.rc_context(STYLE):
        days, percent = _xy(report.trends.coverage.get("within_rpo_percent", []))
        axes.plot(days, percent, color=LINE, marker="o", markersize=3, label="within RPO (%)")
        axes.set_ylim(0, 105)
        axes.set_ylabel("% of tagged resources")
        twin = axes.twinx()
        out_days, out = _xy(report.trends.coverage.get("out_of_rpo", []))
        twin.bar(out_days, out, color=BAD, alpha=0.35, width=0.8, label="out of RPO")
        twin.set_ylabel("out of RPO")
        twin.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.legend(loc="lower left", frameon=False)
        _dates(axes)
        axes.set_title("Coverage, 90 days: share within RPO, and resources out of RPO", loc="left")
    return _svg(figure, "coverage")


def backup_jobs_trend(report: Report) -> str:
    figure, axes = _figure()
    with mpl.rc_context(STYLE):
        jobs = report.trends.backup_jobs
        _stacked(
            axes,
            jobs.get("completed", []),
            jobs.get("failed", []),
            ("completed", "failed/expired/partial"),
            0.8,
        )
        axes.set_ylabel("backup jobs")
        axes.set_title("Backup jobs per day, 30 days", loc="left")
    return _svg(figure, "backup-jobs")


def copy_lag(report: Report) -> str:
    figure, axes = _figure()
    with mpl.rc_context(STYLE):
        colours = [LINE, "#6a1b9a", "#ef6c00", NEUTRAL]
        for index, destination in enumerate(report.copies):
            if destination.lags:
                times = [_num(moment) for moment, _ in destination.lags]
                minutes = [lag / 60 for _, lag in destination.lags]
                axes.scatter(
                    times, minutes, s=10, color=colours[index % len(colours)], label=destination.destination
                )
        if not any(d.lags for d in report.copies):
            axes.text(
                0.5, 0.5, "no completed copy in 30 days", ha="center", va="center", transform=axes.transAxes
            )
        else:
            axes.legend(loc="upper left", frameon=False)
            _dates(axes)
        axes.set_ylabel("minutes after the backup")
        axes.set_title("Copy lag per destination, 30 days", loc="left")
    return _svg(figure, "copy-lag")


def restore_tests_trend(report: Report) -> str:
    figure, axes = _figure()
    with mpl.rc_context(STYLE):
        tests = report.trends.restore_tests
        _stacked(axes, tests.get("passed", []), tests.get("failed", []), ("passed", "failed"), 5.0)
        axes.set_ylabel("restore tests")
        axes.set_title("Restore tests per week, 90 days", loc="left")
    return _svg(figure, "restore-tests")


def restore_times(report: Report) -> str:
    figure, axes = _figure()
    with mpl.rc_context(STYLE):
        rows = [r for r in report.restore_types if r.max_minutes is not None]
        if rows:
            names = [r.resource_type for r in rows]
            axes.bar(names, [r.median_minutes or 0 for r in rows], color=LINE, label="median")
            axes.scatter(names, [r.max_minutes or 0 for r in rows], color=BAD, zorder=3, label="slowest")
            axes.legend(loc="upper left", frameon=False)
        else:
            axes.text(
                0.5, 0.5, "no restore test in 90 days", ha="center", va="center", transform=axes.transAxes
            )
        axes.set_ylabel("minutes to restore")
        axes.set_title("Restore time per type, 90 days", loc="left")
    return _svg(figure, "restore-times")


def sla_by_plan(report: Report) -> str:
    figure, axes = _figure()
    with mpl.rc_context(STYLE):
        plans = [p for p in report.plans if p.ratio is not None]
        if plans:
            ratios = [100 * (p.ratio or 0) for p in plans]
            axes.barh([p.plan for p in plans], ratios, color=[GOOD if r >= 99 else BAD for r in ratios])
            axes.set_xlim(0, 100)
        else:
            axes.text(
                0.5,
                0.5,
                "no plan has a full interval yet",
                ha="center",
                va="center",
                transform=axes.transAxes,
            )
        axes.set_xlabel("recovery points made / expected (%)")
        axes.set_title("SLA per plan, 30 days", loc="left")
    return _svg(figure, "sla")


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
