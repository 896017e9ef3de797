"""Deterministic idempotency tokens from business keys (never from event ids).

EventBridge and Lambda deliver at least once, and botocore's own token changes on every call, so
a replayed event would start a second job. A token built from what the job *is* makes AWS Backup
return the first job instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib

#: kept at 64 characters: AWS declares no limit (UNVERIFIED), 64 is the safe assumption
TOKEN_LENGTH = 64


def token(*parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return digest[:TOKEN_LENGTH]


def window_start(now: dt.datetime, interval: dt.timedelta) -> dt.datetime:
    """The start of the fixed window of length ``interval`` that contains ``now`` (UTC epoch based)."""
    seconds = int(interval.total_seconds())
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, dt.UTC)


def backup_token(resource_arn: str, plan_id: str, window: dt.datetime) -> str:
    return token("backup", resource_arn, plan_id, window.isoformat())


def copy_token(recovery_point_arn: str, destination_vault_arn: str) -> str:
    return token("copy", recovery_point_arn, destination_vault_arn)


def restore_token(recovery_point_arn: str, run_id: str) -> str:
    return token("restore", recovery_point_arn, run_id)
