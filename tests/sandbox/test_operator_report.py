"""The operator view against a simulated month (sandbox/month.py): the report's first table names
exactly the resources out of RPO with the right reasons, every metric the dashboard reads is
emitted, and the page passes its browser test (headless Chromium from Debian's packages)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from bench.apicalls import CALL_BUDGETS, ApiCallCounter
from bench.restore_tests import PerInvocation
from sandbox import Sandbox
from sandbox.month import EXPECTED_OUT_OF_RPO, run_month
from sandbox.operator_report import make_report, summary_lines
from tests.browser import ARTIFACTS, open_page

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.slow
DASHBOARD_NAMESPACE = "BackupAutopilot"
SEARCH = re.compile(r"SEARCH\('\{(?P<schema>[^}]*)\} MetricName=\"(?P<name>\w+)\"")


@dataclass
class MonthWorld:
    summary: dict[str, Any]
    html: str
    page: Path
    #: (namespace, name) -> the dimension names of each emitted series
    metrics: dict[tuple[str, str], list[frozenset[str]]]
    dashboard: dict[str, Any]
    arns: dict[str, str]
    report_runs: int
    lines: list[str]
    #: AWS requests of each ReportFunction run
    report_calls: list[int]


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> MonthWorld:
    with Sandbox() as sb, ApiCallCounter(sb) as calls, PerInvocation(sb, calls) as measured:
        played = run_month(sb, days=30)
        report = make_report(sb)
        page = report.save(tmp_path_factory.mktemp("report") / "report.html")
        metrics: dict[tuple[str, str], list[frozenset[str]]] = {}
        for key in sb.cloudwatch.metrics.keys():  # noqa: SIM118 - a MetricStore, not a dict
            metrics.setdefault((key.namespace, key.name), []).append(frozenset(n for n, _ in key.dimensions))
        name = sb.physical_id("OperatorDashboard")
        body = sb.client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"]
        runs = sum(1 for i in sb.invocations if i.function == "ReportFunction" and i.outcome == "success")
        return MonthWorld(
            summary=report.summary,
            html=report.html,
            page=page,
            metrics=metrics,
            dashboard=json.loads(body),
            arns=played.arns,
            report_runs=runs,
            lines=summary_lines(report.summary, page),
            report_calls=[item.calls.total() for item in measured.of("ReportFunction")],
        )


def test_the_first_table_names_exactly_the_resources_out_of_rpo_with_their_reasons(month: MonthWorld) -> None:
    # GIVEN a month with a failed copy, a failed restore test, an untagged plan change, a missed tag
    # event and three standing problems  THEN only the resources without a recent point are listed
    rows = {row["name"]: row for row in month.summary["out_of_rpo"]}
    assert {name: row["cause"] for name, row in rows.items()} == EXPECTED_OUT_OF_RPO
    assert "'Daily' is not an assignable plan" in rows["audit"]["reason"]
    assert "did you mean 'daily'?" in rows["audit"]["fix"]
    assert rows["raw-logs"]["fix"] == "enable versioning on bucket raw-logs"
    assert "FAILED" in rows["payments"]["reason"] and "kms:CreateGrant" in rows["payments"]["reason"]
    assert "KMS key" in rows["payments"]["fix"]
    assert "tag event did not arrive" in rows["late-arrivals"]["reason"]
    # the resources behind the other injected failures are within their RPO
    assert not {"orders", "customers", "invoices"} & set(rows)


def test_the_other_sections_show_the_injected_failures(month: MonthWorld) -> None:
    copies = month.summary["copies"]
    dr = next(value for key, value in copies.items() if key.endswith(":us-west-2"))
    assert dr["failed"] >= 1 and dr["completed"] > 30  # the KMS-denied copy, and a month of copies
    assert dr["missing"] == 0  # the copy sweep copied the denied point again
    assert month.summary["restore_tests"]["S3"]["failed"] >= 1  # the empty S3 restores
    assert month.summary["restore_tests"]["DynamoDB"]["failed"] == 0
    assert month.summary["sla_by_plan"]["weekly"] == 1.0  # the reconcile made up for the lost selection
    assert month.report_runs >= 29  # daily in the sandbox (ReportSchedule): the trends' snapshots
    assert 'data-resource="arn:aws:dynamodb:us-east-1:123456789012:table/payments"' in month.html


def _dashboard_metrics(dashboard: dict[str, Any]) -> set[tuple[str, str, frozenset[str]]]:
    """(namespace, metric name, dimension names) of every metric a widget reads."""
    found: set[tuple[str, str, frozenset[str]]] = set()
    for widget in dashboard["widgets"]:
        for entry in widget.get("properties", {}).get("metrics", []):
            for item in entry:
                if isinstance(item, dict) and "expression" in item:
                    for match in SEARCH.finditer(item["expression"]):
                        namespace, *dimensions = match["schema"].split(",")
                        found.add((namespace, match["name"], frozenset(dimensions)))
            if entry and isinstance(entry[0], str):
                namespace, name, *rest = [item for item in entry if isinstance(item, str)]
                found.add((namespace, name, frozenset(rest[0::2])))
    return found


def test_every_backupautopilot_metric_the_dashboard_reads_is_emitted(month: MonthWorld) -> None:
    read = _dashboard_metrics(month.dashboard)
    ours = {(name, dims) for namespace, name, dims in read if namespace == DASHBOARD_NAMESPACE}
    assert len(ours) >= 20
    missing = sorted(
        name for name, dims in ours if dims not in month.metrics.get((DASHBOARD_NAMESPACE, name), [])
    )
    assert missing == [], f"read by the dashboard, never emitted with those dimensions: {missing}"
    # AWS Backup's own metrics are vended by AWS (not emitted by the sandbox): only names AWS documents
    vended = {name for namespace, name, _ in read if namespace == "AWS/Backup"}
    assert vended <= {
        "NumberOfBackupJobsCompleted",
        "NumberOfBackupJobsFailed",
        "NumberOfCopyJobsFailed",
        "NumberOfRestoreJobsFailed",
    }


def test_the_page_passes_its_browser_test(month: MonthWorld) -> None:
    # GIVEN the page in headless Chromium  THEN no console error, the first table's rows, the plots
    with open_page(month.page, screenshot=ARTIFACTS / "report.png") as loaded:
        assert loaded.console_errors == []
        assert all(url.startswith(("file:", "data:")) for url in loaded.requests)  # no external asset
        page = loaded.page
        rows = page.locator("#out-of-rpo tbody tr")
        shown = sorted(rows.nth(i).get_attribute("data-resource") or "" for i in range(rows.count()))
        assert shown == sorted(month.arns[name] for name in EXPECTED_OUT_OF_RPO)
        plots = page.locator("figure svg")
        assert plots.count() == 6
        for index in range(plots.count()):
            box = plots.nth(index).bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 50
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_the_one_screen_summary_fits_a_screen(month: MonthWorld) -> None:
    assert len(month.lines) <= 24
    assert month.lines[0].startswith("report: ")
    assert any("OUT OF RPO DynamoDB payments" in line for line in month.lines)


def test_each_report_run_costs_its_budget_of_api_calls(month: MonthWorld) -> None:
    per_run, per_container = CALL_BUDGETS[("ReportFunction", "daily run, a month's inventory")]
    calls = month.report_calls
    assert len(calls) >= month.report_runs >= 29
    assert max(calls) <= per_run + per_container
    # only a new container (its first run) reads what a container caches
    assert sorted(calls)[len(calls) // 2] <= per_run, calls
