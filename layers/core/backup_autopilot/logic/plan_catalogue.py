"""Which backup plans a plan tag may name (pure).

Assignable plans are the stack's own (their ids come from the stack: ``PLAN_NAMES``) and the plans
the deployer lists in the ``AssignablePlans`` parameter, by id or by name. A tag on a plan never
makes it assignable: a plan anyone in the account can create and tag must not receive resources
(with the stack's backup role) into a vault of its choosing.

* A listed plan's alias is its ``backup-autopilot:plan`` tag, else its name. An alias that is one
  of the stack's (``daily`` ...) or that another listed plan also takes is refused: the plan is
  not assignable (both, when two listed plans clash) and a ``Plan Rejected`` alert names both plans.
* A listed plan must write to a vault the stack lists (the primary vault or ``AssignablePlanVaults``):
  the stack's IAM lets it start backups into those vaults only.
* An unlisted plan tagged ``backup-autopilot:assignable`` or with a stack alias in
  ``backup-autopilot:plan`` is ignored and reported (``Plan Rejected``): that is how the plan
  takeover was done before the stack trusted only its own list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from backup_autopilot.models.severity import Severity

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence


ASSIGNABLE_TAG = "backup-autopilot:assignable"
ALIAS_TAG = "backup-autopilot:plan"
PLAN_REJECTED = "Plan Rejected"

SHADOWS_STACK_PLAN = "shadows-stack-plan"
ALIAS_TAKEN = "alias-taken"
FOREIGN_VAULT = "vault-not-listed"
NOT_LISTED = "not-listed"
AMBIGUOUS_NAME = "ambiguous-name"


class PlanSummary(Struct, frozen=True):
    """A plan as ListBackupPlans and ListTags show it."""

    plan_id: str
    name: str
    arn: str
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def alias(self) -> str:
        return self.tags.get(ALIAS_TAG) or self.name

    def label(self) -> str:
        return f"'{self.name}' ({self.plan_id})"


class Rejection(Struct, frozen=True):
    plan: PlanSummary
    reason: str
    alias: str | None = None
    other: PlanSummary | None = None
    vault: str | None = None

    def why(self) -> str:
        other = self.other.label() if self.other else "?"
        if self.reason == SHADOWS_STACK_PLAN:
            return f"its alias '{self.alias}' is the alias of the stack's plan {other}"
        if self.reason == ALIAS_TAKEN:
            return f"its alias '{self.alias}' is also taken by listed plan {other}"
        if self.reason == FOREIGN_VAULT:
            return f"it writes to vault '{self.vault}', which the stack does not list (AssignablePlanVaults)"
        if self.reason == AMBIGUOUS_NAME:
            return "several plans have the name it is listed by"
        claim = f" as '{self.alias}', the alias of the stack's plan {other}" if self.other else ""
        return (
            f"it is tagged to be assignable{claim}, but only the stack's plans and the plans listed in "
            "AssignablePlans are (a tag never makes a plan assignable)"
        )

    def event(self) -> dict[str, Any]:
        """The ``Plan Rejected`` detail: critical, naming both plans when two clash."""
        return {
            "severity": Severity.CRITICAL,
            "summary": f"backup plan {self.plan.label()} is not assignable: {self.why()}",
            "plan_id": self.plan.plan_id,
            "plan_name": self.plan.name,
            "alias": self.alias,
            "reason": self.reason,
            "other_plan_id": self.other.plan_id if self.other else None,
            "other_plan_name": self.other.name if self.other else None,
            "fix": _FIXES[self.reason],
            "dedupe_key": f"plan-rejected:{self.plan.plan_id}:{self.reason}",
        }


_FIXES = {
    SHADOWS_STACK_PLAN: "give the listed plan another backup-autopilot:plan tag, or rename it",
    ALIAS_TAKEN: "give one of the two plans another backup-autopilot:plan tag",
    FOREIGN_VAULT: "add the vault to AssignablePlanVaults, or point the plan's rule at a listed vault",
    NOT_LISTED: "if the plan is meant to be assignable, add its id to AssignablePlans; otherwise remove its "
    "backup-autopilot tags (and find out who set them)",
    AMBIGUOUS_NAME: "list the plan's id in AssignablePlans instead of its name",
}


class Selection(Struct, frozen=True):
    """Which plans are assignable under which alias, and which were refused."""

    #: plan id -> alias (the stack's plans and the accepted listed plans)
    assignable: dict[str, str]
    rejected: list[Rejection]


def parse_listed(text: str) -> tuple[str, ...]:
    """``AssignablePlans``: a comma list of plan ids or names (blanks ignored)."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def parse_stack_plans(text: str) -> dict[str, str]:
    """``PLAN_NAMES``: ``id=alias,id=alias`` -> {id: alias}."""
    pairs = (item.partition("=") for item in text.split(",") if "=" in item)
    return {
        plan_id.strip(): alias.strip() for plan_id, _, alias in pairs if plan_id.strip() and alias.strip()
    }


def select_plans(
    plans: Iterable[PlanSummary],
    *,
    stack_plans: Mapping[str, str],
    listed: Sequence[str],
) -> Selection:
    """The assignable plans among ``plans`` (ListBackupPlans), before their vaults are checked."""
    by_id = {plan.plan_id: plan for plan in plans}
    by_name: dict[str, list[PlanSummary]] = {}
    for plan in by_id.values():
        by_name.setdefault(plan.name, []).append(plan)
    assignable = {plan_id: alias for plan_id, alias in stack_plans.items() if plan_id in by_id}
    stack_by_alias = {alias: by_id[plan_id] for plan_id, alias in assignable.items()}
    rejected: list[Rejection] = []
    chosen: list[PlanSummary] = []
    for entry in listed:
        if entry in by_id:
            plan = by_id[entry]
        elif len(by_name.get(entry, [])) == 1:
            plan = by_name[entry][0]
        elif len(by_name.get(entry, [])) > 1:
            rejected.extend(Rejection(p, AMBIGUOUS_NAME) for p in by_name[entry])
            continue
        else:
            continue  # not created yet: assignable once it exists
        if plan.plan_id not in assignable and plan not in chosen:
            chosen.append(plan)
    aliases: dict[str, list[PlanSummary]] = {}
    for plan in chosen:
        if plan.alias in stack_by_alias:
            rejected.append(Rejection(plan, SHADOWS_STACK_PLAN, plan.alias, stack_by_alias[plan.alias]))
            continue
        aliases.setdefault(plan.alias, []).append(plan)
    for alias, holders in aliases.items():
        if len(holders) == 1:
            assignable[holders[0].plan_id] = alias
            continue
        for plan in holders:
            other = next(p for p in holders if p is not plan)
            rejected.append(Rejection(plan, ALIAS_TAKEN, alias, other))
    claimed = set(stack_by_alias) | set(aliases)
    listed_ids = {plan.plan_id for plan in chosen}
    for plan in by_id.values():
        if plan.plan_id in assignable or plan.plan_id in listed_ids:
            continue
        if plan.tags.get(ASSIGNABLE_TAG) == "true" or plan.tags.get(ALIAS_TAG) in claimed:
            claim = plan.tags.get(ALIAS_TAG)
            rejected.append(Rejection(plan, NOT_LISTED, claim, stack_by_alias.get(claim or "")))
    return Selection(assignable, rejected)
