"""boto3 clients, created once per container on the default session (cold start: ~6 ms each after
the first), and the one place where AWS errors are sorted into transient and permanent.

Transient errors (throttling, 5xx, timeouts) are retried by botocore itself in standard mode
(exponential backoff with jitter), at most :data:`MAX_RETRIES` retries after the first attempt,
with connect/read timeouts, so a handler always finishes well inside its own timeout (and, if they
persist, the invocation fails and Lambda retries it). Not adaptive mode: its client-side rate limiter blocks
the container on wall-clock waits (paid Lambda time, and a simulated clock cannot drive it); the
stack caps its call rate with each function's reserved concurrency instead.
Permanent errors (not found, invalid parameter, access denied on that resource) are raised as
:class:`RefusedError`: still the botocore ``ClientError`` the adapters check codes on, and also
the logic's :class:`~backup_autopilot.logic.errors.Refused`, which the logic reports and counts
instead of retrying.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from backup_autopilot.logic.errors import Refused

MAX_RETRIES = 5
RETRY_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": MAX_RETRIES}, connect_timeout=5, read_timeout=30
)
#: error codes a retry may fix (the others are permanent for the request that caused them)
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "LimitExceededException",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServiceError",
        "InternalServiceErrorException",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "DependencyFailureException",
        "ConcurrentModificationException",
    }
)


def is_transient(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return code in TRANSIENT_CODES or status >= 500


class RefusedError(ClientError, Refused):
    """A ``ClientError`` no retry fixes (see the module docstring)."""

    @property
    def code(self) -> str:
        return str(self.response.get("Error", {}).get("Code", "Unknown"))

    @property
    def operation(self) -> str:
        return self.operation_name

    @property
    def reason(self) -> str:
        return str(self.response.get("Error", {}).get("Message", ""))


class InvalidRequest(Refused):
    """botocore refused to send the request: a parameter breaks the API's own constraints (an ARN
    too long, a name with characters the API does not accept). Always caused by the input."""

    def __init__(self, operation: str, message: str) -> None:
        super().__init__(message)
        self._operation = operation

    @property
    def code(self) -> str:
        return "ParamValidationError"

    @property
    def operation(self) -> str:
        return self._operation


def _translating(client: Any) -> Any:
    """Make every call of ``client`` (paginators included) raise :class:`RefusedError` for
    permanent errors: paginators and methods all go through ``_make_api_call``."""
    original = client._make_api_call

    def make_api_call(operation_name: str, api_params: dict[str, Any]) -> Any:
        try:
            return original(operation_name, api_params)
        except ClientError as error:
            if isinstance(error, RefusedError) or is_transient(error):
                raise
            raise RefusedError(error.response, operation_name) from error
        except ParamValidationError as error:
            raise InvalidRequest(operation_name, str(error)) from error

    client._make_api_call = make_api_call
    return client


def client(service: str, region: str | None = None, config: Config | None = None) -> Any:
    """The container's client for ``service`` in ``region`` (the function's own by default);
    ``config`` (a module-level constant, so the cache key stays stable) replaces the retry config.

    Keyed by the Region it calls, named or not (the function's own: ``AWS_REGION``, as Lambda sets
    it): the own Region named explicitly (a recovery point's, an event's) is the same client as no
    Region, one client per service and Region (each costs 10-100 ms to create)."""
    own = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return _client(service, region or own, config)


@cache
def _client(service: str, region: str | None, config: Config | None) -> Any:
    return _translating(boto3.client(service, region_name=region, config=config or RETRY_CONFIG))  # type: ignore[call-overload]
