"""Every AWS Backup operation of botocore's model either works or is refused as AWS refuses.

An operation the sandbox does not implement answers HTTP 400 JSON (``__type`` and
``x-amzn-ErrorType`` ``UnsupportedOperationException``, a message naming the operation), under
``mock_aws`` and from the server alike: never moto's HTML 404/500, never a status an SDK retries.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
import pytest
import requests
from botocore import xform_name
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core.utils import camelcase_to_underscores, method_names_from_class
from moto.server import ThreadedMotoServer

from sandbox.backup.install import install
from sandbox.backup.responses import SandboxBackupResponse
from tests.sandbox.backup_support import REGION

if TYPE_CHECKING:
    from collections.abc import Iterator

    from botocore.model import OperationModel, Shape

MODEL = botocore.session.get_session().get_service_model("backup")
#: operations no other part of the sandbox is expected to implement soon
SAMPLE_UNSUPPORTED = ["ListFrameworks", "CreateLegalHold", "ListBackupPlanTemplates"]
CODE = "UnsupportedOperationException"


def handled(operation: str) -> bool:
    return camelcase_to_underscores(operation) in method_names_from_class(SandboxBackupResponse)


def _sample(shape: Shape, name: str) -> Any:
    """A value botocore's client-side validation accepts (required members only)."""
    kind = shape.type_name
    if kind == "structure":
        return {m: _sample(shape.members[m], m) for m in shape.required_members}  # type: ignore[attr-defined]
    if kind == "list":
        return [_sample(shape.member, name)] * max(1, shape.metadata.get("min", 1))  # type: ignore[attr-defined]
    if kind == "map":
        return {"k": _sample(shape.value, name)}  # type: ignore[attr-defined]
    if kind == "string":
        enum = getattr(shape, "enum", None)
        if enum:
            return enum[0]
        if "arn" in name.lower():
            return f"arn:aws:backup:{REGION}:123456789012:backup-vault:probe-vault"
        return "p" * max(5, shape.metadata.get("min", 1))
    if kind in ("integer", "long"):
        return max(1, shape.metadata.get("min", 1))
    if kind == "double":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert kind == "blob", kind
    return b"x"


def minimal_params(operation: OperationModel) -> dict[str, Any]:
    shape = operation.input_shape
    return _sample(shape, operation.name) if shape is not None else {}


def _call(client: Any, operation: str) -> dict[str, Any]:
    """The response's metadata and error (empty Error on success)."""
    try:
        response = getattr(client, xform_name(operation))(**minimal_params(MODEL.operation_model(operation)))
    except ClientError as error:
        return {"Error": error.response["Error"], **error.response["ResponseMetadata"]}
    return {"Error": {}, **response["ResponseMetadata"]}


def _assert_refused(outcome: dict[str, Any], operation: str) -> None:
    assert outcome["Error"].get("Code") == CODE, (operation, outcome)
    assert outcome["HTTPStatusCode"] == 400, (operation, outcome)
    assert f"{operation} is not supported by the backup-autopilot sandbox" in outcome["Error"]["Message"]
    assert outcome["RetryAttempts"] == 0


def _signed_get(url: str) -> requests.Response:
    """A GET signed for AWS Backup (so moto's server routes it to the backup service)."""
    request = AWSRequest(method="GET", url=url, headers={"Host": "localhost"})
    SigV4Auth(Credentials("testing", "testing"), "backup", REGION).add_auth(request)
    return requests.get(url, headers=dict(request.headers), timeout=10)


@pytest.fixture
def server() -> Iterator[str]:
    install()
    motoserver = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    motoserver.start()
    host, port = motoserver.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        yield url
    finally:
        requests.post(f"{url}/moto-api/reset", timeout=10)
        motoserver.stop()


def test_the_model_has_the_operations_this_test_counts() -> None:
    assert len(MODEL.operation_names) == 115
    assert [op for op in SAMPLE_UNSUPPORTED if handled(op)] == []


@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
def test_a_sample_of_unsupported_operations_is_refused_once_not_retried(mode: str) -> None:
    install()
    with mock_aws():
        retries: Any = {"mode": mode}
        backup = boto3.client("backup", region_name=REGION, config=Config(retries=retries))
        for operation in SAMPLE_UNSUPPORTED:
            _assert_refused(_call(backup, operation), operation)


def test_every_operation_of_the_model_is_handled_or_refused_as_json() -> None:
    install()
    with mock_aws():
        backup = boto3.client("backup", region_name=REGION, config=Config(retries={"total_max_attempts": 1}))
        backup.create_backup_vault(BackupVaultName="probe-vault")
        refused, answered = [], []
        for operation in MODEL.operation_names:
            outcome = _call(backup, operation)
            if handled(operation):
                assert outcome["Error"].get("Code") != CODE, operation
                assert outcome["HTTPStatusCode"] < 500, (operation, outcome)
                answered.append(operation)
            else:
                _assert_refused(outcome, operation)
                refused.append(operation)
    assert len(refused) + len(answered) == 115
    assert "StartBackupJob" in answered and "ListFrameworks" in refused


def test_the_server_refuses_unsupported_operations_as_json(server: str) -> None:
    backup = boto3.client(
        "backup", region_name=REGION, endpoint_url=server, config=Config(retries={"mode": "standard"})
    )
    for operation in SAMPLE_UNSUPPORTED:
        _assert_refused(_call(backup, operation), operation)
    # the raw answer: JSON with __type and x-amzn-ErrorType, no HTML
    answer = _signed_get(f"{server}/audit/frameworks")
    assert answer.status_code == 400
    assert answer.headers["x-amzn-ErrorType"] == CODE
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body["__type"] == CODE and "ListFrameworks" in body["message"]


def test_a_path_of_no_operation_is_refused_as_json_too(server: str) -> None:
    answer = _signed_get(f"{server}/no-such/path")
    assert (answer.status_code, answer.headers["x-amzn-ErrorType"]) == (400, CODE)
    assert "matches no AWS Backup operation" in answer.json()["message"]
