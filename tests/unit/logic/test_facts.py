"""The facts the report and the restore tests read back from the state table and AWS's answers:
what a stored record becomes (JSON's types, the table's Decimal and lists; a date without its
zone), and what is left out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from backup_autopilot.logic.report.facts import JobFact, VerdictFact
from backup_autopilot.logic.report.restores import results_by_type
from backup_autopilot.logic.resources import TaggedResource
from backup_autopilot.logic.restore_tests.facts import ResourceFacts, RestoreJob
from tests.unit.logic.test_report import inputs, table

WHEN = dt.datetime(2026, 3, 30, 22, 42, tzinfo=dt.UTC)


def _verdict_record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "job_id": "restore-1",
        "source_arn": table("orders"),
        "resource_type": "DynamoDB",
        "passed": True,
        "date": WHEN.isoformat(),
        "minutes": 2.5,
        "rto_target": 60,
        "reasons": ["0 objects restored", "missing: a.json"],
        "on_demand": True,
    }
    record.update(changes)
    return record


def test_a_verdict_record_becomes_its_fact() -> None:
    fact = VerdictFact.from_record(_verdict_record())
    assert fact == VerdictFact(
        job_id="restore-1",
        resource_arn=table("orders"),
        resource_type="DynamoDB",
        passed=True,
        date=WHEN,
        minutes=2.5,
        rto_target=60.0,
        reasons=("0 objects restored", "missing: a.json"),
        on_demand=True,
    )


def test_a_verdicts_numbers_are_unknown_unless_recorded_as_numbers() -> None:
    fact = VerdictFact.from_record(_verdict_record(minutes="2.5", rto_target=None, passed=0, on_demand=None))
    assert fact is not None
    assert (fact.minutes, fact.rto_target, fact.passed, fact.on_demand) == (None, None, False, False)
    assert type(VerdictFact.from_record(_verdict_record(minutes=3)).minutes) is float  # type: ignore[union-attr]


def test_a_verdict_date_without_its_zone_is_utc() -> None:
    fact = VerdictFact.from_record(_verdict_record(date="2026-03-30T22:42:00"))
    assert fact is not None and fact.date == WHEN and fact.date.tzinfo is dt.UTC


@pytest.mark.parametrize("date", [None, "yesterday", ""], ids=["missing", "not a date", "empty"])
def test_a_record_without_a_readable_date_is_not_a_verdict(date: str | None) -> None:
    record = _verdict_record(date=date) if date is not None else _verdict_record()
    if date is None:
        del record["date"]
    assert VerdictFact.from_record(record) is None


def test_a_verdict_without_reasons_has_none() -> None:
    fact = VerdictFact.from_record(_verdict_record(reasons=None, job_id=7))
    assert fact is not None and fact.reasons == () and fact.job_id == "7"


def test_a_job_ends_when_it_completed_or_else_when_it_was_created() -> None:
    running = JobFact("j", table("orders"), "DynamoDB", "RUNNING", WHEN)
    done = JobFact(
        "j", table("orders"), "DynamoDB", "COMPLETED", WHEN, completed=WHEN + dt.timedelta(hours=1)
    )
    assert running.ended == WHEN and done.ended == WHEN + dt.timedelta(hours=1)


def test_the_reports_decisions_leave_out_the_copies_restore_tests_made() -> None:
    tagged = [
        TaggedResource(table("orders"), {"backup-plan": "daily"}),
        TaggedResource(table("typo"), {"backup-plan": "daly"}),
        TaggedResource(table("bap-rt-orders-1"), {"backup-plan": "daily"}),  # a restore test's table
        TaggedResource(table("restored"), {"backup-plan": "daily", "awsbackup-restore-test": "x"}),
    ]
    decided = {
        resource.arn: decision.outcome.value for resource, decision in inputs(tagged=tagged).decisions()
    }
    assert set(decided) == {table("orders"), table("typo")}
    assert decided[table("orders")] != decided[table("typo")]


def test_recorded_resource_facts_come_back_with_their_types() -> None:
    # what the state table returns: lists for tuples, Decimal for numbers, keys of newer versions
    stored = {
        "resource_type": "DynamoDB",
        "arn": table("orders"),
        "item_count": Decimal(5),
        "size": Decimal(42),
        "key_schema": ["HASH:pk"],
        "indexes": ["by-date"],
        "samples": [['{"pk": 1}', Decimal(7)]],
        "a_field_of_a_newer_version": "ignored",
    }
    facts = ResourceFacts.from_dict(stored)
    assert facts == ResourceFacts(
        resource_type="DynamoDB",
        arn=table("orders"),
        item_count=5,
        size=42,
        key_schema=("HASH:pk",),
        indexes=("by-date",),
        samples=(('{"pk": 1}', "7"),),
    )
    assert type(facts.item_count) is int and type(facts.size) is int
    assert facts.sample_keys() == ['{"pk": 1}']
    assert ResourceFacts.from_dict(facts.to_dict()) == facts


def test_unknown_counts_stay_unknown() -> None:
    facts = ResourceFacts.from_dict({"resource_type": "S3", "arn": "arn:aws:s3:::b", "item_count": None})
    assert facts.item_count is None and facts.size is None and facts.samples == ()


def test_a_restore_jobs_minutes_need_both_of_its_dates() -> None:
    job = RestoreJob(
        "r", "COMPLETED", "EBS", creation_date=WHEN, completion_date=WHEN + dt.timedelta(seconds=150)
    )
    assert job.minutes == 2.5
    assert RestoreJob("r", "RUNNING", "EBS", creation_date=WHEN).minutes is None
    assert RestoreJob("r", "COMPLETED", "EBS", completion_date=WHEN).minutes is None


def test_a_verdict_record_without_its_ids_has_them_empty_and_its_type_unknown_in_the_report() -> None:
    fact = VerdictFact.from_record({"date": WHEN.isoformat()})
    assert fact == VerdictFact(job_id="", resource_arn="", resource_type="", passed=False, date=WHEN)
    [results] = results_by_type(inputs(now=WHEN, verdicts=[fact]))
    assert (results.resource_type, results.failed) == ("unknown", 1)
