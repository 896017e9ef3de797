"""SQS event sources: the function's queues polled on the simulated clock, as Lambda polls them.

A message arriving in a source queue wakes its poller (:meth:`SqsEventSources.on_message_added`,
called from the moto hook). A batch is delivered when ``BatchSize`` messages are visible or when
``MaximumBatchingWindowInSeconds`` has passed since the first one; records have Lambda's shape;
``FilterCriteria`` patterns drop (delete) what they do not match; successful messages are
deleted; with ``ReportBatchItemFailures`` the reported ones stay (an invalid response fails the
whole batch, as AWS does); failed messages (a throttled batch's too) come back after the queue's
visibility timeout.
Dead-lettering after ``maxReceiveCount`` is moto's own (on receive).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from moto.events.models import EventPattern
from moto.utilities.arns import parse_arn

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.deploy import Deployment
    from sandbox.lambda_service.containers import Containers
    from sandbox.lambda_service.functions import Function
    from sandbox.lambda_service.records import Invocation
    from sandbox.lambda_service.timers import Timers

UTC = dt.UTC
#: moto makes a message visible again strictly after its visibility deadline
_VISIBILITY_EPSILON = 0.001


@dataclass
class SqsSource:
    """An SQS event source mapping."""

    function: Function
    queue_arn: str
    queue_url: str
    queue_name: str
    batch_size: int
    window: float
    report_failures: bool
    filters: list[EventPattern]
    window_opened: dt.datetime | None = None
    scheduled: set[dt.datetime] = field(default_factory=set)


class SqsEventSources:
    """The stack's SQS event source mappings (``sources``) and their pollers."""

    def __init__(self, timers: Timers, containers: Containers, client: Callable[[str], Any]) -> None:
        self.timers = timers
        self.containers = containers
        self.client = client
        self.sources: list[SqsSource] = []

    # -- wiring ------------------------------------------------------------------------------------
    def wire(self, deployment: Deployment, function: Function) -> None:
        """The function's SQS events (its other events are resources that sandbox.deploy created)."""
        events = deployment.resolve(function.spec.properties.get("Events", {}))
        for event in events.values():
            if event["Type"] == "SQS":
                self._wire(function, event.get("Properties", {}))

    def _wire(self, function: Function, props: dict[str, Any]) -> None:
        if str(props.get("Enabled", True)).lower() != "true":
            return
        queue_arn = str(props["Queue"])
        arn = parse_arn(queue_arn)
        url = self.client("sqs").get_queue_url(QueueName=arn.resource_id, QueueOwnerAWSAccountId=arn.account)[
            "QueueUrl"
        ]
        filters = [
            EventPattern.load(_as_json_text(item["Pattern"]))
            for item in props.get("FilterCriteria", {}).get("Filters", [])
        ]
        self.sources.append(
            SqsSource(
                function=function,
                queue_arn=queue_arn,
                queue_url=url,
                queue_name=arn.resource_id,
                batch_size=int(props.get("BatchSize", 10)),
                window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                report_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                filters=filters,
            )
        )

    # -- polling -------------------------------------------------------------------------------------
    def on_message_added(self, queue_arn: str, delayed_until: float) -> None:
        """A message entered a queue (moto hook): wake the pollers of that queue."""
        for source in self.sources:
            if source.queue_arn == queue_arn:
                now = self.timers.now()
                visible_at = dt.datetime.fromtimestamp(delayed_until, UTC) if delayed_until else now
                self._schedule_poll(source, max(now, visible_at))

    def _schedule_poll(self, source: SqsSource, when: dt.datetime) -> None:
        if when in source.scheduled:
            return
        source.scheduled.add(when)

        def poll() -> None:
            source.scheduled.discard(when)
            self._poll(source)

        self.timers.call_at(when, poll, label=f"poll {source.queue_name}")

    def _visible(self, source: SqsSource) -> int:
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=source.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def _poll(self, source: SqsSource) -> None:
        visible = self._visible(source)
        if visible == 0:
            source.window_opened = None
            return
        now = self.timers.now()
        if source.window > 0 and visible < source.batch_size:
            if source.window_opened is None:
                source.window_opened = now
                self._schedule_poll(source, now + dt.timedelta(seconds=source.window))
                return
            if now < source.window_opened + dt.timedelta(seconds=source.window):
                return
        source.window_opened = None
        self._deliver_batch(source)
        if self._visible(source) > 0:
            self._schedule_poll(source, self.timers.now())

    def _receive(self, source: SqsSource) -> list[dict[str, Any]]:
        sqs = self.client("sqs")
        messages: list[dict[str, Any]] = []
        while len(messages) < source.batch_size:
            received = sqs.receive_message(
                QueueUrl=source.queue_url,
                MaxNumberOfMessages=min(10, source.batch_size - len(messages)),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not received:
                break
            messages.extend(received)
        return messages

    # -- delivery ------------------------------------------------------------------------------------
    def _deliver_batch(self, source: SqsSource) -> None:
        messages = self._receive(source)
        if not messages:
            return
        records = [_sqs_record(source, message) for message in messages]
        handles = {record["messageId"]: record["receiptHandle"] for record in records}
        matched = [record for record in records if _passes_filters(source.filters, record)]
        dropped = [record["messageId"] for record in records if record not in matched]
        self._delete(source, dropped, handles)  # Lambda deletes what its filters reject
        if not matched:
            return
        invocation = self.containers.invoke(
            source.function,
            {"Records": matched},
            trigger=f"sqs:{source.queue_name}",
            attempt=1,
            request_id=str(uuid.uuid4()),
        )
        failed = _failed_items(source, invocation, [record["messageId"] for record in matched])
        if failed and invocation.outcome == "success":
            invocation.outcome = "partial"
        invocation.failed_items = failed
        self._delete(source, [r["messageId"] for r in matched if r["messageId"] not in failed], handles)
        if failed:
            timeout = self._visibility_timeout(source)
            self._schedule_poll(
                source, self.timers.now() + dt.timedelta(seconds=timeout + _VISIBILITY_EPSILON)
            )

    def _delete(self, source: SqsSource, message_ids: list[str], handles: dict[str, str]) -> None:
        sqs = self.client("sqs")
        for start in range(0, len(message_ids), 10):
            chunk = message_ids[start : start + 10]
            sqs.delete_message_batch(
                QueueUrl=source.queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": handles[m]} for n, m in enumerate(chunk)],
            )

    def _visibility_timeout(self, source: SqsSource) -> float:
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=source.queue_url, AttributeNames=["VisibilityTimeout"]
        )["Attributes"]
        return float(attributes["VisibilityTimeout"])


def _failed_items(source: SqsSource, invocation: Invocation, message_ids: list[str]) -> list[str]:
    """Which messages stay in the queue (AWS's rules for partial batch responses)."""
    if invocation.outcome in {"error", "throttled"}:  # throttled: the batch returns to the queue
        return list(message_ids)
    if not source.report_failures or invocation.result is None:
        return []
    result = invocation.result
    if not isinstance(result, dict):
        return list(message_ids)
    failures = result.get("batchItemFailures") or []
    identifiers = [item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures]
    if any(not identifier or identifier not in message_ids for identifier in identifiers):
        return list(message_ids)  # an invalid response fails the whole batch
    return [i for i in message_ids if i in identifiers]


def _sqs_record(source: SqsSource, message: dict[str, Any]) -> dict[str, Any]:
    """One record of the SQS event Lambda sends."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _lambda_message_attribute(value)
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": source.queue_arn,
        "awsRegion": parse_arn(source.queue_arn).region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _as_json_text(pattern: Any) -> str:
    return pattern if isinstance(pattern, str) else json.dumps(pattern)


def _passes_filters(filters: list[EventPattern], record: dict[str, Any]) -> bool:
    """Lambda event filtering: a record passes when any pattern matches (``body`` parsed when JSON)."""
    if not filters:
        return True
    candidate = dict(record)
    with contextlib.suppress(ValueError, TypeError):
        candidate["body"] = json.loads(record["body"])
    return any(pattern.matches_event(cast("Any", candidate)) for pattern in filters)


def _lambda_message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS ``MessageAttributes`` as the Lambda event spells them."""
    converted: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        converted["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return converted
