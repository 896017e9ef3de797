"""The dry run's decisions (pure): protected by which plan, copied where, restore-tested, rejected
and why; what would fail later."""

from __future__ import annotations

import datetime as dt

from backup_autopilot.logic.copies.destinations import Destination
from backup_autopilot.logic.dry_run import DryRunInputs, Severity, VaultFacts, dry_run
from backup_autopilot.logic.protection import Plan
from backup_autopilot.logic.resources import TaggedResource

ACCOUNT, REGION = "123456789012", "us-east-1"
DR = Destination(ACCOUNT, "us-west-2", f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr")
PLANS = {
    "daily": Plan("daily", "p1", "arn:p1", "vault", "daily"),
    "weekly": Plan("weekly", "p2", "arn:p2", "vault", "weekly", interval=dt.timedelta(days=7)),
}


def table(name: str, **tags: str) -> TaggedResource:
    return TaggedResource(f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}", tags)


def inputs(resources: list[TaggedResource], **kwargs: object) -> DryRunInputs:
    base: dict[str, object] = {
        "plan_tag_key": "backup-plan",
        "copy_to_tag_key": "backup-copy-to",
        "restore_test_tag_key": "backup-restore-test",
        "restore_test_default_on": False,
        "allow_opt_in": False,
        "plans": PLANS,
        "resources": resources,
        "destinations": {DR.key: DR},
        "copy_retention_days": 35,
        "opted_in": {"DynamoDB": True, "S3": True},
        "advanced_dynamodb": True,
        "vaults": [VaultFacts(DR.key, DR.vault_arn, True)],
    }
    base.update(kwargs)
    return DryRunInputs(**base)  # type: ignore[arg-type]


def test_protected_copied_and_restore_tested_as_the_stack_would() -> None:
    result = dry_run(
        inputs(
            [
                table("orders", **{"backup-plan": "daily", "backup-restore-test": "on"}),
                table("local", **{"backup-plan": "weekly", "backup-copy-to": "none"}),
            ]
        )
    )
    assert [(d.resource.rsplit("/", 1)[-1], d.plan, d.copies, d.restore_test) for d in result.protected] == [
        ("local", "weekly", [], False),
        ("orders", "daily", [DR.key], True),
    ]
    assert result.violations == [] and result.rejected == []


def test_rejections_and_what_would_fail_later_are_violations() -> None:
    bucket = TaggedResource("arn:aws:s3:::logs", {"backup-plan": "daily"})
    result = dry_run(
        inputs(
            [table("typo", **{"backup-plan": "Daily"}), bucket, table("orders", **{"backup-plan": "daily"})],
            s3_versioning={"logs": False},
            advanced_dynamodb=False,
            vaults=[
                VaultFacts(
                    DR.key, DR.vault_arn, True, locked=True, min_retention_days=60, max_retention_days=365
                )
            ],
        )
    )
    assert {d.resource.rsplit(":", 1)[-1]: d.reason for d in result.rejected} == {
        "table/typo": "'Daily' is not an assignable plan",
        "logs": "AWS Backup cannot back up an S3 bucket without versioning",
    }
    assert {f.check for f in result.violations} == {"advanced-dynamodb", "vault-lock"}
    assert result.to_dict()["violations"] == 4


def test_a_missing_vault_a_type_not_opted_in_and_limits_near() -> None:
    result = dry_run(
        inputs(
            [table("orders", **{"backup-plan": "daily"})],
            opted_in={"DynamoDB": False},
            vaults=[VaultFacts(DR.key, DR.vault_arn, False)],
            selections={"daily": 85},
            plans_in_region=250,
        )
    )
    assert [d.reason for d in result.rejected] == [
        "resource type DynamoDB is not opted in for AWS Backup in us-east-1"
    ]
    severities = {f.check: f.severity for f in result.findings}
    assert severities == {
        "dr-vault": Severity.ERROR,
        "selections": Severity.WARNING,
        "quota": Severity.WARNING,
    }
    allowed = dry_run(inputs([table("orders", **{"backup-plan": "daily"})], opted_in={}, allow_opt_in=True))
    assert [f.check for f in allowed.findings] == ["opt-in"] and allowed.protected
