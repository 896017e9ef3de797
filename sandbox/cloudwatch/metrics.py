"""CloudWatch metrics in the sandbox: datapoints by metric, in simulated time, and their statistics.

A metric is a namespace, a name and a set of dimensions (:class:`MetricKey`). Datapoints arrive in
time order (the clock only moves forward), so a period's values are a slice found by bisection.
Every datapoint is also put into moto's CloudWatch (``PutMetricData``'s shape), so
``GetMetricStatistics`` and ``ListMetrics`` answer from the same data (``make serve``).
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto.cloudwatch.models import cloudwatch_backends

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping

LOG = logging.getLogger(__name__)

#: the statistics a metric alarm may name (``ExtendedStatistic`` percentiles are not modelled)
STATISTICS = ("Sum", "Average", "Maximum", "Minimum", "SampleCount")


@dataclass(frozen=True, order=True)
class MetricKey:
    namespace: str
    name: str
    #: (name, value) pairs, sorted: a metric is the same whatever order its dimensions come in
    dimensions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, namespace: str, name: str, dimensions: Mapping[str, str] | None = None) -> MetricKey:
        return cls(namespace, name, tuple(sorted((dimensions or {}).items())))


class MetricStore:
    """Every datapoint the sandbox's services and functions emitted, for one account and Region."""

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region
        self._times: dict[MetricKey, list[float]] = {}
        self._values: dict[MetricKey, list[float]] = {}

    def put(
        self,
        key: MetricKey,
        values: Iterable[float],
        *,
        at: dt.datetime,
        unit: str | None = None,
    ) -> None:
        """Datapoints of ``key`` at ``at`` (a datapoint earlier than the last one is kept in order)."""
        times, stored = self._times.setdefault(key, []), self._values.setdefault(key, [])
        moment = at.timestamp()
        given = [float(value) for value in values]
        for value in given:
            index = bisect.bisect_right(times, moment)
            times.insert(index, moment)
            stored.insert(index, value)
        self._mirror(key, given, at, unit)

    def values(self, key: MetricKey, start: dt.datetime, end: dt.datetime) -> list[float]:
        """The datapoints of ``key`` in ``[start, end)``."""
        times = self._times.get(key, [])
        low = bisect.bisect_left(times, start.timestamp())
        high = bisect.bisect_left(times, end.timestamp())
        return self._values[key][low:high] if high > low else []

    def statistic(self, key: MetricKey, statistic: str, start: dt.datetime, end: dt.datetime) -> float | None:
        """``statistic`` of ``key`` over ``[start, end)``; None when it has no datapoint there
        (CloudWatch's "missing data")."""
        values = self.values(key, start, end)
        return aggregate(statistic, values) if values else None

    def keys(self) -> list[MetricKey]:
        return sorted(self._times)

    def total(self, key: MetricKey) -> float:
        """The sum of every datapoint of ``key`` so far (benchmarks and tests)."""
        return sum(self._values.get(key, []))

    def _mirror(self, key: MetricKey, values: list[float], at: dt.datetime, unit: str | None) -> None:
        """The same datapoints in moto's CloudWatch, for GetMetricStatistics and ListMetrics."""
        if not values:
            return
        datum: dict[str, Any] = {
            "MetricName": key.name,
            "Dimensions": [{"Name": name, "Value": value} for name, value in key.dimensions],
            "Timestamp": at,
            "Values": values,
        }
        if unit:
            datum["Unit"] = unit
        try:
            cloudwatch_backends[self.account][self.region].put_metric_data(key.namespace, [datum])
        except Exception:  # moto refusing a datum must not break the sandbox's own evaluation
            LOG.exception("moto refused datapoints of %s", key)


def aggregate(statistic: str, values: list[float]) -> float:
    """One CloudWatch statistic of a non-empty list of datapoints."""
    if statistic == "Sum":
        return sum(values)
    if statistic == "Average":
        return sum(values) / len(values)
    if statistic == "Maximum":
        return max(values)
    if statistic == "Minimum":
        return min(values)
    if statistic == "SampleCount":
        return float(len(values))
    raise ValueError(f"statistic {statistic!r} is not modelled (one of {', '.join(STATISTICS)})")
