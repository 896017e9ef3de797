"""Delivery faults: AWS service events dropped, late, twice or out of order, seeded and deterministic;
``realistic`` (0-5 minutes late, 2 % twice, 1 % never) only for aws.* events."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from sandbox import Sandbox, eventbus
from sandbox.delivery import DUPLICATE_SPREAD_SECONDS, EventDelivery
from sandbox.faults import FAULTS
from tests.conftest import ROOT
from tests.sandbox.backup_support import World, world

__all__ = ["world"]

ACCOUNT, REGION = "123456789012", "eu-west-1"


def _emit(resource: str, state: str = "COMPLETED", source: str = "aws.backup") -> dict[str, Any]:
    return eventbus.emit_service_event(
        account=ACCOUNT,
        region=REGION,
        source=source,
        detail_type="Backup Job State Change",
        detail={"backupJobId": resource, "state": state, "resourceArn": resource},
    )


def _arrived(world: World) -> list[str]:
    return [e["detail"]["resourceArn"] for e in world.events]


def test_a_dropped_event_never_enters_the_bus_and_is_logged(world: World) -> None:
    FAULTS.drop_events("aws.backup", resource_arn="lost")
    _emit("lost")
    _emit("kept")
    world.clock.advance(3600)
    assert _arrived(world) == ["kept"]
    assert [(r.action, r.event["detail"]["resourceArn"]) for r in FAULTS.delivery.log] == [
        ("dropped", "lost")
    ]


def test_drop_filters_by_detail_type_state_and_count(world: World) -> None:
    FAULTS.drop_events("aws.*", detail_type="Backup Job State Change", state="FAILED", count=1)
    _emit("a", "FAILED")
    _emit("b", "FAILED")  # the count is spent
    _emit("c", "COMPLETED")
    world.clock.settle()
    assert _arrived(world) == ["b", "c"]


def test_a_fixed_delay_enters_the_bus_later_with_the_emission_time(world: World) -> None:
    FAULTS.delay_events("aws.backup", seconds=240)
    sent = _emit("late")
    emitted_at = world.clock.now()
    world.clock.advance(239)
    assert world.events == []
    world.clock.advance(1)
    [arrived] = world.events
    assert arrived["time"] == sent["time"]  # AWS's time: when it happened, not when it arrived
    assert world.clock.now() - emitted_at == dt.timedelta(seconds=240)


def test_only_matching_sources_are_delayed(world: World) -> None:
    FAULTS.delay_events("aws.tag", seconds=600)
    _emit("backup-event")
    world.clock.settle()
    assert _arrived(world) == ["backup-event"]


def test_random_delays_stay_within_the_bound_and_are_the_same_every_run(world: World) -> None:
    def delays(seed: int) -> list[float]:
        delivery = EventDelivery(seed=seed)
        delivery.realistic()
        return [
            delivery._delay("aws.backup", f"aws.backup|Backup Job State Change|COMPLETED|table-{i}|0")
            for i in range(200)
        ]

    first = delays(7)
    assert first == delays(7)  # seeded: the same run gives the same delays
    assert first != delays(8)
    assert all(0 <= d <= 300 for d in first) and max(first) > 240 and min(first) < 60


def test_duplicates_are_delivered_twice_with_the_same_id() -> None:
    with Sandbox(template=ROOT / "template.yaml", config_env="sandbox") as sb:
        # a probe: every aws.backup event of the default bus into a queue of the test's own
        sqs, events = sb.client("sqs"), sb.client("events")
        queue_url = sqs.create_queue(QueueName="probe")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        events.put_rule(Name="probe", EventPattern=json.dumps({"source": ["aws.backup"]}))
        events.put_targets(Rule="probe", Targets=[{"Id": "probe", "Arn": queue_arn}])
        FAULTS.duplicate_events("aws.backup", rate=1.0)
        sent = eventbus.emit_service_event(
            account=sb.account_id,
            region=sb.region,
            source="aws.backup",
            detail_type="Backup Job State Change",
            detail={"backupJobId": "J1", "state": "COMPLETED", "resourceArn": "arn:x"},
        )
        sb.advance(DUPLICATE_SPREAD_SECONDS + 1)
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
        assert [json.loads(m["Body"])["id"] for m in received] == [sent["id"], sent["id"]]
        assert [r.action for r in sb.delivery_log] == ["duplicated"]
        assert any(line.split("  ", 1)[1].startswith("duplicated aws.backup") for line in sb.timeline())
        assert [e["id"] for e in sb.events if e["source"] == "aws.backup"] == [sent["id"]]  # recorded once


def test_reordered_events_arrive_together_at_the_end_of_the_window_in_another_order(world: World) -> None:
    FAULTS.reorder_events("aws.backup", window_seconds=120)
    for name in ("first", "second", "third"):
        _emit(name)
        world.clock.advance(10)
    assert world.events == []
    world.clock.advance(100)
    arrived = _arrived(world)
    assert sorted(arrived) == ["first", "second", "third"] and arrived != ["first", "second", "third"]


def test_realistic_touches_aws_events_only_and_is_deterministic() -> None:
    def run() -> tuple[list[str], list[tuple[str, str]]]:
        with Sandbox(template=ROOT / "template.yaml", config_env="sandbox", realistic=True) as sb:
            for i in range(6):
                sb.create_table(f"table-{i}", items=2, tags={"backup-plan": "daily"})
            sb.advance(3 * 3600)
            # the stack's own events (PutEvents) and schedules are never late
            for recorded in sb.recorded_events:
                if not str(recorded.event["source"]).startswith("aws."):
                    sent = dt.datetime.fromisoformat(recorded.event["time"].replace("Z", "+00:00"))
                    assert (recorded.time - sent).total_seconds() < 1
            late = [e for e in sb.timeline() if re.search(r"\(\d+ s late\)", e)]
            assert late and all(" aws." in line for line in late)
            steady = [re.sub(r"\[[0-9.]+ ms\]", "", line) for line in sb.timeline()]
            log = [(r.action, str(r.event["detail-type"])) for r in sb.delivery_log]
            return steady, log

    assert run() == run()  # the same run twice gives the same timeline


def test_faults_spec_configures_and_describes_delivery_and_job_state_faults(world: World) -> None:
    FAULTS.configure(
        {
            "delay_events": [{"source": "aws.tag", "up_to_minutes": 5}],
            "drop_events": [{"rate": 0.5}],
            "reorder_events": [{"source": "aws.backup", "window_seconds": 60}],
            "duplicate_events": [{"rate": 0.1}],
            "pending_backup": [{"message": "waiting", "seconds": 60}],
            "no_capacity": [{"minutes": 30}],
            "complete_with_issues": [{"message": "skipped items"}],
            "partial_job": [{"kind": "copy", "message": "part"}],
            "copy_system_error": [{"minutes": 90}],
        }
    )
    described = json.loads(json.dumps(FAULTS.describe(), default=str))
    assert described["delay_events"] == [{"source": "aws.tag", "seconds": None, "up_to_seconds": 300.0}]
    assert [e["effect"] for e in described["job_effects"]] == [
        "pending",
        "no_capacity",
        "complete_with_issues",
        "partial",
        "system_error",
    ]
    FAULTS.configure({"clear": True, "realistic": True})
    assert [r.source for r in FAULTS.delivery.delays] == ["aws.*"]
    FAULTS.clear()
    assert not FAULTS.delivery.active and FAULTS.effects == []
