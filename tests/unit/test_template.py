"""Policy tests on the CloudFormation that template.yaml becomes once SAM has translated it.

Raw SAM hides what matters here (the roles, policies, event source mappings and invoke configs
SAM generates), so every test reads the template as aws-sam-translator produces it. The translator
pins a pydantic the application cannot use: it lives in .venv-tools (created by `make lint` and
.ci/run), and the fixture runs .ci/translate.py there, on the current template.yaml, every session.

Each check is a function returning the violations it finds; the same function is also run on a
small broken template, so that a check that can no longer find anything fails loudly.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from moto.events.models import EventPattern

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
TRANSLATOR_PYTHON = Path(os.environ.get("SAM_TRANSLATOR_PYTHON", ROOT / ".venv-tools" / "bin" / "python"))
ACCOUNT = "123456789012"  # the account .ci/translate.py translates for

Template = dict[str, Any]
KEY_REFERENCES = ({"Fn::GetAtt": ["EncryptionKey", "Arn"]}, {"Ref": "EncryptionKey"})
#: AWS-managed policies a function role may carry (SAM attaches them for logs, tracing, SQS events)
#: the stack's own managed policies, shared by the functions that need them
STACK_MANAGED_POLICIES = {
    "StateTableAccessPolicy",
    "RestoreTestInspectionPolicy",
    "RestoreTestCleanupPolicy",
    "PlanAssignmentPolicy",
    "RecoveryPointReadPolicy",
}
FUNCTION_MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
}


@pytest.fixture(scope="module")
def translated(tmp_path_factory: pytest.TempPathFactory) -> Template:
    if not TRANSLATOR_PYTHON.exists():
        # never a skip: `make test` (and `make lint`, .ci/run) create .venv-tools first
        pytest.fail(f"aws-sam-translator is not installed ({TRANSLATOR_PYTHON}): `make test` creates it")
    output = tmp_path_factory.mktemp("translated") / "template.json"
    subprocess.run(
        [str(TRANSLATOR_PYTHON), ".ci/translate.py", "template.yaml", str(output)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    template: Template = json.loads(output.read_text())
    return template


# ---------------------------------------------------------------- template walking


def resources(template: Template, *types: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] in types:
            yield logical_id, resource.get("Properties", {})


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements_of(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The statements of a policy document; a conditional statement (Fn::If) yields both branches."""
    for statement in as_list(document["Statement"]):
        if isinstance(statement, dict) and "Fn::If" in statement:
            for branch in statement["Fn::If"][1:]:
                if isinstance(branch, dict) and "Effect" in branch:
                    yield branch
        else:
            yield statement


def policy_statements(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every statement of every permission policy in the template, with the resource holding it."""
    for logical_id, props in resources(template, "AWS::IAM::Role"):
        for policy in props.get("Policies", []):
            for statement in statements_of(policy["PolicyDocument"]):
                yield logical_id, statement
    documents = {
        "AWS::IAM::Policy": "PolicyDocument",
        "AWS::IAM::ManagedPolicy": "PolicyDocument",
        "AWS::SQS::QueuePolicy": "PolicyDocument",
        "AWS::SNS::TopicPolicy": "PolicyDocument",
        "AWS::KMS::Key": "KeyPolicy",
        "AWS::Backup::BackupVault": "AccessPolicy",
    }
    for resource_type, key in documents.items():
        for logical_id, props in resources(template, resource_type):
            if key in props:
                for statement in statements_of(props[key]):
                    yield logical_id, statement


def referenced_id(value: Any) -> str | None:
    """The logical id a Ref or Fn::GetAtt points at."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    return None


def with_pseudo_parameters(node: Any) -> Any:
    """``node`` with Ref AWS::AccountId / AWS::Region replaced by the translation's values."""
    if isinstance(node, dict):
        if node == {"Ref": "AWS::AccountId"}:
            return ACCOUNT
        if node == {"Ref": "AWS::Region"}:
            return "us-east-1"
        return {key: with_pseudo_parameters(value) for key, value in node.items()}
    if isinstance(node, list):
        return [with_pseudo_parameters(item) for item in node]
    return node


# ---------------------------------------------------------------- the checks


def wildcard_actions(template: Template) -> list[str]:
    """Allow statements whose actions are all actions, or all of AWS Backup's."""
    found = []
    for logical_id, statement in policy_statements(template):
        if statement["Effect"] != "Allow":
            continue
        if "NotAction" in statement:
            found.append(f"{logical_id}: Allow with NotAction")
        for action in as_list(statement.get("Action", [])):
            if action in ("*", "backup:*"):
                found.append(f"{logical_id}: {action}")
    return found


#: the roles AWS Backup assumes: the only roles a function may pass (to AWS Backup only)
AWS_BACKUP_ROLES = ("BackupServiceRole", "RestoreTestRole")


def unscoped_pass_role(template: Template) -> list[str]:
    """iam:PassRole allowed on anything but one of AWS Backup's roles, or to any service but AWS Backup."""
    found = []
    for logical_id, statement in policy_statements(template):
        actions = [str(action).lower() for action in as_list(statement.get("Action", []))]
        if statement["Effect"] != "Allow" or not any(
            a in ("iam:passrole", "iam:*", "iam:pass*") for a in actions
        ):
            continue
        targets = [referenced_id(resource) for resource in as_list(statement.get("Resource"))]
        passed_to = statement.get("Condition", {}).get("StringEquals", {}).get("iam:PassedToService")
        if len(targets) != 1 or targets[0] not in AWS_BACKUP_ROLES or passed_to != "backup.amazonaws.com":
            found.append(f"{logical_id}: PassRole on {statement.get('Resource')} to {passed_to}")
    return found


def function_gaps(template: Template) -> list[str]:
    """Functions without an explicit Timeout/MemorySize, a failure destination, or a kept log group."""
    invoke_configs = {
        referenced_id(props["FunctionName"]): props
        for _, props in resources(template, "AWS::Lambda::EventInvokeConfig")
    }
    log_groups = dict(resources(template, "AWS::Logs::LogGroup"))
    found = []
    for logical_id, props in resources(template, "AWS::Lambda::Function"):
        found += [f"{logical_id}: no {key}" for key in ("Timeout", "MemorySize") if key not in props]
        on_failure = invoke_configs.get(logical_id, {}).get("DestinationConfig", {}).get("OnFailure", {})
        if "Destination" not in on_failure and "TargetArn" not in props.get("DeadLetterConfig", {}):
            found.append(f"{logical_id}: no on-failure destination or dead-letter queue")
        log_group = log_groups.get(referenced_id(props.get("LoggingConfig", {}).get("LogGroup")) or "")
        if log_group is None or "RetentionInDays" not in log_group:
            found.append(f"{logical_id}: no log group with a retention (LoggingConfig.LogGroup)")
    return found


def unpinned_rule_accounts(template: Template) -> list[str]:
    """Event patterns that accept events from any account."""
    return [
        logical_id
        for logical_id, props in resources(template, "AWS::Events::Rule")
        if "EventPattern" in props and props["EventPattern"].get("account") != [{"Ref": "AWS::AccountId"}]
    ]


def rule_targets_without_dead_letter(template: Template) -> list[str]:
    return [
        f"{logical_id}/{target['Id']}"
        for logical_id, props in resources(template, "AWS::Events::Rule")
        for target in props.get("Targets", [])
        if "Arn" not in target.get("DeadLetterConfig", {})
    ]


def unencrypted_stores(template: Template) -> list[str]:
    """Queues, topics, tables, vaults and log groups not encrypted with the stack's EncryptionKey."""
    key_of = {
        "AWS::SQS::Queue": lambda p: p.get("KmsMasterKeyId"),
        "AWS::SNS::Topic": lambda p: p.get("KmsMasterKeyId"),
        "AWS::DynamoDB::Table": lambda p: p.get("SSESpecification", {}).get("KMSMasterKeyId"),
        "AWS::Backup::BackupVault": lambda p: p.get("EncryptionKeyArn"),
        "AWS::Logs::LogGroup": lambda p: p.get("KmsKeyId"),
    }
    return [
        f"{logical_id} ({resource_type})"
        for resource_type, key in key_of.items()
        for logical_id, props in resources(template, resource_type)
        if key(props) not in KEY_REFERENCES
    ]


CHECKS = [
    wildcard_actions,
    unscoped_pass_role,
    function_gaps,
    unpinned_rule_accounts,
    rule_targets_without_dead_letter,
    unencrypted_stores,
]


# ---------------------------------------------------------------- the stack obeys every policy


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_translated_template_has_no_violation(translated: Template, check: Any) -> None:
    assert check(translated) == []


def test_template_defines_what_the_checks_look_at(translated: Template) -> None:
    # GIVEN the translated stack  THEN the checks above had something to inspect
    kinds = {resource["Type"] for resource in translated["Resources"].values()}
    assert {
        "AWS::Lambda::Function",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::Events::Rule",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::DynamoDB::Table",
        "AWS::Backup::BackupVault",
        "AWS::Logs::LogGroup",
        "AWS::IAM::Role",
    } <= kinds


def test_function_roles_carry_only_expected_managed_policies(translated: Template) -> None:
    for logical_id, props in resources(translated, "AWS::IAM::Role"):
        if logical_id in AWS_BACKUP_ROLES:
            continue
        own = [arn for arn in props.get("ManagedPolicyArns", []) if isinstance(arn, dict)]
        assert all(set(arn) == {"Ref"} and arn["Ref"] in STACK_MANAGED_POLICIES for arn in own), logical_id
        aws = {arn for arn in props.get("ManagedPolicyArns", []) if isinstance(arn, str)}
        assert aws <= FUNCTION_MANAGED_POLICIES, logical_id


@pytest.mark.parametrize("role", AWS_BACKUP_ROLES)
def test_aws_backup_roles_are_assumable_by_aws_backup_only(translated: Template, role: str) -> None:
    properties = translated["Resources"][role]["Properties"]
    principals = [s["Principal"] for s in properties["AssumeRolePolicyDocument"]["Statement"]]
    assert principals == [{"Service": "backup.amazonaws.com"}]


def _managed_policy_names(translated: Template, role: str) -> set[str]:
    arns = translated["Resources"][role]["Properties"]["ManagedPolicyArns"]
    return {arn["Fn::Sub"].rsplit("/", 1)[-1] for arn in arns}


def test_backup_role_backs_up_and_copies_and_the_restore_role_restores(translated: Template) -> None:
    # GIVEN AWS's documented policies  THEN backups/copies and restores run with separate roles
    assert _managed_policy_names(translated, "BackupServiceRole") == {
        "AWSBackupServiceRolePolicyForBackup",
        "AWSBackupServiceRolePolicyForS3Backup",
    }
    assert _managed_policy_names(translated, "RestoreTestRole") == {
        "AWSBackupServiceRolePolicyForRestores",
        "AWSBackupServiceRolePolicyForS3Restore",
    }


RESTORE_TEST_TYPES = {"DynamoDB", "S3", "EBS", "EC2", "RDS", "Aurora", "EFS", "FSx"}


def test_restore_testing_plan_tests_the_primary_vaults_latest_snapshots(translated: Template) -> None:
    plan = translated["Resources"]["RestoreTestingPlan"]["Properties"]
    assert plan["RecoveryPointSelection"] == {
        "Algorithm": "LATEST_WITHIN_WINDOW",
        "RecoveryPointTypes": ["SNAPSHOT"],
        "IncludeVaults": [{"Fn::GetAtt": ["PrimaryVault", "BackupVaultArn"]}],
        "SelectionWindowDays": {"Ref": "RestoreTestSelectionWindowDays"},
    }
    assert plan["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert translated["Parameters"]["RestoreTestSchedule"]["Default"] == "cron(0 5 ? * 1 *)"


def test_one_restore_testing_selection_per_type_picks_by_the_restore_test_tag(translated: Template) -> None:
    selections = [props for _, props in resources(translated, "AWS::Backup::RestoreTestingSelection")]
    assert sorted(s["ProtectedResourceType"] for s in selections) == sorted(RESTORE_TEST_TYPES)
    tag_key = {"Ref": "RestoreTestTagKey"}
    for selection in selections:
        assert selection["RestoreTestingPlanName"] == {"Ref": "RestoreTestingPlan"}
        assert selection["IamRoleArn"] == {"Fn::GetAtt": ["RestoreTestRole", "Arn"]}
        assert selection["ProtectedResourceArns"] == ["*"]
        # tagged on, or (RestoreTestDefault=on) every resource not tagged off; keys without "aws:"
        assert selection["ProtectedResourceConditions"] == {
            "Fn::If": [
                "RestoreTestDefaultOn",
                {"StringNotEquals": [{"Key": tag_key, "Value": "off"}]},
                {"StringEquals": [{"Key": tag_key, "Value": "on"}]},
            ]
        }
        assert selection["ValidationWindowHours"] == {"Ref": "RestoreTestValidationWindowHours"}


def test_restore_metadata_overrides_come_from_the_parameters_when_set(translated: Template) -> None:
    overrides = {
        props["ProtectedResourceType"]: props.get("RestoreMetadataOverrides")
        for _, props in resources(translated, "AWS::Backup::RestoreTestingSelection")
    }
    expected = {
        "EC2": ("HasRestoreSubnet", "SubnetId", "RestoreSubnetId"),
        "RDS": ("HasRestoreDbSubnetGroup", "DBSubnetGroupName", "RestoreDbSubnetGroupName"),
        "Aurora": ("HasRestoreDbSubnetGroup", "dbSubnetGroupName", "RestoreDbSubnetGroupName"),
        "EBS": ("HasRestoreAvailabilityZone", "availabilityZone", "RestoreAvailabilityZone"),
    }
    for resource_type, (condition, key, parameter) in expected.items():
        assert overrides[resource_type] == {
            "Fn::If": [condition, {key: {"Ref": parameter}}, {"Ref": "AWS::NoValue"}]
        }
    assert {t for t, o in overrides.items() if o is None} == RESTORE_TEST_TYPES - set(expected)


def test_functions_know_the_restore_testing_plan_and_role(translated: Template) -> None:
    for logical_id, props in resources(translated, "AWS::Lambda::Function"):
        variables = props["Environment"]["Variables"]
        assert variables["RESTORE_TESTING_PLAN_ARN"] == {
            "Fn::GetAtt": ["RestoreTestingPlan", "RestoreTestingPlanArn"]
        }, logical_id
        assert variables["RESTORE_ROLE_ARN"] == {"Fn::GetAtt": ["RestoreTestRole", "Arn"]}, logical_id
        assert variables["RESTORE_TEST_DEFAULT_ON"] == {"Fn::If": ["RestoreTestDefaultOn", "true", "false"]}


def test_key_policy_scopes_service_principals_to_this_account(translated: Template) -> None:
    key_policy = translated["Resources"]["EncryptionKey"]["Properties"]["KeyPolicy"]
    for statement in key_policy["Statement"]:
        principal = statement["Principal"]
        if "Service" not in principal:
            assert principal == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
            continue
        condition = statement["Condition"]
        assert condition.get("StringEquals", {}).get("aws:SourceAccount") == {
            "Ref": "AWS::AccountId"
        } or "kms:EncryptionContext:aws:logs:arn" in condition.get("ArnLike", {}), statement["Sid"]


def test_notification_queue_outlasts_a_full_notify_attempt(translated: Template) -> None:
    # AWS: the visibility timeout of an SQS event source should be at least 6 x the function timeout
    resources_ = translated["Resources"]
    timeout = resources_["NotifyFunction"]["Properties"]["Timeout"]
    assert resources_["NotificationQueue"]["Properties"]["VisibilityTimeout"] >= 6 * timeout


def test_plan_selections_skip_restore_tests_and_covered_volumes(translated: Template) -> None:
    selections = {
        referenced_id(props["BackupPlanId"]): props["BackupSelection"]
        for _, props in resources(translated, "AWS::Backup::BackupSelection")
    }
    for plan, tag_value in (("DailyPlan", "daily"), ("WeeklyPlan", "weekly"), ("MonthlyPlan", "monthly")):
        conditions = selections[plan]["Conditions"]
        assert conditions["StringEquals"] == [
            {"ConditionKey": {"Fn::Sub": "aws:ResourceTag/${PlanTagKey}"}, "ConditionValue": tag_value}
        ]
        assert conditions["StringNotLike"] == [
            {"ConditionKey": "aws:ResourceTag/backup-autopilot:restore-test", "ConditionValue": "*"},
            {"ConditionKey": "aws:ResourceTag/backup-autopilot:covered-by", "ConditionValue": "*"},
        ]


# ---------------------------------------------------------------- the failure rule, by moto's matcher


def _backup_event(detail_type: str, detail: dict[str, Any], account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "0f3c9a51-1111-2222-3333-444455556666",
        "detail-type": detail_type,
        "source": "aws.backup",
        "account": account,
        "time": "2026-03-01T05:14:09Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


ALERTED = [
    _backup_event("Backup Job State Change", {"backupJobId": "b-1", "state": "FAILED", "statusMessage": "x"}),
    _backup_event("Backup Job State Change", {"backupJobId": "b-2", "state": "EXPIRED", "statusMessage": ""}),
    _backup_event("Restore Job State Change", {"restoreJobId": "r-1", "status": "FAILED"}),
    _backup_event("Restore Job State Change", {"restoreJobId": "r-2", "status": "ABORTED"}),
    _backup_event(
        "Restore Job State Change", {"restoreJobId": "r-5", "status": "COMPLETED", "statusMessage": "slow"}
    ),
]
IGNORED = [
    _backup_event("Backup Job State Change", {"backupJobId": "b-4", "state": "COMPLETED"}),
    _backup_event("Backup Job State Change", {"backupJobId": "b-5", "state": "RUNNING"}),
    _backup_event("Restore Job State Change", {"restoreJobId": "r-3", "status": "COMPLETED"}),
    _backup_event("Restore Job State Change", {"restoreJobId": "r-4", "state": "CREATED"}),
    _backup_event(
        "Backup Job State Change", {"backupJobId": "b-6", "state": "FAILED"}, account="210987654321"
    ),
    _backup_event("Recovery Point State Change", {"status": "EXPIRED"}),
    # copy failures reach people as classified "Copy Failed" domain events (CopyOutcomeFunction)
    _backup_event("Copy Job State Change", {"copyJobId": "c-1", "state": "FAILED"}),
]


def _failure_pattern(template: Template) -> EventPattern:
    pattern = with_pseudo_parameters(template["Resources"]["BackupFailureRule"]["Properties"]["EventPattern"])
    return EventPattern.load(json.dumps(pattern))


@pytest.mark.parametrize("event", ALERTED, ids=lambda e: f"{e['detail-type']}:{e['detail']}")
def test_backup_failure_rule_matches_job_failures_of_this_account(translated: Template, event: Any) -> None:
    assert _failure_pattern(translated).matches_event(event)


@pytest.mark.parametrize("event", IGNORED, ids=lambda e: f"{e['account']}:{e['detail-type']}:{e['detail']}")
def test_backup_failure_rule_ignores_success_progress_and_other_accounts(
    translated: Template, event: Any
) -> None:
    assert not _failure_pattern(translated).matches_event(event)


# completed backups and copies resolve open alerts; with a status message they are "with issues"
SUCCESSES = [
    _backup_event("Backup Job State Change", {"backupJobId": "b-7", "state": "COMPLETED"}),
    _backup_event(
        "Backup Job State Change", {"backupJobId": "b-3", "state": "COMPLETED", "statusMessage": "1 skipped"}
    ),
    _backup_event("Copy Job State Change", {"copyJobId": "c-2", "state": "COMPLETED"}),
]
NOT_SUCCESSES = [
    _backup_event("Backup Job State Change", {"backupJobId": "b-8", "state": "RUNNING"}),
    _backup_event("Copy Job State Change", {"copyJobId": "c-3", "state": "FAILED"}),
    _backup_event("Restore Job State Change", {"restoreJobId": "r-6", "status": "COMPLETED"}),
    _backup_event(
        "Copy Job State Change", {"copyJobId": "c-4", "state": "COMPLETED"}, account="210987654321"
    ),
]


def _success_pattern(template: Template) -> EventPattern:
    pattern = with_pseudo_parameters(template["Resources"]["BackupSuccessRule"]["Properties"]["EventPattern"])
    return EventPattern.load(json.dumps(pattern))


@pytest.mark.parametrize("event", SUCCESSES, ids=lambda e: f"{e['detail-type']}:{e['detail']}")
def test_backup_success_rule_routes_completed_backups_and_copies(translated: Template, event: Any) -> None:
    assert _success_pattern(translated).matches_event(event)
    assert not _failure_pattern(translated).matches_event(event)  # one rule each: one message each


@pytest.mark.parametrize(
    "event", NOT_SUCCESSES, ids=lambda e: f"{e['account']}:{e['detail-type']}:{e['detail']}"
)
def test_backup_success_rule_ignores_the_rest(translated: Template, event: Any) -> None:
    assert not _success_pattern(translated).matches_event(event)


def test_notify_scales_by_event_source_not_reserved_concurrency(translated: Template) -> None:
    # reserved concurrency with an SQS trigger throttles the pollers and burns maxReceiveCount
    notify = translated["Resources"]["NotifyFunction"]["Properties"]
    assert "ReservedConcurrentExecutions" not in notify
    mapping = next(
        props
        for _, props in resources(translated, "AWS::Lambda::EventSourceMapping")
        if referenced_id(props["FunctionName"]) == "NotifyFunction"
    )
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 2}
    redrive = translated["Resources"]["NotificationQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] >= 10


def test_slack_secret_is_read_only_by_notify_and_only_that_secret(translated: Template) -> None:
    readers = []
    for logical_id, props in resources(translated, "AWS::IAM::Role"):
        for policy in props.get("Policies", []):
            document = json.dumps(policy)
            if "secretsmanager:" in document:
                readers.append(logical_id)
                assert '"Resource": {"Ref": "SlackWebhookSecretArn"}' in document, logical_id
    assert readers == ["NotifyFunctionRole"]
    alarm = translated["Resources"]["SlackDeliveryFallbackAlarm"]
    assert alarm["Condition"] == "HasSlack"
    assert alarm["Properties"]["MetricName"] == "SlackFallbacks"
    assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlertsTopic"}]


# ---------------------------------------------------------------- the checks can still find violations


BROKEN: Template = {
    "Resources": {
        "Loose": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"LoggingConfig": {"LogGroup": {"Ref": "Forever"}}},
        },
        "Forever": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
        "LooseRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Policies": [
                    {
                        "PolicyDocument": {
                            "Statement": [
                                {"Effect": "Allow", "Action": "backup:*", "Resource": "*"},
                                {"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "*"},
                            ]
                        }
                    }
                ]
            },
        },
        "AnyAccountRule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "EventPattern": {"source": ["aws.backup"]},
                "Targets": [{"Id": "Queue", "Arn": {"Fn::GetAtt": ["PlainQueue", "Arn"]}}],
            },
        },
        "PlainQueue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "AwsManagedKeyTable": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {"SSESpecification": {"SSEEnabled": True}},
        },
    }
}
EXPECTED_IN_BROKEN = {
    wildcard_actions: ["LooseRole: backup:*"],
    unscoped_pass_role: ["LooseRole: PassRole on * to None"],
    function_gaps: [
        "Loose: no Timeout",
        "Loose: no MemorySize",
        "Loose: no on-failure destination or dead-letter queue",
        "Loose: no log group with a retention (LoggingConfig.LogGroup)",
    ],
    unpinned_rule_accounts: ["AnyAccountRule"],
    rule_targets_without_dead_letter: ["AnyAccountRule/Queue"],
    unencrypted_stores: [
        "PlainQueue (AWS::SQS::Queue)",
        "AwsManagedKeyTable (AWS::DynamoDB::Table)",
        "Forever (AWS::Logs::LogGroup)",
    ],
}


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_check_finds_the_violations_of_a_broken_template(check: Any) -> None:
    assert check(BROKEN) == EXPECTED_IN_BROKEN[check]
