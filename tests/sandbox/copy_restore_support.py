"""Set-up of the copy/restore tests: A1's sandbox world (backup_support) across accounts and Regions.

Tests take the ``aws`` fixture (and import ``world``, which it builds on, for pytest to find).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.sandbox import backup_support
from tests.sandbox.backup_support import ACCOUNT, JOB_SECONDS, REGION, ROLE, VAULT, error_code, world

__all__ = [
    "ACCOUNT",
    "DR_REGION",
    "DR_VAULT",
    "JOB_SECONDS",
    "OTHER_ACCOUNT",
    "REGION",
    "ROLE",
    "VAULT",
    "World",
    "aws",
    "error_code",
    "vault_arn",
    "world",
]

OTHER_ACCOUNT = "444455556666"
DR_REGION = "eu-central-1"
DR_VAULT = "dr-vault"


def vault_arn(name: str, *, account: str = ACCOUNT, region: str = REGION) -> str:
    return f"arn:aws:backup:{region}:{account}:backup-vault:{name}"


class World(backup_support.World):
    """The sandbox world with clients in other accounts (through STS) and Regions."""

    def client(self, service: str, region: str = REGION, account: str = ACCOUNT) -> Any:
        return boto3.client(service, region_name=region, **self._credentials(account))  # type: ignore[call-overload]

    @staticmethod
    def _credentials(account: str) -> dict[str, str]:
        if account == ACCOUNT:
            return {}
        role = f"arn:aws:iam::{account}:role/admin"
        creds = boto3.client("sts", region_name=REGION).assume_role(RoleArn=role, RoleSessionName="tests")
        return {
            "aws_access_key_id": creds["Credentials"]["AccessKeyId"],
            "aws_secret_access_key": creds["Credentials"]["SecretAccessKey"],
            "aws_session_token": creds["Credentials"]["SessionToken"],
        }

    def backup_in(self, region: str = REGION, account: str = ACCOUNT) -> Any:
        return self.client("backup", region, account)

    def events_in(
        self, detail_type: str, *, account: str = ACCOUNT, region: str = REGION
    ) -> list[dict[str, Any]]:
        return [e for e in self.events_of(detail_type) if (e["account"], e["region"]) == (account, region)]

    def vault(self, name: str = VAULT, region: str = REGION, account: str = ACCOUNT) -> str:
        created = self.backup_in(region, account).create_backup_vault(BackupVaultName=name)
        return str(created["BackupVaultArn"])

    def items(self, name: str, *, region: str = REGION, account: str = ACCOUNT) -> list[dict[str, Any]]:
        pages = self.client("dynamodb", region, account).get_paginator("scan").paginate(TableName=name)
        return sorted((item for page in pages for item in page["Items"]), key=lambda item: item["pk"]["S"])

    def advanced_dynamodb(self) -> None:
        """Advanced DynamoDB backup: recovery points fully managed by AWS Backup (copyable)."""
        self.backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})

    def recovery_point(self, table_arn: str, **kwargs: Any) -> str:
        """Back the table up into ``VAULT`` (on demand) and return the completed recovery point."""
        job_id = self.start_backup(table_arn, **kwargs)["BackupJobId"]
        self.clock.advance(JOB_SECONDS)
        job = self.backup.describe_backup_job(BackupJobId=job_id)
        assert job["State"] == "COMPLETED", job
        return str(job["RecoveryPointArn"])

    def start_copy(
        self, point: str, destination: str, *, backup: Any = None, **kwargs: Any
    ) -> dict[str, Any]:
        """StartCopyJob of ``point`` from ``VAULT`` into ``destination`` (``backup``: another client)."""
        params = {"RecoveryPointArn": point, "SourceBackupVaultName": VAULT, "IamRoleArn": ROLE, **kwargs}
        return dict((backup or self.backup).start_copy_job(DestinationBackupVaultArn=destination, **params))

    def allow_copies_from(self, account: str, *, vault: str, owner: str, region: str = REGION) -> None:
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
            "Action": "backup:CopyIntoBackupVault",
            "Resource": "*",
        }
        policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        self.backup_in(region, owner).put_backup_vault_access_policy(BackupVaultName=vault, Policy=policy)


@pytest.fixture
def aws(world: backup_support.World) -> World:
    """``world`` (mock_aws, the extension, a SimClock, events recorded) with the ``VAULT`` vault."""
    extended = World(world.clock, world.events)
    extended.vault(VAULT)
    return extended
