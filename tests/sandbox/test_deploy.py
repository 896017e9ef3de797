"""sandbox.deploy: a template's resources created in moto through boto3, as CloudFormation would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from sandbox import runtime
from sandbox.backup.install import install as install_backup
from sandbox.clock import SimClock
from sandbox.deploy import Deployment, deploy, physical_name
from sandbox.template import StackContext, Template, TemplateError

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "deploy" / "template.yaml"
REGION = "us-east-1"
CONTEXT = StackContext(account_id="123456789012", region=REGION, stack_name="shop")


def client(service: str) -> Any:
    new_client: Any = boto3.client  # the service is a parameter: boto3-stubs' overloads do not apply
    return new_client(service, region_name=REGION)


@pytest.fixture
def aws() -> Iterator[None]:
    clock = SimClock().start()
    runtime.set_clock(clock)
    try:
        with mock_aws():
            install_backup()
            yield
    finally:
        runtime.set_clock(None)
        clock.stop()


def deploy_fixture(path: Path = FIXTURE, **parameters: str) -> Deployment:
    return deploy(Template(path, context=CONTEXT, parameter_overrides=parameters), client)


@pytest.fixture
def deployed(aws: None) -> Deployment:
    return deploy_fixture()


def test_generated_names_follow_cloudformation_and_are_reproducible() -> None:
    template = Template(FIXTURE, context=CONTEXT)

    name = physical_name(template, "Table", 255)

    assert name.startswith("shop-Table-")
    assert len(name.rsplit("-", 1)[1]) == 13
    assert name == physical_name(template, "Table", 255)
    assert len(physical_name(template, "A" * 100, 64)) == 64


def test_kms_key_and_alias(deployed: Deployment) -> None:
    key_id = deployed.physical.ref("Key")

    assert client("kms").get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    aliases = client("kms").list_aliases(KeyId=key_id)["Aliases"]
    assert [a["AliasName"] for a in aliases] == ["alias/shop"]


def test_vault_plan_and_selection_as_the_template_declares_them(deployed: Deployment) -> None:
    backup = client("backup")
    vault = backup.describe_backup_vault(BackupVaultName="shop-vault")
    assert vault["EncryptionKeyArn"] == deployed.physical.get_att("Key", "Arn")
    assert deployed.outputs["VaultArn"] == vault["BackupVaultArn"]

    plan = backup.get_backup_plan(BackupPlanId=deployed.physical.ref("Plan"))["BackupPlan"]
    rule = plan["Rules"][0]
    assert (rule["TargetBackupVaultName"], rule["StartWindowMinutes"]) == ("shop-vault", 60)
    assert rule["Lifecycle"]["DeleteAfterDays"] == 35  # a Number parameter: a string, sent as an integer

    selection = backup.get_backup_selection(
        BackupPlanId=deployed.physical.ref("Plan"), SelectionId=deployed.physical.ref("Selection")
    )["BackupSelection"]
    assert selection["SelectionName"] == "tag-daily"
    assert selection["IamRoleArn"] == deployed.physical.get_att("Role", "Arn")
    assert selection["Conditions"]["StringEquals"] == [
        {"ConditionKey": "aws:ResourceTag/backup-plan", "ConditionValue": "daily"}
    ]


def test_role_gets_its_managed_and_inline_policies(deployed: Deployment) -> None:
    iam = client("iam")
    role_name = deployed.physical.ref("Role")

    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AWSBackupServiceRolePolicyForBackup"]
    assert iam.list_role_policies(RoleName=role_name)["PolicyNames"] == ["read-key"]


def test_rule_on_the_custom_bus_with_target_retry_and_dead_letter(deployed: Deployment) -> None:
    events = client("events")
    bus, rule_name = deployed.physical.ref("Rule").split("|")

    assert bus == "shop-events"
    rule = events.describe_rule(Name=rule_name, EventBusName=bus)
    assert json.loads(rule["EventPattern"]) == {"source": ["fixture"]}
    target = events.list_targets_by_rule(Rule=rule_name, EventBusName=bus)["Targets"][0]
    assert target["Arn"] == deployed.physical.get_att("Queue", "Arn")
    assert target["DeadLetterConfig"] == {"Arn": deployed.physical.get_att("DeadLetters", "Arn")}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 4}


def test_event_reaching_the_rule_lands_in_the_queue(deployed: Deployment) -> None:
    client("events").put_events(
        Entries=[{"Source": "fixture", "DetailType": "Ping", "Detail": "{}", "EventBusName": "shop-events"}]
    )

    messages = client("sqs").receive_message(QueueUrl=deployed.outputs["QueueUrl"])["Messages"]
    assert json.loads(messages[0]["Body"])["detail-type"] == "Ping"


def test_table_encryption_point_in_time_recovery_and_ttl(deployed: Deployment) -> None:
    dynamodb = client("dynamodb")
    name = deployed.physical.ref("Table")

    table = dynamodb.describe_table(TableName=name)["Table"]
    assert table["SSEDescription"]["KMSMasterKeyArn"] == deployed.physical.get_att("Key", "Arn")
    backups = dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert (ttl["AttributeName"], ttl["TimeToLiveStatus"]) == ("expires_at", "ENABLED")


def test_property_the_sandbox_does_not_apply_is_reported(deployed: Deployment) -> None:
    assert (
        "Table: property ContributorInsightsSpecification is not applied by the sandbox" in deployed.warnings
    )


def test_topic_subscription_delivers_to_the_queue(deployed: Deployment) -> None:
    client("sns").publish(TopicArn=deployed.physical.ref("Topic"), Message="hello")

    messages = client("sqs").receive_message(QueueUrl=deployed.outputs["QueueUrl"])["Messages"]
    assert json.loads(messages[0]["Body"])["Message"] == "hello"


def test_queue_attributes_redrive_and_policy(deployed: Deployment) -> None:
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=deployed.outputs["QueueUrl"], AttributeNames=["All"]
    )["Attributes"]

    assert attributes["VisibilityTimeout"] == "120"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": deployed.physical.get_att("DeadLetters", "Arn"),
        "maxReceiveCount": 3,
    }
    assert json.loads(attributes["Policy"])["Statement"][0]["Principal"] == {
        "Service": "events.amazonaws.com"
    }


def test_generated_secret_follows_its_template(deployed: Deployment) -> None:
    value = client("secretsmanager").get_secret_value(SecretId=deployed.physical.ref("Secret"))[
        "SecretString"
    ]

    secret = json.loads(value)
    assert secret["user"] == "app"
    assert len(secret["password"]) == 24
    assert secret["password"].isalnum()


def test_log_group_retention(deployed: Deployment) -> None:
    groups = client("logs").describe_log_groups(logGroupNamePrefix="/fixture/shop")["logGroups"]

    assert [(g["logGroupName"], g["retentionInDays"]) for g in groups] == [("/fixture/shop", 14)]


def test_unsupported_type_is_skipped_with_a_warning(deployed: Deployment) -> None:
    assert (
        "Topology: AWS::StepFunctions::StateMachine is not supported by the sandbox; skipped"
        in deployed.warnings
    )
    with pytest.raises(TemplateError, match="Topology was not created"):
        deployed.resolve({"Ref": "Topology"})


def test_function_gets_the_resources_sam_generates_from_it(deployed: Deployment) -> None:
    events = client("events")
    bus, rule_name = deployed.physical.ref("WorkerChanged").split("|")

    assert deployed.outputs["WorkerRuleArn"] == events.describe_rule(Name=rule_name, EventBusName=bus)["Arn"]
    [target] = events.list_targets_by_rule(Rule=rule_name, EventBusName=bus)["Targets"]
    assert target["Arn"] == deployed.physical.get_att("Worker", "Arn")
    assert target["DeadLetterConfig"]["Arn"] == deployed.physical.get_att("WorkerChangedQueue", "Arn")
    assert client("sqs").get_queue_url(QueueName=deployed.physical.get_att("WorkerChangedQueue", "QueueName"))
    role = client("iam").get_role(RoleName=deployed.physical.ref("WorkerRole"))["Role"]
    assert role["Arn"] == deployed.outputs["WorkerRoleArn"]
    assert [rule.name for rule in deployed.scheduled_rules] == [deployed.physical.ref("WorkerTick")]
    assert "Worker.Web: event type Api is not supported" in deployed.warnings


def test_conditions_decide_resources_and_outputs(aws: None) -> None:
    without = deploy_fixture()
    assert "DebugQueueUrl" not in without.outputs
    assert without.physical.skipped["DebugQueue"] == "condition Debug is false"


def test_conditional_resource_is_created_when_its_condition_holds(aws: None) -> None:
    deployment = deploy_fixture(WithDebugQueue="true")

    assert deployment.outputs["DebugQueueUrl"].endswith(physical_name(deployment.template, "DebugQueue", 80))


def test_circular_dependency_is_rejected(aws: None, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        "  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt B.QueueName\n"
        "  B:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt A.QueueName\n"
    )

    with pytest.raises(TemplateError, match="circular dependency: A -> B -> A"):
        deploy_fixture(tmp_path / "template.yaml")


def test_project_template_deploys_without_warnings(aws: None) -> None:
    deployment = deploy_fixture(ROOT / "template.yaml")

    assert deployment.warnings == []
    backup = client("backup")
    plans = {p["BackupPlanName"] for p in backup.list_backup_plans()["BackupPlansList"]}
    assert plans == {"shop-daily", "shop-weekly", "shop-monthly"}
    for plan_id in (deployment.outputs[f"{name}PlanId"] for name in ("Daily", "Weekly", "Monthly")):
        selections = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
        assert len(selections) == 1
    assert deployment.outputs["PrimaryVaultName"] == "shop-primary"
    assert set(deployment.functions) >= {"NotifyFunction"}
    assert "AlertEmailSubscription" in deployment.physical.skipped  # AlertEmail is empty by default
