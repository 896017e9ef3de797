"""The SLA table: points made / points expected over 30 days per resource (or since its first backup
or backup job), which resources get a row, the worst first, and the totals per plan."""

from __future__ import annotations

import datetime as dt

from backup_autopilot.logic.report.facts import JobFact, PointFact
from backup_autopilot.logic.report.sla import PlanSla, SlaRow, met_slots, plan_sla, sla_rows
from backup_autopilot.logic.resources import TaggedResource
from tests.unit.logic.test_report import ACCOUNT, NOW, REGION, inputs, point, table, tagged

DAY = dt.timedelta(days=1)


def _days_ago(*days: float) -> list[dt.datetime]:
    return [NOW - d * DAY for d in days]


def test_a_point_at_the_very_moment_of_the_report_counts_for_the_current_slot() -> None:
    assert met_slots([NOW], now=NOW, since=NOW - 3 * DAY, interval=DAY) == (3, 1)


def test_points_outside_the_counted_slots_do_not_count() -> None:
    since = NOW - 3.5 * DAY  # three whole slots, and half a slot that is not counted
    assert met_slots(_days_ago(3.2), now=NOW, since=since, interval=DAY) == (3, 0)
    assert met_slots(_days_ago(3), now=NOW, since=since, interval=DAY) == (3, 0)  # the oldest slot's edge
    assert met_slots(_days_ago(2.99), now=NOW, since=since, interval=DAY) == (3, 1)
    assert met_slots(_days_ago(4), now=NOW, since=since, interval=DAY) == (3, 0)  # before since
    assert met_slots(_days_ago(-0.5), now=NOW, since=since, interval=DAY) == (3, 0)  # after now


def test_a_point_made_exactly_at_the_start_is_counted_when_the_slots_reach_it() -> None:
    # since is not a whole number of slots back: the point at since lies in no counted slot
    assert met_slots([NOW - 2 * DAY], now=NOW, since=NOW - 2 * DAY, interval=DAY) == (2, 0)
    assert met_slots([NOW - 1.5 * DAY], now=NOW, since=NOW - 1.5 * DAY, interval=DAY) == (1, 0)
    assert met_slots([NOW - 0.5 * DAY], now=NOW, since=NOW - 1.5 * DAY, interval=DAY) == (1, 1)


def test_no_time_protected_has_no_slots() -> None:
    assert met_slots([NOW], now=NOW, since=NOW, interval=DAY) == (0, 0)
    assert met_slots([NOW], now=NOW, since=NOW + DAY, interval=DAY) == (0, 0)


def test_a_row_counts_from_the_first_backup_job_when_it_is_older_than_the_first_point() -> None:
    first_job = JobFact("j0", table("a"), "DynamoDB", "FAILED", NOW - 5 * DAY - dt.timedelta(hours=2))
    later_job = JobFact("j1", table("a"), "DynamoDB", "COMPLETED", NOW - 2 * DAY)
    data = inputs(
        tagged=[tagged("a")],
        points=[point("a", 4), point("a", 28), point("a", 52)],
        backup_jobs=[later_job, first_job],
    )
    assert sla_rows(data) == [SlaRow(table("a"), "a", "DynamoDB", "daily", 5, 3)]
    data = inputs(tagged=data.tagged, points=data.points, backup_jobs=[first_job, later_job])
    assert sla_rows(data) == [SlaRow(table("a"), "a", "DynamoDB", "daily", 5, 3)]  # whatever their order


def test_a_row_counts_from_the_first_point_when_no_job_is_older() -> None:
    recent_job = JobFact("j", table("a"), "DynamoDB", "COMPLETED", NOW - dt.timedelta(hours=4))
    data = inputs(
        tagged=[tagged("a")], points=[point("a", 4), point("a", 28), point("a", 52)], backup_jobs=[recent_job]
    )
    # two whole days since the first point: the slot it was made in is not whole, so not counted
    assert sla_rows(data) == [SlaRow(table("a"), "a", "DynamoDB", "daily", 2, 2)]


def test_only_the_last_30_days_are_expected_however_old_the_resource() -> None:
    points = [point("a", 4 + 24 * d) for d in range(45)]
    [row] = sla_rows(inputs(tagged=[tagged("a")], points=points))
    assert (row.expected, row.made, row.ratio) == (30, 30, 1.0)


def test_failed_points_are_not_made_but_partial_ones_are() -> None:
    def made(name: str, days_ago: float, status: str) -> PointFact:
        return PointFact(
            f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:{name}-{days_ago}",
            table(name),
            "DynamoDB",
            "vault",
            NOW - days_ago * DAY,
            status=status,
        )

    points = [
        made("a", 3.5, "COMPLETED"),
        made("a", 2.5, "COMPLETED"),
        made("a", 1.5, "PARTIAL"),
        made("a", 0.5, "EXPIRED"),
    ]
    [row] = sla_rows(inputs(tagged=[tagged("a")], points=points))
    assert (row.expected, row.made) == (3, 2)


def test_a_resource_with_nothing_yet_or_not_on_a_plan_has_no_row() -> None:
    unsupported = TaggedResource(f"arn:aws:sns:{REGION}:{ACCOUNT}:topic", {"backup-plan": "daily"})
    data = inputs(
        tagged=[tagged("new"), tagged("typo", "dayly"), unsupported, tagged("old")],
        points=[point("typo", 30), point("old", 4), point("old", 28)],
    )
    assert [row.name for row in sla_rows(data)] == ["old"]
    data = inputs(tagged=[tagged("typo", "dayly"), tagged("old")], points=data.points)
    assert [row.name for row in sla_rows(data)] == ["old"]


def test_a_job_alone_starts_the_count_with_nothing_made() -> None:
    failing = JobFact("j", table("a"), "DynamoDB", "FAILED", NOW - 2.5 * DAY)
    assert sla_rows(inputs(tagged=[tagged("a")], backup_jobs=[failing])) == [
        SlaRow(table("a"), "a", "DynamoDB", "daily", 2, 0)
    ]


def test_a_volume_covered_by_its_instance_is_counted_on_the_instances_points() -> None:
    instance = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-1"
    volume = TaggedResource(
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-1",
        {"backup-plan": "daily", "backup-autopilot:covered-by": instance},
    )
    points = [
        PointFact(f"arn:aws:ec2:{REGION}::image/ami-{d}", instance, "EC2", "vault", NOW - (d + 0.5) * DAY)
        for d in range(3)
    ]
    assert sla_rows(inputs(tagged=[volume], points=points)) == [
        SlaRow(volume.arn, "vol-1", "EBS", "daily", 2, 2)
    ]


def test_the_worst_ratio_comes_first_and_resources_without_a_ratio_last() -> None:
    data = inputs(
        tagged=[tagged("full"), tagged("half"), tagged("young"), tagged("b-half", "weekly")],
        points=[
            *(point("full", 4 + 24 * d) for d in range(4)),
            *(point("half", 4 + 48 * d) for d in range(2)),
            point("half", 92),  # its first point: three whole days since, the one two days ago missed
            point("young", 3),
            *(point("b-half", 4 + 24 * 7 * w) for w in (0, 1, 2, 4)),
        ],
    )
    rows = sla_rows(data)
    assert [(r.name, r.made, r.expected) for r in rows] == [
        ("half", 2, 3),
        ("b-half", 3, 4),
        ("full", 3, 3),
        ("young", 0, 0),
    ]
    assert rows[-1].ratio is None and rows[0].ratio == 2 / 3


def test_equal_ratios_are_ordered_by_plan_then_name() -> None:
    data = inputs(
        tagged=[tagged("b"), tagged("a"), tagged("0", "weekly")],
        points=[point("a", 4), point("a", 28), point("b", 4), point("b", 28), point("0", 4), point("0", 172)],
    )
    assert [(r.name, r.plan) for r in sla_rows(data)] == [("a", "daily"), ("b", "daily"), ("0", "weekly")]


def test_the_plan_totals_add_up_their_resources_rows() -> None:
    rows = [
        SlaRow("arn:1", "one", "EBS", "weekly", 4, 4),
        SlaRow("arn:2", "two", "RDS", "daily", 30, 27),
        SlaRow("arn:3", "three", "EBS", "daily", 10, 5),
        SlaRow("arn:4", "four", "EBS", "monthly", 0, 0),
    ]
    plans = plan_sla(rows)
    assert plans == [
        PlanSla("daily", 2, 40, 32),
        PlanSla("monthly", 1, 0, 0),
        PlanSla("weekly", 1, 4, 4),
    ]
    assert [p.ratio for p in plans] == [0.8, None, 1.0]
