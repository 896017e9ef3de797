"""Reliability checks on template.yaml as written (no translation needed): every function and every
dead-letter or failure queue has its alarm, alarms publish straight to the alerts topic (which
CloudWatch may publish to, encrypted with a key CloudWatch may use), the reconcile's heartbeat alarm
follows its schedule, and the DR vault's lock window allows every retention the stack's copies get.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from sandbox.template import PhysicalIds, StackContext, Template, load_yaml, read_samconfig
from tests.conftest import ROOT

RAW = load_yaml(ROOT / "template.yaml")
DR = load_yaml(ROOT / "dr" / "template.yaml")
RESOURCES: dict[str, dict[str, Any]] = RAW["Resources"]
TOPIC = {"Ref": "AlertsTopic"}


def of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r.get("Properties", {}) for name, r in RESOURCES.items() if r["Type"] == resource_type}


ALARMS = of_type("AWS::CloudWatch::Alarm")


def _ref(value: Any) -> str | None:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None


def _dimension_targets(props: dict[str, Any], name: str) -> set[str]:
    return {str(_ref(d["Value"])) for d in props.get("Dimensions", []) if d["Name"] == name}


def alarms_on(namespace: str, metric: str, dimension: str) -> dict[str, dict[str, Any]]:
    """Alarms on ``metric``, by the logical id their dimension ``dimension`` references."""
    found: dict[str, dict[str, Any]] = {}
    for props in ALARMS.values():
        if props.get("Namespace") == namespace and props.get("MetricName") == metric:
            for target in _dimension_targets(props, dimension):
                found[target] = props
    return found


def _walk(node: Any) -> list[Any]:
    found = [node]
    if isinstance(node, dict):
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def failure_queues() -> set[str]:
    """Queues something sends its failures to: redrive targets, rule target and function
    dead-letter queues, on-failure destinations."""
    queues = set(of_type("AWS::SQS::Queue"))
    pointers = (
        ("RedrivePolicy", "deadLetterTargetArn"),
        ("DeadLetterConfig", "Arn"),
        ("OnFailure", "Destination"),
    )
    targets = {
        _ref(node[holder][key])
        for node in _walk(RESOURCES)
        if isinstance(node, dict)
        for holder, key in pointers
        if isinstance(node.get(holder), dict) and key in node[holder]
    }
    return {str(target) for target in targets if target in queues}


def test_every_function_has_an_errors_and_a_throttles_alarm() -> None:
    functions = set(of_type("AWS::Serverless::Function"))
    assert functions, "no function found"
    for metric in ("Errors", "Throttles"):
        alarmed = alarms_on("AWS/Lambda", metric, "FunctionName")
        assert functions - set(alarmed) == set(), f"functions without a {metric} alarm"
        for props in alarmed.values():
            assert props["ComparisonOperator"] == "GreaterThanThreshold" and props["Threshold"] == 0
            assert props["Statistic"] == "Sum" and props["TreatMissingData"] == "notBreaching"


def test_every_dead_letter_and_failure_queue_alarms_on_a_visible_message() -> None:
    queues = failure_queues()
    assert {"FailedEventsQueue", "NotificationDLQ"} <= queues
    alarmed = alarms_on("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName")
    assert queues - set(alarmed) == set()
    for queue in queues:
        props = alarmed[queue]
        assert (props["ComparisonOperator"], props["Threshold"]) == ("GreaterThanThreshold", 0)
        assert props["Statistic"] == "Maximum"


def test_alarms_publish_straight_to_the_alerts_topic_never_through_notify() -> None:
    assert ALARMS
    for name, props in ALARMS.items():
        assert props["AlarmActions"] == [TOPIC], name
        assert props["OKActions"] == [TOPIC], name
        # nothing an alarm triggers goes through a function, a queue or the notification path
        assert "NotifyFunction" not in str(props.get("AlarmActions")) + str(props.get("OKActions"))


def test_cloudwatch_may_publish_to_the_encrypted_topic() -> None:
    [policy] = [p for p in of_type("AWS::SNS::TopicPolicy").values() if TOPIC in p["Topics"]]
    [statement] = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert statement["Effect"] == "Allow" and statement["Action"] == "sns:Publish"
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    key = RESOURCES[_ref(RESOURCES["AlertsTopic"]["Properties"]["KmsMasterKeyId"]) or ""]["Properties"]
    allowed = [
        s
        for s in key["KeyPolicy"]["Statement"]
        if "cloudwatch.amazonaws.com" in str(s["Principal"]) and s["Effect"] == "Allow"
    ]
    actions = {action for s in allowed for action in s["Action"]}
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= actions


def _resolved(resource: str, prop: str, **parameters: str) -> Any:
    template = Template(
        ROOT / "template.yaml",
        context=StackContext("123456789012", "us-east-1", "t"),
        parameter_overrides={"SlackWebhookSecretArn": "", **parameters},
    )
    props = template.merged_properties(template.resources()[resource])
    return template.resolve(props[prop], PhysicalIds())


RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours)\)$")


@pytest.mark.parametrize("schedule", RAW["Parameters"]["ReconcileSchedule"]["AllowedValues"])
def test_the_reconcile_heartbeat_spans_two_of_its_schedule_periods(schedule: str) -> None:
    match = RATE.match(schedule)
    assert match, schedule
    seconds = int(match[1]) * (60 if match[2].startswith("minute") else 3600)
    props = ALARMS["ReconcileNotFinishingAlarm"]
    assert props["MetricName"] == "ReconcileRunsFinished" and props["TreatMissingData"] == "breaching"
    assert props["EvaluationPeriods"] == props["DatapointsToAlarm"] == 2
    assert (props["ComparisonOperator"], props["Threshold"]) == ("LessThanThreshold", 1)
    period = int(_resolved("ReconcileNotFinishingAlarm", "Period", ReconcileSchedule=schedule))
    assert period == seconds and period * 2 <= 86_400  # CloudWatch: periods x evaluations <= a day
    assert "ReconcileRunsFinished" in (ROOT / "functions" / "reconcile" / "app.py").read_text()


# -- DR retention ---------------------------------------------------------------------------------
def _lock_window() -> tuple[int, int]:
    parameters = DR["Parameters"]
    return int(parameters["MinRetentionDays"]["Default"]), int(parameters["MaxRetentionDays"]["Default"])


def _plan_retentions() -> dict[str, int]:
    return {
        name: int(rule["Lifecycle"]["DeleteAfterDays"])
        for name, props in of_type("AWS::Backup::BackupPlan").items()
        for rule in props["BackupPlan"]["BackupPlanRule"]
    }


OVERRIDES = (
    "CopyRetentionDays",
    "DailyCopyRetentionDays",
    "WeeklyCopyRetentionDays",
    "MonthlyCopyRetentionDays",
)


def test_the_dr_vault_lock_window_allows_every_retention_the_stacks_copies_get() -> None:
    low, high = _lock_window()
    # a copy keeps its source's retention unless overridden: every plan's must fit
    retentions = _plan_retentions()
    assert set(retentions) == {"DailyPlan", "WeeklyPlan", "MonthlyPlan"}
    for plan, days in retentions.items():
        assert low <= days <= high, f"{plan} keeps {days} days, outside the DR lock's {low}-{high}"
    # the overrides default to "the source's" (0)
    parameters = RAW["Parameters"]
    for name in OVERRIDES:
        assert parameters[name]["Default"] == 0 and parameters[name]["MinValue"] == 0, name
    # and every configuration this repository deploys with sets only values inside the window
    for environment in ("default", "prod", "sandbox"):
        overrides = read_samconfig(ROOT / "samconfig.toml", environment).parameter_overrides
        for name in OVERRIDES:
            value = int(overrides.get(name, "0"))
            assert value == 0 or low <= value <= high, (environment, name, value)


def test_each_plan_carries_its_copy_retention_override_as_a_tag() -> None:
    plans = of_type("AWS::Backup::BackupPlan")
    for plan, parameter in (
        ("DailyPlan", "DailyCopyRetentionDays"),
        ("WeeklyPlan", "WeeklyCopyRetentionDays"),
        ("MonthlyPlan", "MonthlyCopyRetentionDays"),
    ):
        assert plans[plan]["BackupPlanTags"]["backup-autopilot:copy-retention-days"] == {"Ref": parameter}
    global_retention = RAW["Globals"]["Function"]["Environment"]["Variables"]["COPY_DELETE_AFTER_DAYS"]
    assert global_retention == {"Ref": "CopyRetentionDays"}
