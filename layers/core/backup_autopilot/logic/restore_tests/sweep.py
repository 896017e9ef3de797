"""The restore-test half of the hourly reconcile (ports injected; no boto3).

Events are best effort, so the sweep reads the jobs themselves:

* a test job that finished but was never validated (its event was lost) is validated now: the
  plan's jobs, and the stack's own on-demand tests (recorded as pending when they start);
* an opted-in resource the hourly reconcile found without a recent recovery point (its tag event
  may have been lost) gets its first test on demand, as protect_resource gives it on the event;
* a test job still unfinished long after it started never reported back: the test fails;
* what an on-demand test created and could not delete is deleted again (the stack's own only);
* a resource AWS's restore testing created and failed to delete, or kept past the validation
  window, is reported (AWS owns it; the stack never deletes what it did not create);
* once a scheduled run's start window has closed and every job of it has its verdict (or the
  run's time is up), one ``Restore Test Report`` sums it up.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from msgspec import Struct, field, structs

from backup_autopilot.logic.errors import Refused
from backup_autopilot.logic.resources import parse_resource_arn
from backup_autopilot.logic.restore_tests.report import (
    RESTORE_TEST_REPORT,
    RunSummary,
    build_report,
    group_runs,
)
from backup_autopilot.logic.restore_tests.validation import (
    FAILED_STATES,
    RESTORE_TEST_FAILED,
    RestoreTestResult,
)
from backup_autopilot.models.severity import Severity

if TYPE_CHECKING:
    from backup_autopilot.logic.protection import EventPort
    from backup_autopilot.logic.restore_tests.facts import RestoreJob
    from backup_autopilot.logic.restore_tests.first_test import FirstTester
    from backup_autopilot.logic.restore_tests.validation import InspectorPort, RestoreValidator

RESTORE_TEST_LEFTOVER = "Restore Test Leftover"
#: how far back the sweep reads restore jobs (a weekly plan's run and the one before)
LOOKBACK = dt.timedelta(days=15)
#: a job that has not finished this long after it was created never reported back
STUCK_AFTER = dt.timedelta(hours=24)
#: after the validation window, AWS deletes the restored resource; this much later it is overdue
DELETION_GRACE = dt.timedelta(hours=2)


class RestoreListPort(Protocol):
    def plan_jobs(self, plan_arn: str, since: dt.datetime) -> list[RestoreJob]: ...

    def describe_restore_job(self, job_id: str) -> RestoreJob | None: ...


class SweepStatePort(Protocol):
    def undeleted_on_demand(self) -> list[dict[str, Any]]: ...

    def pending_on_demand(self) -> list[str]: ...

    def mark_deleted(self, job_id: str) -> None: ...

    def result_of(self, job_id: str) -> dict[str, Any] | None: ...

    def results_of(self, job_ids: list[str]) -> dict[str, dict[str, Any] | None]: ...

    def run_reported(self, run_id: str) -> bool: ...

    def mark_run_reported(self, run_id: str) -> bool: ...


class RestoreSweep(Struct):
    validated_late: list[str] = field(default_factory=list)
    never_reported: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    #: opted-in resources whose first test the sweep started
    first_tests: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) for k, v in structs.asdict(self).items()}


class RestoreTestSweeper(Struct):
    validator: RestoreValidator
    jobs: RestoreListPort
    inspector: InspectorPort
    state: SweepStatePort
    events: EventPort
    plan_arn: str | None
    validation_window: dt.timedelta
    start_window: dt.timedelta
    #: opted-in resources the inventory found without a recent recovery point (set by the reconcile)
    not_tested: list[dict[str, str]] = field(default_factory=list)
    #: first tests of those (None: none are started by the sweep)
    first_tests: FirstTester | None = None

    def run(self, *, now: dt.datetime) -> RestoreSweep:
        sweep = RestoreSweep()
        jobs = self.jobs.plan_jobs(self.plan_arn, now - LOOKBACK) if self.plan_arn else []
        for job in jobs:
            try:
                self._one(job, sweep, now)
            except Refused:  # this job only: the sweep goes on
                sweep.refused.append(job.job_id)
        for job_id in self.state.pending_on_demand():
            try:
                self._pending(job_id, sweep, now)
            except Refused:
                sweep.refused.append(job_id)
        for entry in self.not_tested:
            try:
                self._first_test(entry, sweep)
            except Refused:
                sweep.refused.append(entry["resource"])
        for record in self.state.undeleted_on_demand():
            try:
                self._delete_again(record, sweep)
            except Refused:
                sweep.refused.append(str(record.get("job_id")))
        self._report(jobs, sweep, now)
        return sweep

    def _one(self, job: RestoreJob, sweep: RestoreSweep, now: dt.datetime) -> None:
        finished = job.status == "COMPLETED" or job.status in FAILED_STATES
        if finished and job.validation_status is None and self.state.result_of(job.job_id) is None:
            outcome = self.validator.handle(job.job_id, now=now)
            if outcome["outcome"] in {"Restore Test Passed", "Restore Test Failed"}:
                sweep.validated_late.append(job.job_id)
        elif not finished and job.creation_date and now - job.creation_date > STUCK_AFTER:
            self._never_reported(job, sweep, now)
        if job.status == "COMPLETED" and job.created_resource_arn:
            self._leftover(job, job.created_resource_arn, sweep, now)

    def _pending(self, job_id: str, sweep: RestoreSweep, now: dt.datetime) -> None:
        """An on-demand test without a verdict: validated now if it finished (its event was lost)."""
        job = self.jobs.describe_restore_job(job_id)
        if job is None or not (job.status == "COMPLETED" or job.status in FAILED_STATES):
            return
        if self.state.result_of(job_id) is None:
            outcome = self.validator.handle(job_id, now=now)
            if outcome["outcome"] in {"Restore Test Passed", "Restore Test Failed"}:
                sweep.validated_late.append(job_id)

    def _first_test(self, entry: dict[str, str], sweep: RestoreSweep) -> None:
        """A first test for an opted-in resource that has none (idempotent: the tester knows)."""
        resource = parse_resource_arn(entry["resource"])
        if self.first_tests is None or resource is None:
            return
        # no recovery point yet: the tester records that the test follows the first backup
        if self.first_tests.start(resource)["outcome"] == "Started":
            sweep.first_tests.append(entry["resource"])

    def _never_reported(self, job: RestoreJob, sweep: RestoreSweep, now: dt.datetime) -> None:
        """A test whose job is still unfinished a day after it started: failed, and its verdict
        recorded (the run's report lists it as failed, not as waiting for a verdict)."""
        if self.state.result_of(job.job_id) is not None or not self.validator.state.claim_validation(
            job.job_id
        ):
            return
        sweep.never_reported.append(job.job_id)
        reason = f"restore job still {job.status} after {STUCK_AFTER}"
        result = RestoreTestResult.of_job(job, None, now)
        result.reasons = [reason]
        self.validator.state.record_result(result)
        self.events.publish(
            RESTORE_TEST_FAILED,
            {
                "severity": Severity.CRITICAL,
                "summary": f"restore test job {job.job_id} of {job.source_resource_arn} is still "
                f"{job.status} {STUCK_AFTER} after it started: it never reported back",
                "resource": job.source_resource_arn,
                "restore_job_id": job.job_id,
                "reasons": [reason],
                "dedupe_key": f"restore-test:{job.source_resource_arn}:{job.job_id}",
            },
        )

    def _leftover(self, job: RestoreJob, created: str, sweep: RestoreSweep, now: dt.datetime) -> None:
        due = (job.completion_date or now) + self.validation_window + DELETION_GRACE
        overdue = job.deletion_status == "FAILED" or (job.deletion_status != "SUCCESSFUL" and now > due)
        if not overdue or not self.inspector.restored_facts(job.resource_type, created, []).exists:
            return
        sweep.leftovers.append(created)
        self.events.publish(
            RESTORE_TEST_LEFTOVER,
            {
                "severity": Severity.WARNING,
                "summary": (
                    f"{created}, restored by restore test job {job.job_id}, still exists (AWS deletion "
                    f"status: {job.deletion_status or 'none'}); AWS Backup created it and deletes it: check "
                    "its DeletionStatusMessage, or delete it (it carries the awsbackup-restore-test tag)"
                ),
                "resource": created,
                "restore_job_id": job.job_id,
                "dedupe_key": f"leftover:{created}",
            },
        )

    def _delete_again(self, record: dict[str, Any], sweep: RestoreSweep) -> None:
        arn, job_id, resource_type = record.get("restored_arn"), record["job_id"], record["resource_type"]
        if not arn:
            self.state.mark_deleted(job_id)
            return
        if self.inspector.restored_facts(resource_type, arn, []).exists:
            self.inspector.delete_test_resource(resource_type, arn)
            sweep.deleted.append(arn)
        self.state.mark_deleted(job_id)

    def _report(self, jobs: list[RestoreJob], sweep: RestoreSweep, now: dt.datetime) -> None:
        for run_id, run_jobs in sorted(group_runs(jobs, self.start_window).items()):
            if self.state.run_reported(run_id):
                continue
            started = min(job.creation_date for job in run_jobs if job.creation_date)
            time_up = now > started + self.start_window + self.validation_window + STUCK_AFTER
            # AWS starts a run's tests at random moments of its start window: until the window has
            # closed, the run's jobs listed so far are not all of them
            window_open = now <= started + self.start_window
            running = any(job.status != "COMPLETED" and job.status not in FAILED_STATES for job in run_jobs)
            if not time_up and (window_open or running):
                continue  # tests still to come or to finish: nothing read until then
            results = self.state.results_of([job.job_id for job in run_jobs])
            if not time_up and any(result is None for result in results.values()):
                continue  # verdicts still to come
            summary = RunSummary(run_id=run_id, jobs=run_jobs, results=results, not_tested=self.not_tested)
            if self.state.mark_run_reported(run_id):
                self.events.publish(RESTORE_TEST_REPORT, build_report(summary))
                sweep.reports.append(run_id)
