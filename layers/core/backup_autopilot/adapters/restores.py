"""Restore jobs through boto3: describe, validate, list the plan's jobs, start on-demand tests; and
the user's own check (a Lambda function named by a tag)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from backup_autopilot.logic.restore_tests.facts import RestoreJob
from backup_autopilot.logic.restore_tests.first_test import LatestPoint

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from mypy_boto3_backup import BackupClient

#: the most a user's check may take before it counts as failed
USER_CHECK_SECONDS = 60
#: one attempt (a check that failed is not run twice), read timeout as above
USER_CHECK_CONFIG = Config(read_timeout=USER_CHECK_SECONDS, connect_timeout=5, retries={"max_attempts": 1})


def restore_job(item: dict[str, Any]) -> RestoreJob:
    """A DescribeRestoreJob / ListRestoreJobs entry as the logic's :class:`RestoreJob`."""
    return RestoreJob(
        job_id=item["RestoreJobId"],
        status=item.get("Status", "UNKNOWN"),
        resource_type=item.get("ResourceType", ""),
        recovery_point_arn=item.get("RecoveryPointArn"),
        source_resource_arn=item.get("SourceResourceArn"),
        created_resource_arn=item.get("CreatedResourceArn") or None,
        status_message=item.get("StatusMessage"),
        creation_date=item.get("CreationDate"),
        completion_date=item.get("CompletionDate"),
        testing_plan_arn=(item.get("CreatedBy") or {}).get("RestoreTestingPlanArn"),
        validation_status=item.get("ValidationStatus"),
        deletion_status=item.get("DeletionStatus"),
        recovery_point_created=item.get("RecoveryPointCreationDate"),
    )


class RestoreGateway:
    def __init__(
        self, client: BackupClient, *, restore_role_arn: str, exists: Callable[[str, str], bool]
    ) -> None:
        self._client = client
        self._role = restore_role_arn
        self._exists = exists

    def describe_restore_job(self, job_id: str) -> RestoreJob | None:
        try:
            item = self._client.describe_restore_job(RestoreJobId=job_id)
        except ClientError as error:
            if error.response["Error"]["Code"] in {
                "ResourceNotFoundException",
                "InvalidParameterValueException",
            }:
                return None
            raise
        return restore_job(dict(item))

    def put_validation(self, job_id: str, status: str, message: str) -> None:
        self._client.put_restore_validation_result(
            RestoreJobId=job_id,
            ValidationStatus=status,  # type: ignore[arg-type]
            ValidationStatusMessage=message,
        )

    def plan_jobs(self, plan_arn: str, since: dt.datetime) -> list[RestoreJob]:
        paginator = self._client.get_paginator("list_restore_jobs")
        return [
            restore_job(dict(item))
            for page in paginator.paginate(
                ByRestoreTestingPlanArn=plan_arn,
                ByCreatedAfter=since,
                PaginationConfig={"PageSize": 1000},
            )
            for item in page["RestoreJobs"]
        ]

    # -- on-demand tests ---------------------------------------------------------------------------
    def latest_point(self, resource_arn: str) -> LatestPoint | None:
        try:
            found = self._client.describe_protected_resource(ResourceArn=resource_arn)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return None
            raise
        point, vault = found.get("LastRecoveryPointArn"), found.get("LastBackupVaultArn")
        if not point or not vault:
            return None
        return LatestPoint(arn=point, vault_name=vault.rsplit(":", 1)[-1])

    def inferred_metadata(self, point: LatestPoint) -> dict[str, str]:
        response = self._client.get_restore_testing_inferred_metadata(
            BackupVaultName=point.vault_name, RecoveryPointArn=point.arn
        )
        return dict(response["InferredMetadata"])

    def name_taken(self, resource_type: str, name: str) -> bool:
        return self._exists(resource_type, name)

    def start_restore(
        self, *, point: LatestPoint, resource_type: str, metadata: dict[str, str], token: str
    ) -> str:
        response = self._client.start_restore_job(
            RecoveryPointArn=point.arn,
            Metadata=metadata,
            IamRoleArn=self._role,
            IdempotencyToken=token,
            ResourceType=resource_type,
        )
        return response["RestoreJobId"]


class LambdaUserCheck:
    """Invokes the user's check synchronously, within :data:`USER_CHECK_SECONDS`.

    The function receives the restored resource and the source and answers
    ``{"passed": true|false, "reason": "..."}``. An error, a timeout or an answer of another shape
    fails the check, with the reason.
    """

    def __init__(self, client_for: Callable[..., Any]) -> None:
        self._client_for = client_for

    def run(self, function: str, payload: dict[str, Any]) -> tuple[bool, str]:
        client = self._client_for("lambda", None, USER_CHECK_CONFIG)
        try:
            response = client.invoke(FunctionName=function, Payload=json.dumps(payload).encode())
            body = json.loads(response["Payload"].read() or b"null")
        except (ClientError, BotoCoreError, ValueError) as error:
            return False, f"could not run the check: {error}"
        if response.get("FunctionError"):
            return False, f"the check failed: {str(body)[:300]}"
        if not isinstance(body, dict) or not isinstance(body.get("passed"), bool):
            return False, 'the check must answer {"passed": true|false, "reason": "..."}'
        return bool(body["passed"]), str(body.get("reason") or ("passed" if body["passed"] else "failed"))[
            :500
        ]
