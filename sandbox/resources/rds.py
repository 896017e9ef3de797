"""RDS DB instances (type ``RDS``) and Aurora clusters (type ``Aurora``); neither is fully managed.

A capture is a real moto snapshot named as AWS Backup names it, ``awsbackup:job-<job id>``
(``SnapshotType`` ``awsbackup``); the recovery point is the snapshot's ARN
(``arn:aws:rds:<region>:<acct>:snapshot:awsbackup:job-...`` or ``...:cluster-snapshot:...``).
A copy is a snapshot ``awsbackup:copyjob-<job id>`` in the destination Region/account.

A restore calls moto's ``restore_db_instance_from_db_snapshot`` /
``restore_db_cluster_from_snapshot`` with the restore metadata: keys are the operation's
parameter names (``DBInstanceIdentifier``, ``DBInstanceClass``, ``MultiAZ``... for RDS;
``dbClusterIdentifier``, ``engine``... for Aurora), values strings converted with the botocore
RDS model's types (JSON for lists). The new identifier must not exist
(``DBInstanceAlreadyExists`` / ``DBClusterAlreadyExistsFault``). An Aurora restore creates only
the cluster, as AWS does: add instances yourself. Restored resources carry no tags (AWS copies
them only with ``CopySourceTagsToRestoredResource``). moto holds no database content, so an empty
payload restores the same configuration without a snapshot.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import secrets
from typing import TYPE_CHECKING, Any

import botocore.session
from botocore import xform_name
from moto.rds.models import DBCluster, DBClusterSnapshot, DBInstance, DBSnapshot, RDSBackend, rds_backends

from sandbox.resources import (
    CaptureError,
    arn_account_region,
    bool_text,
    capture_errors,
    capture_location,
    existing_backend,
    metadata_bool,
    relocated,
    require_location,
    restore_errors,
    restore_test_name,
    tag_dict,
)
from sandbox.resources.base import Capture, LiveResource, RestoreError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from botocore.model import OperationModel, Shape

GIB = 1024**3
_DB_ARN = re.compile(r"arn:aws[\w-]*:rds:[a-z0-9-]+:\d{12}:db:([A-Za-z][A-Za-z0-9-]{0,62})")
_CLUSTER_ARN = re.compile(r"arn:aws[\w-]*:rds:[a-z0-9-]+:\d{12}:cluster:([A-Za-z][A-Za-z0-9-]{0,62})")
#: restore-metadata keys AWS documents as informational only for RDS instances
_RDS_INFORMATIONAL = {"engineversion", "kmskeyid", "encrypted", "vpcid"}
_GONE = {"deleting", "deleted"}


@functools.cache
def _operation(name: str) -> OperationModel:
    return botocore.session.get_session().get_service_model("rds").operation_model(name)


def _typed(key: str, raw: str, shape: Shape) -> Any:
    try:
        if shape.type_name in ("integer", "long"):
            return int(raw)
        if shape.type_name == "boolean":
            return metadata_bool(raw, False)
        if shape.type_name in ("list", "structure", "map"):
            return json.loads(raw)
    except ValueError:
        raise RestoreError("InvalidParameterValueException", f"Invalid value for {key}: {raw!r}") from None
    return raw


def operation_overrides(operation: str, metadata: dict[str, str], ignore: set[str]) -> dict[str, Any]:
    """moto keyword arguments for an RDS operation from restore metadata (keys case-insensitive)."""
    shape = _operation(operation).input_shape
    members = {} if shape is None else shape.members
    by_lower = {name.lower(): name for name in members}
    overrides = {}
    for key, raw in metadata.items():
        member = by_lower.get(key.lower())
        if member is None or key.lower() in ignore or raw == "":
            continue
        overrides[xform_name(member)] = _typed(key, raw, members[member])
    return overrides


# -- moto internals (moto 5.2.5) ----------------------------------------------------------------


def _moto_db_snapshot_copy(source: DBSnapshot, account: str, region: str, snapshot_id: str) -> DBSnapshot:
    """CopyDBSnapshot into another Region and/or account (moto copies within one backend only)."""
    backend = rds_backends[account][region]
    snapshot = DBSnapshot(backend, source.database, snapshot_id, "awsbackup", kms_key_id=source.kms_key_id)
    backend.database_snapshots[snapshot.db_snapshot_identifier] = snapshot
    return snapshot


def _moto_cluster_snapshot_copy(
    source: DBClusterSnapshot, account: str, region: str, snapshot_id: str
) -> DBClusterSnapshot:
    backend = rds_backends[account][region]
    snapshot = DBClusterSnapshot(backend, source.cluster, snapshot_id, "awsbackup")
    backend.cluster_snapshots[snapshot.db_cluster_snapshot_identifier] = snapshot
    return snapshot


@contextlib.contextmanager
def _moto_restorable(snapshot: DBSnapshot | DBClusterSnapshot | None) -> Iterator[None]:
    """moto's restores look snapshots up among "automated"/"manual" ones only; AWS restores
    ``awsbackup`` snapshots too. Present ours as manual for the duration of the call."""
    if snapshot is None:  # moto reports the missing snapshot itself
        yield
        return
    saved = snapshot.snapshot_type
    snapshot.snapshot_type = "manual"
    try:
        yield
    finally:
        snapshot.snapshot_type = saved


def _moto_cluster_status(cluster: DBCluster) -> str:
    return str(cluster._status)  # the ``status`` property flips "creating" to "available" on read


def _moto_instance_config(db: DBInstance) -> dict[str, Any]:
    return {
        "Engine": db.engine,
        "EngineVersion": db.engine_version,
        "DBInstanceClass": db.db_instance_class,
        "AllocatedStorage": db.allocated_storage,
        "StorageType": db.storage_type,
        "Iops": db.iops,
        "MultiAZ": bool(db.multi_az),
        "PubliclyAccessible": bool(db.publicly_accessible),
        "Port": db.port,
        "AvailabilityZone": db.availability_zone,
        "DBSubnetGroupName": db._db_subnet_group_name,  # the public name is write-only in moto
        "VpcSecurityGroupIds": list(db.vpc_security_group_ids or []),
        "StorageEncrypted": bool(db.storage_encrypted),
        "KmsKeyId": db.kms_key_id,
        "DeletionProtection": bool(db.deletion_protection),
        "MasterUsername": db.master_username,
        "DBName": db.db_name,
    }


def _moto_cluster_config(cluster: DBCluster) -> dict[str, Any]:
    return {
        "Engine": cluster.engine,
        "EngineVersion": cluster.engine_version,
        "EngineMode": cluster.engine_mode,
        "Port": cluster.port,
        "AvailabilityZones": list(cluster.availability_zones or []),
        "DBSubnetGroupName": cluster.db_subnet_group_name,
        "VpcSecurityGroupIds": list(cluster.vpc_security_group_ids or []),
        "StorageEncrypted": bool(cluster.storage_encrypted),
        "KmsKeyId": cluster.kms_key_id,
        "DatabaseName": cluster.database_name,
        "MasterUsername": cluster.master_username,
        "DeletionProtection": bool(cluster.deletion_protection),
        "AllocatedStorage": cluster.allocated_storage,
    }


# -- the adapters -------------------------------------------------------------------------------


class RDSAdapter:
    """RDS DB instances (not Aurora cluster members): DB snapshots; restores into a new instance."""

    resource_type = "RDS"
    fully_managed = False
    arn_service = "rds"
    arn_resource_type = "db"

    def handles(self, arn: str) -> bool:
        return _DB_ARN.fullmatch(arn) is not None

    def _find(self, arn: str) -> tuple[RDSBackend, DBInstance] | None:
        match = _DB_ARN.fullmatch(arn)
        backend = None if match is None else existing_backend(rds_backends, *arn_account_region(arn))
        if match is None or backend is None:
            return None
        db = backend.databases.get(match.group(1).lower())
        return None if db is None or not self._eligible(db) else (backend, db)

    @staticmethod
    def _eligible(db: DBInstance) -> bool:
        return db.db_cluster_identifier is None and db.status not in _GONE

    def _live(self, db: DBInstance) -> LiveResource:
        return LiveResource(
            arn=db.db_instance_arn,
            resource_type=self.resource_type,
            name=db.db_instance_identifier,
            tags=tag_dict(db.tags),
            encrypted=bool(db.storage_encrypted),
            kms_key_arn=db.kms_key_id,
            size_bytes=int(db.allocated_storage or 0) * GIB,
        )

    def iter_resources(self, account: str, region: str) -> Iterable[LiveResource]:
        backend = existing_backend(rds_backends, account, region)
        for db in list(backend.databases.values()) if backend else []:
            if self._eligible(db):
                yield self._live(db)

    def describe(self, arn: str) -> LiveResource | None:
        found = self._find(arn)
        return None if found is None else self._live(found[1])

    def locate(self, arn: str) -> tuple[str, str] | None:
        return arn_account_region(arn) if self._find(arn) is not None else None

    # -- backup -------------------------------------------------------------------------------
    def capture(self, arn: str, *, account: str, region: str, job_id: str) -> Capture:
        found = self._find(arn)
        if found is None:
            raise CaptureError("ResourceNotFoundException", f"DB instance not found: {arn}")
        backend, db = found
        with capture_errors():
            snapshot = backend.create_db_snapshot(
                db.db_instance_identifier, f"awsbackup:job-{job_id}", snapshot_type="awsbackup"
            )
        config = _moto_instance_config(db)
        live = self._live(db)
        return Capture(
            resource_type=self.resource_type,
            source_arn=live.arn,
            source_name=live.name,
            restore_metadata=self._metadata(live.name, config),
            inferred_metadata={
                "DBInstanceIdentifier": restore_test_name(job_id),
                "DeletionProtection": "false",
                "MultiAZ": "false",
                "PubliclyAccessible": "false",
            },
            payload={"SnapshotId": snapshot.db_snapshot_identifier},
            size_bytes=live.size_bytes,
            encrypted=live.encrypted,
            kms_key_arn=live.kms_key_arn,
            native_arn=snapshot.arn,
            extra={"account": account, "region": region, "config": config},
        )

    @staticmethod
    def _metadata(name: str, config: dict[str, Any]) -> dict[str, str]:
        metadata = {"DBInstanceIdentifier": name}
        for key in ("DBInstanceClass", "Engine", "EngineVersion", "StorageType", "AvailabilityZone"):
            metadata[key] = str(config[key])
        for key in ("Port", "AllocatedStorage", "Iops", "DBSubnetGroupName", "KmsKeyId"):
            if config[key]:
                metadata[key] = str(config[key])
        for key in ("MultiAZ", "PubliclyAccessible", "DeletionProtection"):
            metadata[key] = bool_text(config[key])
        metadata["Encrypted"] = bool_text(config["StorageEncrypted"])
        metadata["VpcSecurityGroupIds"] = json.dumps(config["VpcSecurityGroupIds"])
        return metadata

    def copy_to(self, capture: Capture, *, account: str, region: str, job_id: str) -> Capture:
        home = existing_backend(rds_backends, *capture_location(capture))
        source = None if home is None else home.database_snapshots.get(capture.payload["SnapshotId"])
        if source is None:
            raise CaptureError("ResourceNotFoundException", f"DB snapshot not found: {capture.native_arn}")
        snapshot = _moto_db_snapshot_copy(source, account, region, f"awsbackup:copyjob-{job_id}")
        return relocated(
            capture,
            account=account,
            region=region,
            native_arn=snapshot.arn,
            payload={"SnapshotId": snapshot.db_snapshot_identifier},
            config_changes={
                "AvailabilityZone": f"{region}a",
                "DBSubnetGroupName": None,
                "VpcSecurityGroupIds": [],
            },
            metadata_changes={"AvailabilityZone": f"{region}a"},
            drop_metadata=("DBSubnetGroupName", "VpcSecurityGroupIds"),
        )

    # -- restore ------------------------------------------------------------------------------
    def restore(self, capture: Capture, metadata: dict[str, str], *, account: str, region: str) -> str:
        require_location(capture, account, region)
        overrides = operation_overrides("RestoreDBInstanceFromDBSnapshot", metadata, _RDS_INFORMATIONAL)
        identifier = str(overrides.get("db_instance_identifier") or "").lower()
        if not identifier:
            raise RestoreError("MissingParameterValueException", "DBInstanceIdentifier is required")
        overrides["db_instance_identifier"] = identifier
        backend = rds_backends[account][region]
        if identifier in backend.databases:
            raise RestoreError("DBInstanceAlreadyExists", "DB instance already exists")
        config = capture.extra["config"]
        overrides.setdefault("availability_zone", config["AvailabilityZone"])
        with restore_errors():
            if capture.payload:
                snapshot_id = capture.payload["SnapshotId"]
                with _moto_restorable(backend.database_snapshots.get(snapshot_id)):
                    db = backend.restore_db_instance_from_db_snapshot(snapshot_id, overrides)
            else:
                db = backend.create_db_instance({**self._create_kwargs(config), **overrides})
        db.tags = []
        return str(db.db_instance_arn)

    @staticmethod
    def _create_kwargs(config: dict[str, Any]) -> dict[str, Any]:
        """CreateDBInstance from the configuration at backup time (the empty-restore path)."""
        return {xform_name(key): value for key, value in config.items() if value is not None}

    def delete_capture(self, capture: Capture) -> None:
        backend = existing_backend(rds_backends, *capture_location(capture))
        snapshot_id = (capture.payload or {}).get("SnapshotId")
        if backend is not None and isinstance(snapshot_id, str) and snapshot_id in backend.database_snapshots:
            backend.delete_db_snapshot(snapshot_id)


class AuroraAdapter:
    """Aurora DB clusters: cluster snapshots; a restore creates only the new cluster."""

    resource_type = "Aurora"
    fully_managed = False
    arn_service = "rds"
    arn_resource_type = "cluster"

    def handles(self, arn: str) -> bool:
        return _CLUSTER_ARN.fullmatch(arn) is not None

    def _find(self, arn: str) -> tuple[RDSBackend, DBCluster] | None:
        match = _CLUSTER_ARN.fullmatch(arn)
        backend = None if match is None else existing_backend(rds_backends, *arn_account_region(arn))
        if match is None or backend is None:
            return None
        cluster = backend.clusters.get(match.group(1).lower())
        return None if cluster is None or not self._eligible(cluster) else (backend, cluster)

    @staticmethod
    def _eligible(cluster: DBCluster) -> bool:
        return str(cluster.engine).startswith("aurora") and _moto_cluster_status(cluster) not in _GONE

    def _live(self, cluster: DBCluster) -> LiveResource:
        return LiveResource(
            arn=cluster.db_cluster_arn,
            resource_type=self.resource_type,
            name=cluster.db_cluster_identifier,
            tags=tag_dict(cluster.tags),
            encrypted=bool(cluster.storage_encrypted),
            kms_key_arn=cluster.kms_key_id,
            size_bytes=int(cluster.allocated_storage or 0) * GIB,
        )

    def iter_resources(self, account: str, region: str) -> Iterable[LiveResource]:
        backend = existing_backend(rds_backends, account, region)
        for cluster in list(backend.clusters.values()) if backend else []:
            if self._eligible(cluster):
                yield self._live(cluster)

    def describe(self, arn: str) -> LiveResource | None:
        found = self._find(arn)
        return None if found is None else self._live(found[1])

    def locate(self, arn: str) -> tuple[str, str] | None:
        return arn_account_region(arn) if self._find(arn) is not None else None

    # -- backup -------------------------------------------------------------------------------
    def capture(self, arn: str, *, account: str, region: str, job_id: str) -> Capture:
        found = self._find(arn)
        if found is None:
            raise CaptureError("ResourceNotFoundException", f"DB cluster not found: {arn}")
        backend, cluster = found
        with capture_errors():
            snapshot = backend.create_db_cluster_snapshot(
                cluster.db_cluster_identifier, f"awsbackup:job-{job_id}", snapshot_type="awsbackup"
            )
        config = _moto_cluster_config(cluster)
        live = self._live(cluster)
        metadata = {
            "dbClusterIdentifier": live.name,
            "engine": config["Engine"],
            "engineVersion": config["EngineVersion"],
            "engineMode": config["EngineMode"],
            "port": str(config["Port"]),
            "availabilityZones": json.dumps(config["AvailabilityZones"]),
            "dbSubnetGroupName": config["DBSubnetGroupName"],
            "vpcSecurityGroupIds": json.dumps(config["VpcSecurityGroupIds"]),
            **({"kmsKeyId": config["KmsKeyId"]} if config["KmsKeyId"] else {}),
            **({"databaseName": config["DatabaseName"]} if config["DatabaseName"] else {}),
        }
        return Capture(
            resource_type=self.resource_type,
            source_arn=live.arn,
            source_name=live.name,
            restore_metadata=metadata,
            inferred_metadata={"dbClusterIdentifier": restore_test_name(job_id), "engine": config["Engine"]},
            payload={"SnapshotId": snapshot.db_cluster_snapshot_identifier},
            size_bytes=live.size_bytes,
            encrypted=live.encrypted,
            kms_key_arn=live.kms_key_arn,
            native_arn=snapshot.arn,
            extra={"account": account, "region": region, "config": config},
        )

    def copy_to(self, capture: Capture, *, account: str, region: str, job_id: str) -> Capture:
        home = existing_backend(rds_backends, *capture_location(capture))
        source = None if home is None else home.cluster_snapshots.get(capture.payload["SnapshotId"])
        if source is None:
            raise CaptureError(
                "ResourceNotFoundException", f"DB cluster snapshot not found: {capture.native_arn}"
            )
        snapshot = _moto_cluster_snapshot_copy(source, account, region, f"awsbackup:copyjob-{job_id}")
        zones = [f"{region}{suffix}" for suffix in "abc"]
        return relocated(
            capture,
            account=account,
            region=region,
            native_arn=snapshot.arn,
            payload={"SnapshotId": snapshot.db_cluster_snapshot_identifier},
            config_changes={"AvailabilityZones": zones, "DBSubnetGroupName": None, "VpcSecurityGroupIds": []},
            metadata_changes={"availabilityZones": json.dumps(zones)},
            drop_metadata=("dbSubnetGroupName", "vpcSecurityGroupIds"),
        )

    # -- restore ------------------------------------------------------------------------------
    def restore(self, capture: Capture, metadata: dict[str, str], *, account: str, region: str) -> str:
        require_location(capture, account, region)
        overrides = operation_overrides("RestoreDBClusterFromSnapshot", metadata, set())
        identifier = str(overrides.get("db_cluster_identifier") or "").lower()
        if not identifier:
            raise RestoreError("MissingParameterValueException", "dbClusterIdentifier is required")
        config = capture.extra["config"]
        overrides["db_cluster_identifier"] = identifier
        overrides.setdefault("engine", config["Engine"])
        overrides.setdefault("availability_zones", config["AvailabilityZones"])
        backend = rds_backends[account][region]
        if identifier in backend.clusters:
            raise RestoreError("DBClusterAlreadyExistsFault", "DB Cluster already exists")
        with restore_errors():
            if capture.payload:
                snapshot_id = capture.payload["SnapshotId"]
                with _moto_restorable(backend.cluster_snapshots.get(snapshot_id)):
                    cluster = backend.restore_db_cluster_from_snapshot(snapshot_id, overrides)
            else:
                base = {xform_name(key): value for key, value in config.items() if value is not None}
                # a snapshot carries the master credentials; a cluster built without one needs some
                base["master_user_password"] = secrets.token_urlsafe(16)
                cluster = backend.create_db_cluster({**base, **overrides})
        cluster.tags = []
        return str(cluster.db_cluster_arn)

    def delete_capture(self, capture: Capture) -> None:
        backend = existing_backend(rds_backends, *capture_location(capture))
        snapshot_id = (capture.payload or {}).get("SnapshotId")
        if backend is not None and isinstance(snapshot_id, str) and snapshot_id in backend.cluster_snapshots:
            backend.delete_db_cluster_snapshot(snapshot_id)
