"""Which plans a plan tag may name: the stack's and the listed ones, never a plan because of a tag."""

from __future__ import annotations

from backup_autopilot.logic.plan_catalogue import (
    ALIAS_TAKEN,
    AMBIGUOUS_NAME,
    NOT_LISTED,
    SHADOWS_STACK_PLAN,
    PlanSummary,
    parse_listed,
    parse_stack_plans,
    select_plans,
)
from backup_autopilot.models.domain_events import parse_domain_detail

STACK = {"d-1": "daily", "w-1": "weekly", "m-1": "monthly"}


def plan(plan_id: str, name: str, **tags: str) -> PlanSummary:
    return PlanSummary(plan_id, name, f"arn:aws:backup:us-east-1:123456789012:backup-plan:{plan_id}", tags)


OWN = [plan("d-1", "stack-daily"), plan("w-1", "stack-weekly"), plan("m-1", "stack-monthly")]


def test_the_stack_plans_are_assignable_under_the_stacks_aliases_whatever_their_tags() -> None:
    selection = select_plans(OWN, stack_plans=STACK, listed=())
    assert selection.assignable == STACK and selection.rejected == []


def test_a_tag_alone_never_makes_a_plan_assignable_and_a_claim_is_reported() -> None:
    evil = plan("e-1", "evil", **{"backup-autopilot:assignable": "true", "backup-autopilot:plan": "daily"})
    quiet = plan("q-1", "someone-elses")  # no claim: not reported
    selection = select_plans([*OWN, evil, quiet], stack_plans=STACK, listed=())
    assert selection.assignable == STACK
    [rejection] = selection.rejected
    assert (rejection.plan, rejection.reason, rejection.other) == (evil, NOT_LISTED, OWN[0])
    event = rejection.event()
    assert "e-1" in event["summary"] and "d-1" in event["summary"]
    parse_domain_detail("Plan Rejected", event)  # what is published is what alerting accepts


def test_listed_plans_by_id_or_name_take_their_alias_tag_or_their_name() -> None:
    team = plan("t-1", "team-frequent", **{"backup-autopilot:plan": "frequent"})
    other = plan("o-1", "hourly")
    selection = select_plans([*OWN, team, other], stack_plans=STACK, listed=("t-1", "hourly", "not-yet"))
    assert selection.assignable == {**STACK, "t-1": "frequent", "o-1": "hourly"}
    assert selection.rejected == []


def test_a_listed_plan_never_shadows_a_stack_alias() -> None:
    named = plan("n-1", "daily")
    tagged = plan("t-1", "x", **{"backup-autopilot:plan": "weekly"})
    selection = select_plans([*OWN, named, tagged], stack_plans=STACK, listed=("n-1", "t-1"))
    assert selection.assignable == STACK
    assert {(r.plan.plan_id, r.reason, r.other.plan_id if r.other else None) for r in selection.rejected} == {
        ("n-1", SHADOWS_STACK_PLAN, "d-1"),
        ("t-1", SHADOWS_STACK_PLAN, "w-1"),
    }


def test_two_listed_plans_with_one_alias_are_both_refused_each_naming_the_other() -> None:
    a = plan("a-1", "a", **{"backup-autopilot:plan": "gold"})
    b = plan("b-1", "b", **{"backup-autopilot:plan": "gold"})
    selection = select_plans([*OWN, a, b], stack_plans=STACK, listed=("a-1", "b-1"))
    assert "gold" not in selection.assignable.values()
    assert {(r.plan.plan_id, r.reason, r.other.plan_id if r.other else None) for r in selection.rejected} == {
        ("a-1", ALIAS_TAKEN, "b-1"),
        ("b-1", ALIAS_TAKEN, "a-1"),
    }


def test_a_name_two_plans_share_is_ambiguous() -> None:
    selection = select_plans(
        [*OWN, plan("x-1", "dup"), plan("x-2", "dup")], stack_plans=STACK, listed=("dup",)
    )
    assert selection.assignable == STACK
    assert {r.reason for r in selection.rejected} == {AMBIGUOUS_NAME}


def test_parameters_parse() -> None:
    assert parse_listed(" a, ,b ") == ("a", "b")
    assert parse_listed("") == ()
    assert parse_stack_plans("d-1=daily,w-1=weekly,bad") == {"d-1": "daily", "w-1": "weekly"}
