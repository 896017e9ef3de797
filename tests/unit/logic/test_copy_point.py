"""Copying one completed backup, as people and callers see it: which point, tag and copy jobs are
read (and where), every ``Copy Started`` / ``Copy Skipped`` / ``Copy Destination Rejected`` detail,
what the result reports; which copies the plan decides (same-account, cross-account, one or two
hops, plan-rule copies, keys, DynamoDB); and what a finished copy job yields (the copy lag, the
job read back for a lean failure event, the states that are ignored)."""

from __future__ import annotations

from typing import Any

import pytest

from backup_autopilot.logic.copies.destinations import Destination, stack_destinations
from backup_autopilot.logic.copies.failures import FIXES, FailureCause, copy_failure_event
from backup_autopilot.logic.copies.outcome import handle_copy_outcome
from backup_autopilot.logic.copies.planning import RecoveryPointFacts, plan_copies
from backup_autopilot.logic.copies.service import (
    CopyContext,
    CopyJobFacts,
    copy_point,
    copy_recovery_point,
)
from backup_autopilot.logic.tokens import copy_token
from backup_autopilot.models.aws_events import BackupJobEvent, CopyJobEvent
from tests.fakes import FakeCopies, FakeEvents, backup_completed, point_facts

ACCOUNT, OTHER = "123456789012", "210987654321"
DR_VAULT = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:bap-dr"
X_VAULT = f"arn:aws:backup:eu-central-1:{OTHER}:backup-vault:bap-dr"
ALLOWED = stack_destinations(DR_VAULT, X_VAULT)
DR, XACCT = ALLOWED[f"{ACCOUNT}:us-west-2"], ALLOWED[f"{OTHER}:eu-central-1"]
RP = "arn:aws:ec2:us-east-1::snapshot/snap-0abc1234def567890"
MANAGED_RP = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:1a2b"
VOLUME = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-1"
ALLOWED_TEXT = f"{ACCOUNT}:us-west-2, {OTHER}:eu-central-1"


def _point(**overrides: Any) -> RecoveryPointFacts:
    return point_facts(**{"arn": RP, **overrides})


def _ctx(copies: FakeCopies, events: FakeEvents, **overrides: Any) -> CopyContext:
    values: dict[str, Any] = {
        "gateway": copies,
        "events": events,
        "allowed": ALLOWED,
        "defaults": (DR,),
        "copy_to_tag_key": "backup-copy-to",
    }
    return CopyContext(**{**values, **overrides})


def _copy(copies: FakeCopies, **overrides: Any) -> tuple[dict[str, Any], FakeEvents]:
    events = FakeEvents()
    result = copy_point(
        _ctx(copies, events, **overrides), vault_name="primary", arn=RP, account=ACCOUNT, region="us-east-1"
    )
    return result, events


# -- copy_point: reads, alerts, result ----------------------------------------------------------------


def test_a_completed_backup_is_read_where_it_is_and_its_copy_announced() -> None:
    copies = FakeCopies(_point())
    result, events = _copy(copies)
    assert copies.reads == [("primary", RP, ACCOUNT, "us-east-1")]
    assert copies.tag_lookups == [(VOLUME, "us-east-1", "backup-copy-to")]
    assert copies.listings == [(RP, "us-east-1")]
    assert events.published == [
        (
            "Copy Started",
            {
                "severity": "info",
                "summary": f"copy of {RP} to {ACCOUNT}:us-west-2 started",
                "resource": VOLUME,
                "recovery_point": RP,
                "copy_job_id": "copy-1",
                "destination_vault_arn": DR_VAULT,
                "dedupe_key": copy_token(RP, DR_VAULT),
            },
        )
    ]
    assert result == {
        "outcome": "Planned",
        "recovery_point": RP,
        "started": ["copy-1"],
        "skipped": [],
        "already_copied": [],
        "refused": [],
        "problems": [],
    }


def test_a_skipped_copy_says_why_and_is_deduplicated_per_point_and_destination() -> None:
    copies = FakeCopies(_point(storage_class="COLD"))
    result, events = _copy(copies)
    assert events.published == [
        (
            "Copy Skipped",
            {
                "severity": "warning",
                "summary": f"no copy of {RP} to {ACCOUNT}:us-west-2: cold-tier recovery points cannot be "
                "copied to another Region or account",
                "resource": VOLUME,
                "recovery_point": RP,
                "reason": "COLD",
                "destination_vault_arn": DR_VAULT,
                "dedupe_key": f"skip:{RP}:{ACCOUNT}:us-west-2",
            },
        )
    ]
    assert result["skipped"] == [f"{ACCOUNT}:us-west-2"] and result["started"] == []
    assert copies.listings == []  # nothing to start: ListCopyJobs is not read


def test_a_refused_copy_is_reported_with_awss_words_and_the_next_destination_still_starts() -> None:
    # GIVEN an RDS point (one hop to the other account) tagged for both vaults; AWS refuses the DR one
    message = "InvalidParameterValueException: cannot copy"
    copies = FakeCopies(
        _point(resource_type="RDS"), tag=f"us-west-2,{OTHER}:eu-central-1", refuse_vaults={DR_VAULT: message}
    )
    result, events = _copy(copies)
    started, refused = events.published
    assert refused == (
        "Copy Skipped",
        {
            "severity": "warning",
            "summary": f"no copy of {RP} to {ACCOUNT}:us-west-2: AWS refused it: {message}",
            "resource": VOLUME,
            "recovery_point": RP,
            "reason": "REFUSED",
            "destination_vault_arn": DR_VAULT,
            "dedupe_key": f"skip:{RP}:{ACCOUNT}:us-west-2",
        },
    )
    assert started[0] == "Copy Started" and started[1]["destination_vault_arn"] == X_VAULT
    assert result["refused"] == [f"{ACCOUNT}:us-west-2"] and len(result["started"]) == 1


def test_a_destination_already_copied_is_reported_and_the_others_still_start() -> None:
    copies = FakeCopies(
        _point(resource_type="RDS"),
        tag=f"us-west-2,{OTHER}:eu-central-1",
        destinations_by_point={RP: {DR_VAULT}},
    )
    result, events = _copy(copies)
    assert result["already_copied"] == [f"{ACCOUNT}:us-west-2"]
    assert [d["destination_vault_arn"] for _, d in events.published] == [X_VAULT]


def test_a_tag_naming_destinations_the_stack_does_not_allow_is_reported_on_the_resource() -> None:
    copies = FakeCopies(_point(), tag="ap-south-1,bogus")
    result, events = _copy(copies)
    problems = [
        f"'ap-south-1' is not a copy destination this stack allows ({ALLOWED_TEXT})",
        "'bogus' is neither a Region nor ACCOUNT:REGION",
    ]
    assert events.published == [
        (
            "Copy Destination Rejected",
            {
                "severity": "warning",
                "summary": f"backup-copy-to on {VOLUME}: {problems[0]}; {problems[1]}",
                "resource": VOLUME,
                "problems": problems,
                "dedupe_key": f"copy-tag:{VOLUME}:ap-south-1,bogus",
            },
        )
    ]
    assert result["problems"] == problems and result["started"] == []


def test_the_recovery_points_own_region_decides_where_its_tag_is_read() -> None:
    # the point as AWS describes it is the truth, not what the caller passed
    copies = FakeCopies(_point(region="eu-west-1", account=ACCOUNT))
    events = FakeEvents()
    copy_point(_ctx(copies, events), vault_name="primary", arn=RP, account=ACCOUNT, region="eu-west-1")
    assert copies.tag_lookups == [(VOLUME, "eu-west-1", "backup-copy-to")]
    assert copies.listings == [(RP, "eu-west-1")]


# -- copy_recovery_point: the completion event ----------------------------------------------------------


def _completed(resources: list[str], **detail: Any) -> BackupJobEvent:
    return backup_completed(resources, **detail)


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(_completed([], backupVaultName="primary"), id="no recovery point"),
        pytest.param(_completed([RP]), id="no vault name"),
    ],
)
def test_a_completion_event_without_its_point_or_vault_is_rejected_without_a_call(
    event: BackupJobEvent,
) -> None:
    copies = FakeCopies(_point())
    result = copy_recovery_point(event, _ctx(copies, FakeEvents()))
    assert result == {
        "outcome": "Rejected",
        "reason": "no recovery point ARN in resources[0] or no vault name",
    }
    assert copies.calls == []


def test_a_job_that_did_not_complete_is_ignored_saying_its_state() -> None:
    result = copy_recovery_point(
        _completed([RP], backupVaultName="primary", state="EXPIRED"), _ctx(FakeCopies(_point()), FakeEvents())
    )
    assert result == {"outcome": "Ignored", "reason": "job is EXPIRED"}


def test_a_completed_backup_in_a_listed_plans_vault_is_copied() -> None:
    copies = FakeCopies(_point(vault_name="team-vault"))
    events = FakeEvents()
    ctx = _ctx(copies, events, source_vaults=frozenset({"primary", "team-vault"}))
    result = copy_recovery_point(_completed([RP], backupVaultName="team-vault"), ctx)
    assert result["started"] == ["copy-1"]
    assert copies.reads == [("team-vault", RP, ACCOUNT, "us-east-1")]


# -- plan_copies: what is decided -----------------------------------------------------------------------


def _plan(point: RecoveryPointFacts, tag: str | None, allowed: dict[str, Destination] | None = None) -> Any:
    return plan_copies(point, copy_to_tag=tag, allowed=allowed or ALLOWED, defaults=(DR,))


def test_a_recovery_point_that_is_not_completed_is_not_copied_and_that_is_said() -> None:
    plan = _plan(_point(status="PARTIAL"), None)
    assert plan.orders == [] and plan.problems == ["recovery point is PARTIAL, not COMPLETED"]


def test_a_tag_naming_the_points_own_region_is_a_problem_not_a_copy() -> None:
    plan = _plan(_point(), "us-east-1")
    assert plan.orders == [] and plan.problems == ["'us-east-1' is where the backup already is"]


def test_a_default_destination_in_the_points_own_region_is_left_out() -> None:
    here = Destination(ACCOUNT, "us-east-1", f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:bap-dr")
    plan = plan_copies(_point(), copy_to_tag=None, allowed={**ALLOWED, here.key: here}, defaults=(here, DR))
    assert [o.destination for o in plan.orders] == [DR]


def test_an_aws_managed_key_blocks_only_the_copy_to_another_account() -> None:
    plan = _plan(_point(aws_managed_key=True, resource_type="RDS"), f"us-west-2,{OTHER}:eu-central-1")
    assert [o.destination for o in plan.orders] == [DR]
    assert [(d, r.name) for d, r in plan.skipped] == [(XACCT, "AWS_MANAGED_KEY")]


def test_a_fully_managed_point_with_an_aws_managed_key_goes_to_another_account() -> None:
    point = _point(arn=MANAGED_RP, aws_managed_key=True, resource_type="RDS")
    assert [o.destination for o in _plan(point, f"{OTHER}:eu-central-1").orders] == [XACCT]


def test_dynamodb_is_copied_only_with_advanced_features_on() -> None:
    plain = _point(arn=f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t/backup/0171", resource_type="DynamoDB")
    advanced = _point(arn=MANAGED_RP, resource_type="DynamoDB")
    assert [r.name for _, r in _plan(plain, None).skipped] == ["DYNAMODB_NOT_ADVANCED"]
    assert [o.destination for o in _plan(advanced, None).orders] == [DR]


def test_a_destination_the_plan_rule_already_copies_to_is_skipped() -> None:
    plan = _plan(_point(plan_copy_vaults=(DR_VAULT,)), None)
    assert plan.orders == [] and [(d, r.name) for d, r in plan.skipped] == [(DR, "PLAN_COPIES")]


def test_a_copy_in_the_same_account_takes_one_hop() -> None:
    plan = _plan(_point(), "us-west-2")
    assert [o.destination for o in plan.orders] == [DR] and plan.chained == []


def test_a_copy_to_another_account_in_the_same_region_takes_one_hop() -> None:
    x_here = Destination(OTHER, "us-east-1", f"arn:aws:backup:us-east-1:{OTHER}:backup-vault:bap-dr")
    plan = _plan(_point(), f"{OTHER}:us-east-1", {**ALLOWED, x_here.key: x_here})
    assert [o.destination for o in plan.orders] == [x_here] and plan.chained == [] and plan.skipped == []


def test_two_finals_through_one_intermediate_make_one_first_hop() -> None:
    far = Destination(OTHER, "us-west-2", f"arn:aws:backup:us-west-2:{OTHER}:backup-vault:bap-dr")
    plan = _plan(_point(), f"us-west-2,{OTHER}:us-west-2", {**ALLOWED, far.key: far})
    assert [o.destination for o in plan.orders] == [DR] and plan.chained == [(DR, far)]


def test_a_stack_vault_arn_that_is_not_a_vault_is_no_destination() -> None:
    assert stack_destinations("not-a-vault-arn", X_VAULT) == {XACCT.key: XACCT}
    assert stack_destinations(None, None) == {}


# -- handle_copy_outcome --------------------------------------------------------------------------------


def _copy_event(*, resources: bool = True, **detail: Any) -> CopyJobEvent:
    return CopyJobEvent.parse(
        {
            "version": "0",
            "id": "e9",
            "detail-type": "Copy Job State Change",
            "source": "aws.backup",
            "account": ACCOUNT,
            "time": "2026-03-02T06:00:00Z",
            "region": "us-east-1",
            "resources": [RP] if resources else [],
            "detail": detail,
        }
    )


COMPLETED: dict[str, Any] = {
    "copyJobId": "C1",
    "state": "COMPLETED",
    "completionDate": "2026-03-02T07:00:00+01:00",
    "sourceBackupVaultArn": f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:primary",
    "destinationBackupVaultArn": DR_VAULT,
}


def _outcome(copies: FakeCopies, event: CopyJobEvent) -> tuple[dict[str, Any], FakeEvents]:
    events = FakeEvents()
    return handle_copy_outcome(event, _ctx(copies, events), own_account=ACCOUNT), events


def test_a_completed_copy_reports_its_lag_from_the_source_backup() -> None:
    import datetime as dt

    # GIVEN a source point created at 05:00 UTC and its copy completed at 07:00+01:00 (06:00 UTC)
    copies = FakeCopies(_point(creation_date=dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)))
    result, events = _outcome(copies, _copy_event(**COMPLETED))
    assert result == {"outcome": "Completed", "copy_lag_seconds": 3600.0, "second_hops": []}
    assert copies.reads == [("primary", RP, ACCOUNT, "us-east-1")] and events.published == []


def test_a_completed_copy_of_a_point_without_a_creation_date_has_no_lag() -> None:
    detail = {k: v for k, v in COMPLETED.items() if k != "sourceBackupVaultArn"}
    copies = FakeCopies(_point())
    result, _ = _outcome(copies, _copy_event(**detail))
    assert result["copy_lag_seconds"] is None and copies.reads == [("", RP, ACCOUNT, "us-east-1")]


@pytest.mark.parametrize(
    ("event", "state"),
    [
        pytest.param(_copy_event(**{**COMPLETED, "state": "RUNNING"}), "RUNNING", id="running"),
        pytest.param(
            _copy_event(**{k: v for k, v in COMPLETED.items() if k != "completionDate"}),
            "COMPLETED",
            id="no completion date",
        ),
        pytest.param(_copy_event(resources=False, **COMPLETED), "COMPLETED", id="no source point"),
    ],
)
def test_a_copy_job_that_is_not_a_finished_copy_is_ignored_without_a_call(
    event: CopyJobEvent, state: str
) -> None:
    copies = FakeCopies(_point())
    result, events = _outcome(copies, event)
    assert result == {"outcome": "Ignored", "state": state}
    assert copies.calls == [] and events.published == []


def _failed_job(copy_job_id: str, vault: str) -> CopyJobFacts:
    return CopyJobFacts(
        copy_job_id=copy_job_id,
        state="FAILED",
        resource_arn=VOLUME,
        source_recovery_point_arn=RP,
        destination_backup_vault_arn=vault,
        status_message="Access denied exception while trying to list tags",
    )


def test_a_failed_copy_returns_its_cause() -> None:
    copies = FakeCopies(_point(), jobs={"C5": _failed_job("C5", DR_VAULT)})
    result, _ = _outcome(copies, _copy_event(copyJobId="C5", state="FAILED"))
    assert result == {"outcome": "Copy Failed", "cause": "access-denied"}


def test_a_lean_failure_event_is_matched_to_the_job_of_its_destination_in_its_region() -> None:
    # GIVEN two failed copies of the point, one per destination, and an event naming the X vault
    copies = FakeCopies(_point(), jobs={"C5": _failed_job("C5", X_VAULT), "C6": _failed_job("C6", DR_VAULT)})
    _, events = _outcome(copies, _copy_event(state="FAILED", destinationBackupVaultArn=X_VAULT))
    # THEN the job to that destination is the one alerted
    assert copies.job_lookups == [
        {
            "copy_job_id": None,
            "source_point_arn": RP,
            "destination_vault_arn": X_VAULT,
            "state": "FAILED",
            "region": "us-east-1",
        }
    ]
    assert events.published[0][1]["copy_job_id"] == "C5"


def test_a_failure_event_without_a_source_point_names_the_jobs_source_or_its_resource() -> None:
    copies = FakeCopies(_point(), jobs={"C5": _failed_job("C5", DR_VAULT)})
    _, events = _outcome(copies, _copy_event(resources=False, copyJobId="C5", state="FAILED"))
    assert copies.job_lookups[0]["source_point_arn"] is None
    assert events.published[0][1]["summary"].startswith(f"copy of {RP} to {DR_VAULT} failed:")
    # AND without the job, the resource the event names
    detail = copy_failure_event(_copy_event(resources=False, state="ABORTED", resourceArn=VOLUME))
    assert detail is not None and detail["summary"].startswith(
        f"copy of {VOLUME} to an unknown vault aborted:"
    )


def test_a_failure_event_aws_knows_no_job_of_is_deduplicated_by_the_event() -> None:
    copies = FakeCopies(_point())
    _, events = _outcome(copies, _copy_event(state="FAILED"))
    [(kind, detail)] = events.published
    assert kind == "Copy Failed" and detail["dedupe_key"] == "copy-failed:e9"
    assert detail["summary"] == (
        f"copy of {RP} to an unknown vault failed: no message; fix: {FIXES[FailureCause.OTHER]}"
    )
