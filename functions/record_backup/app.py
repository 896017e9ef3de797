"""Backup Job State Change COMPLETED -> the source's facts a restore test compares against; first tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backup_autopilot import composition
from backup_autopilot.inbound import REJECTED, accept
from backup_autopilot.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # the event's model and the logic: imported on the first event, not at init (cold start, see README)
    from backup_autopilot.models.aws_events import BackupJobEvent

    job = accept(BackupJobEvent, event, context)
    if job is None:
        return REJECTED
    wiring = composition.wiring()
    result = composition.guarded(
        "record_backup",
        lambda: wiring.source_recorder.job_completed(wiring.backup, job.detail.backup_job_id),
        resource=job.detail.resource_arn,
    )
    logger.info("backup completion handled", backup_job_id=job.detail.backup_job_id, **result)
    return result
