"""sandbox.lambda_service.invoke_api: the Lambda API's Invoke runs the functions the sandbox knows.

moto's own Invoke needs Docker to run code; the sandbox routes Invoke of a function it runs (the
stack's, or another stack's deployed with ``sb.deploy_stack``) to the in-process router: by name,
ARN or partial ARN, RequestResponse, Event and DryRun, with Lambda's error document. The fixture
stack is tests/sandbox/fixtures/router/; the other stack is the restore-check fixture.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from sandbox import Sandbox
from sandbox.lambda_service import invoke_api

if TYPE_CHECKING:
    from collections.abc import Iterator

FIXTURES = Path(__file__).parent / "fixtures"
ROUTER = FIXTURES / "router" / "template.yaml"
CHECK = FIXTURES / "restore_check" / "template.yaml"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(template=ROUTER) as sandbox:
        yield sandbox


def invoke(sb: Sandbox, name: str, payload: Any, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    response = sb.client("lambda").invoke(FunctionName=name, Payload=json.dumps(payload).encode(), **kwargs)
    body = response["Payload"].read()
    return response, (json.loads(body) if body else None)


def test_request_response_runs_the_handler_and_answers_its_result(sb: Sandbox) -> None:
    name = sb.physical_id("EchoFunction")
    response, body = invoke(sb, name, {"hello": "world"}, LogType="Tail")

    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert body["event"] == {"hello": "world"}
    assert body["env"]["AWS_LAMBDA_FUNCTION_NAME"] == name  # in its own container and environment
    assert body["context"]["invoked_function_arn"] == sb.attribute("EchoFunction", "Arn")
    base64.b64decode(response["LogResult"])  # the log's tail, as LogType=Tail asks
    [record] = [i for i in sb.invocations if i.trigger == invoke_api.TRIGGER]
    assert (record.function, record.outcome, record.event) == ("EchoFunction", "success", {"hello": "world"})


def test_a_function_is_found_by_name_arn_and_partial_arn(sb: Sandbox) -> None:
    name, arn = sb.physical_id("EchoFunction"), sb.attribute("EchoFunction", "Arn")
    for reference in (name, arn, f"{arn}:$LATEST", f"{sb.account_id}:function:{name}"):
        assert invoke(sb, reference, {"n": 1})[1]["event"] == {"n": 1}, reference
    assert len([i for i in sb.invocations if i.trigger == invoke_api.TRIGGER]) == 4


def test_a_handler_that_raises_answers_lambdas_error_document(sb: Sandbox) -> None:
    response, body = invoke(sb, sb.physical_id("FlakyFunction"), {"id": "e-1", "detail": {"fail_times": 1}})

    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "RuntimeError" and body["errorMessage"] == "attempt 1 failed"
    assert body["stackTrace"] and body["requestId"]
    # the second call succeeds: the same container (module state kept), as Lambda's warm container
    assert invoke(sb, sb.physical_id("FlakyFunction"), {"id": "e-1", "detail": {"fail_times": 1}})[1] == {
        "attempts": 2
    }


def test_event_invocations_are_queued_and_dry_runs_run_nothing(sb: Sandbox) -> None:
    name = sb.physical_id("EchoFunction")
    lam = sb.client("lambda")

    queued = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"later": true}')
    dry = lam.invoke(FunctionName=name, InvocationType="DryRun", Payload=b"{}")

    assert (queued["StatusCode"], dry["StatusCode"]) == (202, 204)
    assert [i for i in sb.invocations if i.trigger == invoke_api.TRIGGER] == []  # nothing ran yet
    sb.settle()
    [record] = [i for i in sb.invocations if i.trigger == invoke_api.TRIGGER]
    assert record.event == {"later": True} and record.outcome == "success"


def test_what_lambda_refuses_is_refused(sb: Sandbox) -> None:
    lam = sb.client("lambda")
    with pytest.raises(ClientError) as bad_json:
        lam.invoke(FunctionName=sb.physical_id("EchoFunction"), Payload=b"{not json")
    assert bad_json.value.response["Error"]["Code"] == "InvalidRequestContentException"

    throttle = sb.faults.throttle_function("EchoFunction")  # every attempt: botocore retries a 429
    with pytest.raises(ClientError) as throttled:
        lam.invoke(FunctionName=sb.physical_id("EchoFunction"), Payload=b"{}")
    throttle.remaining = 0
    assert throttled.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429

    # a function the sandbox does not run is moto's: here, one that does not exist
    with pytest.raises(ClientError) as unknown:
        lam.invoke(FunctionName="no-such-function", Payload=b"{}")
    assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # ... and a function lives in its own account and Region only
    with pytest.raises(ClientError) as elsewhere:
        sb.client("lambda", region="eu-west-1").invoke(FunctionName=sb.physical_id("EchoFunction"))
    assert elsewhere.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_another_stacks_functions_run_when_invoked() -> None:
    with Sandbox(template=ROUTER) as sb:
        deployment = sb.deploy_stack(CHECK, stack_name="team-checks")
        arn = deployment.functions["OrdersRestoreCheck"].arn
        assert arn.endswith(":function:backup-restore-check-orders")
        assert any("run only when invoked through the Lambda API" in w for w in deployment.warnings)

        sb.create_table("orders-copy", items=3)
        payload = {
            "resource_type": "DynamoDB",
            "restored_resource_arn": f"arn:aws:dynamodb:{sb.region}:{sb.account_id}:table/orders-copy",
        }
        response, body = invoke(sb, "backup-restore-check-orders", payload)

        assert response["StatusCode"] == 200
        assert body == {"passed": True, "reason": "orders 0..2 all present"}
        [record] = [i for i in sb.invocations if i.function == "OrdersRestoreCheck"]
        assert record.trigger == invoke_api.TRIGGER
        assert sb.router.function_for_api(arn, account=sb.account_id, region=sb.region) is not None
