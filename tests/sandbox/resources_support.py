"""Set-up shared by the resource-adapter tests (tests/sandbox/test_resources_*.py)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from moto import mock_aws

from sandbox.resources import adapter_for_type

if TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "222233334444"
REGION = "eu-west-1"
DR_REGION = "eu-central-1"


@contextlib.contextmanager
def mocked_adapter[A](resource_type: str, kind: type[A]) -> Iterator[A]:
    """The registry's adapter for ``resource_type`` (an instance of ``kind``), every AWS call mocked."""
    found = adapter_for_type(resource_type)
    assert isinstance(found, kind)
    with mock_aws():
        yield found
