"""One Logger and Metrics per function, configured by the POWERTOOLS_* environment variables.

The Tracer is not created here: it imports the X-Ray SDK and builds a client at import time
(about 350 ms of cold start). Functions that want traces create it themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

logger = Logger()
metrics = Metrics()

__all__ = ["MetricUnit", "emit_dimensioned", "logger", "metrics"]


def emit_dimensioned(points: Iterable[tuple[str, str, float, Sequence[tuple[str, str]]]]) -> int:
    """Emit metrics with their own dimensions (a resource type, a copy destination; the account and
    Region), one EMF document per dimension set, at once: ``(name, unit, value, dimensions)``.

    ``metrics`` (the function's Metrics) keeps one dimension set per invocation, the service's;
    these go through Powertools' EphemeralMetrics instead. Returns the number of documents."""
    groups: dict[tuple[tuple[str, str], ...], list[tuple[str, str, float]]] = {}
    for name, unit, value, dimensions in points:
        groups.setdefault(tuple(dimensions), []).append((name, unit, value))
    for dimensions, values in groups.items():
        document = EphemeralMetrics()
        for key, dimension in dimensions:
            document.add_dimension(name=key, value=dimension)
        for name, unit, number in values:
            document.add_metric(name=name, unit=MetricUnit[unit], value=number)
        document.flush_metrics()
    return len(groups)
