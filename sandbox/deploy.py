"""Deploy a template's resources into moto, in dependency order, through real boto3 clients.

Each supported CloudFormation type has a creator that resolves the resource's properties, makes
the API calls CloudFormation would make, and records what ``Ref`` and ``Fn::GetAtt`` return.
Properties a creator does not apply are reported as warnings, never silently dropped; resource
types the sandbox does not know are skipped with a warning (a reference to one then fails
clearly). Physical names that the template leaves out are generated as CloudFormation does
(``<stack>-<LogicalId>-<SUFFIX>``), with a deterministic suffix so runs are reproducible.

``AWS::Serverless::Function`` resources are not created in moto's Lambda (it needs Docker to
run code): they get a name and an ARN, and the router (:mod:`sandbox.router`) runs them.
``AWS::Serverless::LayerVersion`` content directories are what the router puts on ``sys.path``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moto.iam.models import AWSManagedPolicy, iam_backends
from moto.utilities.arns import parse_arn

from sandbox.template import PhysicalIds, ResourceDef, Template, TemplateError

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

#: builds a boto3 client for a service in the stack's account and Region
ClientFactory = Callable[[str], Any]


@dataclass(frozen=True)
class DeployedFunction:
    """An ``AWS::Serverless::Function``: its physical name/ARN and its properties (Globals merged)."""

    logical_id: str
    name: str
    arn: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class ScheduledRule:
    """An EventBridge rule with a ScheduleExpression (on the default bus): the router fires it."""

    name: str
    expression: str


@dataclass(frozen=True)
class SchedulerSchedule:
    """An EventBridge Scheduler schedule (SAM ``ScheduleV2``) that invokes a function."""

    name: str
    group: str
    expression: str
    timezone: str | None
    function: str  # logical id


@dataclass
class Deployment:
    """The result of :func:`deploy`: physical ids, outputs, functions, layers, schedules, warnings."""

    template: Template
    physical: PhysicalIds
    outputs: dict[str, Any] = field(default_factory=dict)
    functions: dict[str, DeployedFunction] = field(default_factory=dict)
    layer_paths: dict[str, Path] = field(default_factory=dict)
    scheduled_rules: list[ScheduledRule] = field(default_factory=list)
    schedules: list[SchedulerSchedule] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def resolve(self, value: Any) -> Any:
        return self.template.resolve(value, self.physical)

    def warn(self, message: str) -> None:
        logger.warning("%s", message)
        self.warnings.append(message)


class _Props:
    """A resource's resolved properties; what no creator takes is reported as ignored."""

    def __init__(self, resource: ResourceDef, values: dict[str, Any]) -> None:
        self.resource = resource
        self._values = dict(values)

    def take(self, key: str, default: Any = None) -> Any:
        return self._values.pop(key, default)

    def require(self, key: str) -> Any:
        if key not in self._values:
            raise TemplateError(f"{self.resource.logical_id}: property {key} is required")
        return self._values.pop(key)

    def leftover(self) -> list[str]:
        return sorted(self._values)

    def drain(self) -> None:
        """The remaining properties are applied elsewhere (the router) or create nothing."""
        self._values.clear()


def physical_name(template: Template, logical_id: str, max_length: int, suffix: str = "") -> str:
    """A CloudFormation-style generated name: ``<stack>-<LogicalId>-<13 chars>`` within a limit."""
    digest = hashlib.sha256(f"{template.context.stack_name}/{logical_id}".encode()).hexdigest()
    tail = "-" + digest[:13].upper() + suffix
    head = f"{template.context.stack_name}-{logical_id}"
    return head[: max_length - len(tail)] + tail


def _as_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _as_json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _ints(document: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Template values can be strings (parameters are): the API wants integers."""
    return {key: (int(value) if key in keys else value) for key, value in document.items()}


def _tag_list(tags: Any) -> list[dict[str, str]]:
    if isinstance(tags, dict):
        return [{"Key": k, "Value": str(v)} for k, v in tags.items()]
    return [{"Key": t["Key"], "Value": str(t["Value"])} for t in tags or []]


class Deployer:
    """Creates one template's resources through the clients of ``client``."""

    def __init__(self, template: Template, client: ClientFactory) -> None:
        self.template = template
        self.client = client
        self.deployment = Deployment(template=template, physical=PhysicalIds())
        self._creators: dict[str, Callable[[_Props], None]] = {
            "AWS::KMS::Key": self._kms_key,
            "AWS::KMS::Alias": self._kms_alias,
            "AWS::Backup::BackupVault": self._backup_vault,
            "AWS::Backup::BackupPlan": self._backup_plan,
            "AWS::Backup::BackupSelection": self._backup_selection,
            "AWS::IAM::Role": self._iam_role,
            "AWS::Events::EventBus": self._event_bus,
            "AWS::Events::Rule": self._event_rule,
            "AWS::DynamoDB::Table": self._dynamodb_table,
            "AWS::SNS::Topic": self._sns_topic,
            "AWS::SNS::Subscription": self._sns_subscription,
            "AWS::SNS::TopicPolicy": self._sns_topic_policy,
            "AWS::SQS::Queue": self._sqs_queue,
            "AWS::SQS::QueuePolicy": self._sqs_queue_policy,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::Serverless::Function": self._function,
            "AWS::Serverless::LayerVersion": self._layer,
        }

    # -- orchestration ------------------------------------------------------------------------
    def deploy(self) -> Deployment:
        for resource in self._in_dependency_order():
            self._create(resource)
        self._outputs()
        return self.deployment

    def _in_dependency_order(self) -> list[ResourceDef]:
        resources = self.template.resources()
        physical = self.deployment.physical
        active: dict[str, ResourceDef] = {}
        for logical_id, resource in resources.items():
            if self.template.is_active(resource):
                active[logical_id] = resource
            else:
                physical.skipped[logical_id] = f"condition {resource.condition} is false"
        ordered: list[ResourceDef] = []
        state: dict[str, str] = {}

        def visit(logical_id: str, chain: tuple[str, ...]) -> None:
            if state.get(logical_id) == "done":
                return
            if state.get(logical_id) == "visiting":
                raise TemplateError(f"circular dependency: {' -> '.join((*chain, logical_id))}")
            state[logical_id] = "visiting"
            resource = active[logical_id]
            needs = self.template.references(self.template.merged_properties(resource))
            needs |= set(resource.depends_on)
            for dependency in sorted(needs & set(active)):
                visit(dependency, (*chain, logical_id))
            state[logical_id] = "done"
            ordered.append(resource)

        for logical_id in active:
            visit(logical_id, ())
        return ordered

    def _create(self, resource: ResourceDef) -> None:
        creator = self._creators.get(resource.type)
        if creator is None:
            self.deployment.physical.skipped[resource.logical_id] = f"{resource.type} is not supported"
            self.deployment.warn(
                f"{resource.logical_id}: {resource.type} is not supported by the sandbox; skipped"
            )
            return
        properties = self.template.merged_properties(resource)
        props = _Props(resource, self.deployment.resolve(properties))
        creator(props)
        for key in props.leftover():
            self.deployment.warn(f"{resource.logical_id}: property {key} is not applied by the sandbox")

    def _outputs(self) -> None:
        for name, output in self.template.section("Outputs").items():
            condition = output.get("Condition")
            if condition is None or self.template.condition(condition):
                self.deployment.outputs[name] = self.deployment.resolve(output["Value"])

    def _record(self, props: _Props, ref: Any, **attributes: Any) -> None:
        self.deployment.physical.record(props.resource.logical_id, ref, **attributes)

    def _name(self, props: _Props, key: str, max_length: int, suffix: str = "") -> str:
        name = props.take(key)
        return (
            str(name) if name else physical_name(self.template, props.resource.logical_id, max_length, suffix)
        )

    # -- KMS ---------------------------------------------------------------------------------
    def _kms_key(self, props: _Props) -> None:
        kms = self.client("kms")
        request: dict[str, Any] = {
            "KeyUsage": props.take("KeyUsage", "ENCRYPT_DECRYPT"),
            "KeySpec": props.take("KeySpec", "SYMMETRIC_DEFAULT"),
            "Description": props.take("Description", ""),
            "MultiRegion": _as_bool(props.take("MultiRegion", False)),
        }
        policy = props.take("KeyPolicy")
        if policy is not None:
            request["Policy"] = _as_json(policy)
        tags = props.take("Tags")
        if tags:
            request["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in _tag_list(tags)]
        metadata = kms.create_key(**request)["KeyMetadata"]
        if _as_bool(props.take("EnableKeyRotation", False)):
            kms.enable_key_rotation(KeyId=metadata["KeyId"])
        if not _as_bool(props.take("Enabled", True)):
            kms.disable_key(KeyId=metadata["KeyId"])
        props.take("PendingWindowInDays")  # applies to deletion only
        self._record(props, metadata["KeyId"], Arn=metadata["Arn"], KeyId=metadata["KeyId"])

    def _kms_alias(self, props: _Props) -> None:
        alias = props.require("AliasName")
        self.client("kms").create_alias(AliasName=alias, TargetKeyId=props.require("TargetKeyId"))
        self._record(props, alias)

    # -- AWS Backup --------------------------------------------------------------------------
    def _backup_vault(self, props: _Props) -> None:
        backup = self.client("backup")
        name = props.require("BackupVaultName")
        request: dict[str, Any] = {"BackupVaultName": name}
        if (key := props.take("EncryptionKeyArn")) is not None:
            request["EncryptionKeyArn"] = key
        if (tags := props.take("BackupVaultTags")) is not None:
            request["BackupVaultTags"] = {k: str(v) for k, v in tags.items()}
        arn = backup.create_backup_vault(**request)["BackupVaultArn"]
        if (policy := props.take("AccessPolicy")) is not None:
            backup.put_backup_vault_access_policy(BackupVaultName=name, Policy=_as_json(policy))
        if (lock := props.take("LockConfiguration")) is not None:
            backup.put_backup_vault_lock_configuration(
                BackupVaultName=name,
                **_ints(lock, "MinRetentionDays", "MaxRetentionDays", "ChangeableForDays"),
            )
        self._record(props, name, BackupVaultName=name, BackupVaultArn=arn)

    def _backup_plan(self, props: _Props) -> None:
        document = dict(props.require("BackupPlan"))
        rules = [self._plan_rule(rule) for rule in document.pop("BackupPlanRule", [])]
        plan: dict[str, Any] = {"BackupPlanName": document.pop("BackupPlanName"), "Rules": rules}
        if "AdvancedBackupSettings" in document:
            plan["AdvancedBackupSettings"] = document.pop("AdvancedBackupSettings")
        for key in document:
            self.deployment.warn(
                f"{props.resource.logical_id}: BackupPlan.{key} is not applied by the sandbox"
            )
        request: dict[str, Any] = {"BackupPlan": plan}
        if (tags := props.take("BackupPlanTags")) is not None:
            request["BackupPlanTags"] = {k: str(v) for k, v in tags.items()}
        response = self.client("backup").create_backup_plan(**request)
        self._record(
            props,
            response["BackupPlanId"],
            BackupPlanId=response["BackupPlanId"],
            BackupPlanArn=response["BackupPlanArn"],
            VersionId=response["VersionId"],
        )

    @staticmethod
    def _plan_rule(rule: dict[str, Any]) -> dict[str, Any]:
        """CloudFormation's BackupRuleResourceType -> the API's BackupRuleInput."""
        converted = _ints(dict(rule), "StartWindowMinutes", "CompletionWindowMinutes")
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
            converted["EnableContinuousBackup"] = _as_bool(converted["EnableContinuousBackup"])
        return converted

    def _backup_selection(self, props: _Props) -> None:
        plan_id = props.require("BackupPlanId")
        response = self.client("backup").create_backup_selection(
            BackupPlanId=plan_id, BackupSelection=props.require("BackupSelection")
        )
        selection_id = response["SelectionId"]
        self._record(props, selection_id, SelectionId=selection_id, BackupPlanId=plan_id, Id=selection_id)

    # -- IAM ---------------------------------------------------------------------------------
    def _iam_role(self, props: _Props) -> None:
        iam = self.client("iam")
        name = self._name(props, "RoleName", 64)
        request: dict[str, Any] = {
            "RoleName": name,
            "AssumeRolePolicyDocument": _as_json(props.require("AssumeRolePolicyDocument")),
            "Path": props.take("Path", "/"),
        }
        for key in ("Description", "PermissionsBoundary"):
            if (value := props.take(key)) is not None:
                request[key] = value
        if (duration := props.take("MaxSessionDuration")) is not None:
            request["MaxSessionDuration"] = int(duration)
        if tags := props.take("Tags"):
            request["Tags"] = _tag_list(tags)
        role = iam.create_role(**request)["Role"]
        for policy_arn in props.take("ManagedPolicyArns", []):
            _ensure_aws_managed_policy(self.template.context.account_id, policy_arn)
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
        for policy in props.take("Policies", []):
            iam.put_role_policy(
                RoleName=name,
                PolicyName=policy["PolicyName"],
                PolicyDocument=_as_json(policy["PolicyDocument"]),
            )
        self._record(props, name, Arn=role["Arn"], RoleId=role["RoleId"])

    # -- EventBridge -------------------------------------------------------------------------
    def _event_bus(self, props: _Props) -> None:
        name = props.require("Name")
        request: dict[str, Any] = {"Name": name}
        if tags := props.take("Tags"):
            request["Tags"] = _tag_list(tags)
        for key in ("Description", "KmsKeyIdentifier", "DeadLetterConfig"):
            if (value := props.take(key)) is not None:
                request[key] = value
        arn = self.client("events").create_event_bus(**request)["EventBusArn"]
        self._record(props, name, Arn=arn, Name=name)

    def _event_rule(self, props: _Props) -> None:
        events = self.client("events")
        name = self._name(props, "Name", 64)
        bus = str(props.take("EventBusName", "default")).split("/")[-1]
        request: dict[str, Any] = {"Name": name, "EventBusName": bus, "State": props.take("State", "ENABLED")}
        if (pattern := props.take("EventPattern")) is not None:
            request["EventPattern"] = _as_json(pattern)
        for key in ("ScheduleExpression", "Description", "RoleArn"):
            if (value := props.take(key)) is not None:
                request[key] = value
        if tags := props.take("Tags"):
            request["Tags"] = _tag_list(tags)
        arn = events.put_rule(**request)["RuleArn"]
        targets = props.take("Targets", [])
        if targets:
            events.put_targets(Rule=name, EventBusName=bus, Targets=[_event_target(t) for t in targets])
        if "ScheduleExpression" in request:
            self.deployment.scheduled_rules.append(ScheduledRule(name, request["ScheduleExpression"]))
        ref = name if bus == "default" else f"{bus}|{name}"
        self._record(props, ref, Arn=arn)

    # -- DynamoDB ----------------------------------------------------------------------------
    def _dynamodb_table(self, props: _Props) -> None:
        dynamodb = self.client("dynamodb")
        name = self._name(props, "TableName", 255)
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props.require("KeySchema"),
            "AttributeDefinitions": props.require("AttributeDefinitions"),
            "BillingMode": props.take("BillingMode", "PROVISIONED"),
        }
        if (throughput := props.take("ProvisionedThroughput")) is not None:
            request["ProvisionedThroughput"] = _ints(throughput, "ReadCapacityUnits", "WriteCapacityUnits")
        if gsis := props.take("GlobalSecondaryIndexes"):
            request["GlobalSecondaryIndexes"] = [_index(i, global_index=True) for i in gsis]
        if lsis := props.take("LocalSecondaryIndexes"):
            request["LocalSecondaryIndexes"] = [_index(i, global_index=False) for i in lsis]
        if (stream := props.take("StreamSpecification")) is not None:
            request["StreamSpecification"] = {"StreamEnabled": True, **stream}
        if (sse := props.take("SSESpecification")) is not None:
            request["SSESpecification"] = {**sse, "Enabled": _as_bool(sse.get("SSEEnabled", False))}
            request["SSESpecification"].pop("SSEEnabled", None)
        if tags := props.take("Tags"):
            request["Tags"] = _tag_list(tags)
        for key in ("TableClass",):
            if (value := props.take(key)) is not None:
                request[key] = value
        if (protection := props.take("DeletionProtectionEnabled")) is not None:
            request["DeletionProtectionEnabled"] = _as_bool(protection)
        table = dynamodb.create_table(**request)["TableDescription"]
        self._table_settings(props, dynamodb, name)
        self._record(props, name, Arn=table["TableArn"], StreamArn=table.get("LatestStreamArn"))

    @staticmethod
    def _table_settings(props: _Props, dynamodb: Any, name: str) -> None:
        if (pitr := props.take("PointInTimeRecoverySpecification")) is not None:
            dynamodb.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={
                    "PointInTimeRecoveryEnabled": _as_bool(pitr.get("PointInTimeRecoveryEnabled", False))
                },
            )
        if (ttl := props.take("TimeToLiveSpecification")) is not None:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "AttributeName": ttl["AttributeName"],
                    "Enabled": _as_bool(ttl["Enabled"]),
                },
            )

    # -- SNS ---------------------------------------------------------------------------------
    def _sns_topic(self, props: _Props) -> None:
        sns = self.client("sns")
        fifo = _as_bool(props.take("FifoTopic", False))
        name = self._name(props, "TopicName", 256, ".fifo" if fifo else "")
        attributes: dict[str, str] = {"FifoTopic": "true"} if fifo else {}
        for key in ("DisplayName", "KmsMasterKeyId", "ContentBasedDeduplication", "SignatureVersion"):
            if (value := props.take(key)) is not None:
                attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
        request: dict[str, Any] = {"Name": name, "Attributes": attributes}
        if tags := props.take("Tags"):
            request["Tags"] = _tag_list(tags)
        arn = sns.create_topic(**request)["TopicArn"]
        for subscription in props.take("Subscription", []):
            sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])
        self._record(props, arn, TopicArn=arn, TopicName=name)

    def _sns_subscription(self, props: _Props) -> None:
        attributes: dict[str, str] = {}
        for key in ("RawMessageDelivery", "FilterPolicyScope"):
            if (value := props.take(key)) is not None:
                attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
        for key in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
            if (value := props.take(key)) is not None:
                attributes[key] = _as_json(value)
        props.take("Region")  # the stack's Region: the only one the sandbox deploys to
        arn = self.client("sns").subscribe(
            TopicArn=props.require("TopicArn"),
            Protocol=props.require("Protocol"),
            Endpoint=props.take("Endpoint", ""),
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        self._record(props, arn, Arn=arn)

    def _sns_topic_policy(self, props: _Props) -> None:
        policy = _as_json(props.require("PolicyDocument"))
        topics = props.require("Topics")
        for topic_arn in topics:
            self.client("sns").set_topic_attributes(
                TopicArn=topic_arn, AttributeName="Policy", AttributeValue=policy
            )
        self._record(props, props.resource.logical_id)

    # -- SQS ---------------------------------------------------------------------------------
    def _sqs_queue(self, props: _Props) -> None:
        sqs = self.client("sqs")
        fifo = _as_bool(props.take("FifoQueue", False))
        name = self._name(props, "QueueName", 80, ".fifo" if fifo else "")
        attributes: dict[str, str] = {"FifoQueue": "true"} if fifo else {}
        for key in (
            "DelaySeconds",
            "MaximumMessageSize",
            "MessageRetentionPeriod",
            "ReceiveMessageWaitTimeSeconds",
            "VisibilityTimeout",
            "KmsMasterKeyId",
            "KmsDataKeyReusePeriodSeconds",
            "SqsManagedSseEnabled",
            "ContentBasedDeduplication",
            "DeduplicationScope",
            "FifoThroughputLimit",
        ):
            if (value := props.take(key)) is not None:
                attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
        for key in ("RedrivePolicy", "RedriveAllowPolicy"):
            if (value := props.take(key)) is not None:
                attributes[key] = _as_json(value)
        request: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
        if tags := props.take("Tags"):
            request["tags"] = {t["Key"]: t["Value"] for t in _tag_list(tags)}
        url = sqs.create_queue(**request)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self._record(props, url, Arn=arn, QueueName=name, QueueUrl=url)

    def _sqs_queue_policy(self, props: _Props) -> None:
        policy = _as_json(props.require("PolicyDocument"))
        for url in props.require("Queues"):
            self.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        self._record(props, props.resource.logical_id)

    # -- Secrets Manager, CloudWatch Logs ---------------------------------------------------
    def _secret(self, props: _Props) -> None:
        secrets = self.client("secretsmanager")
        name = self._name(props, "Name", 512)
        request: dict[str, Any] = {"Name": name}
        for key in ("Description", "KmsKeyId", "SecretString"):
            if (value := props.take(key)) is not None:
                request[key] = value
        if (generate := props.take("GenerateSecretString")) is not None:
            request["SecretString"] = self._generated_secret(secrets, generate)
        if tags := props.take("Tags"):
            request["Tags"] = _tag_list(tags)
        arn = secrets.create_secret(**request)["ARN"]
        self._record(props, arn, Id=arn)

    @staticmethod
    def _generated_secret(secrets: Any, spec: dict[str, Any]) -> str:
        spec = dict(spec)
        template, key = spec.pop("SecretStringTemplate", None), spec.pop("GenerateStringKey", None)
        options = {k: (int(v) if k == "PasswordLength" else v) for k, v in spec.items()}
        for flag in [k for k in options if k.startswith(("Exclude", "Include", "Require"))]:
            if flag != "ExcludeCharacters":
                options[flag] = _as_bool(options[flag])
        password = secrets.get_random_password(**options)["RandomPassword"]
        if template is None:
            return str(password)
        document = json.loads(template)
        document[key or "password"] = password
        return json.dumps(document)

    def _log_group(self, props: _Props) -> None:
        logs = self.client("logs")
        name = self._name(props, "LogGroupName", 512)
        request: dict[str, Any] = {"logGroupName": name}
        if (kms := props.take("KmsKeyId")) is not None:
            request["kmsKeyId"] = kms
        if tags := props.take("Tags"):
            request["tags"] = {t["Key"]: t["Value"] for t in _tag_list(tags)}
        if (log_class := props.take("LogGroupClass")) is not None:
            request["logGroupClass"] = log_class
        logs.create_log_group(**request)
        if (retention := props.take("RetentionInDays")) is not None:
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(retention))
        context = self.template.context
        arn = f"arn:{context.partition}:logs:{context.region}:{context.account_id}:log-group:{name}:*"
        self._record(props, name, Arn=arn)

    # -- SAM: functions and layers ------------------------------------------------------------
    def _function(self, props: _Props) -> None:
        """A name and an ARN (the router runs the code), and the resources SAM generates from it."""
        logical_id = props.resource.logical_id
        name = self._name(props, "FunctionName", 64)
        context = self.template.context
        function = DeployedFunction(
            logical_id=logical_id,
            name=name,
            arn=f"arn:{context.partition}:lambda:{context.region}:{context.account_id}:function:{name}",
            properties=self.template.merged_properties(props.resource),
        )
        self.deployment.functions[logical_id] = function
        self._record(props, name, Arn=function.arn)
        if props.take("Role") is None:
            self._function_role(logical_id)
        for event_id, event in (props.take("Events") or {}).items():
            creator = self._event_creators.get(event["Type"])
            if creator is None:
                self.deployment.warn(f"{logical_id}.{event_id}: event type {event['Type']} is not supported")
                continue
            creator(function, event_id, event.get("Properties", {}))
        props.drain()  # code, environment, destinations ...: the router applies them

    def _function_role(self, function_id: str) -> None:
        """``<Function>Role``: SAM's execution role (policy templates are not expanded: moto does
        not enforce IAM)."""
        iam = self.client("iam")
        name = physical_name(self.template, f"{function_id}Role", 64)
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
        basic = (
            f"arn:{self.template.context.partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        )
        _ensure_aws_managed_policy(self.template.context.account_id, basic)
        iam.attach_role_policy(RoleName=name, PolicyArn=basic)
        self.deployment.physical.record(f"{function_id}Role", name, Arn=role["Arn"], RoleId=role["RoleId"])

    @property
    def _event_creators(self) -> dict[str, Callable[[DeployedFunction, str, dict[str, Any]], None]]:
        return {
            "EventBridgeRule": self._eventbridge_rule_event,
            "Schedule": self._schedule_event,
            "ScheduleV2": self._schedule_v2_event,
            "SQS": self._sqs_event,
        }

    def _generated_name(
        self, function: DeployedFunction, event_id: str, props: dict[str, Any], key: str
    ) -> str:
        return str(props.get(key) or physical_name(self.template, f"{function.logical_id}{event_id}", 64))

    def _eventbridge_rule_event(
        self, function: DeployedFunction, event_id: str, props: dict[str, Any]
    ) -> None:
        """SAM ``EventBridgeRule``: a rule with the pattern on its bus, the function as its target."""
        events = self.client("events")
        name = self._generated_name(function, event_id, props, "RuleName")
        bus = str(props.get("EventBusName", "default")).split("/")[-1]
        arn = events.put_rule(
            Name=name, EventBusName=bus, EventPattern=_as_json(props["Pattern"]), State=_event_state(props)
        )["RuleArn"]
        events.put_targets(
            Rule=name, EventBusName=bus, Targets=[self._lambda_target(function, event_id, props)]
        )
        ref = name if bus == "default" else f"{bus}|{name}"
        self.deployment.physical.record(f"{function.logical_id}{event_id}", ref, Arn=arn)

    def _schedule_event(self, function: DeployedFunction, event_id: str, props: dict[str, Any]) -> None:
        """SAM ``Schedule``: a scheduled rule on the default bus (the router fires it)."""
        events = self.client("events")
        name = self._generated_name(function, event_id, props, "Name")
        request: dict[str, Any] = {
            "Name": name,
            "ScheduleExpression": props["Schedule"],
            "State": _event_state(props),
        }
        if "Description" in props:
            request["Description"] = props["Description"]
        arn = events.put_rule(**request)["RuleArn"]
        events.put_targets(Rule=name, Targets=[self._lambda_target(function, event_id, props)])
        self.deployment.scheduled_rules.append(ScheduledRule(name, str(props["Schedule"])))
        self.deployment.physical.record(f"{function.logical_id}{event_id}", name, Arn=arn)

    def _schedule_v2_event(self, function: DeployedFunction, event_id: str, props: dict[str, Any]) -> None:
        """SAM ``ScheduleV2``: an EventBridge Scheduler schedule (the router fires it)."""
        context = self.template.context
        name = self._generated_name(function, event_id, props, "Name")
        group = str(props.get("GroupName", "default"))
        target: dict[str, Any] = {
            "Arn": function.arn,
            "RoleArn": props.get("RoleArn")
            or f"arn:{context.partition}:iam::{context.account_id}:role/{name}",
        }
        if "Input" in props:
            target["Input"] = props["Input"]
        request: dict[str, Any] = {
            "Name": name,
            "GroupName": group,
            "ScheduleExpression": props["ScheduleExpression"],
            "FlexibleTimeWindow": props.get("FlexibleTimeWindow", {"Mode": "OFF"}),
            "Target": target,
            "State": _event_state(props),
        }
        timezone = props.get("ScheduleExpressionTimezone")
        if timezone:
            request["ScheduleExpressionTimezone"] = timezone
        arn = self.client("scheduler").create_schedule(**request)["ScheduleArn"]
        self.deployment.schedules.append(
            SchedulerSchedule(name, group, str(props["ScheduleExpression"]), timezone, function.logical_id)
        )
        self.deployment.physical.record(f"{function.logical_id}{event_id}", name, Arn=arn)

    def _sqs_event(self, function: DeployedFunction, event_id: str, props: dict[str, Any]) -> None:
        """SAM ``SQS``: an event source mapping (the router polls the queue); Ref is its UUID."""
        logical_id = f"{function.logical_id}{event_id}"
        mapping_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.template.context.stack_name}/{logical_id}"))
        self.deployment.physical.record(logical_id, mapping_id, Id=mapping_id)

    def _lambda_target(
        self, function: DeployedFunction, event_id: str, props: dict[str, Any]
    ) -> dict[str, Any]:
        target: dict[str, Any] = {
            "Id": props.get("Target", {}).get("Id", f"{function.logical_id}{event_id}LambdaTarget"),
            "Arn": function.arn,
        }
        for key in ("Input", "InputPath", "InputTransformer"):
            if key in props:
                target[key] = props[key]
        if "RetryPolicy" in props:
            target["RetryPolicy"] = _ints(
                props["RetryPolicy"], "MaximumRetryAttempts", "MaximumEventAgeInSeconds"
            )
        if "DeadLetterConfig" in props:
            target["DeadLetterConfig"] = {
                "Arn": self._event_dead_letter(function, event_id, props["DeadLetterConfig"])
            }
        return target

    def _event_dead_letter(self, function: DeployedFunction, event_id: str, config: dict[str, Any]) -> str:
        """SAM's DeadLetterConfig: an ``Arn``, or ``Type: SQS`` for a queue SAM creates."""
        if "Arn" in config:
            return str(config["Arn"])
        logical_id = config.get("QueueLogicalId") or f"{function.logical_id}{event_id}Queue"
        sqs = self.client("sqs")
        name = physical_name(self.template, logical_id, 80)
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = str(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        )
        self.deployment.physical.record(logical_id, url, Arn=arn, QueueName=name, QueueUrl=url)
        return arn

    def _layer(self, props: _Props) -> None:
        content = props.require("ContentUri")
        if not isinstance(content, str) or content.startswith("s3://"):
            raise TemplateError(f"{props.resource.logical_id}: the sandbox needs a local ContentUri")
        path = (self.template.root / content).resolve()
        if not path.is_dir():
            raise TemplateError(f"{props.resource.logical_id}: ContentUri {content} is not a directory")
        self.deployment.layer_paths[props.resource.logical_id] = (
            path / "python" if (path / "python").is_dir() else path
        )
        name = props.take("LayerName") or props.resource.logical_id
        context = self.template.context
        arn = f"arn:{context.partition}:lambda:{context.region}:{context.account_id}:layer:{name}:1"
        props.drain()  # CompatibleRuntimes, RetentionPolicy ...: nothing to create in the sandbox
        self._record(props, arn, LayerVersionArn=arn)


@functools.cache
def _aws_managed_policy_documents() -> dict[str, Any]:
    # imported on first use: the module is one large string that takes about 0.7 s to import
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    documents: dict[str, Any] = json.loads(aws_managed_policies_data)
    return documents


def _ensure_aws_managed_policy(account: str, policy_arn: str) -> None:
    """AWS managed policies exist in every account. moto loads all ~1,600 of them into every IAM
    backend (seconds per account, with MOTO_IAM_LOAD_MANAGED_POLICIES) or none: add the one asked
    for, from moto's own copy of AWS's policies. An unknown name stays unknown (NoSuchEntity)."""
    arn = parse_arn(policy_arn)
    if arn.account != "aws" or arn.service != "iam":
        return
    backend = iam_backends[account][policy_arn.split(":")[1]]
    name = arn.resource_id.rsplit("/", 1)[-1]
    data = _aws_managed_policy_documents().get(name)
    if policy_arn in backend.managed_policies or data is None:
        return
    policy = AWSManagedPolicy.from_data(name, account, backend.region_name, data)
    if policy.arn == policy_arn:
        backend.managed_policies[policy.arn] = policy


def _lifecycle(lifecycle: dict[str, Any]) -> dict[str, Any]:
    converted = _ints(lifecycle, "DeleteAfterDays", "MoveToColdStorageAfterDays")
    if "OptInToArchiveForSupportedResources" in converted:
        converted["OptInToArchiveForSupportedResources"] = _as_bool(
            converted["OptInToArchiveForSupportedResources"]
        )
    return converted


def _index(index: dict[str, Any], *, global_index: bool) -> dict[str, Any]:
    keys = {"IndexName", "KeySchema", "Projection"}
    if global_index:
        keys |= {"ProvisionedThroughput", "OnDemandThroughput"}
    converted = {k: v for k, v in index.items() if k in keys}
    if "ProvisionedThroughput" in converted:
        converted["ProvisionedThroughput"] = _ints(
            converted["ProvisionedThroughput"], "ReadCapacityUnits", "WriteCapacityUnits"
        )
    return converted


def _event_state(props: dict[str, Any]) -> str:
    if "State" in props:
        return str(props["State"])
    return "ENABLED" if _as_bool(props.get("Enabled", True)) else "DISABLED"


def _event_target(target: dict[str, Any]) -> dict[str, Any]:
    converted = dict(target)
    if "RetryPolicy" in converted:
        converted["RetryPolicy"] = _ints(
            converted["RetryPolicy"], "MaximumRetryAttempts", "MaximumEventAgeInSeconds"
        )
    return converted


def deploy(template: Template, client: ClientFactory) -> Deployment:
    """Create every active resource of ``template`` in moto and return the :class:`Deployment`."""
    return Deployer(template, client).deploy()
