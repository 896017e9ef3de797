"""adapters.state: verdicts read in batches, on-demand tests pending until their verdict (moto)."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws
from msgspec import structs

from backup_autopilot.adapters.state import DAY, RESULT_DAYS, SHORT_DAYS, StateStore
from backup_autopilot.logic.restore_tests.facts import OnDemandTest, ResourceFacts
from backup_autopilot.logic.restore_tests.validation import RestoreTestResult

if TYPE_CHECKING:
    from collections.abc import Iterator

NOW = dt.datetime(2026, 3, 9, 6, 0, tzinfo=dt.UTC)
SOURCE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


@pytest.fixture
def store() -> Iterator[StateStore]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="state",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield StateStore(client, "state", clock=NOW.timestamp)


def _result(job_id: str, *, on_demand: bool = False) -> RestoreTestResult:
    return RestoreTestResult(
        job_id=job_id,
        source_arn=SOURCE,
        resource_type="DynamoDB",
        passed=True,
        reasons=[],
        recovery_point_arn="rp",
        restored_arn=f"{SOURCE}-copy-{job_id}",
        minutes=2.5,
        rto_target=None,
        on_demand=on_demand,
        date=NOW,
    )


def test_a_runs_verdicts_are_read_in_batches_of_a_hundred(store: StateStore) -> None:
    jobs = [f"J{n:03d}" for n in range(250)]
    for job_id in jobs[:240]:
        store.record_result(_result(job_id))
    found = store.results_of(jobs)
    assert [j for j, r in found.items() if r is None] == jobs[240:]
    assert found["J007"] is not None and found["J007"]["passed"] is True


def test_an_on_demand_test_is_pending_until_its_verdict(store: StateStore) -> None:
    store.remember_on_demand(OnDemandTest("R1", SOURCE, "bap-rt-orders-1", "rp"))
    store.remember_on_demand(OnDemandTest("R2", SOURCE, "bap-rt-orders-2", "rp"))
    assert sorted(store.pending_on_demand()) == ["R1", "R2"]
    store.record_result(_result("R1", on_demand=True))
    assert store.pending_on_demand() == ["R2"]
    assert [r["job_id"] for r in store.undeleted_on_demand()] == ["R1"]  # its copy: to delete


def _item(store: StateStore, pk: str, sk: str) -> dict[str, Any]:
    item: dict[str, Any] = store._client.get_item(TableName="state", Key={"pk": {"S": pk}, "sk": {"S": sk}})[
        "Item"
    ]
    return item


def _expires(store: StateStore, pk: str, sk: str) -> int:
    return int(_item(store, pk, sk)["expires_at"]["N"])


def test_a_verdict_is_kept_for_the_job_the_resource_s_latest_and_its_history(store: StateStore) -> None:
    store.record_result(_result("J1"))
    later = _result("J2")
    store.record_result(later)
    assert store.result_of("J1") is not None and store.result_of("J1")["job_id"] == "J1"  # type: ignore[index]
    latest = store.latest_result(SOURCE)
    assert latest is not None and latest["job_id"] == "J2"
    history = json.loads(
        _item(store, f"resource#{SOURCE}", "restore-test#2026-03-09T06:00:00#J1")["data"]["S"]
    )
    assert history == {
        "job_id": "J1",
        "source_arn": SOURCE,
        "resource_type": "DynamoDB",
        "passed": True,
        "reasons": [],
        "recovery_point": "rp",
        "restored_arn": f"{SOURCE}-copy-J1",
        "minutes": 2.5,
        "rto_target": None,
        "on_demand": False,
        "date": NOW.isoformat(),
    }
    kept = int(NOW.timestamp()) + RESULT_DAYS * DAY
    assert _expires(store, "restore-job#J1", "result") == kept
    assert _expires(store, f"resource#{SOURCE}", "restore-test#latest") == kept
    # a scheduled test's copy is AWS's to delete: nothing for the stack to delete
    assert store.undeleted_on_demand() == []


def test_an_on_demand_test_that_restored_nothing_leaves_nothing_to_delete(store: StateStore) -> None:
    store.remember_on_demand(OnDemandTest("R3", SOURCE, "bap-rt-orders-3", "rp"))
    assert store.on_demand_test("R3") == OnDemandTest("R3", SOURCE, "bap-rt-orders-3", "rp")
    assert store.on_demand_test("R4") is None
    failed = structs.replace(_result("R3", on_demand=True), restored_arn=None, passed=False)
    store.record_result(failed)
    assert store.pending_on_demand() == []
    assert store.undeleted_on_demand() == []
    store.remember_on_demand(OnDemandTest("R5", SOURCE, "bap-rt-orders-5", "rp"))
    store.record_result(_result("R5", on_demand=True))
    assert _expires(store, "on-demand-open", "R5") == int(NOW.timestamp()) + SHORT_DAYS * DAY
    store.mark_deleted("R5")
    assert store.undeleted_on_demand() == []


def test_a_job_is_validated_once_and_a_run_reported_once(store: StateStore) -> None:
    assert store.claim_validation("J1") is True
    assert store.claim_validation("J1") is False
    assert store.claim_validation("J2") is True
    assert store.run_reported("run-1") is False
    assert store.mark_run_reported("run-1") is True
    assert store.mark_run_reported("run-1") is False
    assert store.run_reported("run-1") is True
    assert json.loads(_item(store, "restore-run", "run-1")["data"]["S"]) == {"reported": NOW.isoformat()}
    assert _expires(store, "restore-run", "run-1") == int(NOW.timestamp()) + 60 * DAY


def test_source_facts_are_kept_as_long_as_their_point_and_a_day_at_least(store: StateStore) -> None:
    facts = ResourceFacts("DynamoDB", SOURCE, status="ACTIVE", item_count=3, key_schema=("HASH:pk",))
    store.save_source_facts("rp-1", facts, 35)
    store.save_source_facts("rp-2", facts, 0)
    assert store.source_facts("rp-1") == facts
    assert store.source_facts("rp-3") is None
    assert _expires(store, "facts#rp-1", "facts") == int(NOW.timestamp()) + 35 * DAY
    assert _expires(store, "facts#rp-2", "facts") == int(NOW.timestamp()) + DAY


def test_a_first_test_s_state_round_trips(store: StateStore) -> None:
    assert store.first_test(SOURCE) is None
    store.mark_first_test(SOURCE, {"state": "waiting-for-backup"})
    assert store.first_test(SOURCE) == {"state": "waiting-for-backup"}


def test_an_expired_record_counts_as_gone_from_the_second_after_its_expiry(store: StateStore) -> None:
    store.record_result(_result("J1"))
    kept = int(NOW.timestamp()) + RESULT_DAYS * DAY
    client = store._client
    on_the_second = StateStore(client, "state", clock=lambda: float(kept))
    after = StateStore(client, "state", clock=lambda: float(kept + 1))
    assert on_the_second.result_of("J1") is not None
    assert on_the_second.results_of(["J1"])["J1"] is not None
    assert after.result_of("J1") is None
    assert after.results_of(["J1"]) == {"J1": None}
