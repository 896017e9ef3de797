"""Which plans a plan tag may name: the stack's and the listed ones, never a plan because of a tag;
and the ``Plan Rejected`` alert that says why a plan is not assignable and how to fix it."""

from __future__ import annotations

from backup_autopilot.logic.plan_catalogue import (
    ALIAS_TAKEN,
    AMBIGUOUS_NAME,
    FOREIGN_VAULT,
    NOT_LISTED,
    SHADOWS_STACK_PLAN,
    PlanSummary,
    Rejection,
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


def test_stack_plan_pairs_without_an_id_or_an_alias_are_dropped_and_an_alias_may_hold_an_equals_sign() -> (
    None
):
    assert parse_stack_plans(" d-1 = daily ,=weekly,m-1=,,x-1=a=b") == {"d-1": "daily", "x-1": "a=b"}


def _summary(rejection: Rejection) -> str:
    return str(rejection.event()["summary"])


def test_a_listed_plan_that_shadows_a_stack_alias_is_reported_naming_both_plans() -> None:
    named = plan("n-1", "daily")
    [rejection] = select_plans([*OWN, named], stack_plans=STACK, listed=("n-1",)).rejected
    assert rejection.event() == {
        "severity": "critical",
        "summary": "backup plan 'daily' (n-1) is not assignable: its alias 'daily' is the alias of the "
        "stack's plan 'stack-daily' (d-1)",
        "plan_id": "n-1",
        "plan_name": "daily",
        "alias": "daily",
        "reason": "shadows-stack-plan",
        "other_plan_id": "d-1",
        "other_plan_name": "stack-daily",
        "fix": "give the listed plan another backup-autopilot:plan tag, or rename it",
        "dedupe_key": "plan-rejected:n-1:shadows-stack-plan",
    }


def test_two_listed_plans_with_one_alias_are_each_told_which_plan_took_it() -> None:
    a = plan("a-1", "a", **{"backup-autopilot:plan": "gold"})
    b = plan("b-1", "b", **{"backup-autopilot:plan": "gold"})
    rejected = select_plans([*OWN, a, b], stack_plans=STACK, listed=("a-1", "b-1")).rejected
    assert sorted(_summary(r) for r in rejected) == [
        "backup plan 'a' (a-1) is not assignable: its alias 'gold' is also taken by listed plan 'b' (b-1)",
        "backup plan 'b' (b-1) is not assignable: its alias 'gold' is also taken by listed plan 'a' (a-1)",
    ]
    assert {r.event()["fix"] for r in rejected} == {
        "give one of the two plans another backup-autopilot:plan tag"
    }


def test_an_ambiguous_name_tells_to_list_the_id() -> None:
    dup = plan("x-1", "dup")
    rejection = select_plans([*OWN, dup, plan("x-2", "dup")], stack_plans=STACK, listed=("dup",)).rejected[0]
    event = rejection.event()
    assert (
        event["summary"]
        == "backup plan 'dup' (x-1) is not assignable: several plans have the name it is listed by"
    )
    assert event["fix"] == "list the plan's id in AssignablePlans instead of its name"
    assert (event["alias"], event["other_plan_id"], event["other_plan_name"]) == (None, None, None)


def test_a_plan_in_a_vault_the_stack_does_not_list_is_told_where_it_writes() -> None:
    rejection = Rejection(plan("t-1", "team"), FOREIGN_VAULT, "team", vault="elsewhere")
    assert _summary(rejection) == (
        "backup plan 'team' (t-1) is not assignable: it writes to vault 'elsewhere', which the stack does "
        "not list (AssignablePlanVaults)"
    )
    assert rejection.event()["fix"] == (
        "add the vault to AssignablePlanVaults, or point the plan's rule at a listed vault"
    )


def test_an_unlisted_plan_claiming_a_stack_alias_is_told_that_a_tag_never_makes_it_assignable() -> None:
    evil = plan("e-1", "evil", **{"backup-autopilot:plan": "daily"})
    [rejection] = select_plans([*OWN, evil], stack_plans=STACK, listed=()).rejected
    assert _summary(rejection) == (
        "backup plan 'evil' (e-1) is not assignable: it is tagged to be assignable as 'daily', the alias of "
        "the stack's plan 'stack-daily' (d-1), but only the stack's plans and the plans listed in "
        "AssignablePlans are (a tag never makes a plan assignable)"
    )
    assert rejection.event()["fix"] == (
        "if the plan is meant to be assignable, add its id to AssignablePlans; otherwise remove its "
        "backup-autopilot tags (and find out who set them)"
    )


def test_an_unlisted_plan_claiming_a_listed_plans_alias_is_reported_and_the_listed_one_stays() -> None:
    team = plan("t-1", "team", **{"backup-autopilot:plan": "frequent"})
    copycat = plan("c-1", "copycat", **{"backup-autopilot:plan": "frequent"})
    marked = plan("m-9", "marked", **{"backup-autopilot:assignable": "true"})
    unmarked = plan("u-1", "unmarked", **{"backup-autopilot:assignable": "false"})
    selection = select_plans([*OWN, team, copycat, marked, unmarked], stack_plans=STACK, listed=("t-1",))
    assert selection.assignable == {**STACK, "t-1": "frequent"}
    assert {(r.plan.plan_id, r.reason, r.alias, r.other) for r in selection.rejected} == {
        ("c-1", NOT_LISTED, "frequent", None),
        ("m-9", NOT_LISTED, None, None),
    }
    summaries = {r.plan.plan_id: _summary(r) for r in selection.rejected}
    assert summaries["m-9"] == (
        "backup plan 'marked' (m-9) is not assignable: it is tagged to be assignable, but only the stack's "
        "plans and the plans listed in AssignablePlans are (a tag never makes a plan assignable)"
    )


def test_entries_after_an_ambiguous_or_missing_one_are_still_listed() -> None:
    team = plan("t-1", "team")
    plans = [*OWN, plan("x-1", "dup"), plan("x-2", "dup"), team]
    selection = select_plans(plans, stack_plans=STACK, listed=("not-yet", "dup", "t-1"))
    assert selection.assignable == {**STACK, "t-1": "team"}


def test_a_plan_listed_twice_or_a_stack_plan_listed_is_taken_once_without_a_clash() -> None:
    team = plan("t-1", "team-frequent", **{"backup-autopilot:plan": "frequent"})
    selection = select_plans([*OWN, team], stack_plans=STACK, listed=("t-1", "team-frequent", "d-1"))
    assert selection.assignable == {**STACK, "t-1": "frequent"} and selection.rejected == []
