"""CopyGateway on its paths, against botocore's Stubber (exact requests, AWS's answers and errors):
what a recovery point's facts are read from (the rule that made it, whether it is continuous, the
plan's retention override, the key's manager; cached per plan and per key), StartCopyJob with and
without a lifecycle, refusals, throttling, pagination, copy jobs as DescribeCopyJob tells them, the
sweep's failed copies and recent points, sparse answers, and which copy jobs need no new attempt."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from backup_autopilot.adapters.copies import CopyGateway
from backup_autopilot.logic.copies.destinations import Destination
from backup_autopilot.logic.copies.planning import CopyOrder
from backup_autopilot.logic.copies.service import CopyJobFacts, CopyRefused

if TYPE_CHECKING:
    from tests.unit.adapters.conftest import StubbedClients

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup"
POINT = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:P1"
PLAN_ARN = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-plan:plan-1"
DR_VAULT = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr"
FAR_VAULT = "arn:aws:backup:us-west-2:210987654321:backup-vault:dr"
VOLUME = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-1"
T0 = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)


@pytest.fixture
def aws(stubbed: StubbedClients) -> StubbedClients:
    return stubbed


def _described(**overrides: Any) -> dict[str, Any]:
    return {
        "RecoveryPointArn": POINT,
        "ResourceArn": VOLUME,
        "ResourceType": "EBS",
        "Status": "COMPLETED",
        "CreationDate": T0,
        **overrides,
    }


def test_a_plan_point_reads_its_rule_and_the_plans_retention_override_once_per_plan(
    aws: StubbedClients,
) -> None:
    backup = aws.stub("backup")
    created_by = {"BackupPlanId": "plan-1", "BackupPlanArn": PLAN_ARN, "BackupRuleId": "rule-1"}
    plan = {
        "BackupPlan": {
            "BackupPlanName": "weekly",
            "Rules": [
                {
                    "RuleName": "weekly",
                    "TargetBackupVaultName": "primary",
                    "RuleId": "rule-1",
                    "CopyActions": [{"DestinationBackupVaultArn": DR_VAULT}],
                },
                {"RuleName": "other", "TargetBackupVaultName": "primary", "RuleId": "rule-2"},
            ],
        }
    }
    backup.add_response(
        "describe_recovery_point",
        _described(CreatedBy=created_by, StorageClass="COLD"),
        {"BackupVaultName": "primary", "RecoveryPointArn": POINT},
    )
    backup.add_response("get_backup_plan", plan, {"BackupPlanId": "plan-1"})
    backup.add_response(
        "list_tags", {"Tags": {"backup-autopilot:copy-retention-days": "400"}}, {"ResourceArn": PLAN_ARN}
    )
    backup.add_response(
        "describe_recovery_point",
        _described(CreatedBy=created_by),
        {"BackupVaultName": "primary", "RecoveryPointArn": POINT},
    )
    gateway = CopyGateway(aws, role_arn=ROLE)
    first = gateway.recovery_point(vault_name="primary", arn=POINT, account=ACCOUNT, region="us-east-1")
    second = gateway.recovery_point(vault_name="primary", arn=POINT, account=ACCOUNT, region="us-east-1")
    # THEN the cold point is seen as cold, the plan rule's own copy destination is known (not the
    # other rule's), the plan's override read from its tag; the second point costs no plan calls
    assert first.storage_class == "COLD" and second.storage_class == "WARM"
    assert first.plan_copy_vaults == (DR_VAULT,) and first.continuous is False
    assert first.copy_retention_days == second.copy_retention_days == 400
    assert (first.resource_arn, first.resource_type, first.status) == (VOLUME, "EBS", "COMPLETED")
    assert first.creation_date == T0 and first.aws_managed_key is False


def test_an_on_demand_point_reads_the_override_on_itself(aws: StubbedClients) -> None:
    backup = aws.stub("backup")
    backup.add_response(
        "describe_recovery_point", _described(), {"BackupVaultName": "primary", "RecoveryPointArn": POINT}
    )
    backup.add_response(
        "list_tags", {"Tags": {"backup-autopilot:copy-retention-days": "90"}}, {"ResourceArn": POINT}
    )
    facts = CopyGateway(aws, role_arn=ROLE).recovery_point(
        vault_name="primary", arn=POINT, account=ACCOUNT, region="us-east-1"
    )
    assert facts.copy_retention_days == 90 and facts.plan_copy_vaults == ()


def test_an_aws_managed_key_is_recognised_and_read_once(aws: StubbedClients) -> None:
    backup, kms = aws.stub("backup"), aws.stub("kms")
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k1"
    for _ in range(2):
        backup.add_response(
            "describe_recovery_point",
            _described(EncryptionKeyArn=key),
            {"BackupVaultName": "primary", "RecoveryPointArn": POINT},
        )
        backup.add_response("list_tags", {"Tags": {}}, {"ResourceArn": POINT})
    kms.add_response("describe_key", {"KeyMetadata": {"KeyId": "k1", "KeyManager": "AWS"}}, {"KeyId": key})
    gateway = CopyGateway(aws, role_arn=ROLE)
    facts = [
        gateway.recovery_point(vault_name="primary", arn=POINT, account=ACCOUNT, region="us-east-1")
        for _ in range(2)
    ]
    assert [f.aws_managed_key for f in facts] == [True, True]
    assert facts[0].copy_retention_days is None


def _order(vault: str = DR_VAULT) -> CopyOrder:
    return CopyOrder(Destination(ACCOUNT, "us-west-2", vault), "token-1")


def _point() -> Any:
    from backup_autopilot.logic.copies.planning import RecoveryPointFacts

    return RecoveryPointFacts(
        arn=POINT,
        vault_name="primary",
        account=ACCOUNT,
        region="us-east-1",
        resource_arn=VOLUME,
        resource_type="EBS",
        status="COMPLETED",
        storage_class="WARM",
        aws_managed_key=False,
    )


def _start_request(**extra: Any) -> dict[str, Any]:
    return {
        "RecoveryPointArn": POINT,
        "SourceBackupVaultName": "primary",
        "DestinationBackupVaultArn": DR_VAULT,
        "IamRoleArn": ROLE,
        "IdempotencyToken": "token-1",
        **extra,
    }


def test_start_copy_sends_no_lifecycle_to_keep_the_sources_expiry(aws: StubbedClients) -> None:
    aws.stub("backup").add_response("start_copy_job", {"CopyJobId": "C1"}, _start_request())
    assert CopyGateway(aws, role_arn=ROLE).start_copy(_point(), _order(), delete_after_days=None) == "C1"


def test_start_copy_sends_the_retention_when_one_is_given(aws: StubbedClients) -> None:
    aws.stub("backup").add_response(
        "start_copy_job", {"CopyJobId": "C2"}, _start_request(Lifecycle={"DeleteAfterDays": 120})
    )
    assert CopyGateway(aws, role_arn=ROLE).start_copy(_point(), _order(), delete_after_days=120) == "C2"


@pytest.mark.parametrize("code", ["InvalidParameterValueException", "InvalidRequestException"])
def test_a_copy_aws_refuses_is_a_copy_refused_with_its_words(aws: StubbedClients, code: str) -> None:
    aws.stub("backup").add_client_error("start_copy_job", code, "does not support continuous backups")
    with pytest.raises(CopyRefused, match=f"{code}: does not support continuous backups"):
        CopyGateway(aws, role_arn=ROLE).start_copy(_point(), _order(), delete_after_days=None)


def test_throttling_is_not_a_refusal_it_propagates_for_a_retry(aws: StubbedClients) -> None:
    aws.stub("backup").add_client_error("start_copy_job", "ThrottlingException", "Rate exceeded")
    with pytest.raises(ClientError) as caught:
        CopyGateway(aws, role_arn=ROLE).start_copy(_point(), _order(), delete_after_days=None)
    assert not isinstance(caught.value, CopyRefused)


def _job(vault: str, state: str, message: str | None = None, source: str = POINT) -> dict[str, Any]:
    job: dict[str, Any] = {
        "CopyJobId": f"{vault[-2:]}-{state}",
        "SourceRecoveryPointArn": source,
        "DestinationBackupVaultArn": vault,
        "State": state,
        "CreationDate": T0,
    }
    if message:
        job["StatusMessage"] = message
    return job


def test_attempted_destinations_pages_and_retries_only_what_a_retry_can_fix(aws: StubbedClients) -> None:
    backup = aws.stub("backup")
    backup.add_response(
        "list_copy_jobs",
        {"CopyJobs": [_job(DR_VAULT, "FAILED", "something unexpected happened")], "NextToken": "t2"},
        {"BySourceRecoveryPointArn": POINT},
    )
    backup.add_response(
        "list_copy_jobs",
        {"CopyJobs": [_job(FAR_VAULT, "FAILED", "Access denied: kms:CreateGrant on the key")]},
        {"BySourceRecoveryPointArn": POINT, "NextToken": "t2"},
    )
    # an "other" failure needs a new attempt; a KMS one does not (it alerts once, no retry storm)
    assert CopyGateway(aws, role_arn=ROLE).attempted_destinations(POINT, "us-east-1") == {FAR_VAULT}


def test_attempted_copies_of_the_sweep_page_through_every_job(aws: StubbedClients) -> None:
    backup = aws.stub("backup")
    since = T0 - dt.timedelta(days=1)
    other = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:P2"
    backup.add_response(
        "list_copy_jobs",
        {
            "CopyJobs": [_job(DR_VAULT, "COMPLETED"), _job(DR_VAULT, "FAILED", "limit exceeded", other)],
            "NextToken": "n",
        },
        {"ByCreatedAfter": since, "MaxResults": 1000},
    )
    backup.add_response(
        "list_copy_jobs",
        {"CopyJobs": [_job(FAR_VAULT, "RUNNING", source=other)]},
        {"ByCreatedAfter": since, "MaxResults": 1000, "NextToken": "n"},
    )
    attempted = CopyGateway(aws, role_arn=ROLE).attempted_copies(region="us-east-1", since=since)
    assert attempted == {(POINT, DR_VAULT), (other, FAR_VAULT)}


def test_recent_points_page_through_the_vault(aws: StubbedClients) -> None:
    backup = aws.stub("backup")
    since = T0 - dt.timedelta(days=1)
    listed = {"RecoveryPointArn": POINT, "ResourceArn": VOLUME, "Status": "COMPLETED"}
    backup.add_response(
        "list_recovery_points_by_backup_vault",
        {"RecoveryPoints": [listed], "NextToken": "n"},
        {"BackupVaultName": "primary", "ByCreatedAfter": since, "MaxResults": 1000},
    )
    backup.add_response(
        "list_recovery_points_by_backup_vault",
        {"RecoveryPoints": [{**listed, "RecoveryPointArn": "p2", "Status": "PARTIAL"}]},
        {"BackupVaultName": "primary", "ByCreatedAfter": since, "MaxResults": 1000, "NextToken": "n"},
    )
    points = list(
        CopyGateway(aws, role_arn=ROLE).recent_points(vault_name="primary", region="us-east-1", since=since)
    )
    assert [(p.arn, p.status, p.vault_name, p.resource_arn) for p in points] == [
        (POINT, "COMPLETED", "primary", VOLUME),
        ("p2", "PARTIAL", "primary", VOLUME),
    ]


def test_copy_job_by_id_not_found_is_none_and_by_source_the_latest(aws: StubbedClients) -> None:
    backup = aws.stub("backup")
    backup.add_client_error("describe_copy_job", "ResourceNotFoundException", "no such job")
    later = {
        **_job(DR_VAULT, "FAILED", "late"),
        "CopyJobId": "C-late",
        "CreationDate": T0 + dt.timedelta(hours=1),
    }
    backup.add_response(
        "list_copy_jobs",
        {"CopyJobs": [_job(DR_VAULT, "FAILED", "early"), later]},
        {"BySourceRecoveryPointArn": POINT, "ByState": "FAILED", "ByDestinationVaultArn": DR_VAULT},
    )
    backup.add_response(
        "list_copy_jobs", {"CopyJobs": []}, {"BySourceRecoveryPointArn": POINT, "ByState": "FAILED"}
    )
    gateway = CopyGateway(aws, role_arn=ROLE)
    assert (
        gateway.copy_job(
            copy_job_id="gone",
            source_point_arn=POINT,
            destination_vault_arn=None,
            state="FAILED",
            region="us-east-1",
        )
        is None
    )
    found = gateway.copy_job(
        copy_job_id=None,
        source_point_arn=POINT,
        destination_vault_arn=DR_VAULT,
        state="FAILED",
        region="us-east-1",
    )
    assert found is not None and (found.copy_job_id, found.status_message) == ("C-late", "late")
    assert found.source_recovery_point_arn == POINT and found.destination_backup_vault_arn == DR_VAULT
    assert (
        gateway.copy_job(
            copy_job_id=None,
            source_point_arn=POINT,
            destination_vault_arn=None,
            state="FAILED",
            region="us-east-1",
        )
        is None
    )
    assert (
        gateway.copy_job(
            copy_job_id=None,
            source_point_arn=None,
            destination_vault_arn=None,
            state="FAILED",
            region="us-east-1",
        )
        is None
    )


def test_the_copy_tag_is_read_on_the_resource(aws: StubbedClients) -> None:
    tagging = aws.stub("resourcegroupstaggingapi")
    tagging.add_response(
        "get_resources",
        {
            "ResourceTagMappingList": [
                {
                    "ResourceARN": VOLUME,
                    "Tags": [{"Key": "x", "Value": "y"}, {"Key": "backup-copy-to", "Value": "none"}],
                }
            ]
        },
        {"ResourceARNList": [VOLUME]},
    )
    tagging.add_response("get_resources", {"ResourceTagMappingList": []}, {"ResourceARNList": [VOLUME]})
    gateway = CopyGateway(aws, role_arn=ROLE)
    assert gateway.copy_to_tag(VOLUME, "us-east-1", "backup-copy-to") == "none"
    assert gateway.copy_to_tag(VOLUME, "us-east-1", "backup-copy-to") is None


# -- what a point's maker says: its rule, continuity, and per-plan / per-key caching ------------

CONTINUOUS_POINT = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:continuous:db-orders-1a2b3c4d"
PLAN_2_ARN = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-plan:plan-2"


def _plan(*rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "BackupPlan": {
            "BackupPlanName": "daily",
            "Rules": [
                {"RuleName": f"rule{i}", "TargetBackupVaultName": "primary", **r} for i, r in enumerate(rules)
            ],
        }
    }


def test_a_point_of_a_continuous_rule_is_continuous_and_takes_only_its_rules_copy_actions(
    aws: StubbedClients,
) -> None:
    backup = aws.stub("backup")
    created_by = {"BackupPlanId": "plan-1", "BackupPlanArn": PLAN_ARN, "BackupRuleId": "rule-1"}
    backup.add_response(
        "describe_recovery_point",
        _described(CreatedBy=created_by),
        {"BackupVaultName": "primary", "RecoveryPointArn": POINT},
    )
    backup.add_response(
        "get_backup_plan",
        _plan(
            {"RuleId": "rule-1", "EnableContinuousBackup": True},
            {"RuleId": "rule-2", "CopyActions": [{"DestinationBackupVaultArn": FAR_VAULT}]},
        ),
        {"BackupPlanId": "plan-1"},
    )
    backup.add_response("list_tags", {}, {"ResourceArn": PLAN_ARN})  # a plan without tags
    facts = CopyGateway(aws, role_arn=ROLE).recovery_point(
        vault_name="primary", arn=POINT, account=ACCOUNT, region="us-east-1"
    )
    # the arn does not say "continuous"; the rule does. The other rule's copy is not this point's
    assert facts.continuous is True
    assert facts.plan_copy_vaults == ()
    assert facts.copy_retention_days is None
    assert (facts.arn, facts.vault_name, facts.account, facts.region) == (
        POINT,
        "primary",
        ACCOUNT,
        "us-east-1",
    )


def test_a_point_whose_maker_names_no_rule_takes_every_rules_copies_and_is_not_called_continuous(
    aws: StubbedClients,
) -> None:
    backup = aws.stub("backup")
    backup.add_response(
        "describe_recovery_point",
        _described(CreatedBy={"BackupPlanId": "plan-1", "BackupPlanArn": PLAN_ARN}),
        {"BackupVaultName": "primary", "RecoveryPointArn": POINT},
    )
    backup.add_response(
        "get_backup_plan",
        _plan(
            {
                "RuleId": "rule-1",
                "EnableContinuousBackup": True,
                "CopyActions": [{"DestinationBackupVaultArn": DR_VAULT}],
            },
            {"RuleId": "rule-2", "CopyActions": [{"DestinationBackupVaultArn": FAR_VAULT}]},
            {"RuleId": "rule-3"},
        ),
        {"BackupPlanId": "plan-1"},
    )
    backup.add_response("list_tags", {"Tags": {}}, {"ResourceArn": PLAN_ARN})
    facts = CopyGateway(aws, role_arn=ROLE).recovery_point(
        vault_name="primary", arn=POINT, account=ACCOUNT, region="us-east-1"
    )
    assert facts.plan_copy_vaults == (DR_VAULT, FAR_VAULT)
    assert facts.continuous is False


def test_an_on_demand_point_is_continuous_only_when_its_arn_says_so(aws: StubbedClients) -> None:
    backup = aws.stub("backup")
    for arn in (POINT, CONTINUOUS_POINT):
        backup.add_response(
            "describe_recovery_point",
            _described(RecoveryPointArn=arn),
            {"BackupVaultName": "primary", "RecoveryPointArn": arn},
        )
        backup.add_response("list_tags", {}, {"ResourceArn": arn})  # an untagged point
    gateway = CopyGateway(aws, role_arn=ROLE)
    plain, continuous = (
        gateway.recovery_point(vault_name="primary", arn=arn, account=ACCOUNT, region="us-east-1")
        for arn in (POINT, CONTINUOUS_POINT)
    )
    assert (plain.continuous, continuous.continuous) == (False, True)
    assert plain.plan_copy_vaults == continuous.plan_copy_vaults == ()
    assert plain.copy_retention_days is continuous.copy_retention_days is None


def test_plans_and_keys_are_cached_each_on_its_own(aws: StubbedClients) -> None:
    backup, kms = aws.stub("backup"), aws.stub("kms")
    aws_key, own_key = (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{k}" for k in ("aws", "own"))
    for plan_id, plan_arn, vault, days, key in (
        ("plan-1", PLAN_ARN, DR_VAULT, "400", aws_key),
        ("plan-2", PLAN_2_ARN, FAR_VAULT, "30", own_key),
    ):
        backup.add_response(
            "describe_recovery_point",
            _described(
                CreatedBy={"BackupPlanId": plan_id, "BackupPlanArn": plan_arn, "BackupRuleId": "rule-1"},
                EncryptionKeyArn=key,
            ),
            {"BackupVaultName": "primary", "RecoveryPointArn": POINT},
        )
        backup.add_response(
            "get_backup_plan",
            _plan({"RuleId": "rule-1", "CopyActions": [{"DestinationBackupVaultArn": vault}]}),
            {"BackupPlanId": plan_id},
        )
        backup.add_response(
            "list_tags", {"Tags": {"backup-autopilot:copy-retention-days": days}}, {"ResourceArn": plan_arn}
        )
    kms.add_response(
        "describe_key", {"KeyMetadata": {"KeyId": "aws", "KeyManager": "AWS"}}, {"KeyId": aws_key}
    )
    kms.add_response(
        "describe_key", {"KeyMetadata": {"KeyId": "own", "KeyManager": "CUSTOMER"}}, {"KeyId": own_key}
    )
    gateway = CopyGateway(aws, role_arn=ROLE)
    first, second = (
        gateway.recovery_point(vault_name="primary", arn=POINT, account=ACCOUNT, region="us-east-1")
        for _ in range(2)
    )
    assert (first.plan_copy_vaults, first.copy_retention_days, first.aws_managed_key) == (
        (DR_VAULT,),
        400,
        True,
    )
    assert (second.plan_copy_vaults, second.copy_retention_days, second.aws_managed_key) == (
        (FAR_VAULT,),
        30,
        False,
    )


# -- copy jobs as AWS describes them, and the sweep's failures ---------------------------------


def _full_copy_job(**overrides: Any) -> dict[str, Any]:
    return {
        "CopyJobId": "C1",
        "State": "COMPLETED",
        "ResourceArn": VOLUME,
        "SourceRecoveryPointArn": POINT,
        "SourceBackupVaultArn": f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:primary",
        "DestinationBackupVaultArn": DR_VAULT,
        "StatusMessage": "done",
        "CreationDate": T0,
        **overrides,
    }


def _facts_of(job: dict[str, Any], state: str | None = None) -> CopyJobFacts:
    return CopyJobFacts(
        copy_job_id=job["CopyJobId"],
        state=state or job["State"],
        resource_arn=job["ResourceArn"],
        source_recovery_point_arn=job["SourceRecoveryPointArn"],
        source_backup_vault_arn=job["SourceBackupVaultArn"],
        destination_backup_vault_arn=job["DestinationBackupVaultArn"],
        status_message=job["StatusMessage"],
    )


@pytest.mark.parametrize(
    ("described_state", "event_state", "kept"),
    [
        ("COMPLETED", "RUNNING", "COMPLETED"),  # the job has completed since the event: AWS's answer wins
        (None, "FAILED", "FAILED"),  # an answer without a state keeps the event's
    ],
)
def test_a_described_copy_job_keeps_every_fact_and_its_current_state(
    aws: StubbedClients, described_state: str | None, event_state: str, kept: str
) -> None:
    job = _full_copy_job()
    if described_state is None:
        del job["State"]
    else:
        job["State"] = described_state
    aws.stub("backup").add_response("describe_copy_job", {"CopyJob": job}, {"CopyJobId": "C1"})
    found = CopyGateway(aws, role_arn=ROLE).copy_job(
        copy_job_id="C1",
        source_point_arn=None,
        destination_vault_arn=None,
        state=event_state,
        region="us-east-1",
    )
    assert found == _facts_of(job, state=kept)


def test_failed_copies_are_the_jobs_completed_since_that_ended_badly_page_by_page(
    aws: StubbedClients,
) -> None:
    backup = aws.stub("backup", "eu-west-1")
    since = T0 - dt.timedelta(hours=6)
    failed = _full_copy_job(
        CopyJobId="C-failed", State="FAILED", StatusMessage="Access denied: kms:CreateGrant"
    )
    aborted = _full_copy_job(CopyJobId="C-aborted", State="ABORTED", StatusMessage="aborted by user")
    partial = _full_copy_job(CopyJobId="C-partial", State="PARTIAL", StatusMessage="some items failed")
    asked = {"ByCompleteAfter": since, "MaxResults": 1000}
    backup.add_response(
        "list_copy_jobs", {"CopyJobs": [_full_copy_job(CopyJobId="C-ok"), failed], "NextToken": "n"}, asked
    )
    backup.add_response(
        "list_copy_jobs",
        {"CopyJobs": [aborted, _full_copy_job(CopyJobId="C-run", State="RUNNING"), partial]},
        {**asked, "NextToken": "n"},
    )
    found = list(CopyGateway(aws, role_arn=ROLE).failed_copies(region="eu-west-1", since=since))
    assert found == [_facts_of(failed), _facts_of(aborted), _facts_of(partial)]


def test_a_listed_point_without_resource_or_status_reads_as_empty_strings(aws: StubbedClients) -> None:
    since = T0 - dt.timedelta(days=1)
    aws.stub("backup").add_response(
        "list_recovery_points_by_backup_vault",
        {"RecoveryPoints": [{"RecoveryPointArn": POINT}]},
        {"BackupVaultName": "primary", "ByCreatedAfter": since, "MaxResults": 1000},
    )
    [point] = CopyGateway(aws, role_arn=ROLE).recent_points(
        vault_name="primary", region="us-east-1", since=since
    )
    assert (point.arn, point.vault_name, point.resource_arn, point.status) == (POINT, "primary", "", "")


def test_a_resource_aws_lists_without_tags_or_not_at_all_has_no_copy_tag(aws: StubbedClients) -> None:
    tagging = aws.stub("resourcegroupstaggingapi")
    tagging.add_response("get_resources", {}, {"ResourceARNList": [VOLUME]})
    tagging.add_response(
        "get_resources", {"ResourceTagMappingList": [{"ResourceARN": VOLUME}]}, {"ResourceARNList": [VOLUME]}
    )
    gateway = CopyGateway(aws, role_arn=ROLE)
    assert gateway.copy_to_tag(VOLUME, "us-east-1", "backup-copy-to") is None
    assert gateway.copy_to_tag(VOLUME, "us-east-1", "backup-copy-to") is None
