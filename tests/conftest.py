"""Shared test fixtures: fake AWS credentials, Powertools settings, sample events."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# Property tests: deterministic by default (CI and `make test`): derandomized (the examples follow
# from each test's code), no example database (a failure found on one machine is not replayed on
# another). `make fuzz` runs the randomized campaigns: HYPOTHESIS_PROFILE=fuzz and FUZZ_SCALE.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("fuzz", derandomize=False, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def scaled(examples: int) -> int:
    """A property test's example count, multiplied by ``FUZZ_SCALE`` in `make fuzz` campaigns."""
    return examples * max(1, int(os.environ.get("FUZZ_SCALE", "1")))


# Powertools reads these when a Metrics or Logger is created, which is at import: a test module
# that imports the product at collection must see the same configuration the fixtures set.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "backup-autopilot")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "BackupAutopilot")

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"


@pytest.fixture(autouse=True)
def _aws_test_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever reaches a real AWS account."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "backup-autopilot")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "BackupAutopilot")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")


def load_event(relative: str) -> dict[str, Any]:
    """A sample event from events/<function>/<case>.json."""
    data: dict[str, Any] = json.loads((EVENTS / relative).read_text())
    return data


def load_handler(function_dir: str, module_name: str | None = None) -> Any:
    """Import functions/<dir>/app.py under a unique module name (every handler file is app.py).

    Set the function's environment before calling this: handlers read config and create clients
    at import time, as they do in Lambda.
    """
    import importlib.util
    import sys

    name = module_name or f"handler_{function_dir}"
    spec = importlib.util.spec_from_file_location(name, ROOT / "functions" / function_dir / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.pop(name, None)
    spec.loader.exec_module(module)
    return module


class FakeLambdaContext:
    function_name = "test-function"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000
