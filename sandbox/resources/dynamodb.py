"""DynamoDB tables (AWS Backup resource type ``DynamoDB``).

A capture holds a deep copy of every item plus the table's configuration (key schema, attribute
definitions, billing mode and throughput, secondary indexes, SSE). Without advanced DynamoDB
backup (the default), AWS Backup makes a native DynamoDB backup: the recovery point is named by
that backup's ARN (``arn:aws:dynamodb:<region>:<acct>:table/<name>/backup/<id>``), the backup is
visible through ``dynamodb list-backups`` and it cannot be copied to another Region or account.
With advanced backup turned on for the account/Region (:meth:`DynamoDBAdapter.set_advanced_backup`,
what ``UpdateRegionSettings(ResourceTypeManagementPreference={"DynamoDB": true})`` does), the
recovery point is fully managed by AWS Backup (``native_arn`` None) and can be copied.

A restore always creates a NEW table (``targetTableName``) holding the items; keys of the restore
metadata are read case-insensitively, as the DynamoDB restore page documents.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.table import Table

from sandbox.resources import (
    CaptureError,
    metadata_bool,
    metadata_value,
    relocated,
    require_location,
    restore_errors,
    restore_test_name,
    tag_dict,
)
from sandbox.resources._common import MotoAdapter
from sandbox.resources.base import Capture, LiveResource, RestoreError

if TYPE_CHECKING:
    from collections.abc import Iterable

_TABLE_ARN = re.compile(r"arn:aws[\w-]*:dynamodb:[a-z0-9-]+:\d{12}:table/([A-Za-z0-9_.-]{3,255})")
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_ENCRYPTION_TYPES = {"default": "Default", "kms": "KMS"}


# -- moto internals (moto 5.2.5) ----------------------------------------------------------------


def _moto_items(table: Table) -> list[dict[str, Any]]:
    """Every item as DynamoDB JSON (what PutItem takes), deep-copied."""
    return [copy.deepcopy(item.to_json()["Attributes"]) for item in table.all_items()]


def _moto_size(table: Table) -> int:
    return sum(item.size() for item in table.all_items())


def _moto_config(table: Table) -> dict[str, Any]:
    throughput = {k: v for k, v in table.throughput.items() if k != "NumberOfDecreasesToday"}
    return {
        "KeySchema": copy.deepcopy(table.schema),
        "AttributeDefinitions": copy.deepcopy(table.attr),
        "BillingMode": table.billing_mode or "PROVISIONED",
        "ProvisionedThroughput": throughput,
        "GlobalSecondaryIndexes": [_index_spec(index.describe()) for index in table.global_indexes],
        "LocalSecondaryIndexes": [_index_spec(index.describe()) for index in table.indexes],
        "SSESpecification": copy.deepcopy(table.sse_specification),
    }


def _index_spec(description: dict[str, Any]) -> dict[str, Any]:
    keep = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
    return {key: copy.deepcopy(description[key]) for key in keep if key in description}


def _moto_create_table(
    backend: DynamoDBBackend, name: str, config: dict[str, Any], sse: dict[str, Any] | None, protect: bool
) -> Table:
    billing_mode = config["BillingMode"]
    return backend.create_table(
        name,
        schema=copy.deepcopy(config["KeySchema"]),
        throughput=dict(config["ProvisionedThroughput"]) if billing_mode == "PROVISIONED" else None,
        attr=copy.deepcopy(config["AttributeDefinitions"]),
        global_indexes=copy.deepcopy(config["GlobalSecondaryIndexes"]),
        indexes=copy.deepcopy(config["LocalSecondaryIndexes"]),
        streams=None,
        billing_mode=billing_mode,
        sse_specification=sse,
        tags=[],
        deletion_protection_enabled=protect,
        warm_throughput=None,
    )


def _moto_native_backup(backend: DynamoDBBackend, table: Table, job_id: str) -> str:
    backup = backend.create_backup(table.name, f"awsbackup-job-{job_id}")
    backup.type = "AWS_BACKUP"  # what BackupType says for backups AWS Backup made
    return backup.arn


# -- the adapter --------------------------------------------------------------------------------


class DynamoDBAdapter(MotoAdapter[DynamoDBBackend, Table]):
    """DynamoDB tables: items and configuration; restores into a new table."""

    resource_type = "DynamoDB"
    #: default: advanced DynamoDB backup off (ask :meth:`advanced_backup_enabled` per account/Region)
    fully_managed = False
    arn_service = "dynamodb"
    arn_resource_type = "table"
    arn_pattern = _TABLE_ARN
    backends = dynamodb_backends

    def __init__(self) -> None:
        self._advanced: set[tuple[str, str]] = set()

    # -- advanced DynamoDB backup (full AWS Backup management) --------------------------------
    def set_advanced_backup(self, account: str, region: str, enabled: bool) -> None:
        """What ``UpdateRegionSettings(ResourceTypeManagementPreference={"DynamoDB": ...})`` sets."""
        if enabled:
            self._advanced.add((account, region))
        else:
            self._advanced.discard((account, region))

    def advanced_backup_enabled(self, account: str, region: str) -> bool:
        return (account, region) in self._advanced

    def reset(self) -> None:
        self._advanced.clear()

    # -- reading ------------------------------------------------------------------------------
    def _resources(self, backend: DynamoDBBackend) -> Iterable[Table]:
        return backend.tables.values()

    def _get(self, backend: DynamoDBBackend, resource_id: str) -> Table | None:
        return backend.tables.get(resource_id)

    def _live(self, backend: DynamoDBBackend, table: Table) -> LiveResource:
        sse = table.sse_specification or {}
        kms = sse.get("KMSMasterKeyId") if sse.get("Enabled") else None
        return LiveResource(
            arn=table.table_arn,
            resource_type=self.resource_type,
            name=table.name,
            tags=tag_dict(table.tags),
            encrypted=True,  # DynamoDB encrypts every table at rest (AWS-owned key by default)
            kms_key_arn=kms,
            size_bytes=_moto_size(table),
        )

    # -- backup -------------------------------------------------------------------------------
    def capture(self, arn: str, *, account: str, region: str, job_id: str) -> Capture:
        backend, table = self._found(arn, "Table")
        config = _moto_config(table)
        items = _moto_items(table)
        live = self._live(backend, table)
        advanced = self.advanced_backup_enabled(account, region)
        native_arn = (
            None if advanced else _moto_native_backup(dynamodb_backends[account][region], table, job_id)
        )
        return self._capture(
            live,
            source_arn=arn,
            account=account,
            region=region,
            config=config,
            restore_metadata=self._restore_metadata(table.name, config),
            inferred_metadata={
                "targetTableName": restore_test_name(job_id),
                "encryptionType": "Default",
                "deletionProtection": "false",
            },
            payload=items,
            native_arn=native_arn,
            item_count=len(items),
        )

    @staticmethod
    def _restore_metadata(name: str, config: dict[str, Any]) -> dict[str, str]:
        sse = config["SSESpecification"] or {}
        if not sse.get("Enabled"):
            return {"targetTableName": name, "encryptionType": "Default"}
        return {"targetTableName": name, "encryptionType": "KMS", "kmsMasterKeyArn": sse["KMSMasterKeyId"]}

    def copy_to(self, capture: Capture, *, account: str, region: str, job_id: str) -> Capture:
        if capture.native_arn is not None:
            raise CaptureError(
                "InvalidRequestException",
                "DynamoDB backups can be copied to another Region or account only with advanced "
                "DynamoDB backup features turned on (ResourceTypeManagementPreference DynamoDB)",
            )
        return relocated(capture, account=account, region=region, native_arn=None, payload=capture.payload)

    # -- restore ------------------------------------------------------------------------------
    def restore(self, capture: Capture, metadata: dict[str, str], *, account: str, region: str) -> str:
        require_location(capture, account, region)
        target = metadata_value(metadata, "targetTableName", case_insensitive=True)
        if not target:
            raise RestoreError("MissingParameterValueException", "targetTableName is required")
        if _TABLE_NAME.fullmatch(target) is None:
            raise RestoreError(
                "InvalidParameterValueException",
                f"Invalid targetTableName {target!r}: 3-255 characters of [a-zA-Z0-9_.-]",
            )
        backend = dynamodb_backends[account][region]
        if target in backend.tables:
            raise RestoreError("ResourceInUseException", f"Table already exists: {target}")
        config = capture.extra["config"]
        sse = self._restore_sse(metadata, config)
        protect = metadata_bool(metadata_value(metadata, "deletionProtection", case_insensitive=True), False)
        with restore_errors():
            table = _moto_create_table(backend, target, config, sse, protect)
            for item in capture.payload or []:
                backend.put_item(target, copy.deepcopy(item))
        return table.table_arn

    @staticmethod
    def _restore_sse(metadata: dict[str, str], config: dict[str, Any]) -> dict[str, Any] | None:
        requested = metadata_value(metadata, "encryptionType", case_insensitive=True)
        if requested is None:
            original: dict[str, Any] | None = copy.deepcopy(config["SSESpecification"])
            return original
        kind = _ENCRYPTION_TYPES.get(requested.lower())
        if kind is None:
            raise RestoreError(
                "InvalidParameterValueException", f"Invalid encryptionType {requested!r}: Default or KMS"
            )
        if kind == "Default":
            return None
        key = metadata_value(metadata, "kmsMasterKeyArn", case_insensitive=True)
        # KMS without a key ARN: the AWS-managed key (alias/aws/dynamodb), which moto creates
        return {"Enabled": True, "SSEType": "KMS", **({"KMSMasterKeyId": key} if key else {})}

    def delete_capture(self, capture: Capture) -> None:
        if capture.native_arn is None:
            return
        backend = self._home(capture)
        if backend is not None and capture.native_arn in backend.backups:
            backend.delete_backup(capture.native_arn)
