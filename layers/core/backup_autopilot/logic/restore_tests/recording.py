"""What a restore test will compare against, recorded when a backup completes (ports injected).

Only for resources opted in to restore tests (the tag says ``on``, or the stack tests every
protected resource unless it says ``off``). Reading is bounded (a DescribeTable and one small Scan
for DynamoDB, at most a few pages of ListObjectVersions for S3, one Describe call for the others),
so a large resource costs the same as a small one. The facts are read when the completion event
arrives, minutes after the backup started: writes in between make the counts approximate, which
the checks' tolerance allows for. A resource that waits for its first test gets it now.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, Protocol

from msgspec import Struct

from backup_autopilot.logic.resources import parse_resource_arn
from backup_autopilot.logic.restore_tests.first_test import restore_test_wanted

if TYPE_CHECKING:
    import datetime as dt

    from backup_autopilot.logic.restore_tests.facts import ResourceFacts
    from backup_autopilot.logic.restore_tests.first_test import FirstTester


class CompletedBackup(Struct, frozen=True):
    """A backup job as DescribeBackupJob tells it (the event is only a trigger)."""

    job_id: str
    state: str
    resource_arn: str
    recovery_point_arn: str | None
    created: dt.datetime | None
    #: days until the recovery point expires (None: kept indefinitely)
    keep_days: int | None


class BackupJobsPort(Protocol):
    def completed_backup(self, job_id: str) -> CompletedBackup | None: ...


def item_digest(item: Any) -> str:
    """A stable digest of an item or object description (the same on source and restored side)."""
    return hashlib.sha256(json.dumps(item, sort_keys=True, default=str).encode()).hexdigest()[:32]


#: how long facts are kept for a recovery point kept indefinitely
FACTS_DAYS = 400


class SourceInspectorPort(Protocol):
    def source_facts(self, resource_type: str, arn: str, as_of: dt.datetime | None) -> ResourceFacts: ...

    def tags_now(self, arn: str) -> dict[str, str]: ...


class FactsStatePort(Protocol):
    def save_source_facts(self, recovery_point_arn: str, facts: ResourceFacts, keep_days: int) -> None: ...

    def first_test(self, resource_arn: str) -> dict[str, Any] | None: ...


class SourceRecorder(Struct):
    inspector: SourceInspectorPort
    state: FactsStatePort
    first_tests: FirstTester
    tag_key: str
    default_on: bool

    def job_completed(self, jobs: BackupJobsPort, job_id: str) -> dict[str, Any]:
        """A backup job's completion event: read the job, then record its source's facts."""
        job = jobs.completed_backup(job_id)
        if job is None or job.state != "COMPLETED" or not job.recovery_point_arn:
            return {"outcome": "Ignored", "reason": "the job is not a completed backup"}
        return self.backup_completed(
            resource_arn=job.resource_arn,
            recovery_point_arn=job.recovery_point_arn,
            created=job.created,
            keep_days=job.keep_days or FACTS_DAYS,
        )

    def backup_completed(
        self,
        *,
        resource_arn: str,
        recovery_point_arn: str,
        created: dt.datetime | None,
        keep_days: int,
    ) -> dict[str, Any]:
        resource = parse_resource_arn(resource_arn)
        if resource is None:
            return {"outcome": "Ignored", "reason": "not a resource type AWS Backup protects"}
        tags = self.inspector.tags_now(resource_arn)
        if not restore_test_wanted(tags, self.tag_key, self.default_on):
            return {"outcome": "Ignored", "reason": "not opted in to restore tests"}
        facts = self.inspector.source_facts(resource.resource_type, resource_arn, created)
        if not facts.exists:
            return {"outcome": "Ignored", "reason": "the resource no longer exists"}
        self.state.save_source_facts(recovery_point_arn, facts, keep_days)
        result: dict[str, Any] = {"outcome": "Recorded", "recovery_point": recovery_point_arn}
        waiting = self.state.first_test(resource_arn)
        if waiting and waiting.get("status") == "waiting-for-backup":
            result["first_test"] = self.first_tests.start(resource)
        return result
