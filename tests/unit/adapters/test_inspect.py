"""adapters.inspect: a resource a Describe call does not return is gone, never a crash.

FSx's DescribeFileSystems (and moto's) can answer an empty list for a deleted file system; the
hourly sweep reads what it deleted before, so an IndexError there stopped every reconcile.
"""

from __future__ import annotations

from typing import Any

import pytest

from backup_autopilot.adapters.inspect import ResourceInspector

EMPTY: dict[str, dict[str, Any]] = {
    "ec2": {"describe_volumes": {"Volumes": []}, "describe_instances": {"Reservations": []}},
    "rds": {"describe_db_instances": {"DBInstances": []}, "describe_db_clusters": {"DBClusters": []}},
    "efs": {"describe_file_systems": {"FileSystems": []}},
    "fsx": {"describe_file_systems": {"FileSystems": []}},
}


class EmptyClient:
    def __init__(self, answers: dict[str, Any]) -> None:
        self._answers = answers

    def __getattr__(self, operation: str) -> Any:
        return lambda **_: self._answers[operation]


@pytest.mark.parametrize(
    ("resource_type", "arn"),
    [
        ("EBS", "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"),
        ("EC2", "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"),
        ("RDS", "arn:aws:rds:us-east-1:123456789012:db:awsbackup-restore-test-1"),
        ("Aurora", "arn:aws:rds:us-east-1:123456789012:cluster:awsbackup-restore-test-1"),
        ("EFS", "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123abcd"),
        ("FSx", "arn:aws:fsx:us-east-1:123456789012:file-system/fs-0123456789abcdef0"),
    ],
)
def test_an_empty_describe_means_the_resource_is_gone(resource_type: str, arn: str) -> None:
    inspector = ResourceInspector(lambda service, region: EmptyClient(EMPTY[service]))
    facts = inspector.restored_facts(resource_type, arn, [])
    assert facts.exists is False and facts.arn == arn


def test_an_fsx_file_system_without_a_lifecycle_is_not_ready() -> None:
    described = {"FileSystems": [{"FileSystemType": "LUSTRE", "StorageCapacity": 1200}]}
    inspector = ResourceInspector(lambda service, region: EmptyClient({"describe_file_systems": described}))
    facts = inspector.restored_facts("FSx", "arn:aws:fsx:us-east-1:123456789012:file-system/fs-1", [])
    assert facts.exists and facts.status is None and facts.size == 1200
