"""AWS Backup error responses, named as the botocore ``backup`` model names them.

moto's own ``moto.backup.exceptions`` classes are reused where they exist, so an error raised by
moto's original operations and by the extension looks the same on the wire (HTTP 400, the code
in ``x-amzn-ErrorType`` and the JSON ``__type``).
"""

from __future__ import annotations

from moto.backup.exceptions import (
    AlreadyExistsException,
    BackupClientError,
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)


class MissingParameterValueException(BackupClientError):
    """A required parameter is missing (or empty)."""

    def __init__(self, msg: str) -> None:
        super().__init__("MissingParameterValueException", msg)


class LimitExceededException(BackupClientError):
    """A non-adjustable AWS Backup quota was reached."""

    def __init__(self, msg: str) -> None:
        super().__init__("LimitExceededException", msg)


class ConflictException(BackupClientError):
    """AWS Backup cannot do this now: the request conflicts with an earlier one (e.g. the same
    CreatorRequestId with other parameters)."""

    def __init__(self, msg: str) -> None:
        super().__init__("ConflictException", msg)


class InvalidResourceStateException(BackupClientError):
    """The resource (recovery point, vault) is not in a state that allows the request."""

    def __init__(self, msg: str) -> None:
        super().__init__("InvalidResourceStateException", msg)


class UnsupportedOperationException(BackupClientError):
    """An AWS Backup operation of the botocore model that the sandbox does not implement.

    Not an AWS Backup error (AWS implements every operation of its model): the sandbox's own code,
    chosen so that clients fail fast and clearly. HTTP 400 with ``__type``/``x-amzn-ErrorType``
    ``UnsupportedOperationException``: botocore retries neither in ``legacy`` mode (its retry
    config lists throttling codes, ``RequestTimeout*``, ``PriorRequestNotComplete`` and the HTTP
    statuses 500/502/503/504) nor in ``standard``/``adaptive`` mode (transient and throttling
    codes, the same statuses, and error shapes the model marks retryable); the other SDKs retry
    5xx, hence a 4xx.
    """

    def __init__(self, msg: str) -> None:
        super().__init__("UnsupportedOperationException", msg)

    @classmethod
    def for_operation(cls, operation: str | None) -> UnsupportedOperationException:
        if not operation:
            return cls("This request matches no AWS Backup operation; the sandbox cannot serve it")
        return cls(
            f"{operation} is not supported by the backup-autopilot sandbox (AWS Backup in moto); "
            "see sandbox/README.md for the operations it implements"
        )


__all__ = [
    "AlreadyExistsException",
    "BackupClientError",
    "ConflictException",
    "InvalidParameterValueException",
    "InvalidRequestException",
    "InvalidResourceStateException",
    "LimitExceededException",
    "MissingParameterValueException",
    "ResourceNotFoundException",
    "UnsupportedOperationException",
]
