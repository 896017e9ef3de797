"""One completed backup -> the copies it needs, with fakes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backup_autopilot.logic.copies.destinations import Destination, stack_destinations
from backup_autopilot.logic.copies.outcome import handle_copy_outcome
from backup_autopilot.logic.copies.service import CopyContext, CopyJobFacts, copy_recovery_point
from backup_autopilot.logic.copies.sweep import PointSummary, sweep_copies
from backup_autopilot.models.aws_events import BackupJobEvent, CopyJobEvent
from tests.fakes import FakeCopies, FakeEvents, backup_completed, point_facts

if TYPE_CHECKING:
    from backup_autopilot.logic.copies.planning import RecoveryPointFacts

DR_VAULT = "arn:aws:backup:us-west-2:123456789012:backup-vault:bap-dr"
X_VAULT = "arn:aws:backup:eu-central-1:210987654321:backup-vault:bap-dr"
ALLOWED = stack_destinations(DR_VAULT, X_VAULT)
DEFAULTS = [ALLOWED["123456789012:us-west-2"]]
RP = "arn:aws:ec2:us-east-1::snapshot/snap-0abc1234def567890"


def _event(**detail: Any) -> BackupJobEvent:
    return backup_completed([RP], **{"backupVaultName": "primary", **detail})


def _point(**overrides: Any) -> RecoveryPointFacts:
    return point_facts(**{"arn": RP, **overrides})


def _copy(copies: FakeCopies, event: BackupJobEvent | None = None) -> tuple[dict[str, Any], FakeEvents]:
    events = FakeEvents()
    result = copy_recovery_point(event or _event(), _ctx(copies, events))
    return result, events


def _ctx(copies: FakeCopies, events: FakeEvents) -> CopyContext:
    return CopyContext(copies, events, ALLOWED, tuple(DEFAULTS), "backup-copy-to", 35)


def test_completed_backup_is_copied_to_the_default_dr_vault_with_four_calls() -> None:
    copies = FakeCopies(_point())
    result, events = _copy(copies)
    assert len(result["started"]) == 1
    assert copies.calls == ["DescribeRecoveryPoint", "GetResources", "ListCopyJobs", "StartCopyJob"]
    assert [e[0] for e in events.published] == ["Copy Started"]


def test_a_continuous_recovery_point_is_never_sent_to_start_copy_job() -> None:
    # GIVEN a point-in-time (continuous) recovery point, which StartCopyJob does not support
    copies = FakeCopies(_point(continuous=True))
    # WHEN its backup completes
    result, events = _copy(copies)
    # THEN no copy is attempted, and one Copy Skipped says why
    assert "StartCopyJob" not in copies.calls and result["started"] == []
    assert [(e[0], e[1]["reason"]) for e in events.published] == [("Copy Skipped", "CONTINUOUS")]
    assert "continuous" in events.published[0][1]["summary"]


def test_a_copy_aws_refuses_is_reported_once_with_awss_words_and_nothing_crashes() -> None:
    copies = FakeCopies(_point(), refuse_with="InvalidParameterValueException: does not support continuous")
    result, events = _copy(copies)
    assert result["started"] == [] and result["refused"] == ["123456789012:us-west-2"]
    assert [(e[0], e[1]["reason"]) for e in events.published] == [("Copy Skipped", "REFUSED")]
    assert "does not support continuous" in events.published[0][1]["summary"]


def test_a_replay_after_the_token_expired_makes_no_second_copy() -> None:
    copies = FakeCopies(_point())
    _copy(copies)
    copies.jobs_by_token.clear()  # AWS no longer honours the token (its lifetime is undocumented)
    result, events = _copy(copies)
    assert result["started"] == [] and result["already_copied"] == ["123456789012:us-west-2"]
    assert copies.calls.count("StartCopyJob") == 1 and events.published == []


def test_replayed_completion_events_make_one_copy_per_destination() -> None:
    # RDS copies to another account and Region in one action
    copies = FakeCopies(_point(resource_type="RDS"), tag="us-west-2,210987654321:eu-central-1")
    for _ in range(3):
        _copy(copies)
    assert len(copies.jobs_by_token) == 2


def test_ebs_to_another_account_and_region_goes_through_the_stacks_vault_there() -> None:
    from backup_autopilot.logic.copies.planning import plan_copies

    x_west = Destination(
        "210987654321", "us-west-2", "arn:aws:backup:us-west-2:210987654321:backup-vault:bap-dr"
    )
    allowed = {**ALLOWED, x_west.key: x_west}
    plan = plan_copies(_point(), copy_to_tag="210987654321:us-west-2", allowed=allowed, defaults=DEFAULTS)
    # THEN the first hop goes to the stack's own DR vault in us-west-2, the second follows it
    assert [o.destination for o in plan.orders] == [DEFAULTS[0]]
    assert plan.chained == [(DEFAULTS[0], x_west)]
    # AND without a vault of the stack's own in that Region, nothing is attempted, with the reason
    plan = plan_copies(_point(), copy_to_tag="210987654321:eu-central-1", allowed=ALLOWED, defaults=DEFAULTS)
    assert plan.orders == [] and plan.skipped[0][1].name == "NO_INTERMEDIATE_VAULT"


def test_none_tag_makes_no_copy() -> None:
    copies = FakeCopies(_point(), tag="none")
    result, events = _copy(copies)
    assert result["started"] == [] and "StartCopyJob" not in copies.calls and events.published == []


def test_cold_point_is_skipped_with_a_reason() -> None:
    copies = FakeCopies(_point(storage_class="COLD"))
    result, events = _copy(copies)
    assert result["started"] == [] and events.published[0][0] == "Copy Skipped"
    assert "cold" in events.published[0][1]["summary"]


def test_failed_job_makes_no_call() -> None:
    copies = FakeCopies(_point())
    assert _copy(copies, _event(state="FAILED"))[0]["outcome"] == "Ignored"
    assert copies.calls == []


def test_disallowed_tag_destination_is_reported() -> None:
    copies = FakeCopies(_point(), tag="ap-south-1")
    result, events = _copy(copies)
    assert result["started"] == [] and events.published[0][0] == "Copy Destination Rejected"


def _copy_event(state: str, message: str | None) -> Any:
    from backup_autopilot.models.aws_events import CopyJobEvent

    return CopyJobEvent.parse(
        {
            "version": "0",
            "id": "e2",
            "detail-type": "Copy Job State Change",
            "source": "aws.backup",
            "account": "123456789012",
            "time": "2026-03-02T05:21:13Z",
            "region": "us-east-1",
            "resources": [RP],
            "detail": {
                "copyJobId": "C1",
                "state": state,
                "statusMessage": message,
                "destinationRecoveryPointArn": {},
                "destinationBackupVaultArn": X_VAULT,
                "resourceArn": "arn:aws:ec2:us-east-1:123456789012:volume/vol-1",
            },
        }
    )


def test_failed_copy_becomes_copy_failed_with_cause_and_fix() -> None:
    from backup_autopilot.logic.copies.failures import copy_failure_event

    detail = copy_failure_event(
        _copy_event("FAILED", "User is not authorized to perform: backup:CopyIntoBackupVault")
    )
    assert (
        detail is not None and detail["cause"] == "vault-access-policy" and "access policy" in detail["fix"]
    )
    assert copy_failure_event(_copy_event("COMPLETED", None)) is None


def _minimal_copy_event(state: str, **detail: Any) -> CopyJobEvent:
    """A copy event as lean as AWS's minimal ones: no resource, no destination, no message."""
    return CopyJobEvent.parse(
        {
            "version": "0",
            "id": "e3",
            "detail-type": "Copy Job State Change",
            "source": "aws.backup",
            "account": "123456789012",
            "time": "2026-03-02T05:21:13Z",
            "region": "us-east-1",
            "resources": [RP],
            "detail": {"state": state, "creationDate": "2026-03-02T05:20:00.000Z", **detail},
        }
    )


def _described_failure(copy_job_id: str = "C9") -> CopyJobFacts:
    return CopyJobFacts(
        copy_job_id=copy_job_id,
        state="FAILED",
        resource_arn="arn:aws:ec2:us-east-1:123456789012:volume/vol-1",
        source_recovery_point_arn=RP,
        source_backup_vault_arn="arn:aws:backup:us-east-1:123456789012:backup-vault:primary",
        destination_backup_vault_arn=DR_VAULT,
        status_message="Access denied exception while trying to list tags",
    )


def test_a_failure_event_without_the_job_id_is_read_back_with_the_copy_gateway() -> None:
    # GIVEN a FAILED copy event that carries only its state and the source point (resources[0])
    copies = FakeCopies(_point(), jobs={"C9": _described_failure()})
    events = FakeEvents()
    # WHEN copy_outcome handles it
    event = _minimal_copy_event("FAILED")
    result = handle_copy_outcome(event, _ctx(copies, events), own_account="123456789012")
    # THEN the job is found (ListCopyJobs by source point and state) and the alert keeps its lines
    assert copies.calls == ["ListCopyJobs"]
    [(detail_type, detail)] = events.published
    assert (detail_type, result["outcome"]) == ("Copy Failed", "Copy Failed")
    assert detail["resource"] == "arn:aws:ec2:us-east-1:123456789012:volume/vol-1"
    assert detail["copy_job_id"] == "C9" and detail["destination_vault_arn"] == DR_VAULT
    assert detail["cause"] == "access-denied"  # classified from DescribeCopyJob's StatusMessage
    assert detail["dedupe_key"] == "copy-failed:C9"


def test_a_failure_event_with_the_job_id_but_no_resource_is_described() -> None:
    copies = FakeCopies(_point(), jobs={"C9": _described_failure()})
    events = FakeEvents()
    message = "Access denied exception while trying to list tags"
    event = _minimal_copy_event("FAILED", copyJobId="C9", statusMessage=message)
    handle_copy_outcome(event, _ctx(copies, events), own_account="123456789012")
    assert copies.calls == ["DescribeCopyJob"]
    assert events.published[0][1]["resource"] == "arn:aws:ec2:us-east-1:123456789012:volume/vol-1"


def test_a_complete_failure_event_needs_no_aws_call() -> None:
    copies = FakeCopies(_point())
    events = FakeEvents()
    event = _copy_event("FAILED", "Access denied exception while trying to list tags")
    handle_copy_outcome(event, _ctx(copies, events), own_account="123456789012")
    assert copies.calls == [] and events.published[0][1]["copy_job_id"] == "C1"


def test_a_copy_job_aws_no_longer_knows_still_gives_a_copy_failed() -> None:
    copies = FakeCopies(_point())  # DescribeCopyJob finds nothing
    events = FakeEvents()
    handle_copy_outcome(
        _minimal_copy_event("FAILED", copyJobId="GONE"), _ctx(copies, events), own_account="1"
    )
    [(_, detail)] = events.published
    assert detail["copy_job_id"] == "GONE" and detail["resource"] is None and detail["cause"] == "other"


def test_sweep_copies_only_points_missing_a_copy_and_replays_the_event_token() -> None:
    # GIVEN two points: one already copied everywhere, one whose completion event was lost
    copies = FakeCopies(_point())
    events = FakeEvents()
    done = "arn:aws:backup:us-east-1:123456789012:recovery-point:done"
    lost = RP
    attempted = {(done, vault) for vault in (DR_VAULT, X_VAULT)}
    points = [
        PointSummary(done, "primary", "arn:r1", "COMPLETED"),
        PointSummary(lost, "primary", "arn:r2", "COMPLETED"),
    ]
    # WHEN the sweep runs
    sweep = sweep_copies(
        points, attempted=attempted, ctx=_ctx(copies, events), account="123456789012", region="us-east-1"
    )
    # THEN only the lost one is read and copied, with the token the event path would have used
    assert (sweep.points, sweep.covered, sweep.copied) == (2, 1, 1)
    assert copies.calls == ["DescribeRecoveryPoint", "GetResources", "StartCopyJob"]
    first_token = next(iter(copies.jobs_by_token))
    _copy(copies)  # the late completion event arrives after all
    assert list(copies.jobs_by_token) == [first_token]
