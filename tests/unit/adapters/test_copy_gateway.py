"""CopyGateway on its paths, against botocore's Stubber (exact requests, AWS's answers and errors):
what a recovery point's facts are read from, StartCopyJob with and without a lifecycle, refusals,
throttling, pagination, and which copy jobs need no new attempt."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from backup_autopilot.adapters.copies import CopyGateway
from backup_autopilot.logic.copies.destinations import Destination
from backup_autopilot.logic.copies.planning import CopyOrder
from backup_autopilot.logic.copies.service import CopyRefused

if TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup"
POINT = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:P1"
PLAN_ARN = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-plan:plan-1"
DR_VAULT = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr"
FAR_VAULT = "arn:aws:backup:us-west-2:210987654321:backup-vault:dr"
VOLUME = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-1"
T0 = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)


class Clients:
    """One stubbed client per service and Region, handed out as the adapters' client factory."""

    def __init__(self) -> None:
        self.clients: dict[tuple[str, str | None], Any] = {}
        self.stubs: dict[tuple[str, str | None], Stubber] = {}

    def __call__(self, service: str, region: str | None = None) -> Any:
        key = (service, region)
        if key not in self.clients:
            self.clients[key] = boto3.client(service, region_name=region or "us-east-1")  # type: ignore[call-overload]
            self.stubs[key] = Stubber(self.clients[key])
            self.stubs[key].activate()
        return self.clients[key]

    def stub(self, service: str, region: str | None = "us-east-1") -> Stubber:
        self(service, region)
        return self.stubs[(service, region)]

    def done(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


@pytest.fixture
def aws() -> Iterator[Clients]:
    clients = Clients()
    yield clients
    clients.done()


def _described(**overrides: Any) -> dict[str, Any]:
    return {
        "RecoveryPointArn": POINT,
        "ResourceArn": VOLUME,
        "ResourceType": "EBS",
        "Status": "COMPLETED",
        "CreationDate": T0,
        **overrides,
    }


def test_a_plan_point_reads_its_rule_and_the_plans_retention_override_once_per_plan(aws: Clients) -> None:
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


def test_an_on_demand_point_reads_the_override_on_itself(aws: Clients) -> None:
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


def test_an_aws_managed_key_is_recognised_and_read_once(aws: Clients) -> None:
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


def test_start_copy_sends_no_lifecycle_to_keep_the_sources_expiry(aws: Clients) -> None:
    aws.stub("backup").add_response("start_copy_job", {"CopyJobId": "C1"}, _start_request())
    assert CopyGateway(aws, role_arn=ROLE).start_copy(_point(), _order(), delete_after_days=None) == "C1"


def test_start_copy_sends_the_retention_when_one_is_given(aws: Clients) -> None:
    aws.stub("backup").add_response(
        "start_copy_job", {"CopyJobId": "C2"}, _start_request(Lifecycle={"DeleteAfterDays": 120})
    )
    assert CopyGateway(aws, role_arn=ROLE).start_copy(_point(), _order(), delete_after_days=120) == "C2"


@pytest.mark.parametrize("code", ["InvalidParameterValueException", "InvalidRequestException"])
def test_a_copy_aws_refuses_is_a_copy_refused_with_its_words(aws: Clients, code: str) -> None:
    aws.stub("backup").add_client_error("start_copy_job", code, "does not support continuous backups")
    with pytest.raises(CopyRefused, match=f"{code}: does not support continuous backups"):
        CopyGateway(aws, role_arn=ROLE).start_copy(_point(), _order(), delete_after_days=None)


def test_throttling_is_not_a_refusal_it_propagates_for_a_retry(aws: Clients) -> None:
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


def test_attempted_destinations_pages_and_retries_only_what_a_retry_can_fix(aws: Clients) -> None:
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


def test_attempted_copies_of_the_sweep_page_through_every_job(aws: Clients) -> None:
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


def test_recent_points_page_through_the_vault(aws: Clients) -> None:
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


def test_copy_job_by_id_not_found_is_none_and_by_source_the_latest(aws: Clients) -> None:
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


def test_the_copy_tag_is_read_on_the_resource(aws: Clients) -> None:
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
