"""Where the sandbox's metrics come from, as AWS's services emit them.

* **Lambda** (namespace ``AWS/Lambda``, dimension ``FunctionName``): per invocation ``Invocations``
  (1), ``Errors`` (1 when the handler raised, else 0) and ``Duration`` (ms, real time); per throttled
  invocation ``Throttles`` (1), and no ``Invocations``.
* **Embedded metric format** (EMF): the JSON documents a handler prints (Powertools Metrics flushes
  one per invocation to stdout; Lambda's log stream hands it to CloudWatch): every metric of every
  directive, with each dimension set, at the invocation's simulated time.
* **SQS** (namespace ``AWS/SQS``, dimension ``QueueName``): the queue gauges an alarm watches
  (``ApproximateNumberOfMessagesVisible``, ``...NotVisible``, ``...Delayed``), sampled every
  minute from moto's queue (AWS reports them at that granularity).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moto.sqs.models import sqs_backends

from sandbox.cloudwatch.metrics import MetricKey

if TYPE_CHECKING:
    from sandbox.cloudwatch.metrics import MetricStore

LAMBDA = "AWS/Lambda"
SQS = "AWS/SQS"
#: the SQS gauges the sandbox samples, and how each is read from moto's queue
QUEUE_GAUGES = {
    "ApproximateNumberOfMessagesVisible": "approximate_number_of_messages",
    "ApproximateNumberOfMessagesNotVisible": "approximate_number_of_messages_not_visible",
    "ApproximateNumberOfMessagesDelayed": "approximate_number_of_messages_delayed",
}


@dataclass
class EmfMetric:
    """One metric of one EMF document, with one of its dimension sets."""

    namespace: str
    name: str
    dimensions: dict[str, str]
    values: list[float]
    unit: str | None = None


def parse_emf(line: str) -> list[EmfMetric]:
    """The metrics of one printed line, when it is an EMF document (else none)."""
    text = line.strip()
    if not text.startswith("{") or '"_aws"' not in text:
        return []
    try:
        document = json.loads(text)
    except ValueError:
        return []
    directives = (document.get("_aws") or {}).get("CloudWatchMetrics") if isinstance(document, dict) else None
    if not isinstance(directives, list):
        return []
    found: list[EmfMetric] = []
    for directive in directives:
        namespace = directive.get("Namespace") if isinstance(directive, dict) else None
        if not isinstance(namespace, str):
            continue
        for metric in directive.get("Metrics") or []:
            name = metric.get("Name") if isinstance(metric, dict) else None
            values = _numbers(document.get(name)) if isinstance(name, str) else []
            if not values:
                continue
            for dimension_set in directive.get("Dimensions") or [[]]:
                dimensions = {str(d): str(document.get(d, "")) for d in dimension_set}
                found.append(EmfMetric(namespace, str(name), dimensions, values, metric.get("Unit")))
    return found


def _numbers(value: Any) -> list[float]:
    items = value if isinstance(value, list) else [value]
    return [float(item) for item in items if isinstance(item, int | float) and not isinstance(item, bool)]


@dataclass
class LambdaMetrics:
    """Lambda's and the handlers' own metrics, from each invocation record."""

    store: MetricStore
    #: EMF documents seen (all of them: a benchmark may count what the handlers reported)
    documents: int = 0

    def record(self, function_name: str, invocation: Any) -> None:
        at = invocation.started
        key = {"FunctionName": function_name}
        if invocation.outcome == "throttled":
            self.store.put(MetricKey.of(LAMBDA, "Throttles", key), [1], at=at, unit="Count")
            return
        self.store.put(MetricKey.of(LAMBDA, "Invocations", key), [1], at=at, unit="Count")
        errors = 1 if invocation.outcome == "error" else 0
        self.store.put(MetricKey.of(LAMBDA, "Errors", key), [errors], at=at, unit="Count")
        self.store.put(
            MetricKey.of(LAMBDA, "Duration", key), [invocation.duration_ms], at=at, unit="Milliseconds"
        )
        for line in invocation.stdout:
            metrics = parse_emf(line)
            self.documents += bool(metrics)
            for metric in metrics:
                self.store.put(
                    MetricKey.of(metric.namespace, metric.name, metric.dimensions),
                    metric.values,
                    at=at,
                    unit=metric.unit,
                )


@dataclass
class QueueGauges:
    """The SQS gauges alarms watch, sampled from moto's queues."""

    store: MetricStore
    #: (queue name, metric name) pairs to sample
    watched: set[tuple[str, str]] = field(default_factory=set)

    def sample(self, now: dt.datetime) -> None:
        """One sample of every watched gauge, for the minute that just ended (stored a moment
        before ``now``, so the period that ends at ``now`` sees it)."""
        backend = sqs_backends[self.store.account][self.store.region]
        at = now - dt.timedelta(seconds=1)
        for queue_name, metric in sorted(self.watched):
            queue = backend.queues.get(queue_name)
            if queue is None:
                continue
            value = getattr(queue, QUEUE_GAUGES[metric])
            self.store.put(MetricKey.of(SQS, metric, {"QueueName": queue_name}), [value], at=at, unit="Count")
