"""adapters.state: verdicts read in batches, on-demand tests pending until their verdict (moto)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

from backup_autopilot.adapters.state import StateStore
from backup_autopilot.logic.restore_tests.facts import OnDemandTest
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
