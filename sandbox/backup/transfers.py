"""What copy and restore jobs share (pure): their pace on the simulated clock and the data mover.

Durations (simulated time): a copy or restore job starts :data:`START_DELAY_SECONDS` after it is
created and transfers at :data:`TRANSFER_BYTES_PER_SECOND` after a fixed :data:`BASE_SECONDS` of
setup. The data moves with the resource adapter of the point's type (:func:`adapter_for`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox import runtime
from sandbox.backup.errors import InvalidRequestException
from sandbox.resources import adapter_for_type

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.backup.records import RecoveryPoint
    from sandbox.resources.base import ResourceAdapter

START_DELAY_SECONDS = 30
BASE_SECONDS = 120
TRANSFER_BYTES_PER_SECOND = 100 * 1024 * 1024


def transfer_seconds(size_bytes: int) -> float:
    """How long a copy or restore of ``size_bytes`` runs (simulated time)."""
    return BASE_SECONDS + size_bytes / TRANSFER_BYTES_PER_SECOND


def later(seconds: float, step: Callable[[], None], label: str) -> None:
    """Run ``step`` ``seconds`` from now on the sandbox clock."""
    runtime.clock().call_later(seconds, step, label=label)


def adapter_for(resource_type: str) -> ResourceAdapter:
    """The adapter that copies or restores resources of this type (InvalidRequestException: none)."""
    adapter = adapter_for_type(resource_type)
    if adapter is None:
        raise InvalidRequestException(f"The sandbox cannot copy or restore resources of type {resource_type}")
    return adapter


def gone(recovery_points: dict[str, RecoveryPoint], recovery_point_arn: str) -> str | None:
    """The failure message of a job whose recovery point was deleted while it ran (None: still there)."""
    if recovery_point_arn in recovery_points:
        return None
    return f"Recovery point {recovery_point_arn} was deleted before the job finished"
