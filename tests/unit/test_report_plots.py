"""The report page's plots (leather SVG): what they draw, that they escape names, that an empty or
one-day history draws a message instead of failing the page, and the same bytes for the same report."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import msgspec
import pytest

from backup_autopilot.logic.report.build import Report, build_report
from backup_autopilot.logic.report.copies import DestinationLag
from backup_autopilot.logic.report.restores import TypeResults
from backup_autopilot.logic.report.sla import PlanSla
from backup_autopilot.logic.report.trends import Trends
from backup_autopilot.rendering import plots
from tests.unit.logic.test_report import NOW, inputs

SVG = "{http://www.w3.org/2000/svg}"
DAY = dt.date(2026, 3, 30)
#: coordinates are rounded to a tenth of a pixel: ratios of heights hold to 2 %


def _empty() -> Report:
    return msgspec.structs.replace(build_report(inputs()), trends=Trends())


def _rects(svg: str, fill: str) -> list[ET.Element]:
    """The bars or columns drawn in ``fill`` (not the legend's swatches)."""
    series = [
        g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") in ("series bars", "series columns")
    ]
    return [rect for g in series for rect in g.iter(f"{SVG}rect") if rect.get("fill") == fill]


def _texts(svg: str) -> list[str]:
    return [text.text or "" for text in ET.fromstring(svg).iter(f"{SVG}text")]


def test_an_empty_report_draws_six_messages_not_charts() -> None:
    drawn = plots.all_plots(_empty())
    assert set(drawn) == {
        "plot-coverage",
        "plot-sla",
        "plot-backup-jobs",
        "plot-copy-lag",
        "plot-restore-times",
        "plot-restore-tests",
    }
    assert "no completed copy in 30 days" in _texts(drawn["plot-copy-lag"])
    assert "no restore test in 90 days" in _texts(drawn["plot-restore-times"])
    assert "no daily coverage snapshot yet" in _texts(drawn["plot-coverage"])
    for svg in drawn.values():
        assert svg.startswith("<svg ") and 'viewBox="0 0 720 ' in svg


def test_a_single_day_of_history_is_drawn_over_a_span() -> None:
    # one snapshot and one copy: leather's time scale needs two distinct moments
    trends = Trends(coverage={"within_rpo_percent": [(DAY, 80.0)], "out_of_rpo": [(DAY, 2.0)]})
    lag = DestinationLag("123456789012:us-west-2", completed=1, lags=[(NOW, 600.0)])
    report = msgspec.structs.replace(_empty(), trends=trends, copies=[lag])
    coverage, copies = plots.coverage_trend(report), plots.copy_lag(report)
    assert "03-30" in " ".join(_texts(coverage))
    assert [dot.get("fill") for dot in ET.fromstring(copies).iter(f"{SVG}circle")] == [plots.LINE]


def test_a_stacked_day_shows_its_failures_on_top_of_its_completions() -> None:
    jobs = {"completed": [(DAY, 3.0)], "failed": [(DAY, 1.0)]}
    report = msgspec.structs.replace(_empty(), trends=Trends(backup_jobs=jobs))
    svg = plots.backup_jobs_trend(report)
    (total,), (good,) = _rects(svg, plots.BAD), _rects(svg, plots.GOOD)
    # the red column is the day's 4 jobs, the green one in front of it its 3 completions
    assert float(total.get("height", 0)) / float(good.get("height", 0)) == pytest.approx(4 / 3, rel=0.02)
    assert total.get("x") == good.get("x")
    assert {"completed", "failed/expired/partial"} <= set(_texts(svg))


def test_a_plan_below_99_percent_is_red_and_names_are_escaped() -> None:
    plans = [PlanSla("daily", 3, 100, 100), PlanSla("<b>weekly</b>", 1, 10, 9)]
    report = msgspec.structs.replace(_empty(), plans=plans)
    svg = plots.sla_by_plan(report)
    assert "<b>" not in svg and "&lt;b&gt;weekly&lt;/b&gt;" in svg
    assert len(_rects(svg, plots.GOOD)) == 1 and len(_rects(svg, plots.BAD)) == 1


def test_restore_times_draw_the_slowest_behind_the_median() -> None:
    rows = [TypeResults("DynamoDB", passed=3, minutes=[2.0, 4.0, 12.0])]
    report = msgspec.structs.replace(_empty(), restore_types=rows)
    svg = plots.restore_times(report)
    (slowest,), (median,) = _rects(svg, "#ef9a9a"), _rects(svg, plots.LINE)
    assert float(slowest.get("height", 0)) / float(median.get("height", 0)) == pytest.approx(12 / 4, rel=0.02)


def test_the_same_report_draws_the_same_bytes() -> None:
    jobs = {"completed": [(DAY - dt.timedelta(days=d), float(d)) for d in range(30)], "failed": []}
    report = msgspec.structs.replace(_empty(), trends=Trends(backup_jobs=jobs))
    assert plots.all_plots(report) == plots.all_plots(report)
    assert "E-" not in plots.backup_jobs_trend(report)  # no Decimal exponent left in a coordinate
