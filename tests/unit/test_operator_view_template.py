"""The operator view in template.yaml: the dashboard (a dozen widgets, each a question, every alarm
on it, every custom metric it reads emitted by a function), the report function and its bucket."""

from __future__ import annotations

import json
import re
from typing import Any

from backup_autopilot.logic.report.metrics import BY_NAME
from sandbox.template import load_yaml
from tests.conftest import ROOT

RAW = load_yaml(ROOT / "template.yaml")
RESOURCES: dict[str, dict[str, Any]] = RAW["Resources"]
SEARCH = re.compile(r"SEARCH\('\{(?P<schema>[^}]*)\} MetricName=\"(?P<name>\w+)\"")
#: metrics with only the service dimension, emitted through the functions' Metrics (not the catalogue)
SERVICE_METRICS = {
    "ReconcileRunsFinished",
    "BackupsStartedByReconcile",
    "ReportsPublished",
    "AlertsSent",
    "AlertsSuppressed",
    "SlackFallbacks",
    "DigestsHeld",
}


def dashboard() -> tuple[dict[str, Any], dict[str, Any]]:
    body, variables = RESOURCES["OperatorDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    return json.loads(body.replace("${SlackAlarm}", "")), variables


def test_about_a_dozen_widgets_each_answer_one_question() -> None:
    body, _ = dashboard()
    questions = [w["properties"]["title"] for w in body["widgets"] if w["type"] in {"metric", "alarm"}]
    assert 10 <= len(questions) <= 16
    assert all("?" in title for title in questions), questions
    assert len(set(questions)) == len(questions)


def test_every_alarm_of_the_template_is_on_the_dashboard() -> None:
    body, variables = dashboard()
    [alarm_widget] = [w for w in body["widgets"] if w["type"] == "alarm"]
    shown = {re.fullmatch(r"\$\{(\w+)\.Arn\}", arn)[1] for arn in alarm_widget["properties"]["alarms"]}  # type: ignore[index]
    conditional = "SlackDeliveryFallbackAlarm" in json.dumps(variables["SlackAlarm"])
    alarms = {name for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert shown | ({"SlackDeliveryFallbackAlarm"} if conditional else set()) == alarms, (
        "add the new alarm's ARN to OperatorDashboard's alarm widget"
    )


def test_every_custom_metric_it_reads_is_catalogued_with_the_dimensions_emitted() -> None:
    body, _ = dashboard()
    read: set[tuple[str, str, frozenset[str]]] = set()
    for widget in body["widgets"]:
        for entry in widget["properties"].get("metrics", []):
            for item in entry:
                if isinstance(item, dict) and "expression" in item:
                    for match in SEARCH.finditer(item["expression"]):
                        namespace, *dims = match["schema"].split(",")
                        read.add((namespace, match["name"], frozenset(dims)))
            if isinstance(entry[0], str):
                read.add((entry[0], entry[1], frozenset(entry[2::2][: (len(entry) - 2) // 2])))
    for namespace, name, dims in read:
        if namespace == "AWS/Backup":
            continue
        assert namespace == "BackupAutopilot"
        if name in SERVICE_METRICS:
            continue
        spec = BY_NAME[name]  # every other metric read is in the catalogue ...
        assert dims == {spec.dimension, "Account", "Region", "service"}, name  # ... with its dimensions
    assert {name for _, name, _ in read} >= set(BY_NAME)  # and every catalogued metric is shown


def test_the_report_bucket_is_private_encrypted_tls_only_and_expires_old_reports() -> None:
    bucket = RESOURCES["ReportBucket"]["Properties"]
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": ["EncryptionKey", "Arn"]},
    }
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireDatedReports"]["ExpirationInDays"] == {"Ref": "ReportRetentionDays"}
    assert rules["ExpireOverwrittenVersions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 7
    [statement] = RESOURCES["ReportBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }


def test_the_report_function_brings_its_own_heavy_dependencies() -> None:
    function = RESOURCES["ReportFunction"]["Properties"]
    assert function["CodeUri"] == "functions/report/"
    requirements = (ROOT / "functions" / "report" / "requirements.txt").read_text()
    assert "leather==" in requirements and "jinja2==" in requirements
    layer = (ROOT / "layers" / "core" / "requirements.txt").read_text().lower()
    assert "leather" not in layer and "jinja2" not in layer  # the event handlers never load them
