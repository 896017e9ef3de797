"""``MaxResults``/``NextToken`` pagination for the extension's List operations.

Tokens are opaque to callers (as AWS's are): the base64 of the offset into the listing, which is
always sorted the same way, so a token stays valid while items are only appended.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, TypeVar

from sandbox.backup.errors import InvalidParameterValueException

if TYPE_CHECKING:
    from collections.abc import Sequence

T = TypeVar("T")

#: the model's range for every MaxResults of the backup API
MAX_RESULTS_LIMIT = 1000
#: page size when MaxResults is not given
DEFAULT_PAGE_SIZE = 1000


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, _, value = text.partition(":")
        offset = int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidParameterValueException(f"Invalid NextToken: {token}") from None
    if prefix != "offset" or offset < 0:
        raise InvalidParameterValueException(f"Invalid NextToken: {token}")
    return offset


def check_max_results(max_results: int | None, *, minimum: int = 1) -> None:
    """AWS rejects a MaxResults outside its range with InvalidParameterValueException."""
    if max_results is not None and not minimum <= max_results <= MAX_RESULTS_LIMIT:
        raise InvalidParameterValueException(
            f"MaxResults must be between {minimum} and {MAX_RESULTS_LIMIT}, got {max_results}"
        )


def paginate[T](
    items: Sequence[T], max_results: int | None, next_token: str | None
) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token of the next page (None on the last page)."""
    check_max_results(max_results)
    start = _decode(next_token) if next_token else 0
    size = max_results or DEFAULT_PAGE_SIZE
    page = list(items[start : start + size])
    end = start + len(page)
    return page, (_encode(end) if end < len(items) else None)
