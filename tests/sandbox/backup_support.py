"""Set-up shared by the tests of the extended AWS Backup backend (tests/sandbox/test_backup_*.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws
from moto.iam.models import iam_backends

from sandbox import eventbus, faults, retry_sleeps, runtime
from sandbox.backup.install import install
from sandbox.backup.state import backend_for
from sandbox.clock import SimClock
from sandbox.faults import FAULTS
from sandbox.resources import adapter_for_type
from sandbox.resources.dynamodb import DynamoDBAdapter

if TYPE_CHECKING:
    from collections.abc import Iterator

    from botocore.exceptions import ClientError

    from sandbox.backup.backend import SandboxBackupBackend

ACCOUNT = "123456789012"
REGION = "eu-west-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/BackupRole"
VAULT = "prod-vault"
NO_RETRIES = Config(retries={"total_max_attempts": 1})
#: enough simulated time for any single job of these tests to finish
JOB_SECONDS = 3600


#: a role trust policy that lets AWS Backup assume the role
BACKUP_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def backup_role(role_arn: str, trust: str = BACKUP_TRUST) -> str:
    """Create ``role_arn`` in moto's IAM of its account (AWS Backup assumes a job's role: it must
    exist and trust backup.amazonaws.com). Returns the ARN."""
    _, _, _, _, account, resource = role_arn.split(":", 5)
    path, _, name = resource.removeprefix("role").rpartition("/")
    backend = iam_backends[account]["aws"]
    if not any(role.arn == role_arn for role in backend.get_roles()):
        backend.create_role(name, trust, f"{path}/", None, "", [], None)
    return role_arn


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    """The AWS error code of a ClientError caught with ``pytest.raises``."""
    return str(excinfo.value.response["Error"]["Code"])


@dataclass
class World:
    """One simulated AWS: the clock, every event sent, boto3 clients."""

    clock: SimClock
    events: list[dict[str, Any]] = field(default_factory=list)

    def client(self, service: Any, region: str = REGION) -> Any:
        # no retries: botocore retries LimitExceededException (with back-off) like a throttle
        return boto3.client(service, region_name=region, config=NO_RETRIES)

    @property
    def backup(self) -> Any:
        return self.client("backup")

    def backend(self, region: str = REGION) -> SandboxBackupBackend:
        return cast("SandboxBackupBackend", backend_for(ACCOUNT, region))

    def events_of(self, detail_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["detail-type"] == detail_type]

    def job_events(self, job_id: str) -> list[dict[str, Any]]:
        return [e for e in self.events_of("Backup Job State Change") if e["detail"]["backupJobId"] == job_id]

    # -- data ------------------------------------------------------------------------------------
    def vault(self, name: str = VAULT, region: str = REGION) -> str:
        return str(self.client("backup", region).create_backup_vault(BackupVaultName=name)["BackupVaultArn"])

    def table(
        self, name: str, items: int = 3, tags: dict[str, str] | None = None, region: str = REGION
    ) -> str:
        dynamodb = self.client("dynamodb", region)
        arn = dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        )["TableDescription"]["TableArn"]
        for start in range(0, items, 25):
            batch = [
                {"PutRequest": {"Item": {"pk": {"S": f"item-{i:05d}"}, "body": {"S": "x" * 40}}}}
                for i in range(start, min(items, start + 25))
            ]
            dynamodb.batch_write_item(RequestItems={name: batch})
        return str(arn)

    def plan(self, name: str = "daily", cron: str = "cron(0 5 ? * * *)", **rule: Any) -> str:
        document = {
            "BackupPlanName": name,
            "Rules": [
                {
                    "RuleName": f"{name}-rule",
                    "TargetBackupVaultName": VAULT,
                    "ScheduleExpression": cron,
                    **rule,
                }
            ],
        }
        return str(self.backup.create_backup_plan(BackupPlan=document)["BackupPlanId"])

    def start_backup(self, resource_arn: str, **kwargs: Any) -> dict[str, Any]:
        params = {"BackupVaultName": VAULT, "ResourceArn": resource_arn, "IamRoleArn": ROLE, **kwargs}
        return dict(self.backup.start_backup_job(**params))


@pytest.fixture
def world() -> Iterator[World]:
    """mock_aws with the extension and API faults installed, a started SimClock, every event recorded."""
    install()
    faults.install()
    retry_sleeps.install()
    clock = SimClock().start()
    runtime.set_clock(clock)
    recorded = World(clock)
    eventbus.add_observer(recorded.events.append)
    try:
        with mock_aws():
            for name in ("BackupRole", "RestoreRole"):
                backup_role(f"arn:aws:iam::{ACCOUNT}:role/{name}")
            yield recorded
    finally:
        eventbus.clear_observers()
        FAULTS.clear()
        dynamodb = adapter_for_type("DynamoDB")
        if isinstance(dynamodb, DynamoDBAdapter):
            dynamodb.reset()
        runtime.set_clock(None)
        clock.stop()
