"""The adapters' client factory in unit tests: one boto3 client per service and Region, each behind
botocore's Stubber (exact requests, AWS's answers and errors, validated against the service model)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber

if TYPE_CHECKING:
    from collections.abc import Iterator


class StubbedClients:
    """Handed to an adapter as its ``client_for(service, region)``; ``asked`` keeps every request for
    a client, so a test can say which Region an adapter went to."""

    def __init__(self) -> None:
        self.clients: dict[tuple[str, str | None], Any] = {}
        self.stubs: dict[tuple[str, str | None], Stubber] = {}
        self.asked: list[tuple[str, str | None]] = []

    def __call__(self, service: str, region: str | None = None) -> Any:
        self.asked.append((service, region))
        return self._client(service, region)

    def _client(self, service: str, region: str | None) -> Any:
        key = (service, region)
        if key not in self.clients:
            self.clients[key] = boto3.client(service, region_name=region or "us-east-1")  # type: ignore[call-overload]
            self.stubs[key] = Stubber(self.clients[key])
            self.stubs[key].activate()
        return self.clients[key]

    def stub(self, service: str, region: str | None = "us-east-1") -> Stubber:
        """The Stubber of the client asked for ``service`` in ``region`` (None: the function's own)."""
        self._client(service, region)
        return self.stubs[(service, region)]

    def done(self) -> None:
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


@pytest.fixture
def stubbed() -> Iterator[StubbedClients]:
    clients = StubbedClients()
    yield clients
    clients.done()
