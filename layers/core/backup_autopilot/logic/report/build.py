"""The whole report from its inputs, its daily snapshot and its metrics (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from backup_autopilot.logic.protection import COVERED_BY_TAG, Outcome
from backup_autopilot.logic.report.copies import DestinationLag, copy_lag, destination_key
from backup_autopilot.logic.report.metrics import MetricPoint, point
from backup_autopilot.logic.report.restores import TypeResults, failing_now, results_by_type
from backup_autopilot.logic.report.rpo import Finding, last_backup, latest_points, out_of_rpo, rpo_of
from backup_autopilot.logic.report.sla import PlanSla, SlaRow, plan_sla, sla_rows
from backup_autopilot.logic.report.trends import BAD_STATES, Trends, trends
from backup_autopilot.logic.resources import parse_resource_arn

if TYPE_CHECKING:
    import datetime as dt

    from backup_autopilot.logic.report.facts import AlertFact, ReportInputs, VerdictFact


class TypeCoverage(Struct):
    """The coverage funnel of one resource type."""

    resource_type: str
    eligible: int = 0
    tagged: int = 0
    protected: int = 0
    within_rpo: int = 0
    out_of_rpo: int = 0
    oldest_hours: float | None = None


class Report(Struct):
    generated: dt.datetime
    account: str
    region: str
    stack_name: str
    out_of_rpo: list[Finding]
    coverage: list[TypeCoverage]
    sla: list[SlaRow]
    plans: list[PlanSla]
    copies: list[DestinationLag]
    restore_types: list[TypeResults]
    failing_tests: list[VerdictFact]
    alerts: list[AlertFact]
    trends: Trends = field(default_factory=Trends)

    @property
    def totals(self) -> TypeCoverage:
        total = TypeCoverage("all")
        for row in self.coverage:
            total.eligible += row.eligible
            total.tagged += row.tagged
            total.protected += row.protected
            total.within_rpo += row.within_rpo
            total.out_of_rpo += row.out_of_rpo
        return total

    def today(self) -> dict[str, float]:
        """The numbers kept for the trends (one snapshot a day)."""
        total = self.totals
        percent = 100.0 * total.within_rpo / total.tagged if total.tagged else 100.0
        made = sum(p.made for p in self.plans)
        expected = sum(p.expected for p in self.plans)
        return {
            "tagged": float(total.tagged),
            "protected": float(total.protected),
            "within_rpo": float(total.within_rpo),
            "out_of_rpo": float(total.out_of_rpo),
            "within_rpo_percent": round(percent, 2),
            "sla_percent": round(100.0 * made / expected, 2) if expected else 100.0,
            "open_alerts": float(len(self.alerts)),
        }

    def summary(self) -> dict[str, Any]:
        """A JSON summary beside the page (what the demo prints)."""
        total = self.totals
        return {
            "generated": self.generated.isoformat(),
            "account": self.account,
            "region": self.region,
            "stack": self.stack_name,
            "tagged": total.tagged,
            "protected": total.protected,
            "within_rpo": total.within_rpo,
            "out_of_rpo": [
                {
                    "resource": f.resource_arn,
                    "name": f.name,
                    "type": f.resource_type,
                    "plan": f.plan,
                    "cause": str(f.cause),
                    "reason": f.reason,
                    "fix": f.fix,
                }
                for f in self.out_of_rpo
            ],
            "sla_by_plan": {p.plan: p.ratio for p in self.plans},
            "copies": {
                c.destination: {
                    "completed": c.completed,
                    "failed": c.failed,
                    "missing": c.missing,
                    "median_lag_minutes": c.median_minutes,
                }
                for c in self.copies
            },
            "restore_tests": {
                r.resource_type: {"passed": r.passed, "failed": r.failed, "max_minutes": r.max_minutes}
                for r in self.restore_types
            },
            "open_alerts": len(self.alerts),
        }


def _coverage(inputs: ReportInputs, findings: list[Finding]) -> list[TypeCoverage]:
    rows: dict[str, TypeCoverage] = {}

    def row(resource_type: str) -> TypeCoverage:
        return rows.setdefault(resource_type, TypeCoverage(resource_type))

    for resource_type in inputs.eligible.values():
        row(resource_type).eligible += 1
    points = latest_points(inputs.points)
    for resource, decision in inputs.decisions():
        ref = decision.resource or parse_resource_arn(resource.arn)
        entry = row(ref.resource_type if ref else "unsupported")
        entry.tagged += 1
        if resource.arn not in inputs.eligible and ref is not None:
            entry.eligible += 1  # tagged, so eligible, though the listing missed it
        if decision.outcome is not Outcome.PROTECTED or decision.plan is None:
            continue
        subject = resource.tags.get(COVERED_BY_TAG) or resource.arn
        latest = last_backup(subject, inputs.protected, points)
        if latest is None:
            continue
        entry.protected += 1
        age = inputs.now - latest
        entry.oldest_hours = max(entry.oldest_hours or 0.0, age.total_seconds() / 3600)
        if age <= rpo_of(decision.plan):
            entry.within_rpo += 1
    for finding in findings:
        row(finding.resource_type).out_of_rpo += 1
    return [rows[key] for key in sorted(rows)]


def build_report(inputs: ReportInputs) -> Report:
    findings = out_of_rpo(inputs)
    rows = sla_rows(inputs)
    report = Report(
        generated=inputs.now,
        account=inputs.account,
        region=inputs.region,
        stack_name=inputs.stack_name,
        out_of_rpo=findings,
        coverage=_coverage(inputs, findings),
        sla=rows,
        plans=plan_sla(rows),
        copies=copy_lag(inputs),
        restore_types=results_by_type(inputs),
        failing_tests=failing_now(inputs),
        alerts=sorted(inputs.alerts, key=lambda a: ({"critical": 0, "warning": 1}.get(a.level, 2), a.opened)),
    )
    report.trends = trends(inputs, report.today())
    return report


def metric_points(report: Report, inputs: ReportInputs) -> list[MetricPoint]:
    """The report's metrics: the funnel, RPO, SLA, jobs since the last run and restore tests per
    type; copy age, missing copies and failed copy jobs per destination."""
    account, region = inputs.account, inputs.region
    since = inputs.now - inputs.metrics_window
    points: list[MetricPoint] = []

    def add(name: str, value: float, key: str) -> None:
        points.append(point(name, value, key=key, account=account, region=region))

    sla: dict[str, list[SlaRow]] = {}
    for sla_row in report.sla:
        sla.setdefault(sla_row.resource_type, []).append(sla_row)
    jobs: dict[str, dict[str, int]] = {}
    for job in inputs.backup_jobs:
        if job.ended >= since and job.state in BAD_STATES:
            name = {"EXPIRED": "BackupJobsExpired", "PARTIAL": "BackupJobsPartial"}.get(
                job.state, "BackupJobsFailed"
            )
            counts = jobs.setdefault(job.resource_type, {})
            counts[name] = counts.get(name, 0) + 1
    tests = {r.resource_type: r for r in report.restore_types}
    for row in report.coverage:
        key = row.resource_type
        add("CoverageEligible", row.eligible, key)
        add("CoverageTagged", row.tagged, key)
        add("CoverageProtected", row.protected, key)
        add("CoverageWithinRpo", row.within_rpo, key)
        add("RpoBreaches", row.out_of_rpo, key)
        if row.oldest_hours is not None:
            add("OldestBackupAgeHours", round(row.oldest_hours, 2), key)
        expected = sum(r.expected for r in sla.get(key, []))
        if expected:
            add("SlaPercent", round(100.0 * sum(r.made for r in sla[key]) / expected, 2), key)
        for name in ("BackupJobsFailed", "BackupJobsExpired", "BackupJobsPartial"):
            add(name, jobs.get(key, {}).get(name, 0), key)
    for key, results in tests.items():
        add("RestoreTestsPassed90d", results.passed, key)
        add("RestoreTestsFailed90d", results.failed, key)
        if results.worst_target_ratio is not None:
            add("RestoreTimeWorstPercentOfTarget", round(100.0 * results.worst_target_ratio, 1), key)
    for lag in report.copies:
        age = lag.age_hours(inputs.now)
        if age is not None:
            add("CopyAgeHours", round(age, 2), lag.destination)
        add("CopiesMissing", lag.missing, lag.destination)
        failed = sum(
            1
            for job in inputs.copy_jobs
            if job.ended >= since
            and job.state in BAD_STATES
            and destination_key(job.destination_vault_arn) == lag.destination
        )
        add("CopyJobsFailed", failed, lag.destination)
    return points
