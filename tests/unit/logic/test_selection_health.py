"""Selection health: a plan whose selection matches none of its tagged resources is found, and the
``Selection Not Matching`` alert names the plan, the resources and the fix."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from backup_autopilot.logic.selection_health import (
    SELECTION_NOT_MATCHING,
    JobSummary,
    SelectionVerdict,
    check_plan_selection,
    not_matching_event,
)
from tests.unit.logic.test_protection import NOW, PLANS

DAILY = PLANS["daily"]
ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t{}"


@dataclass
class FakeJobs:
    jobs: dict[str, list[JobSummary]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def backup_jobs_of(self, resource_arn: str, since: dt.datetime) -> list[JobSummary]:
        self.calls.append(resource_arn)
        return [job for job in self.jobs.get(resource_arn, []) if job.created >= since]


def _ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


def test_a_plan_that_backs_up_its_resources_is_healthy() -> None:
    # GIVEN resources protected two days ago, each backed up by the plan in its last window
    jobs = FakeJobs(
        {ARN.format(i): [JobSummary(_ago(50), None), JobSummary(_ago(5), DAILY.plan_id)] for i in range(3)}
    )
    verdict = check_plan_selection(DAILY, [ARN.format(i) for i in range(3)], jobs, now=NOW)
    assert verdict.checked == verdict.matched and len(verdict.checked) == 3
    assert not verdict.not_matching


def test_a_selection_that_matches_nothing_is_found_while_on_demand_backups_hide_it() -> None:
    # GIVEN resources kept fresh only by on-demand backups (no job created by the plan)
    jobs = FakeJobs({ARN.format(i): [JobSummary(_ago(h), None) for h in (49, 25, 1)] for i in range(3)})
    verdict = check_plan_selection(DAILY, [ARN.format(i) for i in range(3)], jobs, now=NOW)
    # THEN the plan is reported, naming the resources
    assert verdict.not_matching and len(verdict.checked) == 3
    detail = not_matching_event(verdict, DAILY, "backup-plan", NOW)
    assert detail["severity"] == "critical" and detail["plan"] == "daily"
    assert all(ARN.format(i) in detail["summary"] for i in range(3))
    assert SELECTION_NOT_MATCHING == "Selection Not Matching"


def test_resources_tagged_after_the_last_window_are_not_judged_yet() -> None:
    # a resource whose first (on-demand) backup is an hour old had no window to be picked in
    jobs = FakeJobs({ARN.format(1): [JobSummary(_ago(1), None)]})
    verdict = check_plan_selection(DAILY, [ARN.format(1)], jobs, now=NOW)
    assert verdict.checked == () and not verdict.not_matching


def test_one_matched_resource_is_enough_to_show_the_selection_works() -> None:
    jobs = FakeJobs(
        {
            ARN.format(1): [JobSummary(_ago(40), None)],  # due, but missed (e.g. job failed to start)
            ARN.format(2): [JobSummary(_ago(40), None), JobSummary(_ago(3), DAILY.plan_id)],
        }
    )
    verdict = check_plan_selection(DAILY, [ARN.format(1), ARN.format(2)], jobs, now=NOW)
    assert not verdict.not_matching and verdict.matched == (ARN.format(2),)


def test_the_not_matching_alert_names_the_plan_the_count_the_resources_and_the_fix() -> None:
    jobs = FakeJobs({ARN.format(i): [JobSummary(_ago(40), None)] for i in (1, 2)})
    verdict = check_plan_selection(DAILY, [ARN.format(1), ARN.format(2)], jobs, now=NOW)
    detail = not_matching_event(verdict, DAILY, "backup-plan", NOW)
    assert detail == {
        "severity": "critical",
        "summary": (
            f"plan 'daily' (id-daily) created no backup job for any of the 2 resource(s) tagged "
            f"backup-plan=daily that were due since its last window ({ARN.format(1)}, {ARN.format(2)}); "
            "its selection matches nothing. The hourly reconcile keeps backing them up on demand. Fix: "
            "check the plan's selection conditions in AWS Backup (a StringNotLike/StringNotEquals "
            "condition on a tag the resources lack may exclude them)"
        ),
        "plan": "daily",
        "plan_id": "id-daily",
        "resources": [ARN.format(1), ARN.format(2)],
        # once a day per plan: the hourly reconcile does not repeat it every hour
        "dedupe_key": "selection-not-matching:id-daily:2026-03-02",
    }


#: the daily plan's window: its interval (1 day) and its start window (8 hours)
WINDOW_HOURS = 32


def test_a_resource_is_judged_only_after_a_whole_window_and_the_plans_job_at_its_start_counts() -> None:
    jobs = FakeJobs(
        {
            # first backed up exactly when the last window began: not due yet
            ARN.format(1): [JobSummary(_ago(WINDOW_HOURS), None)],
            # due, and the plan's job was created the instant its window began
            ARN.format(2): [
                JobSummary(_ago(WINDOW_HOURS + 1), None),
                JobSummary(_ago(WINDOW_HOURS), DAILY.plan_id),
            ],
        }
    )
    verdict = check_plan_selection(DAILY, [ARN.format(1), ARN.format(2)], jobs, now=NOW)
    assert verdict == SelectionVerdict("daily", (ARN.format(2),), (ARN.format(2),))


def test_history_is_read_back_two_windows_only() -> None:
    # a resource whose only backup is older than two windows (64 hours) has nothing to judge by
    jobs = FakeJobs({ARN.format(1): [JobSummary(_ago(2 * WINDOW_HOURS + 6), None)]})
    verdict = check_plan_selection(DAILY, [ARN.format(1)], jobs, now=NOW)
    assert verdict.checked == () and jobs.calls == [ARN.format(1)]


def test_a_job_of_another_plan_does_not_show_the_selection_works() -> None:
    jobs = FakeJobs({ARN.format(1): [JobSummary(_ago(40), None), JobSummary(_ago(3), "id-weekly")]})
    verdict = check_plan_selection(DAILY, [ARN.format(1)], jobs, now=NOW)
    assert verdict.not_matching and verdict.matched == ()
