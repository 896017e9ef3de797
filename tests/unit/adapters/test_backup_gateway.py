"""AWS Backup's plan catalogue, selections, jobs and recovery points through the gateway (botocore's
Stubber): which plans a tag may name and what each carries, the plans refused (and why), what is
cached and when it is read again, the selection created once with its exclusions, a backup job as
DescribeBackupJob tells it (and when AWS does not know it), every page of every listing."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from backup_autopilot.adapters.backup import BackupGateway, selection_name
from backup_autopilot.adapters.cache import TtlCache
from backup_autopilot.logic.plan_catalogue import FOREIGN_VAULT, NOT_LISTED, Rejection
from backup_autopilot.logic.protection import Plan
from backup_autopilot.logic.resources import parse_resource_arn
from backup_autopilot.logic.selection_health import JobSummary
from backup_autopilot.logic.tokens import token

if TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
POINT = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:1a2b3c4d-0000-4000-8000-000000000001"


def _plan_arn(plan_id: str) -> str:
    return f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-plan:{plan_id}"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def aws() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("backup", region_name="us-east-1")
    stub = Stubber(client)
    with stub:
        yield client, stub
        stub.assert_no_pending_responses()


def _listed(*plans: tuple[str, str]) -> dict[str, Any]:
    return {
        "BackupPlansList": [
            {"BackupPlanId": plan_id, "BackupPlanName": name, "BackupPlanArn": _plan_arn(plan_id)}
            for plan_id, name in plans
        ]
    }


def _document(vault: str, rule: str, **extra: Any) -> dict[str, Any]:
    return {
        "BackupPlan": {
            "BackupPlanName": rule,
            "Rules": [{"RuleName": rule, "TargetBackupVaultName": vault, **extra}],
        }
    }


def test_the_plan_catalogue_from_every_page_with_what_each_plan_carries(aws: tuple[Any, Stubber]) -> None:
    client, stub = aws
    refused: list[list[Rejection]] = []
    gateway = BackupGateway(
        client,
        role_arn=ROLE,
        stack_name="bap",
        stack_plans={"p-daily": "daily", "p-weekly": "weekly"},
        listed=("team-plan", "p-foreign"),
        vaults=["primary", "team-vault"],
        on_rejected=refused.append,
    )
    tags = {
        "p-daily": {"backup-autopilot:copy-retention-days": "90"},
        "p-weekly": {},
        "p-team": {"backup-autopilot:plan": "team"},
        "p-foreign": {},
        "p-x": {"backup-autopilot:assignable": "true"},  # tagged, not listed: refused
    }

    def tags_of(plan_id: str) -> None:
        stub.add_response("list_tags", {"Tags": tags[plan_id]}, {"ResourceArn": _plan_arn(plan_id)})

    # each plan's tags as its page is read
    stub.add_response("list_backup_plans", {**_listed(("p-daily", "bap-daily")), "NextToken": "2"}, {})
    tags_of("p-daily")
    stub.add_response(
        "list_backup_plans",
        _listed(("p-weekly", "bap-weekly"), ("p-team", "team-plan"), ("p-foreign", "foreign"), ("p-x", "x")),
        {"NextToken": "2"},
    )
    for plan_id in ("p-weekly", "p-team", "p-foreign", "p-x"):
        tags_of(plan_id)
    # the assignable plans' rules: the stack's in their order, then the listed ones
    stub.add_response(
        "get_backup_plan",
        _document(
            "primary",
            "daily",
            ScheduleExpression="cron(0 5 ? * * *)",
            StartWindowMinutes=120,
            Lifecycle={"DeleteAfterDays": 35, "OptInToArchiveForSupportedResources": False},
        ),
        {"BackupPlanId": "p-daily"},
    )
    stub.add_response(
        "get_backup_plan",
        _document("primary", "weekly", ScheduleExpression="cron(0 5 ? * 1 *)"),
        {"BackupPlanId": "p-weekly"},
    )
    stub.add_response("get_backup_plan", _document("team-vault", "hourly"), {"BackupPlanId": "p-team"})
    stub.add_response("get_backup_plan", _document("elsewhere", "r"), {"BackupPlanId": "p-foreign"})

    plans = gateway.assignable_plans()

    assert plans == {
        "daily": Plan(
            alias="daily",
            plan_id="p-daily",
            plan_arn=_plan_arn("p-daily"),
            vault_name="primary",
            rule_name="daily",
            lifecycle={"DeleteAfterDays": 35, "OptInToArchiveForSupportedResources": False},
            interval=dt.timedelta(days=1),
            start_window=dt.timedelta(minutes=120),
            stack_owned=True,
            copy_retention_days=90,
        ),
        "weekly": Plan(
            alias="weekly",
            plan_id="p-weekly",
            plan_arn=_plan_arn("p-weekly"),
            vault_name="primary",
            rule_name="weekly",
            lifecycle={},
            interval=dt.timedelta(days=7),
            start_window=dt.timedelta(minutes=480),  # AWS's default when the rule names none
            stack_owned=True,
            copy_retention_days=None,
        ),
        "team": Plan(
            alias="team",
            plan_id="p-team",
            plan_arn=_plan_arn("p-team"),
            vault_name="team-vault",
            rule_name="hourly",
            lifecycle={},
            interval=dt.timedelta(days=1),  # a rule without a schedule: AWS's daily default
            start_window=dt.timedelta(minutes=480),
            stack_owned=False,
            copy_retention_days=None,
        ),
    }
    [rejections] = refused
    assert sorted((r.plan.plan_id, r.reason, r.vault) for r in rejections) == [
        ("p-foreign", FOREIGN_VAULT, "elsewhere"),
        ("p-x", NOT_LISTED, None),
    ]


def test_the_catalogue_is_read_once_and_again_when_asked_or_expired(aws: tuple[Any, Stubber]) -> None:
    client, stub = aws
    clock = Clock()
    gateway = BackupGateway(
        client,
        role_arn=ROLE,
        stack_name="bap",
        cache=TtlCache(seconds=300, clock=clock),
        stack_plans={"p-daily": "daily"},
    )

    def expect_one_read() -> None:
        stub.add_response("list_backup_plans", _listed(("p-daily", "bap-daily")), {})
        stub.add_response("list_tags", {"Tags": {}}, {"ResourceArn": _plan_arn("p-daily")})
        stub.add_response("get_backup_plan", _document("primary", "daily"), {"BackupPlanId": "p-daily"})

    expect_one_read()
    assert list(gateway.assignable_plans()) == ["daily"]
    assert list(gateway.assignable_plans()) == ["daily"]  # cached: no call
    expect_one_read()
    assert list(gateway.assignable_plans(refresh=True)) == ["daily"]
    clock.now += 301
    expect_one_read()
    assert list(gateway.assignable_plans()) == ["daily"]
    stub.assert_no_pending_responses()


def test_no_rejection_reported_when_nothing_is_refused(aws: tuple[Any, Stubber]) -> None:
    client, stub = aws
    refused: list[list[Rejection]] = []
    gateway = BackupGateway(client, role_arn=ROLE, stack_name="bap", on_rejected=refused.append)
    stub.add_response("list_backup_plans", _listed(("p-other", "other")), {})
    stub.add_response("list_tags", {"Tags": {}}, {"ResourceArn": _plan_arn("p-other")})
    assert gateway.assignable_plans() == {}
    assert refused == []


# -- Region settings ----------------------------------------------------------------------------------
def test_opt_in_is_read_once_and_again_after_the_stack_opts_in(aws: tuple[Any, Stubber]) -> None:
    client, stub = aws
    gateway = BackupGateway(client, role_arn=ROLE, stack_name="bap")
    stub.add_response(
        "describe_region_settings", {"ResourceTypeOptInPreference": {"EFS": False, "EBS": True}}, {}
    )
    stub.add_response("update_region_settings", {}, {"ResourceTypeOptInPreference": {"EFS": True}})
    stub.add_response("describe_region_settings", {"ResourceTypeOptInPreference": {"EFS": True}}, {})
    assert gateway.opted_in("EBS") is True
    assert gateway.opted_in("EFS") is False
    assert gateway.opted_in("FSx") is False  # a type AWS does not list
    gateway.opt_in("EFS")
    assert gateway.opted_in("EFS") is True


# -- selections ---------------------------------------------------------------------------------------
def _plan(**overrides: Any) -> Plan:
    values: dict[str, Any] = {
        "alias": "team",
        "plan_id": "p-team",
        "plan_arn": _plan_arn("p-team"),
        "vault_name": "team-vault",
        "rule_name": "hourly",
    }
    return Plan(**{**values, **overrides})


def _selections(*names: str, more: bool = False) -> dict[str, Any]:
    page: dict[str, Any] = {
        "BackupSelectionsList": [
            {"SelectionId": f"s-{i}", "SelectionName": name, "BackupPlanId": "p-team"}
            for i, name in enumerate(names)
        ]
    }
    if more:
        page["NextToken"] = "2"
    return page


def test_a_plan_with_its_selection_on_a_later_page_gets_none(aws: tuple[Any, Stubber]) -> None:
    client, stub = aws
    gateway = BackupGateway(client, role_arn=ROLE, stack_name="bap")
    stub.add_response(
        "list_backup_selections", _selections("someone-elses", more=True), {"BackupPlanId": "p-team"}
    )
    stub.add_response(
        "list_backup_selections",
        _selections(selection_name("team")),
        {"BackupPlanId": "p-team", "NextToken": "2"},
    )
    assert gateway.ensure_selection(_plan(), "backup-autopilot:plan") is False
    assert gateway.ensure_selection(_plan(), "backup-autopilot:plan") is False  # cached: no call


def test_a_plan_without_its_selection_gets_one_by_tag_without_test_or_covered_resources(
    aws: tuple[Any, Stubber],
) -> None:
    client, stub = aws
    gateway = BackupGateway(client, role_arn=ROLE, stack_name="bap")
    stub.add_response("list_backup_selections", _selections("someone-elses"), {"BackupPlanId": "p-team"})
    stub.add_response(
        "create_backup_selection",
        {"SelectionId": "s-new", "BackupPlanId": "p-team"},
        {
            "BackupPlanId": "p-team",
            "BackupSelection": {
                "SelectionName": selection_name("team"),
                "IamRoleArn": ROLE,
                "Resources": ["*"],
                "Conditions": {
                    "StringEquals": [
                        {"ConditionKey": "aws:ResourceTag/backup-autopilot:plan", "ConditionValue": "team"}
                    ],
                    "StringNotLike": [
                        {
                            "ConditionKey": "aws:ResourceTag/backup-autopilot:restore-test",
                            "ConditionValue": "*",
                        },
                        {
                            "ConditionKey": "aws:ResourceTag/backup-autopilot:covered-by",
                            "ConditionValue": "*",
                        },
                    ],
                },
            },
            "CreatorRequestId": token("selection", "p-team", "backup-autopilot:plan")[:50],
        },
    )
    # after creating it, the next call looks again (and finds it)
    stub.add_response(
        "list_backup_selections", _selections(selection_name("team")), {"BackupPlanId": "p-team"}
    )
    assert gateway.ensure_selection(_plan(), "backup-autopilot:plan") is True
    assert gateway.ensure_selection(_plan(), "backup-autopilot:plan") is False


# -- jobs and points ----------------------------------------------------------------------------------
def test_protected_resources_from_every_page_with_their_last_backup(aws: tuple[Any, Stubber]) -> None:
    client, stub = aws
    when = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)
    other = TABLE.replace("orders", "users")
    stub.add_response(
        "list_protected_resources",
        {"Results": [{"ResourceArn": TABLE, "LastBackupTime": when}], "NextToken": "2"},
        {"MaxResults": 1000},
    )
    stub.add_response(
        "list_protected_resources",
        {"Results": [{"ResourceArn": other}]},
        {"MaxResults": 1000, "NextToken": "2"},
    )
    gateway = BackupGateway(client, role_arn=ROLE, stack_name="bap")
    assert gateway.protected_resources() == {TABLE: when, other: None}


def test_a_resource_s_backup_jobs_from_every_page_with_their_plan(aws: tuple[Any, Stubber]) -> None:
    client, stub = aws
    since = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    first, second = since + dt.timedelta(days=1), since + dt.timedelta(days=2)
    request = {"ByResourceArn": TABLE, "ByCreatedAfter": since, "MaxResults": 1000}
    stub.add_response(
        "list_backup_jobs",
        {"BackupJobs": [{"CreationDate": first, "CreatedBy": {"BackupPlanId": "p-daily"}}], "NextToken": "2"},
        request,
    )
    stub.add_response(
        "list_backup_jobs", {"BackupJobs": [{"CreationDate": second}]}, {**request, "NextToken": "2"}
    )
    gateway = BackupGateway(client, role_arn=ROLE, stack_name="bap")
    assert gateway.backup_jobs_of(TABLE, since) == [JobSummary(first, "p-daily"), JobSummary(second, None)]


def _job(**extra: Any) -> dict[str, Any]:
    return {
        "BackupJobId": "job-1",
        "State": "COMPLETED",
        "ResourceArn": TABLE,
        "CreationDate": dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC),
        **extra,
    }


def test_a_completed_backup_with_the_days_its_point_is_kept(aws: tuple[Any, Stubber]) -> None:
    client, stub = aws
    delete_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=34, hours=12)
    stub.add_response(
        "describe_backup_job",
        _job(RecoveryPointArn=POINT, BackupVaultName="primary"),
        {"BackupJobId": "job-1"},
    )
    stub.add_response(
        "describe_recovery_point",
        {"CalculatedLifecycle": {"DeleteAt": delete_at}},
        {"BackupVaultName": "primary", "RecoveryPointArn": POINT},
    )
    backup = BackupGateway(client, role_arn=ROLE, stack_name="bap").completed_backup("job-1")
    assert backup is not None
    assert (backup.job_id, backup.state, backup.resource_arn, backup.recovery_point_arn) == (
        "job-1",
        "COMPLETED",
        TABLE,
        POINT,
    )
    assert backup.created == dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)
    assert backup.keep_days == 35


def test_a_point_about_to_expire_is_kept_a_day_at_least(aws: tuple[Any, Stubber]) -> None:
    client, stub = aws
    stub.add_response("describe_backup_job", _job(RecoveryPointArn=POINT, BackupVaultName="primary"), None)
    stub.add_response(
        "describe_recovery_point",
        {"CalculatedLifecycle": {"DeleteAt": dt.datetime.now(dt.UTC) - dt.timedelta(days=3)}},
        None,
    )
    backup = BackupGateway(client, role_arn=ROLE, stack_name="bap").completed_backup("job-1")
    assert backup is not None and backup.keep_days == 1


def test_a_point_kept_indefinitely_or_gone_has_no_days(aws: tuple[Any, Stubber]) -> None:
    client, stub = aws
    gateway = BackupGateway(client, role_arn=ROLE, stack_name="bap")
    stub.add_response("describe_backup_job", _job(RecoveryPointArn=POINT, BackupVaultName="primary"), None)
    stub.add_response("describe_recovery_point", {}, None)
    stub.add_response("describe_backup_job", _job(RecoveryPointArn=POINT, BackupVaultName="primary"), None)
    stub.add_client_error("describe_recovery_point", "ResourceNotFoundException")
    stub.add_response("describe_backup_job", _job(RecoveryPointArn=POINT, BackupVaultName="primary"), None)
    stub.add_client_error("describe_recovery_point", "ThrottlingException")
    first, second = gateway.completed_backup("job-1"), gateway.completed_backup("job-1")
    assert first is not None and first.keep_days is None
    assert second is not None and second.keep_days is None and second.recovery_point_arn == POINT
    with pytest.raises(ClientError, match="ThrottlingException"):
        gateway.completed_backup("job-1")


def test_a_job_without_a_point_reads_no_point(aws: tuple[Any, Stubber]) -> None:
    client, stub = aws
    gateway = BackupGateway(client, role_arn=ROLE, stack_name="bap")
    stub.add_response("describe_backup_job", {"BackupJobId": "job-1"}, None)  # no point, no state
    stub.add_response("describe_backup_job", _job(RecoveryPointArn=POINT), None)  # no vault named
    backup = gateway.completed_backup("job-1")
    assert backup is not None
    assert (
        backup.state,
        backup.resource_arn,
        backup.recovery_point_arn,
        backup.created,
        backup.keep_days,
    ) == (
        "UNKNOWN",
        "",
        None,
        None,
        None,
    )
    other = gateway.completed_backup("job-1")
    assert other is not None and other.keep_days is None


@pytest.mark.parametrize("code", ["ResourceNotFoundException", "InvalidParameterValueException"])
def test_a_job_aws_does_not_know_is_none(aws: tuple[Any, Stubber], code: str) -> None:
    client, stub = aws
    stub.add_client_error("describe_backup_job", code)
    assert BackupGateway(client, role_arn=ROLE, stack_name="bap").completed_backup("job-1") is None


def test_a_job_aws_could_not_read_now_raises(aws: tuple[Any, Stubber]) -> None:
    client, stub = aws
    stub.add_client_error("describe_backup_job", "ThrottlingException")
    with pytest.raises(ClientError, match="ThrottlingException"):
        BackupGateway(client, role_arn=ROLE, stack_name="bap").completed_backup("job-1")


def test_an_on_demand_backup_keeps_its_plan_s_archive_opt_in_as_a_boolean(aws: tuple[Any, Stubber]) -> None:
    """StartBackupJob's parameter validation takes only a boolean for the opt-in (an int fails it)."""
    client, stub = aws
    gateway = BackupGateway(client, role_arn=ROLE, stack_name="bap", stack_plans={"p-monthly": "monthly"})
    lifecycle = {
        "MoveToColdStorageAfterDays": 30,
        "DeleteAfterDays": 365,
        "OptInToArchiveForSupportedResources": True,
    }
    stub.add_response("list_backup_plans", _listed(("p-monthly", "bap-monthly")), {})
    stub.add_response("list_tags", {"Tags": {}}, None)
    stub.add_response("get_backup_plan", _document("primary", "monthly", Lifecycle=lifecycle), None)
    stub.add_response(
        "start_backup_job",
        {"BackupJobId": "job-9"},
        {
            "BackupVaultName": "primary",
            "ResourceArn": TABLE,
            "IamRoleArn": ROLE,
            "IdempotencyToken": "t",
            "StartWindowMinutes": 60,
            "RecoveryPointTags": {"backup-autopilot:plan": "monthly", "backup-autopilot:stack": "bap"},
            "Lifecycle": lifecycle,
        },
    )
    plan = gateway.assignable_plans()["monthly"]
    resource = parse_resource_arn(TABLE)
    assert resource is not None
    assert gateway.start_backup(resource=resource, plan=plan, token="t") == "job-9"
