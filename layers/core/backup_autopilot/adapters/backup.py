"""AWS Backup through boto3: the plan catalogue, selections, recovery points, backup jobs."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from backup_autopilot.adapters.cache import TtlCache
from backup_autopilot.logic.copies.planning import COPY_RETENTION_TAG, retention_override
from backup_autopilot.logic.plan_catalogue import FOREIGN_VAULT, PlanSummary, Rejection, select_plans
from backup_autopilot.logic.protection import Plan, ResourceGone
from backup_autopilot.logic.restore_tests.recording import CompletedBackup
from backup_autopilot.logic.schedules import interval_of
from backup_autopilot.logic.selection_health import JobSummary
from backup_autopilot.logic.tokens import token

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from mypy_boto3_backup import BackupClient

    from backup_autopilot.logic.resources import ResourceRef

ALIAS_TAG = "backup-autopilot:plan"
STACK_TAG = "backup-autopilot:stack"


def selection_name(alias: str) -> str:
    return f"bap-tag-{alias}"[:50]


class BackupGateway:
    """Implements the protection logic's BackupPort, and the plan catalogue.

    The catalogue (:meth:`assignable_plans`) holds the stack's own plans (``stack_plans``: plan id
    -> alias, from the stack) and the plans the deployer listed (``listed``: ids or names), decided
    by :mod:`backup_autopilot.logic.plan_catalogue`; a listed plan must write to one of ``vaults``
    (the primary vault and ``AssignablePlanVaults``). Plans refused on the way are handed to
    ``on_rejected`` (the composition root publishes them as ``Plan Rejected``).
    """

    def __init__(
        self,
        client: BackupClient,
        *,
        role_arn: str,
        stack_name: str,
        cache: TtlCache | None = None,
        stack_plans: Mapping[str, str] | None = None,
        listed: Sequence[str] = (),
        vaults: Iterable[str] = (),
        on_rejected: Callable[[list[Rejection]], None] | None = None,
    ) -> None:
        self._client = client
        self._role_arn = role_arn
        self._stack = stack_name
        self._cache = cache or TtlCache()
        self._stack_plans = dict(stack_plans or {})
        self._listed = tuple(listed)
        self._vaults = frozenset(vaults)
        self._on_rejected = on_rejected

    @property
    def region(self) -> str:
        """The Region this gateway's client calls."""
        return str(self._client.meta.region_name)

    # -- plans -----------------------------------------------------------------------------
    def assignable_plans(self, refresh: bool = False) -> dict[str, Plan]:
        """The plans a tag value may name, by alias (cached; ``refresh`` reads them again)."""
        if refresh:
            self._cache.forget("plans")
        plans: dict[str, Plan] = self._cache.get("plans", self._load_plans)
        return plans

    def _load_plans(self) -> dict[str, Plan]:
        summaries = [
            PlanSummary(
                plan_id=item["BackupPlanId"],
                name=item.get("BackupPlanName", ""),
                arn=item["BackupPlanArn"],
                tags=self._client.list_tags(ResourceArn=item["BackupPlanArn"]).get("Tags", {}),
            )
            for page in self._client.get_paginator("list_backup_plans").paginate()
            for item in page["BackupPlansList"]
        ]
        selection = select_plans(summaries, stack_plans=self._stack_plans, listed=self._listed)
        rejected = list(selection.rejected)
        by_id = {summary.plan_id: summary for summary in summaries}
        plans: dict[str, Plan] = {}
        for plan_id, alias in selection.assignable.items():
            summary = by_id[plan_id]
            document = self._client.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]
            rule = document["Rules"][0]
            stack_owned = plan_id in self._stack_plans
            if not stack_owned and rule["TargetBackupVaultName"] not in self._vaults:
                rejected.append(Rejection(summary, FOREIGN_VAULT, alias, vault=rule["TargetBackupVaultName"]))
                continue
            plans[alias] = Plan(
                alias=alias,
                plan_id=plan_id,
                plan_arn=summary.arn,
                vault_name=rule["TargetBackupVaultName"],
                rule_name=rule["RuleName"],
                # the rule's days, and its archive opt-in as the boolean the API takes (an int there
                # fails StartBackupJob's parameter validation)
                lifecycle={k: v for k, v in rule.get("Lifecycle", {}).items() if isinstance(v, int)},
                interval=interval_of(rule.get("ScheduleExpression", "cron(0 5 ? * * *)")),
                start_window=dt.timedelta(minutes=int(rule.get("StartWindowMinutes") or 480)),
                stack_owned=stack_owned,
                copy_retention_days=retention_override(summary.tags.get(COPY_RETENTION_TAG)),
            )
        if rejected and self._on_rejected is not None:
            self._on_rejected(rejected)
        return plans

    # -- BackupPort ------------------------------------------------------------------------
    def opted_in(self, resource_type: str) -> bool:
        settings: dict[str, bool] = self._cache.get(
            "region-settings", lambda: self._client.describe_region_settings()["ResourceTypeOptInPreference"]
        )
        return bool(settings.get(resource_type, False))

    def opt_in(self, resource_type: str) -> None:
        self._client.update_region_settings(ResourceTypeOptInPreference={resource_type: True})
        self._cache.forget("region-settings")

    def ensure_selection(self, plan: Plan, plan_tag_key: str) -> bool:
        """Create the plan's tag-condition selection if it lacks one. True when it was created.

        ``CreatorRequestId`` is derived from the plan and the tag, so two concurrent invocations
        send the same request and AWS Backup creates one selection.
        """
        key = f"selection:{plan.plan_id}"
        if self._cache.get(key, lambda: self._has_selection(plan)):
            return False
        self._client.create_backup_selection(
            BackupPlanId=plan.plan_id,
            BackupSelection={
                "SelectionName": selection_name(plan.alias),
                "IamRoleArn": self._role_arn,
                "Resources": ["*"],
                "Conditions": {
                    "StringEquals": [
                        {"ConditionKey": f"aws:ResourceTag/{plan_tag_key}", "ConditionValue": plan.alias}
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
            CreatorRequestId=token("selection", plan.plan_id, plan_tag_key)[:50],
        )
        self._cache.forget(key)
        return True

    def _has_selection(self, plan: Plan) -> bool:
        wanted = selection_name(plan.alias)
        for page in self._client.get_paginator("list_backup_selections").paginate(BackupPlanId=plan.plan_id):
            if any(s["SelectionName"] == wanted for s in page["BackupSelectionsList"]):
                return True
        return False

    def protected_resources(self) -> dict[str, dt.datetime | None]:
        """Every resource AWS Backup has backed up, with its last backup time (1 call per 1,000)."""
        protected: dict[str, dt.datetime | None] = {}
        for page in self._client.get_paginator("list_protected_resources").paginate(
            PaginationConfig={"PageSize": 1000}
        ):
            for item in page["Results"]:
                protected[item["ResourceArn"]] = item.get("LastBackupTime")
        return protected

    def latest_backup(self, resource_arn: str) -> dt.datetime | None:
        """When AWS Backup last backed the resource up (DescribeProtectedResource: one call, and no
        assumption about the order in which ListRecoveryPointsByResource lists points, which AWS
        does not document). None when AWS Backup has never backed it up."""
        try:
            response = self._client.describe_protected_resource(ResourceArn=resource_arn)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return None  # not a protected resource yet: never backed up
            raise
        return response.get("LastBackupTime")

    def backup_jobs_of(self, resource_arn: str, since: dt.datetime) -> list[JobSummary]:
        """The resource's backup jobs created since ``since`` (at most 30 days back, as AWS keeps)."""
        paginator = self._client.get_paginator("list_backup_jobs")
        return [
            JobSummary(created=job["CreationDate"], plan_id=(job.get("CreatedBy") or {}).get("BackupPlanId"))
            for page in paginator.paginate(
                ByResourceArn=resource_arn, ByCreatedAfter=since, PaginationConfig={"PageSize": 1000}
            )
            for job in page["BackupJobs"]
        ]

    def completed_backup(self, job_id: str) -> CompletedBackup | None:
        """The backup job, read with DescribeBackupJob (None when AWS does not know it)."""
        try:
            job = self._client.describe_backup_job(BackupJobId=job_id)
        except ClientError as error:
            if error.response["Error"]["Code"] in {
                "ResourceNotFoundException",
                "InvalidParameterValueException",
            }:
                return None
            raise
        delete_at = None
        if job.get("RecoveryPointArn") and job.get("BackupVaultName"):
            try:
                point = self._client.describe_recovery_point(
                    BackupVaultName=job["BackupVaultName"], RecoveryPointArn=job["RecoveryPointArn"]
                )
                delete_at = (point.get("CalculatedLifecycle") or {}).get("DeleteAt")
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
        created = job.get("CreationDate")
        keep = max(1, (delete_at - dt.datetime.now(dt.UTC)).days + 1) if delete_at else None
        return CompletedBackup(
            job_id=job_id,
            state=job.get("State", "UNKNOWN"),
            resource_arn=job.get("ResourceArn", ""),
            recovery_point_arn=job.get("RecoveryPointArn"),
            created=created,
            keep_days=keep,
        )

    def start_backup(self, *, resource: ResourceRef, plan: Plan, token: str) -> str:
        request: dict[str, Any] = {
            "BackupVaultName": plan.vault_name,
            "ResourceArn": resource.arn,
            "IamRoleArn": self._role_arn,
            "IdempotencyToken": token,
            "StartWindowMinutes": 60,
            "RecoveryPointTags": {ALIAS_TAG: plan.alias, STACK_TAG: self._stack},
        }
        if plan.lifecycle:
            request["Lifecycle"] = dict(plan.lifecycle)
        if plan.copy_retention_days:
            # an on-demand point names no plan (CreatedBy): its copies read the plan's override here
            request["RecoveryPointTags"][COPY_RETENTION_TAG] = str(plan.copy_retention_days)
        try:
            job_id: str = self._client.start_backup_job(**request)["BackupJobId"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                raise ResourceGone(resource.arn) from error
            raise
        return job_id
