"""Copy destinations from the stack and the backup-copy-to tag (and what a wrong entry is reported
as); vault ARNs; skips; failure causes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backup_autopilot.logic.copies.destinations import Destination, resolve_destinations, vault_location
from backup_autopilot.logic.copies.eligibility import SkipReason, skip_reason
from backup_autopilot.logic.copies.failures import FailureCause, classify_failure

SRC_ACCOUNT, SRC_REGION = "123456789012", "us-east-1"
DR = Destination("123456789012", "us-west-2", "arn:aws:backup:us-west-2:123456789012:backup-vault:bap-dr")
XACCT = Destination(
    "210987654321", "eu-central-1", "arn:aws:backup:eu-central-1:210987654321:backup-vault:bap-dr"
)
ALLOWED = {DR.key: DR, XACCT.key: XACCT}


def _resolve(tag: str | None):
    return resolve_destinations(
        tag, source_account=SRC_ACCOUNT, source_region=SRC_REGION, allowed=ALLOWED, defaults=[DR]
    )


def test_untagged_resource_goes_to_the_stack_default() -> None:
    assert _resolve(None).destinations == (DR,)


def test_none_means_no_copy() -> None:
    assert _resolve("none").destinations == () and _resolve(" NONE ").problems == ()


def test_two_destinations_give_two_copies() -> None:
    targets = _resolve("us-west-2, 210987654321:eu-central-1")
    assert set(targets.destinations) == {DR, XACCT} and targets.problems == ()


@pytest.mark.parametrize("tag", ["ap-south-1", "999999999999:us-west-2", "my-vault", "arn:aws:backup:x"])
def test_destinations_the_stack_does_not_allow_are_reported_not_followed(tag: str) -> None:
    targets = _resolve(tag)
    assert targets.destinations == () and len(targets.problems) == 1


def test_duplicate_entries_collapse() -> None:
    assert _resolve("us-west-2,us-west-2,123456789012:us-west-2").destinations == (DR,)


@pytest.mark.fuzz
@given(st.text(max_size=80))
def test_any_tag_value_only_ever_yields_allowed_vaults(tag: str) -> None:
    assert set(_resolve(tag).destinations) <= set(ALLOWED.values())


def test_cold_points_are_not_copied() -> None:
    assert (
        skip_reason(
            DR, source_account=SRC_ACCOUNT, storage_class="COLD", fully_managed=False, aws_managed_key=False
        )
        is SkipReason.COLD
    )


def test_aws_managed_key_blocks_cross_account_only_for_not_fully_managed_types() -> None:
    common = {"source_account": SRC_ACCOUNT, "storage_class": "WARM", "aws_managed_key": True}
    assert skip_reason(XACCT, fully_managed=False, **common) is SkipReason.AWS_MANAGED_KEY  # type: ignore[arg-type]
    assert skip_reason(XACCT, fully_managed=True, **common) is None  # type: ignore[arg-type]
    assert skip_reason(DR, fully_managed=False, **common) is None  # type: ignore[arg-type]


def test_destination_covered_by_the_plan_rule_is_skipped() -> None:
    assert (
        skip_reason(
            DR,
            source_account=SRC_ACCOUNT,
            storage_class="WARM",
            fully_managed=False,
            aws_managed_key=False,
            plan_copy_vaults=[DR.vault_arn],
        )
        is SkipReason.PLAN_COPIES
    )


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        (
            "Given key ID is not accessible. You must have DescribeKey permissions on the default CMK",
            FailureCause.KMS,
        ),
        ("Access denied: the backup role is not authorized to perform kms:CreateGrant", FailureCause.KMS),
        ("User is not authorized to perform: backup:CopyIntoBackupVault", FailureCause.VAULT_POLICY),
        ("Cannot copy a recovery point in cold storage", FailureCause.COLD),
        ("LimitExceededException: too many concurrent copy jobs", FailureCause.LIMIT),
        ("An internal error occurred", FailureCause.OTHER),
        (None, FailureCause.OTHER),
    ],
)
def test_copy_failures_are_classified(message: str | None, cause: FailureCause) -> None:
    assert classify_failure(message) is cause


#: copy-failure texts from AWS's documentation, and where they come from
AWS_DOCUMENTED_COPY_FAILURES = [
    # the devguide's "Copy Job State Change" FAILED example (fact sheet 1.3)
    ("Access denied exception while trying to list tags", FailureCause.ACCESS_DENIED),
]


@pytest.mark.parametrize(("message", "cause"), AWS_DOCUMENTED_COPY_FAILURES)
def test_aws_documented_copy_failures_get_their_own_cause_not_other(
    message: str, cause: FailureCause
) -> None:
    # GIVEN the message AWS documents  WHEN classified  THEN it names the fix and is not retried
    assert classify_failure(message) is cause
    assert cause is not FailureCause.OTHER


def test_a_copy_outside_the_vault_lock_window_is_a_retention_failure() -> None:
    assert (
        classify_failure("Retention period is below the minimum of the vault lock") is FailureCause.RETENTION
    )


def test_vault_location() -> None:
    assert vault_location(XACCT.vault_arn) == ("210987654321", "eu-central-1")
    assert vault_location("arn:aws:s3:::bucket") is None


def test_plain_dynamodb_backups_are_not_copied_and_the_fix_is_named() -> None:
    reason = skip_reason(
        DR,
        source_account=SRC_ACCOUNT,
        storage_class="WARM",
        fully_managed=False,
        aws_managed_key=False,
        resource_type="DynamoDB",
    )
    assert reason is SkipReason.DYNAMODB_NOT_ADVANCED and "advanced DynamoDB" in reason.value
    assert (
        skip_reason(
            DR,
            source_account=SRC_ACCOUNT,
            storage_class="WARM",
            fully_managed=True,
            aws_managed_key=False,
            resource_type="DynamoDB",
        )
        is None
    )


@pytest.mark.parametrize(
    ("tag", "problem"),
    [
        ("none,us-west-2", "'none' cannot be combined with destinations"),
        ("us-west-2,None", "'none' cannot be combined with destinations"),
        ("bogus,us-west-2", "'bogus' is neither a Region nor ACCOUNT:REGION"),
        ("us-east-1,us-west-2", "'us-east-1' is where the backup already is"),
        (
            "ap-south-1,us-west-2",
            "'ap-south-1' is not a copy destination this stack allows (123456789012:us-west-2, "
            "210987654321:eu-central-1)",
        ),
    ],
)
def test_a_wrong_entry_is_reported_in_words_and_the_valid_ones_are_still_followed(
    tag: str, problem: str
) -> None:
    targets = _resolve(tag)
    assert targets.destinations == (DR,) and targets.problems == (problem,)


@pytest.mark.parametrize(
    "arn",
    [
        "xarn:aws:backup:us-west-2:123456789012:backup-vault:v",
        "arn:aws:s3:us-west-2:123456789012:backup-vault:v",
        "arn:aws:backup:us-west-2:123456789012:backup-plan:v",
        "arn:aws:backup:us-west-2:123456789012:backup-vault:",
        "arn:aws:backup:us-west-2:123456789012:backup-vault:v:extra",
    ],
)
def test_anything_but_a_backup_vault_arn_is_no_vault_location(arn: str) -> None:
    assert vault_location(arn) is None
