"""Asynchronous (Event) invocation: queueing, Lambda's retries, destinations and the dead-letter queue.

An asynchronous invocation runs at the current simulated time. An error is retried after 60 s,
then after 120 s more (``MaximumRetryAttempts`` of ``EventInvokeConfig``, default 2;
``MaximumEventAgeInSeconds`` ends retries with ``EventAgeExceeded``). A throttled invocation (the
handler never ran) is not an attempt: Lambda keeps the event and tries again after 1 s, then
doubling up to 5 minutes, until the event's age passes ``MaximumEventAgeInSeconds``. Then the
invocation record Lambda sends goes to the ``OnFailure`` destination (SQS, SNS, EventBridge or Lambda) and the
event to the function's ``DeadLetterQueue``. An ``OnSuccess`` destination gets the ``Success``
record.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

from moto.utilities.arns import parse_arn

from sandbox import eventbus

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.lambda_service.containers import Containers
    from sandbox.lambda_service.functions import Function, FunctionCatalog
    from sandbox.lambda_service.records import Invocation
    from sandbox.lambda_service.timers import Timers

logger = logging.getLogger(__name__)

#: Lambda's fixed delays before the first and the second retry of an asynchronous invocation
ASYNC_RETRY_DELAYS = (60.0, 120.0)
#: a throttled event is tried again after 1 s, the delay doubling up to 5 minutes (Lambda's docs)
THROTTLE_RETRY_FIRST, THROTTLE_RETRY_MAX = 1.0, 300.0


class AsyncInvoker:
    """Queues asynchronous invocations and carries out what follows them (retries, destinations)."""

    def __init__(
        self, timers: Timers, containers: Containers, catalog: FunctionCatalog, client: Callable[[str], Any]
    ) -> None:
        self.timers = timers
        self.containers = containers
        self.catalog = catalog
        self.client = client

    def invoke_async(self, function: Function, event: Any, *, trigger: str) -> None:
        """Queue an asynchronous (Event) invocation: it runs at the current simulated time."""
        request_id = str(uuid.uuid4())
        queued = self.timers.now()
        self.timers.call_at(
            queued,
            lambda: self._attempt(function, event, trigger, request_id, 1, queued),
            label=f"invoke {function.logical_id}",
        )

    def _attempt(
        self,
        function: Function,
        event: Any,
        trigger: str,
        request_id: str,
        attempt: int,
        queued: dt.datetime,
        throttles: int = 0,
    ) -> None:
        invocation = self.containers.invoke(
            function, event, trigger=trigger, attempt=attempt, request_id=request_id
        )
        config = function.async_config
        if invocation.outcome == "throttled":
            delay = min(THROTTLE_RETRY_MAX, THROTTLE_RETRY_FIRST * 2**throttles)
            retry_at = self.timers.now() + dt.timedelta(seconds=delay)
            if (retry_at - queued).total_seconds() > config.max_event_age:
                self._give_up(function, invocation, "EventAgeExceeded")
                return
            self.timers.call_at(
                retry_at,
                lambda: self._attempt(function, event, trigger, request_id, attempt, queued, throttles + 1),
                label=f"throttled {function.logical_id} (again in {delay:.0f} s)",
            )
            return
        if invocation.outcome == "success":
            if config.on_success:
                self._send_record(function, config.on_success, invocation, "Success")
            return
        if attempt > config.max_retries:
            self._give_up(function, invocation, "RetriesExhausted")
            return
        delay = ASYNC_RETRY_DELAYS[min(attempt, len(ASYNC_RETRY_DELAYS)) - 1]
        retry_at = self.timers.now() + dt.timedelta(seconds=delay)
        if (retry_at - queued).total_seconds() > config.max_event_age:
            self._give_up(function, invocation, "EventAgeExceeded")
            return
        self.timers.call_at(
            retry_at,
            lambda: self._attempt(function, event, trigger, request_id, attempt + 1, queued),
            label=f"retry {function.logical_id} (attempt {attempt + 1})",
        )

    def _give_up(self, function: Function, invocation: Invocation, condition: str) -> None:
        config = function.async_config
        if config.on_failure:
            self._send_record(function, config.on_failure, invocation, condition)
        if config.dead_letter:
            self._send_dead_letter(config.dead_letter, invocation)

    def _send_record(
        self, function: Function, destination: str, invocation: Invocation, condition: str
    ) -> None:
        """The invocation record Lambda sends to a destination."""
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if invocation.outcome == "throttled":
            response_context = {"statusCode": 429, "executedVersion": "$LATEST", "functionError": "Unhandled"}
            response_payload: Any = {
                "errorMessage": (invocation.error or "").split(": ", 1)[-1],
                "errorType": invocation.error_type,
            }
        elif invocation.outcome == "error":
            response_context["functionError"] = "Unhandled"
            response_payload = {
                "errorMessage": invocation.error.split(": ", 1)[-1] if invocation.error else "",
                "errorType": invocation.error_type,
                "requestId": invocation.request_id,
                "stackTrace": invocation.stack_trace,
            }
        else:
            response_payload = invocation.result
        record = {
            "version": "1.0",
            "timestamp": eventbus.iso_millis(),
            "requestContext": {
                "requestId": invocation.request_id,
                "functionArn": f"{function.spec.arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": invocation.attempt,
            },
            "requestPayload": invocation.event,
            "responseContext": response_context,
            "responsePayload": response_payload,
        }
        outcome = "Success" if condition == "Success" else "Failure"
        self._deliver(destination, json.dumps(record), source_function=function, outcome=outcome)

    def _send_dead_letter(self, destination: str, invocation: Invocation) -> None:
        """The event itself, with RequestID / ErrorCode / ErrorMessage attributes."""
        message = (invocation.error or "").split(": ", 1)[-1][:1024]
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": invocation.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": message or "Unhandled"},
        }
        body = json.dumps(invocation.event)
        service = parse_arn(destination).service
        if service == "sqs":
            self.client("sqs").send_message(
                QueueUrl=self._queue_url(destination), MessageBody=body, MessageAttributes=attributes
            )
        elif service == "sns":
            self.client("sns").publish(TopicArn=destination, Message=body, MessageAttributes=attributes)
        else:
            logger.warning("dead-letter target %s is neither SQS nor SNS", destination)

    def _deliver(self, destination: str, body: str, *, source_function: Function, outcome: str) -> None:
        service = parse_arn(destination).service
        if service == "sqs":
            self.client("sqs").send_message(QueueUrl=self._queue_url(destination), MessageBody=body)
        elif service == "sns":
            self.client("sns").publish(TopicArn=destination, Message=body)
        elif service == "events":
            self.client("events").put_events(
                Entries=[
                    {
                        "Source": "lambda",
                        "DetailType": f"Lambda Function Invocation Result - {outcome}",
                        "Detail": body,
                        "EventBusName": destination,
                        "Resources": [destination, f"{source_function.spec.arn}:$LATEST"],
                    }
                ]
            )
        elif service == "lambda" and (target := self.catalog.by_arn(destination)) is not None:
            self.invoke_async(target, json.loads(body), trigger=f"destination:{source_function.logical_id}")
        else:
            logger.warning("destination %s is not reachable in the sandbox", destination)

    def _queue_url(self, queue_arn: str) -> str:
        arn = parse_arn(queue_arn)
        return str(
            self.client("sqs").get_queue_url(QueueName=arn.resource_id, QueueOwnerAWSAccountId=arn.account)[
                "QueueUrl"
            ]
        )
