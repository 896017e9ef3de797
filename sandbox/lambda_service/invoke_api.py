"""The Lambda API's ``Invoke`` of the functions the sandbox runs (moto's own needs Docker).

moto's ``LambdaBackend.invoke`` is patched once (:func:`install`). While a router is active
(:func:`activate`), ``Invoke`` of a function it knows (the stack's, or one of a stack deployed with
``Sandbox.deploy_stack``), named by its name, its ARN or a partial ARN (``<account>:function:<name>``)
in the account and Region it lives in, with no qualifier or ``$LATEST``, runs the handler in-process
as the router runs every function (its container, environment and context; the record's ``trigger``
is ``lambda:Invoke``):

========================  =====================================================================
``InvocationType``        answer
========================  =====================================================================
``RequestResponse``       200 and the handler's result as JSON; when the handler raised, 200 with
                          ``X-Amz-Function-Error: Unhandled`` and Lambda's error document
                          (``errorMessage``, ``errorType``, ``requestId``, ``stackTrace``)
``Event``                 202; queued as an asynchronous invocation (retries, destinations and
                          dead-letter queue as for a rule's delivery), run when the clock moves
``DryRun``                204; nothing runs
========================  =====================================================================

A payload that is not JSON is refused (``InvalidRequestContentException``, 400), a throttled
function (``FAULTS.throttle_function``) answers ``TooManyRequestsException`` (429). Any other
function, or another qualifier, is left to moto. Simulated time does not move while the handler
runs, and its ``Timeout`` is not enforced (the router's rule); the caller's own read timeout is.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any, Protocol

from moto.awslambda.models import LambdaBackend
from moto.core.exceptions import JsonRESTError

if TYPE_CHECKING:
    from sandbox.lambda_service.functions import Function
    from sandbox.lambda_service.records import Invocation

TRIGGER = "lambda:Invoke"
#: what Lambda keeps of the log for ``LogType: Tail`` (the last 4 KB)
TAIL_BYTES = 4096


class Runner(Protocol):
    """What the hook calls (the router)."""

    def function_for_api(self, name_or_arn: str, *, account: str, region: str) -> Function | None: ...

    def invoke_function(self, function: Function, event: Any, *, trigger: str) -> Invocation: ...

    def invoke_async(self, function: Function, event: Any, *, trigger: str) -> None: ...


class InvalidRequestContent(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestContentException", message)


class TooManyRequests(JsonRESTError):
    code = 429

    def __init__(self, message: str) -> None:
        super().__init__("TooManyRequestsException", message)


_active: Runner | None = None
_installed = False
_original_invoke = LambdaBackend.invoke


def activate(runner: Runner) -> None:
    global _active
    _active = runner


def deactivate(runner: Runner) -> bool:
    """Stop routing to ``runner``; ``False`` when another runner had taken its place."""
    global _active
    if _active is not runner:
        return False
    _active = None
    return True


def _event(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if body is None or (isinstance(body, str) and not body.strip()):
        return {}
    if not isinstance(body, str):
        return body
    try:
        return json.loads(body)
    except ValueError:
        raise InvalidRequestContent("Could not parse request body into json") from None


def _header(headers: Any, name: str, default: str) -> str:
    value = headers.get(name) if headers is not None else None
    if value is None and headers is not None:
        value = headers.get(name.lower())
    return str(value) if value is not None else default


def _invoke(
    self: LambdaBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> str | bytes | None:
    runner = _active
    function = (
        runner.function_for_api(function_name, account=self.account_id, region=self.region_name)
        if runner is not None and qualifier in {None, "", "$LATEST"}
        else None
    )
    if runner is None or function is None:
        return _original_invoke(self, function_name, qualifier, body, headers, response_headers)
    event = _event(body)
    invocation_type = _header(headers, "X-Amz-Invocation-Type", "RequestResponse")
    response_headers["x-amz-executed-version"] = "$LATEST"
    if invocation_type == "DryRun":
        return b""
    if invocation_type == "Event":
        runner.invoke_async(function, event, trigger=TRIGGER)
        return b""
    invocation = runner.invoke_function(function, event, trigger=TRIGGER)
    if invocation.outcome == "throttled":
        raise TooManyRequests((invocation.error or "").split(": ", 1)[-1] or "Rate Exceeded.")
    tail = "\n".join(invocation.stdout).encode()[-TAIL_BYTES:]
    response_headers["x-amz-log-result"] = base64.b64encode(tail).decode()
    if invocation.outcome == "error":
        response_headers["x-amz-function-error"] = "Unhandled"
        error_type = invocation.error_type or "Exception"
        message = (invocation.error or "").removeprefix(f"{error_type}: ")
        document = {
            "errorMessage": message,
            "errorType": error_type,
            "requestId": invocation.request_id,
            "stackTrace": invocation.stack_trace,
        }
        return json.dumps(document).encode()
    return json.dumps(invocation.result).encode()


def install() -> None:
    global _installed
    if not _installed:
        LambdaBackend.invoke = _invoke  # type: ignore[method-assign]
        _installed = True
