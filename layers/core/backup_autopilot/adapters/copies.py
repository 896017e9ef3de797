"""Copies through boto3: recovery point facts, the resource's copy tag, StartCopyJob."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from backup_autopilot.adapters.cache import TtlCache
from backup_autopilot.logic.copies.failures import COPY_FAILURE_STATES, RETRYABLE, classify_failure
from backup_autopilot.logic.copies.planning import (
    COPY_RETENTION_TAG,
    RecoveryPointFacts,
    is_continuous_arn,
    retention_override,
)
from backup_autopilot.logic.copies.service import CopyJobFacts, CopyRefused
from backup_autopilot.logic.copies.sweep import PointSummary

if TYPE_CHECKING:
    import datetime as dt

    from backup_autopilot.logic.copies.planning import CopyOrder

ClientFactory = Callable[[str, str | None], Any]


#: StartCopyJob errors that no retry fixes: the copy is reported as refused, not retried
REFUSALS = frozenset({"InvalidParameterValueException", "InvalidRequestException"})


class CopyGateway:
    def __init__(self, client_for: ClientFactory, *, role_arn: str, cache: TtlCache | None = None) -> None:
        self._client_for = client_for
        self._role_arn = role_arn
        self._cache = cache or TtlCache()

    def recovery_point(self, *, vault_name: str, arn: str, account: str, region: str) -> RecoveryPointFacts:
        backup = self._client_for("backup", region)
        point = backup.describe_recovery_point(BackupVaultName=vault_name, RecoveryPointArn=arn)
        created_by = point.get("CreatedBy") or {}
        plan_vaults, continuous_rule = self._plan_rule(
            region, created_by.get("BackupPlanId"), created_by.get("BackupRuleId")
        )
        key_arn = point.get("EncryptionKeyArn")
        return RecoveryPointFacts(
            arn=arn,
            vault_name=vault_name,
            account=account,
            region=region,
            resource_arn=point["ResourceArn"],
            resource_type=point["ResourceType"],
            status=point["Status"],
            storage_class=point.get("StorageClass", "WARM"),
            aws_managed_key=self._aws_managed(region, key_arn) if key_arn else False,
            plan_copy_vaults=plan_vaults,
            creation_date=point.get("CreationDate"),
            continuous=continuous_rule or is_continuous_arn(arn),
            copy_retention_days=self._copy_retention(region, created_by.get("BackupPlanArn"), arn),
        )

    def _copy_retention(self, region: str, plan_arn: str | None, point_arn: str) -> int | None:
        """The plan's copy retention override (tag ``backup-autopilot:copy-retention-days``): read
        on the plan that made the point (ListTags, cached per plan), or, for an on-demand backup
        (no plan in ``CreatedBy``), on the point itself, which the stack tags from its plan."""
        backup = self._client_for("backup", region)
        if plan_arn:
            tags: dict[str, str] = self._cache.get(
                f"plan-tags:{plan_arn}", lambda: backup.list_tags(ResourceArn=plan_arn).get("Tags", {})
            )
        else:
            tags = backup.list_tags(ResourceArn=point_arn).get("Tags", {})
        return retention_override(tags.get(COPY_RETENTION_TAG))

    def _plan_rule(
        self, region: str, plan_id: str | None, rule_id: str | None
    ) -> tuple[tuple[str, ...], bool]:
        """The copy destinations of the rule that made a point, and whether that rule makes
        continuous backups (one GetBackupPlan per plan and rule, cached)."""
        if not plan_id:
            return (), False

        def load() -> tuple[tuple[str, ...], bool]:
            rules = [
                rule
                for rule in self._client_for("backup", region).get_backup_plan(BackupPlanId=plan_id)[
                    "BackupPlan"
                ]["Rules"]
                if rule_id is None or rule.get("RuleId") == rule_id
            ]
            vaults = tuple(
                action["DestinationBackupVaultArn"]
                for rule in rules
                for action in rule.get("CopyActions", [])
            )
            continuous = rule_id is not None and any(rule.get("EnableContinuousBackup") for rule in rules)
            return vaults, continuous

        found: tuple[tuple[str, ...], bool] = self._cache.get(f"plan-rule:{plan_id}:{rule_id}", load)
        return found

    def _aws_managed(self, region: str, key_arn: str) -> bool:
        def load() -> bool:
            metadata = self._client_for("kms", region).describe_key(KeyId=key_arn)["KeyMetadata"]
            return bool(metadata.get("KeyManager") == "AWS")

        managed: bool = self._cache.get(f"key:{key_arn}", load)
        return managed

    def copy_to_tag(self, resource_arn: str, region: str, tag_key: str) -> str | None:
        response = self._client_for("resourcegroupstaggingapi", region).get_resources(
            ResourceARNList=[resource_arn]
        )
        for item in response.get("ResourceTagMappingList", []):
            for tag in item.get("Tags", []):
                if tag["Key"] == tag_key:
                    return str(tag["Value"])
        return None

    def start_copy(
        self, point: RecoveryPointFacts, order: CopyOrder, *, delete_after_days: int | None
    ) -> str:
        """StartCopyJob with the order's token; without ``delete_after_days`` no lifecycle is sent,
        and the copy keeps its source's expiry."""
        request: dict[str, Any] = {
            "RecoveryPointArn": point.arn,
            "SourceBackupVaultName": point.vault_name,
            "DestinationBackupVaultArn": order.destination.vault_arn,
            "IamRoleArn": self._role_arn,
            "IdempotencyToken": order.token,
        }
        if delete_after_days is not None:
            request["Lifecycle"] = {"DeleteAfterDays": delete_after_days}
        try:
            response = self._client_for("backup", point.region).start_copy_job(**request)
        except ClientError as error:
            if error.response["Error"]["Code"] in REFUSALS:
                raise CopyRefused(
                    f"{error.response['Error']['Code']}: {error.response['Error'].get('Message', '')}"
                ) from error
            raise
        job_id: str = response["CopyJobId"]
        return job_id

    def copy_job(
        self,
        *,
        copy_job_id: str | None,
        source_point_arn: str | None,
        destination_vault_arn: str | None,
        state: str,
        region: str,
    ) -> CopyJobFacts | None:
        """DescribeCopyJob by id; without one (a minimal event), the latest copy job of the source
        point in ``state`` (to the destination vault when known), from ListCopyJobs."""
        backup = self._client_for("backup", region)
        if copy_job_id:
            try:
                job = backup.describe_copy_job(CopyJobId=copy_job_id)["CopyJob"]
            except ClientError as error:
                if error.response["Error"]["Code"] == "ResourceNotFoundException":
                    return None
                raise
        elif source_point_arn:
            filters = {"BySourceRecoveryPointArn": source_point_arn, "ByState": state}
            if destination_vault_arn:
                filters["ByDestinationVaultArn"] = destination_vault_arn
            listed = backup.list_copy_jobs(**filters)["CopyJobs"]
            if not listed:
                return None
            job = max(listed, key=lambda item: item["CreationDate"])
        else:
            return None
        return _copy_job_facts(dict(job), state)

    def attempted_destinations(self, point_arn: str, region: str) -> set[str]:
        """Destination vaults that already have a copy job for this point (one that needs no retry)."""
        paginator = self._client_for("backup", region).get_paginator("list_copy_jobs")
        return {
            job["DestinationBackupVaultArn"]
            for page in paginator.paginate(BySourceRecoveryPointArn=point_arn)
            for job in page["CopyJobs"]
            if _needs_no_retry(job)
        }

    # -- the sweep -------------------------------------------------------------------------
    def recent_points(self, *, vault_name: str, region: str, since: dt.datetime) -> Iterator[PointSummary]:
        paginator = self._client_for("backup", region).get_paginator("list_recovery_points_by_backup_vault")
        for page in paginator.paginate(
            BackupVaultName=vault_name, ByCreatedAfter=since, PaginationConfig={"PageSize": 1000}
        ):
            for point in page["RecoveryPoints"]:
                yield PointSummary(
                    arn=point["RecoveryPointArn"],
                    vault_name=vault_name,
                    resource_arn=point.get("ResourceArn", ""),
                    status=point.get("Status", ""),
                )

    def failed_copies(self, *, region: str, since: dt.datetime) -> Iterator[CopyJobFacts]:
        """Copy jobs that ended FAILED, ABORTED or PARTIAL since ``since`` (one listing: every job
        completed since then, the failures kept)."""
        paginator = self._client_for("backup", region).get_paginator("list_copy_jobs")
        for page in paginator.paginate(ByCompleteAfter=since, PaginationConfig={"PageSize": 1000}):
            for job in page["CopyJobs"]:
                if job.get("State") in COPY_FAILURE_STATES:
                    yield _copy_job_facts(dict(job), str(job.get("State")))

    def attempted_copies(self, *, region: str, since: dt.datetime) -> set[tuple[str, str]]:
        """(source recovery point, destination vault) of every copy job since ``since`` that needs
        no new attempt: running, completed, or failed for a reason a retry would not fix."""
        attempted: set[tuple[str, str]] = set()
        paginator = self._client_for("backup", region).get_paginator("list_copy_jobs")
        for page in paginator.paginate(ByCreatedAfter=since, PaginationConfig={"PageSize": 1000}):
            for job in page["CopyJobs"]:
                if _needs_no_retry(job):
                    attempted.add((job["SourceRecoveryPointArn"], job["DestinationBackupVaultArn"]))
        return attempted


def _copy_job_facts(job: dict[str, Any], state: str) -> CopyJobFacts:
    return CopyJobFacts(
        copy_job_id=job["CopyJobId"],
        state=job.get("State", state),
        resource_arn=job.get("ResourceArn"),
        source_recovery_point_arn=job.get("SourceRecoveryPointArn"),
        source_backup_vault_arn=job.get("SourceBackupVaultArn"),
        destination_backup_vault_arn=job.get("DestinationBackupVaultArn"),
        status_message=job.get("StatusMessage"),
    )


def _needs_no_retry(job: dict[str, Any]) -> bool:
    """A copy job that is running, done, or failed for a reason a new attempt would not fix."""
    return not (job.get("State") == "FAILED" and classify_failure(job.get("StatusMessage")) in RETRYABLE)
