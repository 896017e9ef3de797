"""The dry run's decisions (pure): protected by which plan, copied where, restore-tested, rejected
and why (the exact reasons and fixes), resources left alone; what would fail later (vaults missing
or locked, advanced DynamoDB backup off, selections and quotas near their limits, a stack not
deployed) and what the JSON answer says."""

from __future__ import annotations

import datetime as dt

from backup_autopilot.logic.copies.destinations import Destination
from backup_autopilot.logic.dry_run import DryRunInputs, Finding, Severity, VaultFacts, dry_run
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


BUCKET = TaggedResource("arn:aws:s3:::logs", {"backup-plan": "daily"})


def test_each_decision_says_what_the_stack_would_do_and_only_what_applies() -> None:
    result = dry_run(
        inputs(
            [
                table("orders", **{"backup-plan": "daily"}),
                table("typo", **{"backup-plan": "dayly"}),
                TaggedResource(f"arn:aws:sns:{REGION}:{ACCOUNT}:topic", {"backup-plan": "daily"}),
            ]
        )
    )
    assert result.to_dict() == {
        "deployed": True,
        "protected": [
            {
                "resource": table("orders").arn,
                "resource_type": "DynamoDB",
                "outcome": "protected",
                "plan": "daily",
                "copies": [DR.key],
                "restore_test": False,
            }
        ],
        "rejected": [
            {
                "resource": table("typo").arn,
                "resource_type": "DynamoDB",
                "outcome": "rejected",
                "restore_test": False,
                "reason": "'dayly' is not an assignable plan",
                "fix": "did you mean 'daily'? set backup-plan to one of: daily, weekly",
            },
            {
                "resource": f"arn:aws:sns:{REGION}:{ACCOUNT}:topic",
                "resource_type": "unsupported",
                "outcome": "rejected",
                "restore_test": False,
                "reason": "AWS Backup cannot protect this kind of resource",
                "fix": "remove the tag, or tag a supported resource (EBS, EC2, RDS, Aurora, DynamoDB, EFS, "
                "S3, FSx, Storage Gateway volume)",
            },
        ],
        "findings": [],
        "violations": 2,
    }


def test_resources_the_stack_leaves_alone_are_not_listed() -> None:
    result = dry_run(
        inputs(
            [
                table("bap-rt-orders-1", **{"backup-plan": "daily"}),  # a restore test's table
                table("untagged"),  # no plan tag: nothing to decide
            ]
        )
    )
    assert result.decisions == [] and result.to_dict()["violations"] == 0


def test_decisions_are_ordered_by_outcome_type_and_resource() -> None:
    volume = TaggedResource(f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-1", {"backup-plan": "daily"})
    result = dry_run(
        inputs(
            [
                table("b", **{"backup-plan": "daily"}),
                table("x", **{"backup-plan": "nope"}),
                volume,
                table("a", **{"backup-plan": "daily"}),
            ],
            opted_in={"DynamoDB": True, "EBS": True},
        )
    )
    assert [d.resource.rsplit("/", 1)[-1] for d in result.decisions] == ["a", "b", "vol-1", "x"]


def test_a_type_nobody_said_is_opted_in_is_not_and_rejects_the_resource() -> None:
    [decision] = dry_run(inputs([table("t", **{"backup-plan": "weekly"})], opted_in={})).rejected
    assert (decision.resource, decision.resource_type, decision.plan, decision.reason, decision.fix) == (
        table("t").arn,
        "DynamoDB",
        "weekly",
        "resource type DynamoDB is not opted in for AWS Backup in us-east-1",
        "opt DynamoDB in (AWS Backup > Settings > Service opt-in), or deploy with AllowOptIn=true",
    )


def test_a_stack_allowed_to_opt_in_warns_it_would_and_protects_the_resource() -> None:
    result = dry_run(inputs([table("t", **{"backup-plan": "daily"})], opted_in={}, allow_opt_in=True))
    assert result.to_dict()["findings"] == [
        {
            "check": "opt-in",
            "severity": "warning",
            "detail": "the stack would opt DynamoDB in",
            "resource": table("t").arn,
        }
    ]
    assert result.violations == []


def test_a_bucket_with_versioning_unknown_is_rejected_with_the_bucket_to_fix() -> None:
    [decision] = dry_run(inputs([BUCKET], s3_versioning={})).rejected
    assert (decision.plan, decision.reason, decision.fix) == (
        "daily",
        "AWS Backup cannot back up an S3 bucket without versioning",
        "enable versioning on bucket logs",
    )
    [protected] = dry_run(inputs([BUCKET], s3_versioning={"logs": True})).protected
    assert protected.copies == [DR.key]


def test_copy_tag_entries_the_stack_cannot_follow_are_warned_about() -> None:
    result = dry_run(
        inputs([table("t", **{"backup-plan": "daily", "backup-copy-to": "eu-west-9,us-west-2"})])
    )
    assert [(f.check, f.severity, f.detail, f.resource) for f in result.findings] == [
        (
            "copy-tag",
            Severity.WARNING,
            f"'eu-west-9' is not a copy destination this stack allows ({DR.key})",
            table("t").arn,
        )
    ]
    assert result.protected[0].copies == [DR.key]


def test_a_copy_tag_naming_the_resources_own_region_is_warned_about() -> None:
    result = dry_run(inputs([table("t", **{"backup-plan": "daily", "backup-copy-to": REGION})]))
    assert [f.detail for f in result.findings] == [f"'{REGION}' is where the backup already is"]
    assert result.protected[0].copies == []


def test_the_advanced_dynamodb_finding_names_every_destination_skipped() -> None:
    other = Destination("210987654321", "eu-west-1", "arn:aws:backup:eu-west-1:210987654321:backup-vault:c")
    result = dry_run(
        inputs(
            [table("orders", **{"backup-plan": "daily"})],
            destinations={DR.key: DR, other.key: other},
            advanced_dynamodb=False,
        )
    )
    [finding] = result.violations
    assert finding.detail.startswith(f"copies of orders to {DR.key}, {other.key} would be skipped: ")


def test_dynamodb_copies_and_restore_tests_without_advanced_backup_say_what_would_not_happen() -> None:
    result = dry_run(
        inputs(
            [table("orders", **{"backup-plan": "daily", "backup-restore-test": "on"})],
            advanced_dynamodb=False,
        )
    )
    assert result.findings == [
        Finding(
            "advanced-dynamodb",
            Severity.ERROR,
            f"copies of orders to {DR.key} would be skipped: DynamoDB backups can be copied only with "
            "advanced DynamoDB backup features on (AWS Backup > Settings > Advanced features for Amazon "
            "DynamoDB backups)",
            "turn on advanced DynamoDB backup (AWS Backup > Settings), or tag it backup-copy-to=none",
            table("orders").arn,
        ),
        Finding(
            "restore-test-dynamodb",
            Severity.WARNING,
            "orders would not be picked by the restore testing plan: AWS copies tags onto DynamoDB recovery "
            "points only with advanced DynamoDB backup",
            "turn on advanced DynamoDB backup",
            table("orders").arn,
        ),
    ]
    assert result.protected[0].restore_test is True


def test_a_dynamodb_table_neither_copied_nor_tested_needs_no_advanced_backup() -> None:
    result = dry_run(
        inputs(
            [
                table(
                    "local",
                    **{"backup-plan": "daily", "backup-copy-to": "none", "backup-restore-test": "off"},
                )
            ],
            advanced_dynamodb=False,
            restore_test_default_on=True,
        )
    )
    assert result.findings == [] and result.protected[0].restore_test is False


def test_other_types_copy_and_are_restore_tested_by_default_without_advanced_dynamodb_backup() -> None:
    result = dry_run(
        inputs([BUCKET], s3_versioning={"logs": True}, advanced_dynamodb=False, restore_test_default_on=True)
    )
    assert result.findings == []
    assert (result.protected[0].copies, result.protected[0].restore_test) == ([DR.key], True)


def test_types_restore_testing_does_not_support_are_never_restore_tested() -> None:
    gateway = TaggedResource(
        f"arn:aws:storagegateway:{REGION}:{ACCOUNT}:gateway/sgw-1/volume/vol-1",
        {"backup-plan": "daily", "backup-restore-test": "on"},
    )
    result = dry_run(inputs([gateway], opted_in={"Storage Gateway": True}))
    assert [(d.resource_type, d.restore_test) for d in result.protected] == [("Storage Gateway", False)]


def test_a_missing_destination_vault_fails_every_copy_there() -> None:
    result = dry_run(inputs([], vaults=[VaultFacts(DR.key, DR.vault_arn, False)]))
    assert result.findings == [
        Finding(
            "dr-vault",
            Severity.ERROR,
            f"copy destination {DR.key} has no vault {DR.vault_arn}: every copy there would fail",
            "deploy dr/template.yaml there first (sam deploy -t dr/template.yaml ...)",
        )
    ]


def test_a_destination_vault_that_cannot_be_read_is_a_warning() -> None:
    result = dry_run(inputs([], vaults=[VaultFacts(DR.key, DR.vault_arn, None)]))
    assert result.to_dict()["findings"] == [
        {
            "check": "dr-vault",
            "severity": "warning",
            "detail": f"vault {DR.vault_arn} cannot be read from this account",
        }
    ]
    assert result.to_dict()["violations"] == 0


def test_a_vault_lock_refuses_copies_kept_outside_its_window() -> None:
    def lock_findings(days: int, low: int | None, high: int | None, locked: bool = True) -> list[str]:
        vault = VaultFacts(
            DR.key, DR.vault_arn, True, locked=locked, min_retention_days=low, max_retention_days=high
        )
        return [f.detail for f in dry_run(inputs([], vaults=[vault], copy_retention_days=days)).violations]

    assert lock_findings(30, 60, 365) == [
        f"vault {DR.vault_arn} is locked to 60-365 days of retention; copies kept 30 days would fail"
    ]
    assert lock_findings(400, None, 365) == [
        f"vault {DR.vault_arn} is locked to None-365 days of retention; copies kept 400 days would fail"
    ]
    assert lock_findings(30, 60, None) != []
    assert lock_findings(60, 60, 365) == lock_findings(365, 60, 365) == []
    assert lock_findings(10_000, None, None) == []
    assert lock_findings(30, 60, 365, locked=False) == []
    assert lock_findings(0, 60, 365) == []  # copies keep their source's retention: nothing to check


def test_a_vault_lock_finding_says_how_to_fix_it() -> None:
    vault = VaultFacts(DR.key, DR.vault_arn, True, locked=True, min_retention_days=60, max_retention_days=365)
    [finding] = dry_run(inputs([], vaults=[vault], copy_retention_days=7)).findings
    assert (finding.check, finding.severity, finding.fix) == (
        "vault-lock",
        Severity.ERROR,
        "choose CopyRetentionDays inside the lock's window (the lock cannot be loosened once its grace time "
        "is over)",
    )


def test_selections_near_the_plan_limit_are_warned_about_from_80() -> None:
    result = dry_run(inputs([], selections={"weekly": 80, "daily": 100, "monthly": 79}))
    assert [(f.check, f.severity, f.detail, f.fix) for f in result.findings] == [
        (
            "selections",
            Severity.WARNING,
            f"plan '{alias}' has {count} of 100 selections (not adjustable)",
            "merge selections: the stack needs one tag-condition selection per plan",
        )
        for alias, count in (("daily", 100), ("weekly", 80))
    ]


def test_plans_and_vaults_near_their_region_quota_are_warned_about_from_80_percent() -> None:
    result = dry_run(inputs([], plans_in_region=240, vaults_in_region=300))
    assert [(f.check, f.severity, f.detail, f.fix) for f in result.findings] == [
        (
            "quota",
            Severity.WARNING,
            "240 of 300 backup plans in the Region",
            "ask for a quota increase (Service Quotas > AWS Backup)",
        ),
        (
            "quota",
            Severity.WARNING,
            "300 of 300 backup vaults in the Region",
            "ask for a quota increase (Service Quotas > AWS Backup)",
        ),
    ]
    assert dry_run(inputs([], plans_in_region=239, vaults_in_region=239)).findings == []


def test_a_stack_not_deployed_yet_says_its_plans_are_the_templates() -> None:
    result = dry_run(inputs([], deployed=False))
    assert result.to_dict() == {
        "deployed": False,
        "protected": [],
        "rejected": [],
        "findings": [
            {
                "check": "stack",
                "severity": "warning",
                "detail": "the stack is not deployed here: its plans are the template's (daily, weekly, "
                "monthly)",
            }
        ],
        "violations": 0,
    }


def test_the_stacks_findings_come_before_the_resources() -> None:
    result = dry_run(
        inputs(
            [table("t", **{"backup-plan": "daily", "backup-copy-to": "bogus"})],
            vaults=[VaultFacts(DR.key, DR.vault_arn, False)],
        )
    )
    assert [f.check for f in result.findings] == ["dr-vault", "copy-tag"]
