"""Tag-driven protection end to end in the sandbox: tag -> aws.tag event -> protect_resource ->
first backup; reconcile catches what events miss. The stack is the real template.yaml."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import Sandbox
from sandbox.resources import tagevents
from tests.conftest import ROOT, load_event, scaled

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(template=ROOT / "template.yaml", config_env="sandbox") as sandbox:
        yield sandbox


def make_table(sb: Sandbox, name: str, tags: dict[str, str] | None = None, items: int = 3) -> str:
    return sb.create_table(name, items=items, tags=tags)


def jobs_for(sb: Sandbox, arn: str) -> list[dict[str, Any]]:
    return list(sb.client("backup").list_backup_jobs(ByResourceArn=arn)["BackupJobs"])


def domain_events(sb: Sandbox, detail_type: str) -> list[dict[str, Any]]:
    return [e for e in sb.events if e["source"] == "backup-autopilot" and e["detail-type"] == detail_type]


def test_tagged_table_gets_its_first_backup_at_once(sb: Sandbox) -> None:
    # GIVEN a table, WHEN it is tagged backup-plan=daily
    arn = make_table(sb, "orders", {"backup-plan": "daily"})
    sb.settle()
    # THEN an on-demand backup job starts now (not at the next window), into the plan's vault
    [job] = jobs_for(sb, arn)
    assert job["BackupVaultName"] == sb.physical_id("PrimaryVault")
    assert "CreatedBy" not in job or not job["CreatedBy"].get("BackupPlanId")
    assert len(domain_events(sb, "Resource Protected")) == 1
    # AND it completes with the table's items in the recovery point
    sb.advance(600)
    assert jobs_for(sb, arn)[0]["State"] == "COMPLETED"


def test_three_deliveries_of_one_tag_event_start_one_job(sb: Sandbox) -> None:
    sb.faults.duplicate_deliveries(3)
    arn = make_table(sb, "orders", {"backup-plan": "daily"})
    sb.settle()
    runs = [i for i in sb.invocations if i.function == "ProtectResourceFunction"]
    assert len(runs) == 3
    assert len(jobs_for(sb, arn)) == 1


def test_typo_starts_nothing_and_is_rejected_once(sb: Sandbox) -> None:
    arn = make_table(sb, "orders", {"backup-plan": "Daily"})
    sb.settle()
    assert jobs_for(sb, arn) == []
    [rejected] = domain_events(sb, "Assignment Rejected")
    assert rejected["detail"]["valid_plans"] == ["daily", "monthly", "weekly"]
    assert "did you mean 'daily'" in rejected["detail"]["fix"]
    # AND the rejection reaches people: SQS batch -> notify -> one SNS digest
    sb.advance(120)
    assert any("Assignment Rejected" in n["Message"] for n in sb.notifications)


def test_untagged_table_is_left_alone(sb: Sandbox) -> None:
    arn = make_table(sb, "scratch", {"team": "x"})
    sb.settle()
    assert jobs_for(sb, arn) == []
    assert not [i for i in sb.invocations if i.function == "ProtectResourceFunction"]


def test_removing_the_tag_raises_protection_removed(sb: Sandbox) -> None:
    arn = make_table(sb, "orders", {"backup-plan": "daily"})
    sb.settle()
    sb.client("dynamodb").untag_resource(ResourceArn=arn, TagKeys=["backup-plan"])
    sb.settle()
    [removed] = domain_events(sb, "Protection Removed")
    assert removed["detail"]["resource"] == arn


def test_bucket_tagged_while_s3_tag_events_are_off_is_protected_by_reconcile(sb: Sandbox) -> None:
    tagevents.set_enabled("S3", False)
    s3 = sb.client("s3")
    s3.create_bucket(Bucket="invoices")
    s3.put_bucket_versioning(Bucket="invoices", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="invoices", Key="2026/03/1.pdf", Body=b"%PDF")
    s3.put_bucket_tagging(Bucket="invoices", Tagging={"TagSet": [{"Key": "backup-plan", "Value": "daily"}]})
    sb.settle()
    assert jobs_for(sb, "arn:aws:s3:::invoices") == []  # the event never came
    sb.advance(3600)  # the hourly reconcile
    assert len(jobs_for(sb, "arn:aws:s3:::invoices")) == 1
    [report] = domain_events(sb, "Coverage Report")
    assert report["detail"]["tagged"] == 1 and report["detail"]["backups_started"] == 1


def test_bucket_without_versioning_is_rejected_with_the_fix(sb: Sandbox) -> None:
    s3 = sb.client("s3")
    s3.create_bucket(Bucket="logs")
    s3.put_bucket_tagging(Bucket="logs", Tagging={"TagSet": [{"Key": "backup-plan", "Value": "daily"}]})
    sb.settle()
    assert jobs_for(sb, "arn:aws:s3:::logs") == []
    [rejected] = domain_events(sb, "Assignment Rejected")
    assert "enable versioning" in rejected["detail"]["fix"]


def test_throttling_on_30_percent_of_backup_calls_protects_every_table_once(sb: Sandbox) -> None:
    sb.faults.throttle("backup", rate=0.3)
    arns = [make_table(sb, f"table-{i}", {"backup-plan": "daily"}) for i in range(12)]
    sb.settle()
    sb.advance(400)  # async retries (60 s, 120 s) of any invocation that still failed
    hits = sb.faults.api[0].hits
    sb.faults.clear()  # the test's own reads must not be throttled
    assert hits > 0
    assert [len(jobs_for(sb, arn)) for arn in arns] == [1] * 12


def test_sample_event_typo_through_invoke_makes_no_backup(sb: Sandbox) -> None:
    # GIVEN the sample event's table, carrying the mistyped tag (the handler reads the tags now)
    make_table(sb, "orders", {"backup-plan": "Daily ", "team": "payments"})
    sb.settle()
    invocation = sb.invoke("ProtectResourceFunction", load_event("protect_resource/typo.json"))
    assert invocation.outcome == "success"
    assert invocation.result["outcome"] == "Assignment Rejected"
    assert sb.client("backup").list_backup_jobs()["BackupJobs"] == []


def test_a_forged_tag_event_for_an_untagged_table_starts_nothing(sb: Sandbox) -> None:
    make_table(sb, "orders", {"team": "payments"})  # the sample event claims backup-plan=daily
    invocation = sb.invoke("ProtectResourceFunction", load_event("protect_resource/dynamodb_added.json"))
    assert invocation.result["outcome"] == "Ignored"
    assert sb.client("backup").list_backup_jobs()["BackupJobs"] == []


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=12), c, max_size=4),
    max_leaves=10,
)


@pytest.mark.fuzz
@settings(
    max_examples=scaled(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    mutation=st.sampled_from(["drop", "replace", "detail"]),
    key=st.sampled_from(["source", "detail-type", "account", "resources", "time", "id", "region", "detail"]),
    value=_json,
)
def test_malformed_tag_events_never_raise_and_write_nothing(
    sb: Sandbox, mutation: str, key: str, value: Any
) -> None:
    event = load_event("protect_resource/dynamodb_added.json")
    if mutation == "drop":
        event.pop(key)
    elif mutation == "replace":
        event[key] = value
    else:
        event["detail"] = {"changed-tag-keys": value, "tags": value, "service": value}
    jobs_before = len(sb.client("backup").list_backup_jobs()["BackupJobs"])
    events_before = len([e for e in sb.events if e["source"] == "backup-autopilot"])
    invocation = sb.invoke("ProtectResourceFunction", json.loads(json.dumps(event)))
    assert invocation.outcome == "success", invocation.error
    if invocation.result["outcome"] == "Rejected":
        assert len(sb.client("backup").list_backup_jobs()["BackupJobs"]) == jobs_before
        assert len([e for e in sb.events if e["source"] == "backup-autopilot"]) == events_before


TEAM_VAULT = "team-vault"


def _team_plan(sb: Sandbox, alias: str | None, created: dict[str, str]) -> dict[str, str]:
    """Another team's plan (and vault), made before the stack is deployed; the deployer lists it."""
    backup = sb.client("backup")
    backup.create_backup_vault(BackupVaultName=TEAM_VAULT)
    plan_id: str = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": "team-frequent",
            "Rules": [
                {
                    "RuleName": "every-4h",
                    "TargetBackupVaultName": TEAM_VAULT,
                    "ScheduleExpression": "cron(0 */4 * * ? *)",
                    "Lifecycle": {"DeleteAfterDays": 7},
                }
            ],
        },
        BackupPlanTags={"backup-autopilot:plan": alias} if alias else {},
    )["BackupPlanId"]
    created["plan_id"] = plan_id
    return {"AssignablePlans": plan_id, "AssignablePlanVaults": TEAM_VAULT}


def test_custom_assignable_plan_gets_one_selection_under_duplicate_deliveries() -> None:
    created: dict[str, str] = {}
    with Sandbox(
        template=ROOT / "template.yaml",
        config_env="sandbox",
        before_deploy=lambda sb: _team_plan(sb, "frequent", created),
    ) as sb:
        plan_id = created["plan_id"]
        sb.faults.duplicate_deliveries(3)
        arns = [make_table(sb, f"cache-{i}", {"backup-plan": "frequent"}) for i in range(2)]
        sb.settle()
        selections = sb.client("backup").list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
        assert [s["SelectionName"] for s in selections] == ["bap-tag-frequent"]
        assert [len(jobs_for(sb, arn)) for arn in arns] == [1, 1]
        assert {j["BackupVaultName"] for arn in arns for j in jobs_for(sb, arn)} == {TEAM_VAULT}
        # AND the plan's own window then backs the tables up through that selection
        sb.faults.clear()
        window = sb.backup_backend().plan_next_window(plan_id)
        sb.advance_to(window + dt.timedelta(minutes=10))
        plan_jobs = [
            j
            for arn in arns
            for j in jobs_for(sb, arn)
            if j.get("CreatedBy", {}).get("BackupPlanId") == plan_id
        ]
        assert len(plan_jobs) == 2


def test_instance_and_its_volume_on_one_plan_are_backed_up_once(sb: Sandbox) -> None:
    ec2 = sb.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][
        0
    ]
    volume = ec2.create_volume(AvailabilityZone=instance["Placement"]["AvailabilityZone"], Size=8)["VolumeId"]
    ec2.attach_volume(VolumeId=volume, InstanceId=instance["InstanceId"], Device="/dev/sdf")
    instance_arn = f"arn:aws:ec2:{sb.region}:{sb.account_id}:instance/{instance['InstanceId']}"
    volume_arn = f"arn:aws:ec2:{sb.region}:{sb.account_id}:volume/{volume}"
    ec2.create_tags(Resources=[instance["InstanceId"]], Tags=[{"Key": "backup-plan", "Value": "daily"}])
    sb.settle()
    ec2.create_tags(Resources=[volume], Tags=[{"Key": "backup-plan", "Value": "daily"}])
    sb.settle()
    assert len(jobs_for(sb, instance_arn)) == 1
    assert jobs_for(sb, volume_arn) == []
    volume_tags = {
        t["Key"]: t["Value"] for t in ec2.describe_volumes(VolumeIds=[volume])["Volumes"][0]["Tags"]
    }
    assert volume_tags["backup-autopilot:covered-by"] == instance_arn
    # AND at the daily window the plan's selection skips the covered volume
    window = sb.backup_backend().plan_next_window(sb.physical_id("DailyPlan"))
    sb.advance_to(window + dt.timedelta(minutes=10))
    assert jobs_for(sb, volume_arn) == []


def test_type_not_opted_in_is_rejected_unless_the_stack_may_opt_in() -> None:
    for allow, expected_jobs in (("false", 0), ("true", 1)):
        with Sandbox(
            template=ROOT / "template.yaml", config_env="sandbox", parameters={"AllowOptIn": allow}
        ) as sb:
            sb.client("backup").update_region_settings(ResourceTypeOptInPreference={"DynamoDB": False})
            arn = make_table(sb, "orders", {"backup-plan": "daily"})
            sb.settle()
            assert len(jobs_for(sb, arn)) == expected_jobs
            opted = sb.client("backup").describe_region_settings()["ResourceTypeOptInPreference"]["DynamoDB"]
            assert opted is (allow == "true")


def test_a_plan_alias_set_after_the_function_cached_the_plans_is_found() -> None:
    created: dict[str, str] = {}
    with Sandbox(
        template=ROOT / "template.yaml",
        config_env="sandbox",
        before_deploy=lambda sb: _team_plan(sb, None, created),
    ) as sb:
        make_table(sb, "warm-up", {"backup-plan": "daily"})  # the container now caches the plan list
        sb.settle()
        # the listed plan gets its alias tag after the plan list was cached
        backup = sb.client("backup")
        plan_arn = backup.get_backup_plan(BackupPlanId=created["plan_id"])["BackupPlanArn"]
        backup.tag_resource(ResourceArn=plan_arn, Tags={"backup-autopilot:plan": "frequent"})
        arn = make_table(sb, "cache-table", {"backup-plan": "frequent"})
        sb.settle()
        assert len(jobs_for(sb, arn)) == 1
        assert domain_events(sb, "Assignment Rejected") == []
