"""The operator report, from the sandbox: run the stack's ReportFunction now, fetch its page.

The sandbox never imports the product: the report is made by the deployed function (as its
schedule would), written to the stack's report bucket in moto, and read back from there, exactly
as an operator would read it with ``aws s3 cp``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from sandbox.world import Sandbox

REPORT_FUNCTION = "ReportFunction"
BUCKET_OUTPUT = "ReportBucketName"


@dataclass
class FetchedReport:
    html: str
    summary: dict[str, Any]
    result: dict[str, Any]

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.html, encoding="utf-8")
        path.with_suffix(".json").write_text(json.dumps(self.summary, indent=2), encoding="utf-8")
        return path


def scheduled_event(sb: Sandbox) -> dict[str, Any]:
    """The ``Scheduled Event`` EventBridge sends the function at this (simulated) moment."""
    return {
        "version": "0",
        "id": f"report-{sb.clock.now():%Y%m%dT%H%M%S}",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": sb.account_id,
        "time": sb.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": sb.region,
        "resources": [f"arn:aws:events:{sb.region}:{sb.account_id}:rule/{sb.stack_name}-report"],
        "detail": {},
    }


def make_report(sb: Sandbox) -> FetchedReport:
    """Invoke the report function now and read what it stored (raises when it failed)."""
    invocation = sb.invoke(REPORT_FUNCTION, scheduled_event(sb))
    if invocation.error:
        trace = "".join(invocation.stack_trace or [])
        raise RuntimeError(f"{REPORT_FUNCTION} failed: {invocation.error}\n{trace}")
    s3 = sb.client("s3")
    bucket = sb.outputs[BUCKET_OUTPUT]
    html = s3.get_object(Bucket=bucket, Key="index.html")["Body"].read().decode("utf-8")
    summary = json.loads(s3.get_object(Bucket=bucket, Key="summary.json")["Body"].read())
    return FetchedReport(html, summary, dict(invocation.result or {}))


def summary_lines(summary: dict[str, Any], path: Path | None = None) -> list[str]:
    """A one-screen summary of a report (the demo's last lines, ``python -m sandbox report``)."""
    lines = []
    if path is not None:
        lines.append(f"report: {path}")
    lines.append(
        f"{summary['tagged']} tagged, {summary['protected']} protected, {summary['within_rpo']} within RPO, "
        f"{len(summary['out_of_rpo'])} out of RPO, {summary['open_alerts']} open alerts"
    )
    for row in summary["out_of_rpo"][:8]:
        lines.append(f"  OUT OF RPO {row['type']} {row['name']}: {row['reason']}")
        lines.append(f"      fix: {row['fix']}")
    if len(summary["out_of_rpo"]) > 8:
        lines.append(f"  ... and {len(summary['out_of_rpo']) - 8} more")
    sla = ", ".join(
        f"{plan} {100 * ratio:.1f} %" for plan, ratio in summary["sla_by_plan"].items() if ratio is not None
    )
    lines.append(f"SLA (points made / expected, 30 days): {sla or 'no full interval yet'}")
    for destination, copies in summary["copies"].items():
        lag = copies["median_lag_minutes"]
        lag_text = f"median lag {lag:.0f} min" if lag is not None else "no copy yet"
        lines.append(
            f"copies to {destination}: {copies['completed']} completed, {copies['failed']} failed, "
            f"{copies['missing']} missing; {lag_text}"
        )
    for resource_type, tests in summary["restore_tests"].items():
        slowest = tests["max_minutes"]
        slowest_text = f", slowest {slowest:.0f} min" if slowest is not None else ""
        lines.append(
            f"restore tests {resource_type}: {tests['passed']} passed, {tests['failed']} failed{slowest_text}"
        )
    return lines


def run(days: int, out: Path) -> int:
    """``python -m sandbox report`` (``make report``): a simulated month, then its report."""
    import time

    from sandbox.month import run_month
    from sandbox.world import Sandbox

    started = time.perf_counter()
    print(f"== a simulated month of {days} days in the sandbox (injected failures: sandbox/month.py)")
    with Sandbox() as sb:
        run_month(sb, days=days, progress=lambda line: print(f"   {line}", flush=True))
        report = make_report(sb)
    path = report.save(out).resolve()
    print("== the operator report")
    for line in summary_lines(report.summary, path):
        print(f"   {line}")
    print(f"   (made in {time.perf_counter() - started:.0f} s real time; open {path.as_uri()} in a browser)")
    return 0
