"""Integration tests against a deployed stack: skipped unless AWS_SAM_STACK_NAME names one.

They use the real AWS credentials of the environment (not the unit tests' fakes) and create only
uniquely named resources, which they delete.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import boto3
import pytest

STACK = os.environ.get("AWS_SAM_STACK_NAME")


@pytest.fixture(autouse=True)
def _aws_test_environment() -> None:
    """Overrides the suite's fake credentials: these tests talk to the real account."""


@pytest.fixture(scope="session")
def outputs() -> dict[str, Any]:
    if not STACK:
        pytest.skip("AWS_SAM_STACK_NAME is not set: no deployed stack to test")
    stack = boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


@pytest.fixture
def run_id() -> str:
    return f"bap-it-{uuid.uuid4().hex[:8]}"
