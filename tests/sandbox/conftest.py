"""Every sandbox test runs under IAM enforcement (``Sandbox(iam=True)``, the default): a request a
function's role does not allow fails the test, unless the test expects it (``sb.iam.take_denials()``).

Fuzz tests (marker ``fuzz``) are exempt: they hand the functions forged events on purpose, whose
requests (a recovery point of another partition, say) IAM rightly refuses, as AWS would."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from sandbox import iam_enforcement

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(autouse=True)
def _no_access_denied(request: pytest.FixtureRequest) -> Iterator[None]:
    iam_enforcement.recorded_denials(clear=True)
    yield
    denials = iam_enforcement.recorded_denials(clear=True)
    if request.node.get_closest_marker("fuzz") is not None:
        return
    assert not denials, "AccessDenied under IAM enforcement: " + "; ".join(str(d) for d in denials)
