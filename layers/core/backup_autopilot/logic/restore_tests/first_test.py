"""The first restore test of a resource, soon after it is opted in (ports injected; no boto3).

Scheduled tests run weekly; a resource tagged ``backup-restore-test=on`` gets one on-demand test as
soon as its first recovery point exists, instead of waiting up to a week. The restore goes into a
NEW resource named by :func:`.names.target_name` from AWS's inferred metadata (secure defaults),
with a deterministic idempotency token, and is validated like the scheduled ones; the stack deletes
what it created. Guards: a target name that already exists is never restored into (whatever holds
it is not ours), and the source is never the target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from msgspec import Struct

from backup_autopilot.logic.restore_tests.facts import OnDemandTest
from backup_autopilot.logic.restore_tests.names import target_name
from backup_autopilot.logic.tokens import restore_token

if TYPE_CHECKING:
    from collections.abc import Mapping

    from backup_autopilot.logic.resources import ResourceRef

#: AWS Backup types restore testing supports (and so do we)
TESTABLE_TYPES = frozenset({"DynamoDB", "S3", "EBS", "EC2", "RDS", "Aurora", "EFS", "FSx"})


class LatestPoint(Struct, frozen=True):
    arn: str
    vault_name: str


class StarterPort(Protocol):
    def latest_point(self, resource_arn: str) -> LatestPoint | None: ...

    def inferred_metadata(self, point: LatestPoint) -> dict[str, str]: ...

    def name_taken(self, resource_type: str, name: str) -> bool: ...

    def start_restore(
        self, *, point: LatestPoint, resource_type: str, metadata: dict[str, str], token: str
    ) -> str: ...


class FirstTestStatePort(Protocol):
    def first_test(self, resource_arn: str) -> dict[str, Any] | None: ...

    def mark_first_test(self, resource_arn: str, state: dict[str, Any]) -> None: ...

    def remember_on_demand(self, test: OnDemandTest) -> None: ...


def restore_test_wanted(tags: dict[str, str], tag_key: str, default_on: bool) -> bool:
    value = tags.get(tag_key, "").strip().lower()
    if value in {"on", "true", "yes"}:
        return True
    if value in {"off", "false", "no"}:
        return False
    return default_on


def wants_first_test(
    changed_keys: list[str], tags: Mapping[str, str], *, tag_key: str, plan_tag_key: str, default_on: bool
) -> bool:
    """A tag change that opts a protected resource in to restore tests earns it a first test now."""
    return (
        tag_key in changed_keys
        and plan_tag_key in tags
        and restore_test_wanted(dict(tags), tag_key, default_on)
    )


def on_demand_metadata(
    resource_type: str, inferred: Mapping[str, str], target: str, overrides: Mapping[str, str]
) -> dict[str, str]:
    """AWS's inferred metadata rewritten to restore into ``target``, a new resource.

    Keys per type follow the fact sheet (section 3); EFS and S3 get a NEW file system or bucket
    (never a restore into the source), encryption stays as inferred (never turned off).
    """
    metadata = dict(inferred)
    if resource_type == "DynamoDB":
        metadata["targetTableName"] = target
    elif resource_type == "RDS":
        metadata["DBInstanceIdentifier"] = target
    elif resource_type == "Aurora":
        metadata["dbClusterIdentifier"] = target
    elif resource_type == "S3":
        metadata.update({"DestinationBucketName": target, "NewBucket": "true"})
    elif resource_type == "EFS":
        metadata.update({"CreationToken": target, "newFileSystem": "true"})
    for key, value in overrides.items():
        if value:
            metadata[key] = value
    return metadata


def metadata_overrides(
    resource_type: str, *, subnet_id: str, db_subnet_group: str, availability_zone: str
) -> dict[str, str]:
    """The stack's overrides a real account needs (no default VPC, a specific subnet or AZ)."""
    return {
        "EC2": {"SubnetId": subnet_id},
        "RDS": {"DBSubnetGroupName": db_subnet_group},
        "Aurora": {"dbSubnetGroupName": db_subnet_group},
        "EBS": {"availabilityZone": availability_zone},
    }.get(resource_type, {})


class FirstTester(Struct):
    starter: StarterPort
    state: FirstTestStatePort
    overrides: Mapping[str, Mapping[str, str]]

    def start(self, resource: ResourceRef) -> dict[str, Any]:
        """Start the first test of ``resource`` now, or remember to start it after its first backup."""
        if resource.resource_type not in TESTABLE_TYPES:
            return {"outcome": "Ignored", "reason": f"{resource.resource_type} is not restore-testable"}
        known = self.state.first_test(resource.arn)
        if known and known.get("job_id"):
            return {"outcome": "AlreadyStarted", "restore_job_id": known["job_id"]}
        point = self.starter.latest_point(resource.arn)
        if point is None:
            self.state.mark_first_test(resource.arn, {"status": "waiting-for-backup"})
            return {
                "outcome": "Waiting",
                "reason": "no recovery point yet: the test follows the first backup",
            }
        target = target_name(resource.resource_type, resource.name, point.arn)
        ours = bool(known and known.get("target") == target)
        if not ours and self.starter.name_taken(resource.resource_type, target):
            # a replay after the job started finds our own restore there (the token returns the same
            # job); anything else holding the name is not ours, so never restore into it
            return {"outcome": "Skipped", "reason": f"{target} already exists"}
        metadata = on_demand_metadata(
            resource.resource_type,
            self.starter.inferred_metadata(point),
            target,
            self.overrides.get(resource.resource_type, {}),
        )
        self.state.mark_first_test(resource.arn, {"status": "starting", "target": target})
        job_id = self.starter.start_restore(
            point=point,
            resource_type=resource.resource_type,
            metadata=metadata,
            token=restore_token(point.arn, "first-test"),
        )
        self.state.remember_on_demand(OnDemandTest(job_id, resource.arn, target, point.arn))
        self.state.mark_first_test(resource.arn, {"status": "started", "target": target, "job_id": job_id})
        return {"outcome": "Started", "restore_job_id": job_id, "target": target}
