"""One Logger and Metrics per function, configured by the POWERTOOLS_* environment variables.

The Tracer is not created here: it imports the X-Ray SDK and builds a client at import time
(about 350 ms of cold start). Functions that want traces create it themselves.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from types import ModuleType

logger = Logger()
metrics = Metrics()

__all__ = ["MetricUnit", "emit_dimensioned", "logger", "metrics", "started_without_bytecode"]


def started_without_bytecode(module: ModuleType) -> bool:
    """Whether ``module`` was compiled from source at this start: no bytecode beside it, or
    bytecode another Python wrote. Logs a warning when so.

    The guard of an UNVERIFIED assumption (README, "Compiled bytecode in the layer"): that the layer
    built by ``layers/core/Makefile`` gives Lambda's Python bytecode it reads. If a deployment's
    layer was built otherwise, or the runtime's Python is not the one the layer was compiled for,
    every cold start compiles each module it imports (~2.6x longer): the warning says so once per
    container."""
    source, cached = getattr(module, "__file__", None), getattr(module, "__cached__", None)
    if not source or not source.endswith(".py"):
        return False
    try:
        with Path(cached or "").open("rb") as file:
            usable = file.read(4) == importlib.util.MAGIC_NUMBER
    except OSError:
        usable = False
    if not usable:
        logger.warning(
            "the layer has no bytecode for this Python: every cold start compiles the modules it imports "
            "(build the layer with layers/core/Makefile: sam build does when BuildMethod is makefile)",
            extra={"python_module": module.__name__, "expected_bytecode": cached},
        )
    return not usable


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
