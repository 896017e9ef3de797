"""AWS Backup: ``AWS::Backup::BackupVault``, ``BackupPlan``, ``BackupSelection``,
``RestoreTestingPlan`` and ``RestoreTestingSelection``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.deploy.values import as_bool, as_json, ints, tag_list

if TYPE_CHECKING:
    from sandbox.deploy.core import Creators, Props, Stack


def create_vault(stack: Stack, props: Props) -> None:
    """The vault, its encryption key and tags, access policy and vault lock."""
    backup = stack.client("backup")
    name = props.require("BackupVaultName")
    request: dict[str, Any] = {"BackupVaultName": name}
    if (key := props.take("EncryptionKeyArn")) is not None:
        request["EncryptionKeyArn"] = key
    if (tags := props.take("BackupVaultTags")) is not None:
        request["BackupVaultTags"] = {k: str(v) for k, v in tags.items()}
    arn = backup.create_backup_vault(**request)["BackupVaultArn"]
    if (policy := props.take("AccessPolicy")) is not None:
        backup.put_backup_vault_access_policy(BackupVaultName=name, Policy=as_json(policy))
    if (lock := props.take("LockConfiguration")) is not None:
        backup.put_backup_vault_lock_configuration(
            BackupVaultName=name,
            **ints(lock, "MinRetentionDays", "MaxRetentionDays", "ChangeableForDays"),
        )
    stack.record(props, name, BackupVaultName=name, BackupVaultArn=arn)


def create_plan(stack: Stack, props: Props) -> None:
    """The plan (rules converted to the API's shape, numbers as integers) and its tags."""
    document = dict(props.require("BackupPlan"))
    rules = [_plan_rule(rule) for rule in document.pop("BackupPlanRule", [])]
    plan: dict[str, Any] = {"BackupPlanName": document.pop("BackupPlanName"), "Rules": rules}
    if "AdvancedBackupSettings" in document:
        plan["AdvancedBackupSettings"] = document.pop("AdvancedBackupSettings")
    for key in document:
        stack.warn(f"{props.resource.logical_id}: BackupPlan.{key} is not applied by the sandbox")
    request: dict[str, Any] = {"BackupPlan": plan}
    if (tags := props.take("BackupPlanTags")) is not None:
        request["BackupPlanTags"] = {k: str(v) for k, v in tags.items()}
    response = stack.client("backup").create_backup_plan(**request)
    stack.record(
        props,
        response["BackupPlanId"],
        BackupPlanId=response["BackupPlanId"],
        BackupPlanArn=response["BackupPlanArn"],
        VersionId=response["VersionId"],
    )


def _plan_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's BackupRuleResourceType -> the API's BackupRuleInput."""
    converted = ints(dict(rule), "StartWindowMinutes", "CompletionWindowMinutes")
    converted["TargetBackupVaultName"] = converted.pop("TargetBackupVault")
    if "Lifecycle" in converted:
        converted["Lifecycle"] = _lifecycle(converted["Lifecycle"])
    if "CopyActions" in converted:
        converted["CopyActions"] = [
            {
                **action,
                **({"Lifecycle": _lifecycle(action["Lifecycle"])} if "Lifecycle" in action else {}),
            }
            for action in converted["CopyActions"]
        ]
    if "EnableContinuousBackup" in converted:
        converted["EnableContinuousBackup"] = as_bool(converted["EnableContinuousBackup"])
    return converted


def _lifecycle(lifecycle: dict[str, Any]) -> dict[str, Any]:
    converted = ints(lifecycle, "DeleteAfterDays", "MoveToColdStorageAfterDays")
    if "OptInToArchiveForSupportedResources" in converted:
        converted["OptInToArchiveForSupportedResources"] = as_bool(
            converted["OptInToArchiveForSupportedResources"]
        )
    return converted


def create_selection(stack: Stack, props: Props) -> None:
    """``CreateBackupSelection`` with the template's exact selection document."""
    plan_id = props.require("BackupPlanId")
    response = stack.client("backup").create_backup_selection(
        BackupPlanId=plan_id, BackupSelection=props.require("BackupSelection")
    )
    selection_id = response["SelectionId"]
    stack.record(props, selection_id, SelectionId=selection_id, BackupPlanId=plan_id, Id=selection_id)


def create_restore_testing_plan(stack: Stack, props: Props) -> None:
    """``CreateRestoreTestingPlan`` (numbers as integers, the tag list as the API's map). ``Ref`` is
    the plan's name; ``Fn::GetAtt``: ``RestoreTestingPlanArn`` (and ``RestoreTestingPlanName``)."""
    plan: dict[str, Any] = ints(
        {
            key: value
            for key in (
                "RestoreTestingPlanName",
                "ScheduleExpression",
                "ScheduleExpressionTimezone",
                "StartWindowHours",
            )
            if (value := props.take(key)) is not None
        },
        "StartWindowHours",
    )
    plan["RecoveryPointSelection"] = ints(
        dict(props.require("RecoveryPointSelection")), "SelectionWindowDays"
    )
    request: dict[str, Any] = {"RestoreTestingPlan": plan}
    if tags := props.take("Tags"):
        request["Tags"] = {tag["Key"]: tag["Value"] for tag in tag_list(tags)}
    response = stack.client("backup").create_restore_testing_plan(**request)
    name = response["RestoreTestingPlanName"]
    stack.record(
        props, name, RestoreTestingPlanArn=response["RestoreTestingPlanArn"], RestoreTestingPlanName=name
    )


def create_restore_testing_selection(stack: Stack, props: Props) -> None:
    """``CreateRestoreTestingSelection`` with the template's selection (``ValidationWindowHours`` an
    integer). ``Ref``: ``<plan name>|<selection name>`` (CloudFormation's form for a resource named by
    two identifiers; UNVERIFIED)."""
    plan_name = props.require("RestoreTestingPlanName")
    keys = (
        "RestoreTestingSelectionName",
        "ProtectedResourceType",
        "IamRoleArn",
        "ProtectedResourceArns",
        "ProtectedResourceConditions",
        "RestoreMetadataOverrides",
        "ValidationWindowHours",
    )
    selection = ints(
        {key: value for key in keys if (value := props.take(key)) is not None}, "ValidationWindowHours"
    )
    response = stack.client("backup").create_restore_testing_selection(
        RestoreTestingPlanName=plan_name, RestoreTestingSelection=selection
    )
    name = response["RestoreTestingSelectionName"]
    stack.record(
        props, f"{plan_name}|{name}", RestoreTestingPlanName=plan_name, RestoreTestingSelectionName=name
    )


CREATORS: Creators = {
    "AWS::Backup::BackupVault": create_vault,
    "AWS::Backup::BackupPlan": create_plan,
    "AWS::Backup::BackupSelection": create_selection,
    "AWS::Backup::RestoreTestingPlan": create_restore_testing_plan,
    "AWS::Backup::RestoreTestingSelection": create_restore_testing_selection,
}
