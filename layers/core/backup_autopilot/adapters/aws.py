"""boto3 clients, created once per container on the default session (cold start: ~6 ms each after
the first), with standard retry mode so throttling is retried with backoff by botocore itself."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8})


@cache
def client(service: str, region: str | None = None, config: Config | None = None) -> Any:
    """The container's client for ``service`` in ``region`` (the function's own by default);
    ``config`` (a module-level constant, so the cache key stays stable) replaces the retry config."""
    return boto3.client(service, region_name=region, config=config or RETRY_CONFIG)  # type: ignore[call-overload]
