"""The copy half of the hourly reconcile: which vaults are swept, which points get their missing
copies, what a refused point or a point with nothing to start counts as, and the failed copy jobs
whose ``Copy Failed`` is sent (again) with the event path's detail and dedupe key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backup_autopilot.logic.copies.destinations import stack_destinations
from backup_autopilot.logic.copies.failures import FIXES, FailureCause, copy_failure_event, copy_job_failure
from backup_autopilot.logic.copies.service import CopyContext, CopyJobFacts
from backup_autopilot.logic.copies.sweep import (
    PointSummary,
    report_failed_copies,
    sweep_copies,
    sweep_recent_copies,
)
from backup_autopilot.logic.errors import Refused
from backup_autopilot.models.aws_events import CopyJobEvent
from tests.fakes import FakeCopies, FakeEvents
from tests.unit.logic.test_copy_service import _point

if TYPE_CHECKING:
    from collections.abc import Iterable

ACCOUNT = "123456789012"
DR_VAULT = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:bap-dr"
X_VAULT = "arn:aws:backup:eu-central-1:210987654321:backup-vault:bap-dr"
PRIMARY_ARN = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:primary"
RP = "arn:aws:ec2:us-east-1::snapshot/snap-0abc1234def567890"
VOLUME = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-1"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SINCE = NOW - dt.timedelta(days=2)
FAILURES_SINCE = NOW - dt.timedelta(hours=2)


@dataclass
class FakeCopySweep(FakeCopies):
    """CopySweepPort: FakeCopies plus what the sweep lists (points by vault, copy jobs, failures)."""

    points_by_vault: dict[str, list[PointSummary]] = field(default_factory=dict)
    attempted: set[tuple[str, str]] = field(default_factory=set)
    failed: list[CopyJobFacts] = field(default_factory=list)
    #: (call, vault or None, region, since) of every listing
    sweep_listings: list[tuple[str, str | None, str, dt.datetime]] = field(default_factory=list)

    def recent_points(self, *, vault_name: str, region: str, since: dt.datetime) -> Iterable[PointSummary]:
        self.sweep_listings.append(("ListRecoveryPointsByBackupVault", vault_name, region, since))
        return list(self.points_by_vault.get(vault_name, []))

    def attempted_copies(self, *, region: str, since: dt.datetime) -> set[tuple[str, str]]:
        self.sweep_listings.append(("ListCopyJobs", None, region, since))
        return set(self.attempted)

    def failed_copies(self, *, region: str, since: dt.datetime) -> Iterable[CopyJobFacts]:
        self.sweep_listings.append(("ListCopyJobs(failed)", None, region, since))
        return list(self.failed)


def _ctx(
    gateway: FakeCopies,
    events: FakeEvents,
    *,
    vaults: frozenset[str] | None = frozenset({"primary"}),
    cross_account: bool = True,
) -> CopyContext:
    allowed = stack_destinations(DR_VAULT, X_VAULT if cross_account else None)
    defaults = (allowed[f"{ACCOUNT}:us-west-2"],)
    return CopyContext(gateway, events, allowed, defaults, "backup-copy-to", None, vaults)


def _failed_job(**overrides: Any) -> CopyJobFacts:
    values: dict[str, Any] = {
        "copy_job_id": "C7",
        "state": "FAILED",
        "resource_arn": VOLUME,
        "source_recovery_point_arn": RP,
        "source_backup_vault_arn": PRIMARY_ARN,
        "destination_backup_vault_arn": DR_VAULT,
        "status_message": "Access denied exception while trying to list tags",
    }
    return CopyJobFacts(**{**values, **overrides})


# -- sweep_recent_copies ---------------------------------------------------------------------------


def test_a_stack_without_copy_destinations_sweeps_nothing_and_reads_nothing() -> None:
    gateway = FakeCopySweep(
        _point(), points_by_vault={"primary": [PointSummary(RP, "primary", VOLUME, "COMPLETED")]}
    )
    events = FakeEvents()
    ctx = CopyContext(gateway, events, {}, (), "backup-copy-to", None, frozenset({"primary"}))
    sweep = sweep_recent_copies(
        ctx,
        gateway,
        vault_names=["primary"],
        account=ACCOUNT,
        region="us-east-1",
        since=SINCE,
        failures_since=FAILURES_SINCE,
    )
    assert (sweep.points, sweep.copied, sweep.failures_reported) == (0, 0, 0)
    assert gateway.sweep_listings == [] and gateway.calls == [] and events.published == []


def test_the_sweep_lists_the_stacks_vaults_only_since_the_given_time_in_its_region() -> None:
    # GIVEN a point whose completion event was lost, in the primary vault
    gateway = FakeCopySweep(
        _point(),
        points_by_vault={
            "primary": [PointSummary(RP, "primary", VOLUME, "COMPLETED")],
            "other-team": [PointSummary("arn:theirs", "other-team", "arn:r", "COMPLETED")],
        },
    )
    events = FakeEvents()
    # WHEN the hourly sweep runs over the primary vault and a vault the stack does not copy from
    sweep = sweep_recent_copies(
        _ctx(gateway, events),
        gateway,
        vault_names=["primary", "other-team"],
        account=ACCOUNT,
        region="us-east-1",
        since=SINCE,
    )
    # THEN only the stack's vault is listed, copy jobs are read for the same period, no failure lookup
    assert sorted(gateway.sweep_listings, key=str) == [
        ("ListCopyJobs", None, "us-east-1", SINCE),
        ("ListRecoveryPointsByBackupVault", "primary", "us-east-1", SINCE),
    ]
    # AND the lost point is read in the sweep's account and Region and copied to the default DR vault
    assert gateway.reads == [("primary", RP, ACCOUNT, "us-east-1")]
    assert (sweep.points, sweep.covered, sweep.copied, sweep.copies_started) == (1, 0, 1, 1)
    assert [e[0] for e in events.published] == ["Copy Started"]
    assert sweep.failures_reported == 0


def test_points_already_copied_everywhere_cost_no_aws_call() -> None:
    gateway = FakeCopySweep(
        _point(),
        points_by_vault={"primary": [PointSummary(RP, "primary", VOLUME, "COMPLETED")]},
        attempted={(RP, DR_VAULT), (RP, X_VAULT)},
    )
    sweep = sweep_recent_copies(
        _ctx(gateway, FakeEvents()),
        gateway,
        vault_names=["primary"],
        account=ACCOUNT,
        region="us-east-1",
        since=SINCE,
    )
    assert (sweep.points, sweep.covered, sweep.copied) == (1, 1, 0) and gateway.calls == []


def test_failed_copy_jobs_since_the_lookback_are_alerted_and_counted() -> None:
    gateway = FakeCopySweep(
        _point(), failed=[_failed_job(), _failed_job(copy_job_id="C8", state="COMPLETED")]
    )
    events = FakeEvents()
    sweep = sweep_recent_copies(
        _ctx(gateway, events),
        gateway,
        vault_names=["primary"],
        account=ACCOUNT,
        region="eu-west-1",
        since=SINCE,
        failures_since=FAILURES_SINCE,
    )
    assert ("ListCopyJobs(failed)", None, "eu-west-1", FAILURES_SINCE) in gateway.sweep_listings
    assert sweep.failures_reported == 1
    assert [(kind, detail["copy_job_id"]) for kind, detail in events.published] == [("Copy Failed", "C7")]


# -- sweep_copies ------------------------------------------------------------------------------------


class _RefusingCopies(FakeCopies):
    def recovery_point(self, *, vault_name: str, arn: str, account: str, region: str) -> Any:
        if arn.startswith("arn:deleted"):
            raise Refused("ResourceNotFoundException: the recovery point was deleted")
        return super().recovery_point(vault_name=vault_name, arn=arn, account=account, region=region)


def test_a_point_aws_refuses_is_counted_and_the_sweep_goes_on() -> None:
    copies = _RefusingCopies(_point())
    points = [
        PointSummary("arn:deleted", "primary", "arn:r1", "COMPLETED"),
        PointSummary(RP, "primary", VOLUME, "COMPLETED"),
    ]
    sweep = sweep_copies(
        points, attempted=set(), ctx=_ctx(copies, FakeEvents()), account=ACCOUNT, region="us-east-1"
    )
    assert (sweep.points, sweep.refused, sweep.copied, sweep.copies_started, sweep.covered) == (2, 1, 1, 1, 0)


def test_the_sweep_counts_each_kind_of_point() -> None:
    # GIVEN two points copied everywhere, two deleted meanwhile, two missing both copies (RDS: one
    # hop to the other account) and two in cold storage (nothing to start)
    names = ["done-1", "done-2", "deleted-1", "deleted-2", "new-1", "new-2", "cold-1", "cold-2"]
    arns = {name: f"arn:{name}" for name in names}
    points = {arns[n]: _point(arn=arns[n], resource_type="RDS") for n in ("new-1", "new-2")}
    points |= {arns[n]: _point(arn=arns[n], storage_class="COLD") for n in ("cold-1", "cold-2")}
    copies = _RefusingCopies(_point(), tag="us-west-2,210987654321:eu-central-1", points=points)
    attempted = {(arns[n], vault) for n in ("done-1", "done-2") for vault in (DR_VAULT, X_VAULT)}
    # WHEN the sweep runs over them
    sweep = sweep_copies(
        [PointSummary(arns[n], "primary", VOLUME, "COMPLETED") for n in names],
        attempted=attempted,
        ctx=_ctx(copies, FakeEvents()),
        account=ACCOUNT,
        region="eu-west-1",
    )
    # THEN each is counted once, and the missing copies were started (two per new point)
    assert (sweep.points, sweep.covered, sweep.refused, sweep.copied, sweep.copies_started) == (8, 4, 2, 2, 4)
    # AND each point was read in the sweep's vault, account and Region
    assert ("primary", arns["new-1"], ACCOUNT, "eu-west-1") in copies.reads


def test_points_not_completed_are_not_swept() -> None:
    copies = FakeCopies(_point())
    points = [PointSummary(RP, "primary", VOLUME, "PARTIAL"), PointSummary(RP, "primary", VOLUME, "EXPIRED")]
    sweep = sweep_copies(
        points, attempted=set(), ctx=_ctx(copies, FakeEvents()), account=ACCOUNT, region="us-east-1"
    )
    assert sweep.points == 0 and copies.calls == []


def test_a_point_whose_tag_says_none_counts_as_covered() -> None:
    copies = FakeCopies(_point(), tag="none")
    sweep = sweep_copies(
        [PointSummary(RP, "primary", VOLUME, "COMPLETED")],
        attempted=set(),
        ctx=_ctx(copies, FakeEvents()),
        account=ACCOUNT,
        region="us-east-1",
    )
    assert (sweep.points, sweep.covered, sweep.copied, sweep.copies_started) == (1, 1, 0, 0)


def test_a_point_copied_to_some_destinations_gets_only_the_missing_ones() -> None:
    # RDS copies to another account and Region in one action: two destinations, one already done
    copies = FakeCopies(_point(resource_type="RDS"), tag="us-west-2,210987654321:eu-central-1")
    events = FakeEvents()
    sweep = sweep_copies(
        [PointSummary(RP, "primary", VOLUME, "COMPLETED")],
        attempted={(RP, DR_VAULT)},
        ctx=_ctx(copies, events),
        account=ACCOUNT,
        region="us-east-1",
    )
    assert (sweep.copied, sweep.copies_started) == (1, 1)
    assert [detail["destination_vault_arn"] for _, detail in events.published] == [X_VAULT]
    assert "ListCopyJobs" not in copies.calls  # the sweep's listing is used, not read again


# -- report_failed_copies and copy_job_failure -------------------------------------------------------


def test_a_failed_copy_job_of_the_stacks_vault_is_alerted_with_its_cause_and_fix() -> None:
    events = FakeEvents()
    reported = report_failed_copies(_ctx(FakeCopies(_point()), events), [_failed_job()])
    assert reported == 1
    [(kind, detail)] = events.published
    fix = FIXES[FailureCause.ACCESS_DENIED]
    assert kind == "Copy Failed"
    assert detail == {
        "severity": "critical",
        "summary": f"copy of {RP} to {DR_VAULT} failed: Access denied exception while trying to list tags; "
        f"fix: {fix}",
        "resource": VOLUME,
        "copy_job_id": "C7",
        "cause": "access-denied",
        "fix": fix,
        "status_message": "Access denied exception while trying to list tags",
        "destination_vault_arn": DR_VAULT,
        "dedupe_key": "copy-failed:C7",
    }


def test_failed_copies_of_other_teams_vaults_and_copies_that_did_not_fail_are_not_alerted() -> None:
    events = FakeEvents()
    jobs = [
        _failed_job(source_backup_vault_arn=f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:other-team"),
        _failed_job(source_backup_vault_arn=None),
        _failed_job(state="COMPLETED"),
        _failed_job(state="RUNNING"),
        _failed_job(copy_job_id="C-aborted", state="ABORTED"),
        _failed_job(copy_job_id="C-partial", state="PARTIAL"),
    ]
    reported = report_failed_copies(_ctx(FakeCopies(_point()), events), jobs)
    assert reported == 2
    assert [detail["copy_job_id"] for _, detail in events.published] == ["C-aborted", "C-partial"]
    assert "aborted:" in events.published[0][1]["summary"] and "partial:" in events.published[1][1]["summary"]


def test_without_a_vault_list_every_failed_copy_is_alerted() -> None:
    events = FakeEvents()
    reported = report_failed_copies(
        _ctx(FakeCopies(_point()), events, vaults=None), [_failed_job(source_backup_vault_arn=None)]
    )
    assert reported == 1


def test_a_failed_job_without_a_source_point_names_its_resource_and_an_unknown_vault() -> None:
    detail = copy_job_failure(
        _failed_job(source_recovery_point_arn=None, destination_backup_vault_arn=None, status_message=None)
    )
    assert detail is not None
    assert detail["summary"] == (
        f"copy of {VOLUME} to an unknown vault failed: no message; fix: {FIXES[FailureCause.OTHER]}"
    )
    assert detail["cause"] == "other" and detail["status_message"] is None


def test_the_sweep_and_the_event_path_alert_a_failure_under_one_dedupe_key() -> None:
    # GIVEN the FAILED event of copy job C7 and the same job as ListCopyJobs shows it
    event = CopyJobEvent.parse(
        {
            "version": "0",
            "id": "evt-1",
            "detail-type": "Copy Job State Change",
            "source": "aws.backup",
            "account": ACCOUNT,
            "time": "2026-03-02T05:21:13Z",
            "region": "us-east-1",
            "resources": [RP],
            "detail": {
                "copyJobId": "C7",
                "state": "FAILED",
                "statusMessage": "Access denied exception while trying to list tags",
                "destinationBackupVaultArn": DR_VAULT,
                "resourceArn": VOLUME,
            },
        }
    )
    from_event, from_sweep = copy_failure_event(event), copy_job_failure(_failed_job())
    # THEN both say the same thing, so notify drops the second
    assert from_event == from_sweep


def test_a_copy_job_that_did_not_fail_is_no_failure() -> None:
    assert copy_job_failure(_failed_job(state="COMPLETED")) is None
    assert copy_job_failure(_failed_job(state="CREATED")) is None
