"""The report function's composition root: read the facts, build the report, render and store it.

Like :mod:`backup_autopilot.composition` it only wires: facts come from
:mod:`backup_autopilot.adapters.report_sources`, the numbers from
:mod:`backup_autopilot.logic.report`, the page from :mod:`backup_autopilot.rendering` (leather
and Jinja2, imported here only: the event handlers never import this module).
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from backup_autopilot.adapters.aws import client
from backup_autopilot.adapters.backup import BackupGateway
from backup_autopilot.adapters.report_sources import BackupReadings, ReportBucket, ReportState
from backup_autopilot.config import Settings, get_settings, stack_vaults
from backup_autopilot.logic.copies.destinations import stack_destinations
from backup_autopilot.logic.plan_catalogue import parse_listed, parse_stack_plans
from backup_autopilot.logic.report.build import Report, build_report, metric_points
from backup_autopilot.logic.report.facts import ReportInputs
from backup_autopilot.logic.resources import parse_resource_arn
from backup_autopilot.logic.schedules import interval_of

if TYPE_CHECKING:
    from backup_autopilot.logic.report.metrics import MetricPoint

#: how far back each source is read: jobs as far as AWS keeps them, points a day more (a copy's
#: source point), verdicts and snapshots for the 90-day trends
JOB_DAYS = 30
POINT_DAYS = 31
TREND_DAYS = 90


class ReportRun(Struct):
    report: Report
    inputs: ReportInputs
    html: str
    locations: list[str] = field(default_factory=list)
    metrics: list[MetricPoint] = field(default_factory=list)

    def result(self) -> dict[str, Any]:
        summary = self.report.summary()
        return {
            "outcome": "Report Published",
            "locations": self.locations,
            "out_of_rpo": len(self.report.out_of_rpo),
            "tagged": summary["tagged"],
            "within_rpo": summary["within_rpo"],
            "open_alerts": summary["open_alerts"],
        }


class Reporting:
    """The report's ports for one configuration (built lazily, kept per container)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def catalogue(self) -> BackupGateway:
        """The plan catalogue and protected resources, read only (no ``Plan Rejected`` from here:
        the reconcile reports refused plans)."""
        s = self.settings
        return BackupGateway(
            client("backup"),
            role_arn=s.backup_role_arn or "",
            stack_name=s.stack_name,
            stack_plans=parse_stack_plans(s.plan_names),
            listed=parse_listed(s.assignable_plans),
            vaults=stack_vaults(s),
        )

    @cached_property
    def readings(self) -> BackupReadings:
        return BackupReadings(client("backup"), client("resourcegroupstaggingapi"), client("s3"))

    @cached_property
    def state(self) -> ReportState:
        if not self.settings.state_table_name:
            raise RuntimeError("STATE_TABLE_NAME is not set")
        return ReportState(client("dynamodb"), self.settings.state_table_name)

    @cached_property
    def bucket(self) -> ReportBucket:
        if not self.settings.report_bucket_name:
            raise RuntimeError("REPORT_BUCKET_NAME is not set")
        return ReportBucket(client("s3"), self.settings.report_bucket_name)

    def gather(self, now: dt.datetime, account: str) -> ReportInputs:
        s = self.settings
        tagged = self.readings.tagged(s.plan_tag_key)
        buckets = [
            ref.name for r in tagged if (ref := parse_resource_arn(r.arn)) and ref.resource_type == "S3"
        ]
        verdicts, alerts = self.state.verdicts_and_alerts(now - dt.timedelta(days=TREND_DAYS))
        return ReportInputs(
            now=now,
            account=account,
            region=self.catalogue.region,
            stack_name=s.stack_name,
            plan_tag_key=s.plan_tag_key,
            copy_to_tag_key=s.copy_to_tag_key,
            restore_test_tag_key=s.restore_test_tag_key,
            restore_test_default_on=s.restore_test_default_on,
            plans=self.catalogue.assignable_plans(),
            tagged=tagged,
            eligible=self.readings.eligible(),
            protected=self.catalogue.protected_resources(),
            opted_in=self.readings.opted_in(),
            s3_versioning=self.readings.versioning(buckets),
            points=self.readings.points(stack_vaults(s), now - dt.timedelta(days=POINT_DAYS)),
            backup_jobs=self.readings.backup_jobs(now - dt.timedelta(days=JOB_DAYS)),
            copy_jobs=self.readings.copy_jobs(now - dt.timedelta(days=JOB_DAYS)),
            destinations=stack_destinations(s.dr_vault_arn, s.cross_account_vault_arn),
            verdicts=verdicts,
            alerts=alerts,
            history=self.state.history((now - dt.timedelta(days=TREND_DAYS)).date()),
            metrics_window=interval_of(s.report_schedule),
        )

    def run(self, now: dt.datetime, account: str) -> ReportRun:
        """Read, compute, keep the day's snapshot, render and store the page."""
        from backup_autopilot.rendering.page import render  # leather, Jinja2: only when a page is made

        inputs = self.gather(now, account)
        report = build_report(inputs)
        self.state.keep_day(now.date(), report.today())
        html = render(report)
        locations = self.bucket.store(html, report.summary(), now)
        return ReportRun(report, inputs, html, locations, metric_points(report, inputs))


def reporting() -> Reporting:
    return _reporting_for(get_settings())


@lru_cache(maxsize=4)
def _reporting_for(settings: Settings) -> Reporting:
    return Reporting(settings)
