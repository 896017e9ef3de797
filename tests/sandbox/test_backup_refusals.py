"""The sandbox refuses what AWS refuses: Vault Lock, job roles, UpdateRecoveryPointLifecycle, the
complete window, copies keeping their source's expiry, validation results set once, selections that
assign nothing, protected-resource reads of resources never backed up, negated conditions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sandbox.backup import selection_eval
from sandbox.backup.backup_jobs import COMPLETE_WINDOW_MESSAGE
from sandbox.resources.base import LiveResource
from tests.sandbox.backup_support import backup_role
from tests.sandbox.copy_restore_support import (
    ACCOUNT,
    DR_REGION,
    DR_VAULT,
    JOB_SECONDS,
    REGION,
    ROLE,
    VAULT,
    World,
    aws,
    error_code,
    vault_arn,
    world,
)

__all__ = ["aws", "world"]  # fixtures, imported for pytest

DAY = 86_400


def _lock(aws: World, vault: str = VAULT, region: str = REGION, **config: int) -> None:
    aws.backup_in(region).put_backup_vault_lock_configuration(BackupVaultName=vault, **config)


def _job(aws: World, job_id: str) -> dict[str, Any]:
    return dict(aws.backup.describe_backup_job(BackupJobId=job_id))


def _copy_job(aws: World, copy_job_id: str) -> dict[str, Any]:
    return dict(aws.backup.describe_copy_job(CopyJobId=copy_job_id)["CopyJob"])


@pytest.fixture
def table(aws: World) -> str:
    aws.advanced_dynamodb()  # fully managed points: cold storage and copies
    return aws.table("orders", items=5)


@pytest.fixture
def point(aws: World, table: str) -> str:
    return aws.recovery_point(table, Lifecycle={"DeleteAfterDays": 30})


# -- Vault Lock --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lifecycle", "state"),
    [
        ({"DeleteAfterDays": 3}, "FAILED"),  # below the minimum
        ({"DeleteAfterDays": 400}, "FAILED"),  # above the maximum
        (None, "FAILED"),  # never expires: above any maximum
        ({"DeleteAfterDays": 30}, "COMPLETED"),
    ],
)
def test_a_backup_job_outside_the_vault_lock_range_fails(
    aws: World, table: str, lifecycle: dict[str, int] | None, state: str
) -> None:
    _lock(aws, MinRetentionDays=7, MaxRetentionDays=365)
    extra = {"Lifecycle": lifecycle} if lifecycle else {}
    job_id = aws.start_backup(table, **extra)["BackupJobId"]
    aws.clock.advance(JOB_SECONDS)
    job = _job(aws, job_id)
    assert job["State"] == state
    if state == "FAILED":
        assert "retention" in job["StatusMessage"] and "Vault Lock" in job["StatusMessage"]
        assert aws.backup.list_recovery_points_by_backup_vault(BackupVaultName=VAULT)["RecoveryPoints"] == []


def test_a_copy_into_a_locked_vault_is_judged_on_its_retention(aws: World, point: str) -> None:
    aws.vault(DR_VAULT, region=DR_REGION)
    _lock(aws, DR_VAULT, DR_REGION, MinRetentionDays=7, MaxRetentionDays=90)
    destination = vault_arn(DR_VAULT, region=DR_REGION)
    short = aws.start_copy(point, destination, Lifecycle={"DeleteAfterDays": 1})["CopyJobId"]
    # no lifecycle: the copy keeps the source's expiry (30 days), inside the range
    kept = aws.start_copy(point, destination)["CopyJobId"]
    aws.clock.advance(JOB_SECONDS)
    failed, completed = _copy_job(aws, short), _copy_job(aws, kept)
    assert failed["State"] == "FAILED"
    assert "retention" in failed["StatusMessage"] and "Vault Lock" in failed["StatusMessage"]
    assert completed["State"] == "COMPLETED"


def test_a_copy_without_lifecycle_of_a_point_that_never_expires_breaks_a_maximum(
    aws: World, table: str
) -> None:
    forever = aws.recovery_point(table)
    aws.vault(DR_VAULT, region=DR_REGION)
    _lock(aws, DR_VAULT, DR_REGION, MinRetentionDays=7, MaxRetentionDays=90)
    job_id = aws.start_copy(forever, vault_arn(DR_VAULT, region=DR_REGION))["CopyJobId"]
    aws.clock.advance(JOB_SECONDS)
    assert _copy_job(aws, job_id)["State"] == "FAILED"


def test_a_locked_vault_refuses_deletes_and_shorter_lifecycles(aws: World, point: str) -> None:
    _lock(aws, MinRetentionDays=7, MaxRetentionDays=365)
    backup = aws.backup
    with pytest.raises(ClientError) as excinfo:
        backup.delete_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=point)
    assert error_code(excinfo) == "InvalidRequestException"
    with pytest.raises(ClientError) as excinfo:  # outside the range
        backup.update_recovery_point_lifecycle(
            BackupVaultName=VAULT, RecoveryPointArn=point, Lifecycle={"DeleteAfterDays": 400}
        )
    assert error_code(excinfo) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as excinfo:  # shorter than today's 30 days
        backup.update_recovery_point_lifecycle(
            BackupVaultName=VAULT, RecoveryPointArn=point, Lifecycle={"DeleteAfterDays": 10}
        )
    assert error_code(excinfo) == "InvalidRequestException"
    longer = backup.update_recovery_point_lifecycle(
        BackupVaultName=VAULT, RecoveryPointArn=point, Lifecycle={"DeleteAfterDays": 60}
    )
    assert longer["Lifecycle"] == {"DeleteAfterDays": 60}


def test_governance_mode_can_be_removed_compliance_mode_not_after_its_grace_time(aws: World) -> None:
    backup = aws.backup
    _lock(aws, MinRetentionDays=7)  # governance: no ChangeableForDays
    aws.clock.advance(10 * DAY)
    backup.delete_backup_vault_lock_configuration(BackupVaultName=VAULT)
    assert not backup.describe_backup_vault(BackupVaultName=VAULT).get("Locked")

    _lock(aws, MinRetentionDays=7, ChangeableForDays=3)  # compliance after 3 days
    aws.clock.advance(2 * DAY)
    backup.delete_backup_vault_lock_configuration(BackupVaultName=VAULT)  # still in the grace time
    _lock(aws, MinRetentionDays=7, ChangeableForDays=3)
    aws.clock.advance(4 * DAY)
    with pytest.raises(ClientError) as excinfo:
        backup.delete_backup_vault_lock_configuration(BackupVaultName=VAULT)
    assert error_code(excinfo) == "InvalidRequestException"


# -- UpdateRecoveryPointLifecycle --------------------------------------------------------------
def test_update_recovery_point_lifecycle_reschedules_the_point(aws: World, point: str) -> None:
    backup = aws.backup
    updated = backup.update_recovery_point_lifecycle(
        BackupVaultName=VAULT,
        RecoveryPointArn=point,
        Lifecycle={"MoveToColdStorageAfterDays": 2, "DeleteAfterDays": 92},
    )
    created = backup.describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=point)["CreationDate"]
    assert updated["Lifecycle"] == {"MoveToColdStorageAfterDays": 2, "DeleteAfterDays": 92}
    assert updated["CalculatedLifecycle"]["DeleteAt"] == created + dt.timedelta(days=92)
    aws.clock.advance(3 * DAY)
    assert (
        backup.describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=point)["StorageClass"]
        == "COLD"
    )
    with pytest.raises(ClientError) as excinfo:  # the cold transition cannot change once it happened
        backup.update_recovery_point_lifecycle(
            BackupVaultName=VAULT,
            RecoveryPointArn=point,
            Lifecycle={"MoveToColdStorageAfterDays": 5, "DeleteAfterDays": 95},
        )
    assert error_code(excinfo) == "InvalidRequestException"
    aws.clock.advance(30 * DAY)  # the old 30-day deletion no longer applies
    assert (
        backup.describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=point)["Status"] == "COMPLETED"
    )
    aws.clock.advance(60 * DAY)
    with pytest.raises(ClientError):
        backup.describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=point)


def test_update_recovery_point_lifecycle_validates_as_aws(aws: World, point: str) -> None:
    backup = aws.backup
    with pytest.raises(ClientError) as excinfo:
        backup.update_recovery_point_lifecycle(
            BackupVaultName=VAULT,
            RecoveryPointArn=point,
            Lifecycle={"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 50},
        )
    assert error_code(excinfo) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as excinfo:
        backup.update_recovery_point_lifecycle(
            BackupVaultName=VAULT, RecoveryPointArn=f"{point}x", Lifecycle={}
        )
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_a_type_without_cold_storage_ignores_the_cold_transition(aws: World) -> None:
    table = aws.table("plain", items=2)  # plain DynamoDB backup: no cold storage
    point = aws.recovery_point(table)
    updated = aws.backup.update_recovery_point_lifecycle(
        BackupVaultName=VAULT,
        RecoveryPointArn=point,
        Lifecycle={"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 100},
    )
    assert updated["Lifecycle"] == {"DeleteAfterDays": 100}
    assert "MoveToColdStorageAt" not in updated["CalculatedLifecycle"]


# -- roles -------------------------------------------------------------------------------------
UNTRUSTING = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@pytest.mark.parametrize(
    ("role", "why"),
    [
        (f"arn:aws:iam::{ACCOUNT}:role/NoSuchRole", "does not exist"),
        (f"arn:aws:iam::{ACCOUNT}:role/Ec2Role", "trust policy"),
    ],
)
def test_jobs_whose_role_aws_backup_cannot_assume_fail(aws: World, point: str, role: str, why: str) -> None:
    backup_role(f"arn:aws:iam::{ACCOUNT}:role/Ec2Role", trust=UNTRUSTING)
    table = aws.table("ledger", items=1)
    backup_job = aws.start_backup(table, IamRoleArn=role)["BackupJobId"]
    copy_job = aws.start_copy(point, vault_arn(VAULT), IamRoleArn=role)["CopyJobId"]
    restore_job = aws.backup.start_restore_job(
        RecoveryPointArn=point, Metadata={"targetTableName": "orders-restored"}, IamRoleArn=role
    )["RestoreJobId"]
    aws.clock.advance(JOB_SECONDS)
    restore = aws.backup.describe_restore_job(RestoreJobId=restore_job)
    outcomes = [_job(aws, backup_job), _copy_job(aws, copy_job), restore]
    assert [o.get("State", o.get("Status")) for o in outcomes] == ["FAILED"] * 3
    assert all(why in o["StatusMessage"] and role in o["StatusMessage"] for o in outcomes)


# -- the complete window -----------------------------------------------------------------------
def test_a_job_still_running_when_its_complete_window_closes_expires(
    aws: World, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox.backup import backup_jobs

    monkeypatch.setattr(backup_jobs, "THROUGHPUT_BYTES_PER_SECOND", 0.01)  # a job that takes days
    job_id = aws.start_backup(table, CompleteWindowMinutes=60)["BackupJobId"]
    aws.clock.advance(2 * 3600)
    job = _job(aws, job_id)
    assert (job["State"], job["StatusMessage"]) == ("EXPIRED", COMPLETE_WINDOW_MESSAGE)
    assert aws.backup.list_recovery_points_by_backup_vault(BackupVaultName=VAULT)["RecoveryPoints"] == []


# -- copies keep their source's expiry ---------------------------------------------------------
@pytest.mark.parametrize("lifecycle", [None, {"DeleteAfterDays": -1, "MoveToColdStorageAfterDays": -1}])
def test_a_copy_without_lifecycle_keeps_the_sources_expiry(
    aws: World, point: str, lifecycle: dict[str, int] | None
) -> None:
    aws.vault(DR_VAULT, region=DR_REGION)
    extra = {"Lifecycle": lifecycle} if lifecycle else {}
    job_id = aws.start_copy(point, vault_arn(DR_VAULT, region=DR_REGION), **extra)["CopyJobId"]
    aws.clock.advance(JOB_SECONDS)
    copied = _copy_job(aws, job_id)["DestinationRecoveryPointArn"]
    source = aws.backup.describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=point)
    copy = aws.backup_in(DR_REGION).describe_recovery_point(BackupVaultName=DR_VAULT, RecoveryPointArn=copied)
    assert copy["CalculatedLifecycle"]["DeleteAt"] == source["CalculatedLifecycle"]["DeleteAt"]


# -- restore validation, selections, protected resources ---------------------------------------
def test_a_validation_result_is_set_once_even_validating(aws: World, point: str) -> None:
    backup = aws.backup
    job_id = backup.start_restore_job(
        RecoveryPointArn=point, Metadata={"targetTableName": "orders-checked"}, IamRoleArn=ROLE
    )["RestoreJobId"]
    aws.clock.advance(JOB_SECONDS)
    backup.put_restore_validation_result(RestoreJobId=job_id, ValidationStatus="VALIDATING")
    with pytest.raises(ClientError) as excinfo:
        backup.put_restore_validation_result(RestoreJobId=job_id, ValidationStatus="SUCCESSFUL")
    assert error_code(excinfo) == "InvalidRequestException"


def test_a_selection_that_assigns_nothing_is_refused(aws: World) -> None:
    plan_id = aws.plan()
    with pytest.raises(ClientError) as excinfo:
        aws.backup.create_backup_selection(
            BackupPlanId=plan_id, BackupSelection={"SelectionName": "empty", "IamRoleArn": ROLE}
        )
    assert error_code(excinfo) == "InvalidParameterValueException"


def test_a_wildcard_selection_backs_up_every_supported_opted_in_resource(aws: World) -> None:
    plan_id = aws.plan(cron="cron(0 * ? * * *)")
    aws.backup.create_backup_selection(
        BackupPlanId=plan_id, BackupSelection={"SelectionName": "all", "IamRoleArn": ROLE, "Resources": ["*"]}
    )
    tables = {aws.table(name, items=1) for name in ("alpha", "beta")}
    aws.table("awsbackup-restore-test-leftover", items=1)  # AWS Backup never backs these up
    aws.clock.advance(3600 + JOB_SECONDS)
    backed_up = {j["ResourceArn"] for j in aws.backup.list_backup_jobs(ByBackupVaultName=VAULT)["BackupJobs"]}
    assert backed_up == tables


def test_protected_resource_reads_of_a_resource_never_backed_up_are_not_found(aws: World, table: str) -> None:
    for call in (aws.backup.list_recovery_points_by_resource, aws.backup.describe_protected_resource):
        with pytest.raises(ClientError) as excinfo:
            call(ResourceArn=table)
        assert error_code(excinfo) == "ResourceNotFoundException"
    aws.recovery_point(table)
    assert len(aws.backup.list_recovery_points_by_resource(ResourceArn=table)["RecoveryPoints"]) == 1


# -- negated conditions ------------------------------------------------------------------------
def _resource(tags: dict[str, str]) -> LiveResource:
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t01"
    return LiveResource(arn=arn, resource_type="DynamoDB", name="t01", tags=tags)


@pytest.mark.parametrize(("mode", "matches"), [("match_missing", True), ("require_tag", False)])
def test_negated_conditions_on_a_missing_tag_follow_the_switch(mode: str, matches: bool) -> None:
    document = {
        "SelectionName": "s",
        "IamRoleArn": ROLE,
        "Resources": ["*"],
        "Conditions": {"StringNotLike": [{"ConditionKey": "aws:ResourceTag/skip", "ConditionValue": "*"}]},
    }
    selection_eval.set_negated_conditions(mode)
    try:
        assert selection_eval.selection_matches(document, _resource({}), lambda _: True) is matches
        assert selection_eval.selection_matches(document, _resource({"skip": "yes"}), lambda _: True) is False
        assert selection_eval.selection_matches(document, _resource({"skip": ""}), lambda _: True) is False
    finally:
        selection_eval.set_negated_conditions("match_missing")
    with pytest.raises(ValueError, match="negated_conditions"):
        selection_eval.set_negated_conditions("sometimes")
