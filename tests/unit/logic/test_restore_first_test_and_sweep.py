"""First on-demand tests, the restore-test sweep and the run report, with fakes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from backup_autopilot.logic.resources import parse_resource_arn
from backup_autopilot.logic.restore_tests.facts import OnDemandTest, RestoreJob
from backup_autopilot.logic.restore_tests.first_test import (
    FirstTester,
    LatestPoint,
    on_demand_metadata,
    wants_first_test,
)
from backup_autopilot.logic.restore_tests.report import RESTORE_TEST_REPORT, group_runs
from backup_autopilot.logic.restore_tests.sweep import RESTORE_TEST_LEFTOVER, RestoreTestSweeper
from backup_autopilot.logic.restore_tests.validation import RESTORE_TEST_FAILED
from tests.fakes import FakeEvents
from tests.unit.logic.test_restore_validation import NOW, PLAN, FakeState, _job, _validator

SOURCE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


@dataclass
class FakeStarter:
    point: LatestPoint | None = field(
        default_factory=lambda: LatestPoint(
            "arn:aws:backup:us-east-1:123456789012:recovery-point:rp-1", "primary"
        )
    )
    taken: set[str] = field(default_factory=set)
    started: list[dict[str, Any]] = field(default_factory=list)
    jobs_by_token: dict[str, str] = field(default_factory=dict)

    def latest_point(self, resource_arn: str) -> LatestPoint | None:
        return self.point

    def inferred_metadata(self, point: LatestPoint) -> dict[str, str]:
        return {"targetTableName": "awsbackup-restore-test-x", "encryptionType": "Default"}

    def name_taken(self, resource_type: str, name: str) -> bool:
        return name in self.taken

    def start_restore(
        self, *, point: LatestPoint, resource_type: str, metadata: dict[str, str], token: str
    ) -> str:
        if token not in self.jobs_by_token:
            self.jobs_by_token[token] = f"R{len(self.jobs_by_token) + 1}"
            self.started.append(metadata)
            self.taken.add(metadata["targetTableName"])
        return self.jobs_by_token[token]


@dataclass
class FakeFirstState:
    first: dict[str, dict[str, Any]] = field(default_factory=dict)
    remembered: list[OnDemandTest] = field(default_factory=list)

    def first_test(self, resource_arn: str) -> dict[str, Any] | None:
        return self.first.get(resource_arn)

    def mark_first_test(self, resource_arn: str, state: dict[str, Any]) -> None:
        self.first[resource_arn] = state

    def remember_on_demand(self, test: OnDemandTest) -> None:
        self.remembered.append(test)


def _tester(starter: FakeStarter | None = None) -> tuple[FirstTester, FakeStarter, FakeFirstState]:
    starter = starter or FakeStarter()
    state = FakeFirstState()
    return FirstTester(starter=starter, state=state, overrides={}), starter, state


def test_opting_in_starts_one_test_into_a_new_table_and_a_replay_starts_no_second() -> None:
    tester, starter, state = _tester()
    resource = parse_resource_arn(SOURCE)
    assert resource is not None
    first = tester.start(resource)
    assert first["outcome"] == "Started" and first["target"].startswith("bap-rt-orders-")
    assert starter.started[0]["targetTableName"] == first["target"]  # never AWS's name, never the source
    assert state.remembered[0].job_id == first["restore_job_id"]
    assert tester.start(resource)["outcome"] == "AlreadyStarted"
    assert len(starter.started) == 1


def test_no_recovery_point_yet_waits_for_the_first_backup() -> None:
    tester, starter, state = _tester(FakeStarter(point=None))
    resource = parse_resource_arn(SOURCE)
    assert resource is not None
    assert tester.start(resource)["outcome"] == "Waiting"
    assert state.first[SOURCE]["status"] == "waiting-for-backup" and starter.started == []


def test_a_target_name_someone_else_holds_is_never_restored_into() -> None:
    tester, starter, _ = _tester()
    resource = parse_resource_arn(SOURCE)
    assert resource is not None
    from backup_autopilot.logic.restore_tests.names import target_name

    starter.taken.add(target_name("DynamoDB", "orders", starter.point.arn if starter.point else ""))
    assert tester.start(resource)["outcome"] == "Skipped" and starter.started == []


def test_metadata_always_makes_a_new_resource_and_keeps_encryption() -> None:
    s3 = on_demand_metadata("S3", {"DestinationBucketName": "x", "EncryptionType": "SSE-KMS"}, "bap-rt-b", {})
    assert s3 == {"DestinationBucketName": "bap-rt-b", "NewBucket": "true", "EncryptionType": "SSE-KMS"}
    efs = on_demand_metadata("EFS", {"Encrypted": "true", "newFileSystem": "false"}, "bap-rt-f", {})
    assert (
        efs["newFileSystem"] == "true" and efs["Encrypted"] == "true" and efs["CreationToken"] == "bap-rt-f"
    )
    ec2 = on_demand_metadata("EC2", {"InstanceType": "t3.micro"}, "bap-rt-i", {"SubnetId": "subnet-1"})
    assert ec2["SubnetId"] == "subnet-1"


def test_only_an_opt_in_on_a_protected_resource_earns_a_first_test() -> None:
    def wants(changed: list[str], tags: dict[str, str]) -> bool:
        return wants_first_test(
            changed, tags, tag_key="backup-restore-test", plan_tag_key="backup-plan", default_on=False
        )

    tags = {"backup-plan": "daily", "backup-restore-test": "on"}
    assert wants(["backup-restore-test"], tags)
    assert not wants(["owner"], tags)
    assert not wants(["backup-restore-test"], {"backup-restore-test": "on"})
    assert not wants(["backup-restore-test"], {**tags, "backup-restore-test": "off"})


# -- the sweep ---------------------------------------------------------------------------------
@dataclass
class FakeList:
    jobs: list[RestoreJob]

    def plan_jobs(self, plan_arn: str, since: dt.datetime) -> list[RestoreJob]:
        return list(self.jobs)

    def describe_restore_job(self, job_id: str) -> RestoreJob | None:
        return next((j for j in self.jobs if j.job_id == job_id), None)


@dataclass
class FakeSweepState(FakeState):
    reported: set[str] = field(default_factory=set)
    open_on_demand: list[dict[str, Any]] = field(default_factory=list)
    deleted_jobs: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def undeleted_on_demand(self) -> list[dict[str, Any]]:
        return list(self.open_on_demand)

    def pending_on_demand(self) -> list[str]:
        return [job_id for job_id in self.pending if not any(r.job_id == job_id for r in self.results)]

    def mark_deleted(self, job_id: str) -> None:
        self.deleted_jobs.append(job_id)

    def result_of(self, job_id: str) -> dict[str, Any] | None:
        found = [r for r in self.results if r.job_id == job_id]
        return {"passed": found[-1].passed, "source_arn": found[-1].source_arn} if found else None

    def results_of(self, job_ids: list[str]) -> dict[str, dict[str, Any] | None]:
        return {job_id: self.result_of(job_id) for job_id in job_ids}

    def run_reported(self, run_id: str) -> bool:
        return run_id in self.reported

    def mark_run_reported(self, run_id: str) -> bool:
        if run_id in self.reported:
            return False
        self.reported.add(run_id)
        return True


def _sweeper(jobs: list[RestoreJob], state: FakeSweepState) -> tuple[RestoreTestSweeper, FakeEvents, Any]:
    validator, fake_jobs, inspector, _, _ = _validator(state=state)
    fake_jobs.jobs = {job.job_id: job for job in jobs}
    events = FakeEvents()
    validator.events = events
    sweeper = RestoreTestSweeper(
        validator=validator,
        jobs=FakeList(jobs),
        inspector=inspector,
        state=state,
        events=events,
        plan_arn=PLAN,
        validation_window=dt.timedelta(hours=24),
        start_window=dt.timedelta(hours=24),
    )
    return sweeper, events, inspector


def test_a_lost_completion_event_is_validated_by_the_sweep_and_the_run_reported_once() -> None:
    from tests.unit.logic.test_restore_validation import POINT, SOURCE_FACTS

    state = FakeSweepState(facts={POINT: SOURCE_FACTS})
    sweeper, events, _ = _sweeper([_job()], state)
    sweep = sweeper.run(now=NOW)
    assert sweep.validated_late == ["R1"]
    # the run's start window (24 h) is still open: AWS may start more of its tests, so no report yet
    assert [e[0] for e in events.published] == ["Restore Test Passed"]
    window_closed = NOW + dt.timedelta(hours=24)
    assert sweeper.run(now=window_closed).reports == [f"{_job().creation_date:%Y-%m-%dT%H:%MZ}"]
    assert [e[0] for e in events.published] == ["Restore Test Passed", RESTORE_TEST_REPORT]
    report = events.published[-1][1]
    assert report["counts"]["tested"] == 1 and report["counts"]["passed"] == 1
    assert sweeper.run(now=window_closed).reports == []  # one report per run


def test_a_run_is_reported_once_its_start_window_has_closed_with_every_test_in_it() -> None:
    from tests.unit.logic.test_restore_validation import POINT, SOURCE_FACTS

    # GIVEN a run whose first test has its verdict, two hours into a 24-hour start window
    state = FakeSweepState(facts={POINT: SOURCE_FACTS})
    early = _job(job_id="R1", creation_date=NOW - dt.timedelta(hours=2))
    sweeper, events, _ = _sweeper([early], state)
    assert sweeper.run(now=NOW).reports == []  # more of the run's tests may still start
    # WHEN a second test starts later in the window and the window closes
    late = _job(job_id="R2", creation_date=NOW + dt.timedelta(hours=20))
    sweeper.validator.jobs.jobs["R2"] = late  # type: ignore[attr-defined]
    sweeper.jobs = FakeList([early, late])
    sweep = sweeper.run(now=NOW + dt.timedelta(hours=23))
    # THEN the one report counts both
    assert len(sweep.reports) == 1
    assert events.published[-1][0] == RESTORE_TEST_REPORT and events.published[-1][1]["counts"]["tested"] == 2


def test_a_job_that_never_finishes_fails_the_test() -> None:
    job = _job(status="RUNNING", creation_date=NOW - dt.timedelta(hours=30), completion_date=None)
    state = FakeSweepState()
    sweeper, events, _ = _sweeper([job], state)
    assert sweeper.run(now=NOW).never_reported == ["R1"]
    assert events.published[0][0] == RESTORE_TEST_FAILED


def test_a_restored_resource_aws_failed_to_delete_is_reported_not_deleted() -> None:
    job = _job(validation_status="SUCCESSFUL", deletion_status="FAILED")
    state = FakeSweepState()
    state.results.append(type("R", (), {"job_id": "R1", "passed": True, "source_arn": SOURCE})())
    sweeper, events, inspector = _sweeper([job], state)
    sweep = sweeper.run(now=NOW)
    assert sweep.leftovers == [job.created_resource_arn]
    assert RESTORE_TEST_LEFTOVER in [e[0] for e in events.published]
    assert inspector.deleted == []  # AWS created it: the stack never deletes what it did not create


def test_runs_are_clusters_of_job_creation_times() -> None:
    start = NOW - dt.timedelta(days=7)
    jobs = [
        _job(job_id="A", creation_date=start),
        _job(job_id="B", creation_date=start + dt.timedelta(hours=3)),
        _job(job_id="C", creation_date=start + dt.timedelta(days=7)),
    ]
    runs = group_runs(jobs, dt.timedelta(hours=24))
    assert [[j.job_id for j in run] for run in runs.values()] == [["A", "B"], ["C"]]


def test_an_on_demand_test_whose_event_was_lost_is_validated_by_the_sweep() -> None:
    from tests.unit.logic.test_restore_validation import POINT, SOURCE_FACTS

    # GIVEN the stack's first test of orders, COMPLETED, whose completion event never arrived
    target = "arn:aws:dynamodb:us-east-1:123456789012:table/bap-rt-orders-1a2b3c4d"
    job = _job(job_id="R9", testing_plan_arn=None, created_resource_arn=target)
    state = FakeSweepState(
        facts={POINT: SOURCE_FACTS},
        on_demand={"R9": OnDemandTest("R9", SOURCE, "bap-rt-orders-1a2b3c4d", POINT)},
        pending=["R9"],
    )
    sweeper, events, inspector = _sweeper([], state)
    sweeper.validator.jobs.jobs["R9"] = job  # type: ignore[attr-defined]
    sweeper.jobs = FakeList([job])
    # WHEN the hourly sweep runs
    sweep = sweeper.run(now=NOW)
    # THEN it is validated (and its copy deleted) once; the next sweep finds nothing pending
    assert sweep.validated_late == ["R9"] and inspector.deleted == [target]
    assert [e[0] for e in events.published] == ["Restore Test Passed"]
    assert sweeper.run(now=NOW).validated_late == []


def test_an_opted_in_resource_the_reconcile_found_untested_gets_its_first_test() -> None:
    # GIVEN an opted-in table the stack never saw opted in (its tag event was lost)
    tester, starter, first_state = _tester()
    sweeper, _, _ = _sweeper([], FakeSweepState())
    sweeper.first_tests = tester
    sweeper.not_tested = [{"resource": SOURCE, "reason": "no recovery point within the selection window"}]
    # WHEN two hourly sweeps run
    assert sweeper.run(now=NOW).first_tests == [SOURCE]
    assert sweeper.run(now=NOW).first_tests == []
    # THEN one first test was started, as on the tag event
    assert len(starter.started) == 1 and first_state.first[SOURCE]["status"] == "started"
