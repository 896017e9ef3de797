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


class InvalidResourceStateException(BackupClientError):
    """The resource (recovery point, vault) is not in a state that allows the request."""

    def __init__(self, msg: str) -> None:
        super().__init__("InvalidResourceStateException", msg)


__all__ = [
    "AlreadyExistsException",
    "BackupClientError",
    "InvalidParameterValueException",
    "InvalidRequestException",
    "InvalidResourceStateException",
    "LimitExceededException",
    "MissingParameterValueException",
    "ResourceNotFoundException",
]
