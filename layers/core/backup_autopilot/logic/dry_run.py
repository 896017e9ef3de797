"""The dry run (pure): what the stack would do with the resources tagged now, and what would fail.

For each resource carrying the plan tag (or one resource with a hypothetical tag): protected by
which plan, copied where, restore-tested or not, or rejected and why. Then what would make
protection fail later: the type not opted in, an S3 bucket without versioning, a DynamoDB copy
without advanced DynamoDB backup, a missing destination vault, a vault lock window that refuses
the copies' retention, selections or quotas near their limits. Reuses the decisions the stack
makes (:func:`~backup_autopilot.logic.protection.decide_tag_change`, copy destinations and
eligibility, restore-test opt-in); the facts come from read-only adapters.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field, structs

from backup_autopilot.logic.copies.destinations import resolve_destinations
from backup_autopilot.logic.copies.eligibility import SkipReason
from backup_autopilot.logic.protection import Outcome, decide_tag_change
from backup_autopilot.logic.restore_tests.first_test import TESTABLE_TYPES, restore_test_wanted

if TYPE_CHECKING:
    from collections.abc import Mapping

    from backup_autopilot.logic.copies.destinations import Destination
    from backup_autopilot.logic.protection import Plan
    from backup_autopilot.logic.resources import TaggedResource

#: AWS Backup's quotas (reference/aws-backup-facts.md section 4) and when "near" starts
SELECTIONS_PER_PLAN = 100
PLANS_PER_REGION = 300
VAULTS_PER_REGION = 300
NEAR = 0.8


class Severity(StrEnum):
    ERROR = "error"  # would fail: a violation (non-zero exit)
    WARNING = "warning"


class Finding(Struct, frozen=True):
    check: str
    severity: Severity
    detail: str
    fix: str = ""
    resource: str = ""


class VaultFacts(Struct, frozen=True):
    """A destination vault as DescribeBackupVault shows it (``exists`` False: not found;
    None: not readable from this account)."""

    key: str
    vault_arn: str
    exists: bool | None
    locked: bool = False
    min_retention_days: int | None = None
    max_retention_days: int | None = None


class DryRunInputs(Struct):
    plan_tag_key: str
    copy_to_tag_key: str
    restore_test_tag_key: str
    restore_test_default_on: bool
    allow_opt_in: bool
    plans: Mapping[str, Plan]
    resources: list[TaggedResource]
    destinations: Mapping[str, Destination]
    #: days copies are kept (CopyRetentionDays; 0: the source's retention)
    copy_retention_days: int
    opted_in: Mapping[str, bool] = field(default_factory=dict)
    s3_versioning: Mapping[str, bool] = field(default_factory=dict)
    advanced_dynamodb: bool = False
    vaults: list[VaultFacts] = field(default_factory=list)
    #: plan alias -> its selections now; the plans and vaults in the Region
    selections: Mapping[str, int] = field(default_factory=dict)
    plans_in_region: int = 0
    vaults_in_region: int = 0
    #: the plans are the deployed stack's (False: the template's defaults, not deployed yet)
    deployed: bool = True


class Decision(Struct):
    resource: str
    resource_type: str
    outcome: str  # protected / rejected / ignored
    plan: str = ""
    copies: list[str] = field(default_factory=list)
    restore_test: bool = False
    reason: str = ""
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in structs.asdict(self).items() if v not in ("", [], None)} | {
            "outcome": self.outcome
        }


class DryRun(Struct):
    decisions: list[Decision]
    findings: list[Finding]
    deployed: bool

    @property
    def protected(self) -> list[Decision]:
        return [d for d in self.decisions if d.outcome == "protected"]

    @property
    def rejected(self) -> list[Decision]:
        return [d for d in self.decisions if d.outcome == "rejected"]

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    def to_dict(self) -> dict[str, Any]:
        return {
            "deployed": self.deployed,
            "protected": [d.to_dict() for d in self.protected],
            "rejected": [d.to_dict() for d in self.rejected],
            "findings": [{k: str(v) for k, v in structs.asdict(f).items() if v} for f in self.findings],
            "violations": len(self.violations) + len(self.rejected),
        }


def _decide(resource: TaggedResource, inputs: DryRunInputs, findings: list[Finding]) -> Decision:
    decision = decide_tag_change(
        resource_arn=resource.arn,
        changed_keys=[inputs.plan_tag_key],
        tags=resource.tags,
        plan_tag_key=inputs.plan_tag_key,
        plans=inputs.plans,
    )
    ref = decision.resource
    rtype = ref.resource_type if ref else "unsupported"
    if decision.outcome is Outcome.IGNORED or decision.outcome is Outcome.REMOVED:
        return Decision(resource.arn, rtype, "ignored", reason=decision.reason)
    if decision.outcome is not Outcome.PROTECTED or decision.plan is None or ref is None:
        return Decision(resource.arn, rtype, "rejected", reason=decision.reason, fix=decision.fix or "")
    if not inputs.opted_in.get(ref.resource_type, False):
        if not inputs.allow_opt_in:
            return Decision(
                resource.arn,
                rtype,
                "rejected",
                plan=decision.plan.alias,
                reason=f"resource type {ref.resource_type} is not opted in for AWS Backup in {ref.region}",
                fix=f"opt {ref.resource_type} in (AWS Backup > Settings > Service opt-in), or deploy with "
                "AllowOptIn=true",
            )
        findings.append(
            Finding(
                "opt-in",
                Severity.WARNING,
                f"the stack would opt {ref.resource_type} in",
                resource=resource.arn,
            )
        )
    if ref.resource_type == "S3" and not inputs.s3_versioning.get(ref.name, False):
        return Decision(
            resource.arn,
            rtype,
            "rejected",
            plan=decision.plan.alias,
            reason="AWS Backup cannot back up an S3 bucket without versioning",
            fix=f"enable versioning on bucket {ref.name}",
        )
    targets = resolve_destinations(
        resource.tags.get(inputs.copy_to_tag_key),
        source_account=ref.account,
        source_region=ref.region,
        allowed=inputs.destinations,
        defaults=inputs.destinations.values(),
    )
    for problem in targets.problems:
        findings.append(Finding("copy-tag", Severity.WARNING, problem, resource=resource.arn))
    copies = [d.key for d in targets.destinations]
    if copies and ref.resource_type == "DynamoDB" and not inputs.advanced_dynamodb:
        findings.append(
            Finding(
                "advanced-dynamodb",
                Severity.ERROR,
                f"copies of {ref.name} to {', '.join(copies)} would be skipped: "
                f"{SkipReason.DYNAMODB_NOT_ADVANCED}",
                "turn on advanced DynamoDB backup (AWS Backup > Settings), or tag it backup-copy-to=none",
                resource.arn,
            )
        )
    tested = ref.resource_type in TESTABLE_TYPES and restore_test_wanted(
        dict(resource.tags), inputs.restore_test_tag_key, inputs.restore_test_default_on
    )
    if tested and ref.resource_type == "DynamoDB" and not inputs.advanced_dynamodb:
        findings.append(
            Finding(
                "restore-test-dynamodb",
                Severity.WARNING,
                f"{ref.name} would not be picked by the restore testing plan: AWS copies tags onto DynamoDB "
                "recovery points only with advanced DynamoDB backup",
                "turn on advanced DynamoDB backup",
                resource.arn,
            )
        )
    return Decision(
        resource.arn, rtype, "protected", plan=decision.plan.alias, copies=copies, restore_test=tested
    )


def _stack_findings(inputs: DryRunInputs) -> list[Finding]:
    findings: list[Finding] = []
    for vault in inputs.vaults:
        if vault.exists is False:
            findings.append(
                Finding(
                    "dr-vault",
                    Severity.ERROR,
                    f"copy destination {vault.key} has no vault {vault.vault_arn}: "
                    "every copy there would fail",
                    "deploy dr/template.yaml there first (sam deploy -t dr/template.yaml ...)",
                )
            )
        elif vault.exists is None:
            findings.append(
                Finding(
                    "dr-vault", Severity.WARNING, f"vault {vault.vault_arn} cannot be read from this account"
                )
            )
        elif vault.locked and inputs.copy_retention_days:
            low, high = vault.min_retention_days, vault.max_retention_days
            days = inputs.copy_retention_days
            if (low is not None and days < low) or (high is not None and days > high):
                findings.append(
                    Finding(
                        "vault-lock",
                        Severity.ERROR,
                        f"vault {vault.vault_arn} is locked to {low}-{high} days of retention; copies kept "
                        f"{days} days would fail",
                        "choose CopyRetentionDays inside the lock's window (the lock cannot be loosened once "
                        "its grace time is over)",
                    )
                )
    for alias, count in sorted(inputs.selections.items()):
        if count >= NEAR * SELECTIONS_PER_PLAN:
            findings.append(
                Finding(
                    "selections",
                    Severity.WARNING,
                    f"plan '{alias}' has {count} of {SELECTIONS_PER_PLAN} selections (not adjustable)",
                    "merge selections: the stack needs one tag-condition selection per plan",
                )
            )
    for what, count, quota in (
        ("backup plans", inputs.plans_in_region, PLANS_PER_REGION),
        ("backup vaults", inputs.vaults_in_region, VAULTS_PER_REGION),
    ):
        if count >= NEAR * quota:
            findings.append(
                Finding(
                    "quota",
                    Severity.WARNING,
                    f"{count} of {quota} {what} in the Region",
                    "ask for a quota increase (Service Quotas > AWS Backup)",
                )
            )
    if not inputs.deployed:
        findings.append(
            Finding(
                "stack",
                Severity.WARNING,
                "the stack is not deployed here: its plans are the template's (daily, weekly, monthly)",
            )
        )
    return findings


def dry_run(inputs: DryRunInputs) -> DryRun:
    findings: list[Finding] = []
    decisions = [_decide(resource, inputs, findings) for resource in inputs.resources]
    decisions = [d for d in decisions if d.outcome != "ignored"]
    decisions.sort(key=lambda d: (d.outcome, d.resource_type, d.resource))
    return DryRun(decisions, _stack_findings(inputs) + findings, inputs.deployed)
