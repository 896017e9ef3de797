"""The restore-test half of the hourly reconcile, with fakes: which finished tests it validates late,
which stuck tests it fails (and what the alert says), which leftovers it reports (never deletes) and
which of the stack's own copies it deletes again, which first tests it starts, when a run's report
is sent (its start window closed and every verdict in, or its time up; once), and that a refusal
skips one item, not the sweep."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from backup_autopilot.logic.errors import Refused
from backup_autopilot.logic.restore_tests.facts import OnDemandTest, ResourceFacts, RestoreJob
from backup_autopilot.logic.restore_tests.report import RESTORE_TEST_REPORT
from backup_autopilot.logic.restore_tests.sweep import (
    DELETION_GRACE,
    LOOKBACK,
    RESTORE_TEST_LEFTOVER,
    STUCK_AFTER,
    RestoreSweep,
    RestoreTestSweeper,
)
from backup_autopilot.logic.restore_tests.validation import RESTORE_TEST_FAILED, RestoreTestResult
from tests.fakes import FakeEvents
from tests.unit.logic.test_restore_first_test_and_sweep import FakeList, FakeStarter, FakeSweepState, _tester
from tests.unit.logic.test_restore_validation import (
    NOW,
    PLAN,
    POINT,
    RESTORED,
    SOURCE,
    SOURCE_FACTS,
    _job,
    _validator,
)
from tests.unit.logic.test_restore_verdict import RecordingInspector

WINDOW = dt.timedelta(hours=24)
ON_DEMAND = "arn:aws:dynamodb:us-east-1:123456789012:table/bap-rt-orders-1a2b3c4d"


@dataclass
class RecordingList(FakeList):
    since: list[dt.datetime] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    def plan_jobs(self, plan_arn: str, since: dt.datetime) -> list[RestoreJob]:
        self.since.append(since)
        self.plans.append(plan_arn)
        return super().plan_jobs(plan_arn, since)

    def describe_restore_job(self, job_id: str) -> RestoreJob | None:
        if job_id in self.refuse:
            raise Refused(f"AccessDenied on {job_id}")
        return super().describe_restore_job(job_id)


@dataclass
class SweepState(FakeSweepState):
    """The state table as the sweep reads it: pending on-demand tests as recorded (a verdict may
    already exist when the pending record was not cleared), reports marked by another sweep."""

    pending_raw: list[str] = field(default_factory=list)
    taken_by_another_sweep: set[str] = field(default_factory=set)

    def pending_on_demand(self) -> list[str]:
        return [*super().pending_on_demand(), *self.pending_raw]

    def mark_run_reported(self, run_id: str) -> bool:
        if run_id in self.taken_by_another_sweep:
            return False
        return super().mark_run_reported(run_id)


@dataclass
class Harness:
    sweeper: RestoreTestSweeper
    events: FakeEvents
    inspector: RecordingInspector
    listing: RecordingList
    state: SweepState

    def published(self, detail_type: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        return [event for event in self.events.published if detail_type in {None, event[0]}]


def _harness(jobs: list[RestoreJob], state: SweepState | None = None, plan: str | None = "plan") -> Harness:
    state = state or SweepState(facts={POINT: SOURCE_FACTS})
    validator, fake_jobs, fake_inspector, _, _ = _validator(state=state)
    inspector = RecordingInspector(fake_inspector.restored, fake_inspector.tags)
    validator.inspector = inspector
    fake_jobs.jobs = {job.job_id: job for job in jobs}
    events = FakeEvents()
    validator.events = events
    listing = RecordingList(jobs)
    sweeper = RestoreTestSweeper(
        validator=validator,
        jobs=listing,
        inspector=inspector,
        state=state,
        events=events,
        plan_arn=validator.settings.testing_plan_arn if plan else None,
        validation_window=WINDOW,
        start_window=WINDOW,
    )
    return Harness(sweeper, events, inspector, listing, state)


def _passed(state: SweepState, job_id: str) -> None:
    """A verdict recorded for ``job_id`` (as the validator records it)."""
    state.results.append(
        RestoreTestResult(
            job_id=job_id,
            source_arn=SOURCE,
            resource_type="DynamoDB",
            passed=True,
            reasons=[],
            recovery_point_arn=POINT,
            restored_arn=RESTORED,
            minutes=10.0,
            rto_target=None,
            on_demand=False,
            date=NOW,
        )
    )


# -- the plan's jobs ------------------------------------------------------------------------------
def test_the_sweep_reads_the_plans_jobs_of_the_last_fifteen_days() -> None:
    h = _harness([])
    h.sweeper.run(now=NOW)
    assert h.listing.since == [NOW - dt.timedelta(days=15)] and dt.timedelta(days=15) == LOOKBACK
    assert h.listing.plans == [PLAN]


def test_without_a_plan_no_plan_jobs_are_read_but_on_demand_tests_are_still_swept() -> None:
    job = _job(job_id="R9", testing_plan_arn=None, created_resource_arn=ON_DEMAND)
    state = SweepState(
        facts={POINT: SOURCE_FACTS},
        on_demand={"R9": OnDemandTest("R9", SOURCE, "bap-rt-orders-1a2b3c4d", POINT)},
        pending=["R9"],
    )
    h = _harness([job], state, plan=None)
    sweep = h.sweeper.run(now=NOW)
    assert h.listing.since == [] and sweep.validated_late == ["R9"]


def test_a_failed_job_whose_event_was_lost_fails_its_test_late() -> None:
    job = _job(status="FAILED", status_message="KMS key disabled", created_resource_arn=None)
    h = _harness([job])
    assert h.sweeper.run(now=NOW).validated_late == ["R1"]
    [(kind, detail)] = h.published()
    assert kind == RESTORE_TEST_FAILED and detail["reasons"] == ["restore job FAILED: KMS key disabled"]


def test_a_job_aws_already_has_a_validation_for_is_not_validated_again() -> None:
    h = _harness([_job(validation_status="SUCCESSFUL")])
    assert h.sweeper.run(now=NOW).validated_late == [] and h.published() == []


def test_a_job_with_a_recorded_verdict_is_not_validated_again() -> None:
    h = _harness([_job()])
    _passed(h.state, "R1")
    assert h.sweeper.run(now=NOW).validated_late == [] and h.state.claimed == set()


def test_a_job_another_validation_claimed_is_not_counted_as_validated_late() -> None:
    h = _harness([_job()])
    h.state.claimed.add("R1")  # the event's validation is under way
    assert h.sweeper.run(now=NOW).validated_late == [] and h.published() == []


# -- tests that never report back -----------------------------------------------------------------
def test_a_job_unfinished_a_day_after_it_started_fails_its_test_with_an_alert() -> None:
    job = _job(
        status="RUNNING", creation_date=NOW - STUCK_AFTER - dt.timedelta(seconds=1), completion_date=None
    )
    h = _harness([job])
    sweep = h.sweeper.run(now=NOW)
    assert sweep.never_reported == ["R1"] and sweep.validated_late == []
    [(kind, detail)] = h.published()
    assert kind == RESTORE_TEST_FAILED
    assert detail == {
        "severity": "critical",
        "summary": f"restore test job R1 of {SOURCE} is still RUNNING 1 day, 0:00:00 after it started: "
        "it never reported back",
        "resource": SOURCE,
        "restore_job_id": "R1",
        "reasons": ["restore job still RUNNING after 1 day, 0:00:00"],
        "dedupe_key": f"restore-test:{SOURCE}:R1",
    }
    # its verdict is recorded: the run's report lists it as failed, with the reason
    [result] = h.state.results
    assert (result.job_id, result.source_arn, result.passed, result.reasons, result.date) == (
        "R1",
        SOURCE,
        False,
        ["restore job still RUNNING after 1 day, 0:00:00"],
        NOW,
    )
    assert (result.resource_type, result.recovery_point_arn, result.on_demand) == (
        job.resource_type,
        POINT,
        False,
    )
    # the next sweep finds the test claimed and says nothing again
    assert h.sweeper.run(now=NOW).never_reported == [] and len(h.published()) == 1


def test_a_job_unfinished_for_exactly_a_day_is_not_yet_stuck() -> None:
    job = _job(status="PENDING", creation_date=NOW - STUCK_AFTER, completion_date=None)
    h = _harness([job])
    assert h.sweeper.run(now=NOW).never_reported == [] and h.published() == []
    assert dt.timedelta(hours=24) == STUCK_AFTER


def test_a_stuck_job_with_a_verdict_or_claimed_elsewhere_is_not_failed_again() -> None:
    job = _job(status="RUNNING", creation_date=NOW - dt.timedelta(hours=30), completion_date=None)
    h = _harness([job])
    _passed(h.state, "R1")
    assert h.sweeper.run(now=NOW).never_reported == [] and h.published() == []
    h = _harness([job])
    h.state.claimed.add("R1")
    assert h.sweeper.run(now=NOW).never_reported == [] and h.published() == []


def test_an_unfinished_job_without_a_creation_date_is_not_judged_stuck() -> None:
    h = _harness([_job(status="RUNNING", creation_date=None, completion_date=None)])
    assert h.sweeper.run(now=NOW).never_reported == []


# -- what AWS's restore testing left behind -------------------------------------------------------
def _finished(deletion: str | None, completed: dt.datetime | None) -> RestoreJob:
    return _job(validation_status="SUCCESSFUL", deletion_status=deletion, completion_date=completed)


def test_a_restored_resource_still_there_after_the_window_and_grace_is_reported_with_what_to_do() -> None:
    completed = NOW - WINDOW - DELETION_GRACE - dt.timedelta(seconds=1)
    h = _harness([_finished(None, completed)])
    sweep = h.sweeper.run(now=NOW)
    assert sweep.leftovers == [RESTORED] and h.inspector.deleted == []
    assert h.inspector.facts_asked == [("DynamoDB", RESTORED, [])]
    [(kind, detail)] = h.published()
    assert kind == "Restore Test Leftover"  # the detail type a person's rule matches
    assert detail == {
        "severity": "warning",
        "summary": f"{RESTORED}, restored by restore test job R1, still exists (AWS deletion status: none); "
        "AWS Backup created it and deletes it: check its DeletionStatusMessage, or delete it (it carries "
        "the awsbackup-restore-test tag)",
        "resource": RESTORED,
        "restore_job_id": "R1",
        "dedupe_key": f"leftover:{RESTORED}",
    }


def test_a_restored_resource_within_the_window_and_grace_is_not_a_leftover() -> None:
    completed = NOW - WINDOW - DELETION_GRACE
    h = _harness([_finished("PENDING", completed)])
    assert h.sweeper.run(now=NOW).leftovers == [] and h.published() == []
    assert dt.timedelta(hours=2) == DELETION_GRACE


def test_a_failed_deletion_is_a_leftover_at_once_and_says_so() -> None:
    h = _harness([_finished("FAILED", NOW - dt.timedelta(minutes=5))])
    assert h.sweeper.run(now=NOW).leftovers == [RESTORED]
    [(_, detail)] = h.published(RESTORE_TEST_LEFTOVER)
    assert "(AWS deletion status: FAILED)" in detail["summary"]


def test_a_successful_deletion_or_a_resource_already_gone_is_no_leftover() -> None:
    late = NOW - dt.timedelta(days=3)
    h = _harness([_finished("SUCCESSFUL", late)])
    assert h.sweeper.run(now=NOW).leftovers == []
    h = _harness([_finished("FAILED", late)])
    h.inspector.restored = ResourceFacts("DynamoDB", RESTORED, exists=False)
    assert h.sweeper.run(now=NOW).leftovers == [] and h.published() == []


def test_without_a_completion_date_only_a_failed_deletion_is_a_leftover() -> None:
    h = _harness([_finished(None, None)])
    assert h.sweeper.run(now=NOW).leftovers == []
    h = _harness([_finished("FAILED", None)])
    assert h.sweeper.run(now=NOW).leftovers == [RESTORED]


def test_a_job_without_a_restored_resource_or_not_completed_has_no_leftover() -> None:
    late = NOW - dt.timedelta(days=3)
    h = _harness([_job(validation_status="FAILED", created_resource_arn=None, deletion_status="FAILED")])
    assert h.sweeper.run(now=NOW).leftovers == []
    failed = _job(status="FAILED", validation_status="FAILED", deletion_status="FAILED", completion_date=late)
    h = _harness([failed])
    assert h.sweeper.run(now=NOW).leftovers == []


# -- the stack's own on-demand tests ---------------------------------------------------------------
def test_an_on_demand_copy_that_could_not_be_deleted_is_deleted_again_and_marked() -> None:
    state = SweepState(open_on_demand=[{"job_id": "R9", "restored_arn": ON_DEMAND, "resource_type": "S3"}])
    h = _harness([], state)
    assert h.sweeper.run(now=NOW).deleted == [ON_DEMAND]
    assert h.inspector.deleted_types == [("S3", ON_DEMAND)] and state.deleted_jobs == ["R9"]
    assert h.inspector.facts_asked == [("S3", ON_DEMAND, [])]


def test_an_on_demand_copy_already_gone_is_only_marked() -> None:
    state = SweepState(
        open_on_demand=[{"job_id": "R9", "restored_arn": ON_DEMAND, "resource_type": "DynamoDB"}]
    )
    h = _harness([], state)
    h.inspector.restored = ResourceFacts("DynamoDB", ON_DEMAND, exists=False)
    assert h.sweeper.run(now=NOW).deleted == []
    assert h.inspector.deleted == [] and state.deleted_jobs == ["R9"]


def test_an_on_demand_test_that_restored_nothing_is_only_marked() -> None:
    state = SweepState(open_on_demand=[{"job_id": "R9", "restored_arn": None, "resource_type": "DynamoDB"}])
    h = _harness([], state)
    assert h.sweeper.run(now=NOW).deleted == []
    assert h.inspector.deleted == [] and state.deleted_jobs == ["R9"]


def test_a_pending_on_demand_test_still_running_or_unknown_waits() -> None:
    running = _job(job_id="R9", status="RUNNING", testing_plan_arn=None)
    state = SweepState(
        facts={POINT: SOURCE_FACTS},
        on_demand={"R9": OnDemandTest("R9", SOURCE, "bap-rt-x", POINT)},
        pending=["R9", "R-unknown"],
    )
    h = _pending_only(running, state)
    assert h.sweeper.run(now=NOW).validated_late == [] and state.claimed == set()


def _pending_only(job: RestoreJob, state: SweepState) -> Harness:
    """A sweep of a stack without a plan (only its on-demand tests), where AWS knows ``job``."""
    h = _harness([job], state, plan=None)
    return h


def test_a_pending_on_demand_test_with_a_verdict_is_not_validated_again() -> None:
    job = _job(job_id="R9", testing_plan_arn=None)
    state = SweepState(
        facts={POINT: SOURCE_FACTS},
        on_demand={"R9": OnDemandTest("R9", SOURCE, "bap-rt-x", POINT)},
        pending_raw=["R9"],
    )
    _passed(state, "R9")
    h = _pending_only(job, state)
    assert h.sweeper.run(now=NOW).validated_late == [] and state.claimed == set()
    assert h.published() == []


@pytest.mark.parametrize("status", ["FAILED", "ABORTED", "EXPIRED"])
def test_a_pending_on_demand_test_that_ended_without_a_restore_fails_late(status: str) -> None:
    job = _job(job_id="R9", status=status, testing_plan_arn=None, created_resource_arn=None)
    state = SweepState(
        facts={POINT: SOURCE_FACTS},
        on_demand={"R9": OnDemandTest("R9", SOURCE, "bap-rt-x", POINT)},
        pending=["R9"],
    )
    h = _pending_only(job, state)
    assert h.sweeper.run(now=NOW).validated_late == ["R9"]
    [(kind, detail)] = h.published()
    assert kind == RESTORE_TEST_FAILED and detail["reasons"] == [f"restore job {status}: AWS gave no message"]
    assert [result.date for result in state.results] == [NOW]  # the sweep's time is the verdict's


def test_a_pending_on_demand_test_that_completed_passes_late_at_the_sweeps_time() -> None:
    job = _job(job_id="R9", testing_plan_arn=None, created_resource_arn=ON_DEMAND)
    state = SweepState(
        facts={POINT: SOURCE_FACTS},
        on_demand={"R9": OnDemandTest("R9", SOURCE, "bap-rt-orders-1a2b3c4d", POINT)},
        pending=["R9"],
    )
    h = _pending_only(job, state)
    assert h.sweeper.run(now=NOW).validated_late == ["R9"]
    assert [(result.passed, result.date) for result in state.results] == [(True, NOW)]


def test_a_pending_on_demand_test_claimed_elsewhere_is_not_counted() -> None:
    job = _job(job_id="R9", status="ABORTED", testing_plan_arn=None)
    state = SweepState(
        facts={POINT: SOURCE_FACTS},
        on_demand={"R9": OnDemandTest("R9", SOURCE, "bap-rt-x", POINT)},
        pending=["R9"],
        claimed={"R9"},
    )
    h = _pending_only(job, state)
    assert h.sweeper.run(now=NOW).validated_late == [] and h.published() == []
    state.claimed.clear()
    assert h.sweeper.run(now=NOW).validated_late == ["R9"]
    assert h.published()[0][1]["reasons"] == ["restore job ABORTED: AWS gave no message"]


# -- first tests ----------------------------------------------------------------------------------
def test_no_first_test_without_a_tester_or_for_an_arn_aws_backup_does_not_protect() -> None:
    h = _harness([])
    h.sweeper.not_tested = [{"resource": SOURCE, "reason": "no recovery point"}]
    assert h.sweeper.run(now=NOW).first_tests == []
    tester, starter, _ = _tester()
    h.sweeper.first_tests = tester
    h.sweeper.not_tested = [{"resource": "arn:aws:sqs:us-east-1:123456789012:queue", "reason": "x"}]
    assert h.sweeper.run(now=NOW).first_tests == [] and starter.started == []


def test_a_first_test_that_waits_for_a_backup_is_not_counted_as_started() -> None:
    tester, _, first_state = _tester(FakeStarter(point=None))
    h = _harness([])
    h.sweeper.first_tests = tester
    h.sweeper.not_tested = [{"resource": SOURCE, "reason": "no recovery point"}]
    assert h.sweeper.run(now=NOW).first_tests == []
    assert first_state.first[SOURCE] == {"status": "waiting-for-backup"}


# -- one refusal skips one item ------------------------------------------------------------------
def test_a_refusal_skips_that_item_and_the_sweep_goes_on() -> None:
    refused_plan_job = _job(job_id="R1")
    good_plan_job = _job(job_id="R2")
    state = SweepState(
        facts={POINT: SOURCE_FACTS},
        pending=["R8"],
        open_on_demand=[
            {"job_id": "R6", "restored_arn": ON_DEMAND + "-6", "resource_type": "DynamoDB"},
            {"job_id": "R7", "restored_arn": ON_DEMAND, "resource_type": "DynamoDB"},
        ],
    )
    h = _harness([refused_plan_job, good_plan_job], state)
    h.sweeper.validator.jobs.jobs.pop("R1")  # type: ignore[attr-defined]

    class RefusingJobs:
        def describe_restore_job(self, job_id: str) -> RestoreJob | None:
            if job_id == "R1":
                raise Refused("AccessDenied")
            return good_plan_job

        def put_validation(self, job_id: str, status: str, message: str) -> None:
            pass

    h.sweeper.validator.jobs = RefusingJobs()
    h.listing.refuse.add("R8")

    def delete(resource_type: str, arn: str) -> None:
        if arn.endswith("-6"):
            raise Refused("ResourceInUse")
        h.inspector.deleted.append(arn)

    h.inspector.delete_test_resource = delete  # type: ignore[method-assign]

    class RefusingTester:
        def start(self, resource: Any) -> dict[str, Any]:
            raise Refused("LimitExceeded")

    h.sweeper.first_tests = RefusingTester()  # type: ignore[assignment]
    h.sweeper.not_tested = [{"resource": SOURCE, "reason": "no recovery point"}]
    sweep = h.sweeper.run(now=NOW)
    assert sweep.refused == ["R1", "R8", SOURCE, "R6"]
    assert sweep.validated_late == ["R2"] and sweep.deleted == [ON_DEMAND]
    assert state.deleted_jobs == ["R7"]


# -- the run's report -----------------------------------------------------------------------------
def _run_jobs(*statuses: str) -> list[RestoreJob]:
    start = NOW - dt.timedelta(days=2)
    return [
        _job(
            job_id=f"R{i}", status=status, creation_date=start + dt.timedelta(hours=i), validation_status="X"
        )
        for i, status in enumerate(statuses, 1)
    ]


RUN = f"{NOW - dt.timedelta(days=2, hours=-1):%Y-%m-%dT%H:%MZ}"


def test_a_closed_run_with_every_verdict_is_reported_once_with_the_untested() -> None:
    jobs = _run_jobs("COMPLETED", "FAILED")
    h = _harness(jobs)
    _passed(h.state, "R1")
    _passed(h.state, "R2")
    h.sweeper.not_tested = [{"resource": SOURCE + "-2", "reason": "no recovery point"}]
    assert h.sweeper.run(now=NOW).reports == [RUN]
    [(_, report)] = h.published(RESTORE_TEST_REPORT)
    assert report["run_id"] == RUN and report["counts"]["tested"] == 2
    assert report["not_tested"] == [{"resource": SOURCE + "-2", "reason": "no recovery point"}]
    assert h.sweeper.run(now=NOW).reports == [] and len(h.published(RESTORE_TEST_REPORT)) == 1


def test_a_run_is_not_reported_while_a_test_runs_or_a_verdict_is_missing() -> None:
    h = _harness(_run_jobs("COMPLETED", "RUNNING"))
    _passed(h.state, "R1")
    assert h.sweeper.run(now=NOW).reports == []
    h = _harness(_run_jobs("COMPLETED", "ABORTED"))
    _passed(h.state, "R1")
    assert h.sweeper.run(now=NOW).reports == [] and h.published(RESTORE_TEST_REPORT) == []


def test_a_run_whose_time_is_up_is_reported_with_what_is_missing() -> None:
    # the window (24 h), the validation window (24 h) and a stuck job's day have passed since R1
    start = NOW - 3 * WINDOW - dt.timedelta(seconds=1)
    running = _job(job_id="R1", status="RUNNING", creation_date=start, validation_status="X")
    h = _harness([running])
    h.state.claimed.add("R1")
    assert h.sweeper.run(now=NOW).reports == [f"{start:%Y-%m-%dT%H:%MZ}"]
    [(_, report)] = h.published(RESTORE_TEST_REPORT)
    assert report["no_verdict"] == [SOURCE]


def test_a_run_a_second_before_its_time_is_up_still_waits_for_its_tests() -> None:
    start = NOW - 3 * WINDOW
    h = _harness([_job(job_id="R1", status="RUNNING", creation_date=start, validation_status="X")])
    h.state.claimed.add("R1")
    assert h.sweeper.run(now=NOW).reports == []
    done = _job(job_id="R1", creation_date=start, validation_status="X")
    h = _harness([done])
    assert h.sweeper.run(now=NOW).reports == []  # finished, but its verdict is not recorded yet


def test_a_run_is_not_reported_until_its_start_window_has_closed() -> None:
    start = NOW - WINDOW
    h = _harness([_job(job_id="R1", creation_date=start, validation_status="X")])
    _passed(h.state, "R1")
    assert h.sweeper.run(now=NOW).reports == []  # at the window's last instant more tests may start
    assert h.sweeper.run(now=NOW + dt.timedelta(seconds=1)).reports == [f"{start:%Y-%m-%dT%H:%MZ}"]


def test_a_run_another_sweep_reported_is_not_reported_again() -> None:
    h = _harness(_run_jobs("COMPLETED"))
    _passed(h.state, "R1")
    h.state.taken_by_another_sweep.add(RUN)
    assert h.sweeper.run(now=NOW).reports == [] and h.published(RESTORE_TEST_REPORT) == []
    h = _harness(_run_jobs("COMPLETED"))
    _passed(h.state, "R1")
    h.state.reported.add(RUN)
    assert h.sweeper.run(now=NOW).reports == [] and h.published(RESTORE_TEST_REPORT) == []


def test_what_a_sweep_did_is_a_plain_dict_of_lists() -> None:
    sweep = RestoreSweep(validated_late=["R1"], deleted=["arn"], first_tests=[SOURCE])
    assert sweep.to_dict() == {
        "validated_late": ["R1"],
        "never_reported": [],
        "deleted": ["arn"],
        "leftovers": [],
        "reports": [],
        "refused": [],
        "first_tests": [SOURCE],
    }


def _two_runs(older: RestoreJob) -> Harness:
    """An older run (``older``, 60 h ago) and a newer one (30 h ago, finished, its verdict in)."""
    newer = _job(job_id="R2", creation_date=NOW - dt.timedelta(hours=30), validation_status="X")
    h = _harness([older, newer])
    _passed(h.state, "R2")
    return h


NEWER_RUN = f"{NOW - dt.timedelta(hours=30):%Y-%m-%dT%H:%MZ}"
OLDER = NOW - dt.timedelta(hours=60)


def test_a_newer_run_is_reported_though_an_older_one_was_reported_before() -> None:
    h = _two_runs(_job(job_id="R1", creation_date=OLDER, validation_status="X"))
    h.state.reported.add(f"{OLDER:%Y-%m-%dT%H:%MZ}")
    assert h.sweeper.run(now=NOW).reports == [NEWER_RUN]


def test_a_newer_run_is_reported_though_an_older_one_still_has_a_test_running() -> None:
    h = _two_runs(_job(job_id="R1", status="RUNNING", creation_date=OLDER, validation_status="X"))
    h.state.claimed.add("R1")  # its stuck-test alert is already out
    assert h.sweeper.run(now=NOW).reports == [NEWER_RUN]


def test_a_newer_run_is_reported_though_an_older_one_still_waits_for_a_verdict() -> None:
    h = _two_runs(_job(job_id="R1", creation_date=OLDER, validation_status="X"))
    assert h.sweeper.run(now=NOW).reports == [NEWER_RUN]
