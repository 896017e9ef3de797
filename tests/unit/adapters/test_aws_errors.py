"""AWS errors sorted at the one place every client call goes through (adapters/aws.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from backup_autopilot.adapters.aws import (
    MAX_RETRIES,
    RETRY_CONFIG,
    InvalidRequest,
    RefusedError,
    _translating,
)
from backup_autopilot.logic.errors import REQUEST_REFUSED, Refused, refusal_detail

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def backup() -> Iterator[Any]:
    with mock_aws():
        yield _translating(boto3.client("backup", region_name="us-east-1", config=RETRY_CONFIG))


def test_a_permanent_error_is_refused_and_still_the_client_error_adapters_check(backup: Any) -> None:
    # GIVEN a vault that does not exist  WHEN it is described
    with pytest.raises(RefusedError) as caught:
        backup.describe_backup_vault(BackupVaultName="nope")
    # THEN the logic sees a refusal with AWS's code and words, the adapters the ClientError
    assert isinstance(caught.value, Refused) and isinstance(caught.value, ClientError)
    assert caught.value.code == "ResourceNotFoundException"
    assert caught.value.operation == "DescribeBackupVault"
    assert not caught.value.needs_action


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "ServiceUnavailableException", "LimitExceededException"]
)
def test_transient_errors_are_not_refusals(backup: Any, code: str) -> None:
    with Stubber(backup) as stub:
        stub.add_client_error("list_backup_vaults", code, http_status_code=400)
        with pytest.raises(ClientError) as caught:
            backup.list_backup_vaults()
    assert not isinstance(caught.value, Refused)


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_is_transient_whatever_its_code(backup: Any, status: int) -> None:
    with Stubber(backup) as stub:
        stub.add_client_error("list_backup_vaults", "WeirdNewError", http_status_code=status)
        with pytest.raises(ClientError) as caught:
            backup.list_backup_vaults()
    assert not isinstance(caught.value, Refused)


def test_access_denied_needs_action_and_alerts_as_a_warning(backup: Any) -> None:
    with Stubber(backup) as stub:
        stub.add_client_error("list_backup_vaults", "AccessDeniedException", "no", http_status_code=403)
        with pytest.raises(RefusedError) as caught:
            backup.list_backup_vaults()
    detail = refusal_detail(caught.value, resource="arn:aws:s3:::b", function="reconcile")
    assert caught.value.needs_action and detail["severity"] == "warning"
    assert "AccessDeniedException" in detail["summary"] and REQUEST_REFUSED == "Request Refused"


def test_a_parameter_the_api_cannot_take_is_refused_before_it_is_sent(backup: Any) -> None:
    with pytest.raises(InvalidRequest) as caught:
        backup.describe_backup_vault(BackupVaultName=123)
    assert caught.value.code == "ParamValidationError" and caught.value.operation == "DescribeBackupVault"


def test_paginators_go_through_the_translation_too(backup: Any) -> None:
    with Stubber(backup) as stub:
        stub.add_client_error("list_backup_vaults", "ResourceNotFoundException", http_status_code=404)
        with pytest.raises(RefusedError):
            list(backup.get_paginator("list_backup_vaults").paginate())


def test_retries_are_bounded() -> None:
    config: Any = RETRY_CONFIG  # botocore's Config sets its attributes dynamically
    assert config.retries["mode"] == "standard"
    # botocore counts the first attempt too: at most 1 + MAX_RETRIES requests per call
    assert config.retries["total_max_attempts"] == MAX_RETRIES + 1 <= 6
    assert config.read_timeout <= 30 and config.connect_timeout <= 5


def test_the_functions_own_region_named_explicitly_is_the_same_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from backup_autopilot.adapters.aws import client

    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    own = client("backup", "eu-central-1")
    assert own is client("backup") and own.meta.region_name == "eu-central-1"
    other = client("backup", "us-west-2")
    assert other is not own and other.meta.region_name == "us-west-2"
