"""The second hop of two-hop copies (:func:`continue_chain`): once a copy lands in the stack's own
vault of a Region, it goes on to the other accounts' vaults there, read from where it landed, with
the original point's retention, once per destination; AWS's refusal is reported; a copy that landed
anywhere else (another account's vault, a vault that is not the stack's) goes nowhere."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from backup_autopilot.logic.copies.destinations import Destination
from backup_autopilot.logic.copies.service import CopyContext, continue_chain
from backup_autopilot.logic.tokens import copy_token
from backup_autopilot.models.aws_events import CopyJobEvent
from tests.fakes import FakeCopies, FakeEvents, point_facts

if TYPE_CHECKING:
    from backup_autopilot.logic.copies.planning import RecoveryPointFacts

ACCOUNT, OTHER, THIRD = "123456789012", "210987654321", "333333333333"
DR = Destination(ACCOUNT, "us-west-2", f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:bap-dr")
FAR = Destination(OTHER, "us-west-2", f"arn:aws:backup:us-west-2:{OTHER}:backup-vault:bap-dr")
FAR_TOO = Destination(THIRD, "us-west-2", f"arn:aws:backup:us-west-2:{THIRD}:backup-vault:dr")
EU = Destination(ACCOUNT, "eu-central-1", f"arn:aws:backup:eu-central-1:{ACCOUNT}:backup-vault:bap-dr")
FAR_EU = Destination(OTHER, "eu-central-1", f"arn:aws:backup:eu-central-1:{OTHER}:backup-vault:bap-dr")
ALLOWED = {d.key: d for d in (DR, FAR, FAR_TOO, EU, FAR_EU)}
RP = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:weekly-1"
LANDED = f"arn:aws:backup:us-west-2:{ACCOUNT}:recovery-point:copy-1"
VOLUME = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-1"


def _point(**overrides: Any) -> RecoveryPointFacts:
    return point_facts(**{"arn": RP, **overrides})


#: the first hop's copy, as DescribeRecoveryPoint shows it in the DR vault
HOP = _point(arn=LANDED, vault_name="bap-dr", region="us-west-2")


def _landed(
    *, vault: str | None = DR.vault_arn, point: Any = LANDED, state: str = "COMPLETED", resources: bool = True
) -> CopyJobEvent:
    detail: dict[str, Any] = {
        "copyJobId": "C1",
        "state": state,
        "completionDate": "2026-03-02T06:00:00.000Z",
        "resourceArn": VOLUME,
        "sourceBackupVaultArn": f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:primary",
        "destinationRecoveryPointArn": point,
    }
    if vault is not None:
        detail["destinationBackupVaultArn"] = vault
    return CopyJobEvent.parse(
        {
            "version": "0",
            "id": "e2",
            "detail-type": "Copy Job State Change",
            "source": "aws.backup",
            "account": ACCOUNT,
            "time": "2026-03-02T06:00:00Z",
            "region": "us-east-1",
            "resources": [RP] if resources else [],
            "detail": detail,
        }
    )


def _chain(
    copies: FakeCopies,
    event: CopyJobEvent | None = None,
    *,
    stack_days: int | None = None,
    defaults: tuple[Destination, ...] = (DR,),
) -> tuple[list[str], FakeEvents]:
    events = FakeEvents()
    ctx = CopyContext(copies, events, ALLOWED, defaults, "backup-copy-to", stack_days)
    started = continue_chain(event or _landed(), ctx, source=copies.point, own_account=ACCOUNT)
    return started, events


def test_a_copy_landed_in_the_dr_vault_goes_on_to_the_other_accounts_vault_from_where_it_landed() -> None:
    # GIVEN an EBS point tagged for the other account in us-west-2 (two hops, through the DR vault)
    copies = FakeCopies(_point(), tag=f"{OTHER}:us-west-2", points={LANDED: HOP})
    # WHEN its first hop lands in the DR vault
    started, events = _chain(copies, stack_days=35)
    # THEN the source resource's tag is read where it lives, the landed copy in the DR vault's
    # account and Region, and the copy goes on from there
    assert copies.tag_lookups == [(VOLUME, "us-east-1", "backup-copy-to")]
    assert copies.reads == [("bap-dr", LANDED, ACCOUNT, "us-west-2")]
    assert copies.listings == [(LANDED, "us-west-2")]
    assert started == ["copy-1"] and copies.destinations_by_point == {LANDED: {FAR.vault_arn}}
    # AND with the stack's copy retention (the source's plan sets none)
    assert copies.retentions == [35]
    # AND one Copy Started says so, deduplicated by the second hop's own token
    assert events.published == [
        (
            "Copy Started",
            {
                "severity": "info",
                "summary": f"second hop: copy of {LANDED} to {OTHER}:us-west-2 started",
                "resource": VOLUME,
                "recovery_point": LANDED,
                "copy_job_id": "copy-1",
                "destination_vault_arn": FAR.vault_arn,
                "dedupe_key": copy_token(LANDED, FAR.vault_arn),
            },
        )
    ]


def test_every_final_destination_in_the_landed_region_gets_its_copy_and_only_those() -> None:
    # GIVEN a point for two other accounts in us-west-2 and one in eu-central-1 (each through the
    # stack's own vault in that Region), one of the us-west-2 ones already copied (a replay)
    copies = FakeCopies(
        _point(),
        tag=f"{OTHER}:us-west-2,{THIRD}:us-west-2,{OTHER}:eu-central-1",
        points={LANDED: HOP},
        destinations_by_point={LANDED: {FAR.vault_arn}},
    )
    # WHEN the copy lands in the us-west-2 DR vault
    started, events = _chain(copies)
    # THEN only the missing us-west-2 destination is started; eu-central-1 waits for its own hop
    assert len(started) == 1
    assert [d["destination_vault_arn"] for _, d in events.published] == [FAR_TOO.vault_arn]


def test_a_second_hop_aws_refuses_is_reported_and_the_others_still_start() -> None:
    message = "InvalidParameterValueException: cannot copy this recovery point"
    copies = FakeCopies(
        _point(),
        tag=f"{OTHER}:us-west-2,{THIRD}:us-west-2",
        points={LANDED: HOP},
        refuse_vaults={FAR.vault_arn: message},
    )
    started, events = _chain(copies)
    assert len(started) == 1
    refused, done = events.published
    assert refused == (
        "Copy Skipped",
        {
            "severity": "warning",
            "summary": f"second hop: no copy of {LANDED} to {OTHER}:us-west-2: AWS refused it: {message}",
            "resource": VOLUME,
            "recovery_point": LANDED,
            "reason": "REFUSED",
            "destination_vault_arn": FAR.vault_arn,
            "dedupe_key": f"skip:{LANDED}:{OTHER}:us-west-2",
        },
    )
    assert done[0] == "Copy Started" and done[1]["destination_vault_arn"] == FAR_TOO.vault_arn


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(_landed(vault=None), id="no destination vault"),
        pytest.param(_landed(point={}), id="no landed point"),
        pytest.param(_landed(resources=False), id="no source point"),
        pytest.param(_landed(vault="arn:aws:s3:::not-a-vault"), id="not a vault"),
        # the second hop's own completion: it landed in the other account's vault
        pytest.param(_landed(vault=FAR.vault_arn), id="another account's vault"),
        pytest.param(
            _landed(vault=f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:team-vault"),
            id="a vault that is not the stack's",
        ),
        pytest.param(_landed(state="RUNNING"), id="not completed"),
    ],
)
def test_a_copy_that_did_not_land_in_the_stacks_own_vault_goes_no_further_without_an_aws_call(
    event: CopyJobEvent,
) -> None:
    copies = FakeCopies(_point(), tag=f"{OTHER}:us-west-2", points={LANDED: HOP})
    started, events = _chain(copies, event)
    assert started == [] and copies.calls == [] and events.published == []


def test_a_copy_that_needs_no_second_hop_stops_after_reading_the_tag() -> None:
    # GIVEN a point copied to the DR vault only (no other account asked for)
    copies = FakeCopies(_point(), tag="us-west-2", points={LANDED: HOP})
    started, events = _chain(copies)
    # THEN the landed copy is not even read
    assert started == [] and copies.calls == ["GetResources"] and events.published == []


def test_an_untagged_resource_goes_on_to_the_stacks_default_destinations() -> None:
    # GIVEN a stack whose defaults are its DR vault and the other account's vault in that Region
    copies = FakeCopies(_point(), points={LANDED: HOP})
    # WHEN the first hop of an untagged resource's point lands in the DR vault
    started, events = _chain(copies, defaults=(DR, FAR))
    # THEN the second hop goes to the other account's vault
    assert len(started) == 1 and [d["destination_vault_arn"] for _, d in events.published] == [FAR.vault_arn]
