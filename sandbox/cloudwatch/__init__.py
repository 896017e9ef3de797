"""CloudWatch in the sandbox: metrics from the stack's functions and queues, and its alarms evaluated.

``CloudWatch`` composes the parts over one account and Region:

=================  ===========================================================================
``metrics``        :class:`~sandbox.cloudwatch.metrics.MetricStore`: every datapoint (also in moto)
``lambda_metrics`` Lambda's metrics and the handlers' EMF documents, from each invocation record
``queues``         the SQS gauges the alarms watch, sampled every minute
``alarms``         :class:`~sandbox.cloudwatch.alarms.Alarms`: evaluated at each of their periods,
                   state changes published to their actions (``history``)
=================  ===========================================================================

It ticks every simulated minute (aligned on the minute): samples the queues, then evaluates the
alarms whose period ends then. ``Sandbox`` starts it with the router (``sb.cloudwatch``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sandbox.cloudwatch.alarms import ALARM, INSUFFICIENT_DATA, OK, Alarms, Transition
from sandbox.cloudwatch.metrics import MetricKey, MetricStore
from sandbox.cloudwatch.sources import QUEUE_GAUGES, SQS, LambdaMetrics, QueueGauges, parse_emf

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.clock import SimClock

#: how often the sandbox's CloudWatch samples gauges and looks for alarms due (a minute, as AWS)
TICK_SECONDS = 60


class CloudWatch:
    """Metrics and metric alarms of the stack's account and Region, on the simulated clock."""

    def __init__(
        self,
        clock: SimClock,
        client: Callable[..., Any],
        *,
        account: str,
        region: str,
        alarms_start: str = OK,
        sequence: Callable[[], int] = lambda: 0,
    ) -> None:
        self.clock = clock
        self.metrics = MetricStore(account, region)
        self.lambda_metrics = LambdaMetrics(self.metrics)
        self.queues = QueueGauges(self.metrics)
        self.alarms = Alarms(self.metrics, client, start_state=alarms_start, sequence=sequence)
        self._stopped = False

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> CloudWatch:
        self.alarms.watched()  # the alarms deployed so far start now, in their start state
        self._schedule(self.clock.now())
        return self

    def stop(self) -> None:
        self._stopped = True

    def _schedule(self, after: dt.datetime) -> None:
        epoch = int(after.timestamp())
        due = dt.datetime.fromtimestamp(epoch - epoch % TICK_SECONDS + TICK_SECONDS, dt.UTC)
        self.clock.call_at(due, lambda: self._tick(due), label="cloudwatch")

    def _tick(self, now: dt.datetime) -> None:
        if self._stopped:
            return
        self.queues.watched = {
            (str(d.value), alarm.metric_name)
            for alarm in self.alarms.watched()
            if alarm.namespace == SQS and alarm.metric_name in QUEUE_GAUGES
            for d in alarm.dimensions
            if d.name == "QueueName"
        }
        self.queues.sample(now)
        self.alarms.evaluate_due(now)
        self._schedule(now)

    # -- what the Lambda service reports -------------------------------------------------------------
    def on_invocation(self, function: Any, invocation: Any) -> None:
        """An invocation record (``Containers.observers``): Lambda's metrics and the handler's EMF."""
        self.lambda_metrics.record(function.spec.name, invocation)

    # -- reading -----------------------------------------------------------------------------------
    @property
    def history(self) -> list[Transition]:
        return self.alarms.history

    def alarm_states(self) -> dict[str, str]:
        """Every metric alarm's state now, by name."""
        return self.alarms.states()

    def total(self, namespace: str, name: str, **dimensions: str) -> float:
        """The sum of a metric's datapoints so far."""
        return self.metrics.total(MetricKey.of(namespace, name, dimensions))


__all__ = [
    "ALARM",
    "INSUFFICIENT_DATA",
    "OK",
    "Alarms",
    "CloudWatch",
    "MetricKey",
    "MetricStore",
    "Transition",
    "parse_emf",
]
