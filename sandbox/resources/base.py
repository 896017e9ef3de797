"""Contract between the AWS Backup extension and the per-type resource adapters.

An adapter knows one AWS Backup resource type (``EBS``, ``EC2``, ``RDS``, ``Aurora``,
``DynamoDB``, ``EFS``, ``S3``...) in moto: how to list live resources with their tags (for tag
conditions), how to capture a resource's real data into a recovery point, how to carry that
capture to another Region/account (copies), and how to restore it into a NEW moto resource.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable


class RestoreError(Exception):
    """A restore AWS would reject or fail. ``code`` is AWS's error code or failure reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class LiveResource:
    arn: str
    resource_type: str  # AWS Backup name: EBS, EC2, RDS, Aurora, DynamoDB, EFS, S3, ...
    name: str
    tags: dict[str, str]
    encrypted: bool = False
    kms_key_arn: str | None = None
    size_bytes: int = 0


@dataclass
class Capture:
    """What a recovery point holds: a deep copy of the data and the configuration at backup time."""

    resource_type: str
    source_arn: str
    source_name: str
    #: GetRecoveryPointRestoreMetadata: the configuration at backup time (all values strings)
    restore_metadata: dict[str, str]
    #: GetRestoreTestingInferredMetadata: minimal keys with secure defaults (all values strings)
    inferred_metadata: dict[str, str]
    #: the data itself (items, objects, snapshot ids, configuration ...), adapter-specific
    payload: Any
    size_bytes: int = 0
    encrypted: bool = False
    kms_key_arn: str | None = None
    #: for types that are not fully managed, AWS names the recovery point by the native snapshot
    #: ARN (``arn:aws:ec2:<region>::snapshot/snap-...``, ``arn:aws:rds:...:snapshot:awsbackup:job-...``);
    #: None means a ``arn:aws:backup:<region>:<acct>:recovery-point:<id>`` ARN
    native_arn: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ResourceAdapter(Protocol):
    resource_type: str
    #: fully managed by AWS Backup (own recovery-point ARNs, independent encryption)
    fully_managed: bool

    def handles(self, arn: str) -> bool: ...

    def iter_resources(self, account: str, region: str) -> Iterable[LiveResource]: ...

    def describe(self, arn: str) -> LiveResource | None: ...

    def capture(self, arn: str, *, account: str, region: str, job_id: str) -> Capture: ...

    def copy_to(self, capture: Capture, *, account: str, region: str, job_id: str) -> Capture: ...

    def restore(self, capture: Capture, metadata: dict[str, str], *, account: str, region: str) -> str: ...

    def delete_capture(self, capture: Capture) -> None: ...
