"""The Router: the stack's functions run in-process, wired to the sandbox's AWS as template.yaml wires them.

A facade over the parts of the Lambda service (see the package docstring): it builds the
functions from the deployment, wires their triggers, installs the hooks, and offers what the
world, the server and the tests use (``invoke``, ``function``, ``invocations``, ``notifications``,
``firings``, ``record_notification``, ``start``/``stop``).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sandbox import eventbus
from sandbox.lambda_service import invoke_api, moto_hooks
from sandbox.lambda_service.async_invoke import AsyncInvoker
from sandbox.lambda_service.containers import Containers
from sandbox.lambda_service.functions import Function, FunctionCatalog
from sandbox.lambda_service.records import Firing, Invocation, Notification, next_sequence
from sandbox.lambda_service.sqs_sources import SqsEventSources, SqsSource
from sandbox.lambda_service.timers import Timers
from sandbox.lambda_service.triggers import RuleTargets, Schedules

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.clock import SimClock
    from sandbox.deploy import Deployment


class Router:
    """Invokes the deployed functions: directly, from rules, schedules and SQS, with Lambda's semantics."""

    def __init__(self, deployment: Deployment, clock: SimClock, client: Callable[[str], Any]) -> None:
        self.deployment = deployment
        self.clock = clock
        self.client = client
        self.context = deployment.template.context
        self.timers = Timers(clock)
        self.catalog = FunctionCatalog()
        self.containers = Containers(clock)
        self.async_invoker = AsyncInvoker(self.timers, self.containers, self.catalog, client)
        self.sqs = SqsEventSources(self.timers, self.containers, client)
        self.rule_targets = RuleTargets(self.catalog, self.async_invoker)
        self.schedules = Schedules(deployment, self.timers, self.catalog, self.async_invoker, client)
        self.notifications: list[Notification] = []

    # -- the records and the parts' state ------------------------------------------------------
    @property
    def functions(self) -> dict[str, Function]:
        return self.catalog.functions

    @property
    def invocations(self) -> list[Invocation]:
        return self.containers.invocations

    @property
    def firings(self) -> list[Firing]:
        return self.schedules.firings

    @property
    def sqs_sources(self) -> list[SqsSource]:
        return self.sqs.sources

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> Router:
        moto_hooks.install()
        eventbus.install()
        self.containers.add_layer_paths(self.deployment.layer_paths.values())
        self.catalog.load(self.deployment)
        for function in self.functions.values():
            self.sqs.wire(self.deployment, function)
        self.schedules.wire()
        eventbus.set_lambda_target(self.on_lambda_target)
        moto_hooks.activate(self)
        invoke_api.install()
        invoke_api.activate(self)  # the Lambda API's Invoke runs the functions the router knows
        return self

    def stop(self) -> None:
        self.timers.stop()  # timers still on the clock do nothing from now on
        invoke_api.deactivate(self)
        if moto_hooks.deactivate(self):
            eventbus.set_lambda_target(None)
        self.containers.remove_layer_paths()

    # -- functions and invocation ------------------------------------------------------------------
    def function(self, logical_id: str) -> Function:
        return self.catalog.get(logical_id)

    def function_by_arn(self, arn: str) -> Function | None:
        return self.catalog.by_arn(arn)

    def invoke(self, logical_id: str, event: Any, *, trigger: str = "direct") -> Invocation:
        """A synchronous invocation (RequestResponse): run the handler now and return the record."""
        return self.containers.invoke(
            self.function(logical_id), event, trigger=trigger, attempt=1, request_id=str(uuid.uuid4())
        )

    def add_stack(self, deployment: Deployment) -> list[Function]:
        """Another stack's functions: run when invoked through the Lambda API (``Invoke``); their
        triggers (rules, schedules, queues) are not wired."""
        self.containers.add_layer_paths(deployment.layer_paths.values())
        return self.catalog.load_other(deployment)

    def function_for_api(self, name_or_arn: str, *, account: str, region: str) -> Function | None:
        """The function a Lambda API call names (the stack's or another stack's), if the router runs it."""
        return self.catalog.by_name(name_or_arn, account=account, region=region)

    def invoke_function(self, function: Function, event: Any, *, trigger: str) -> Invocation:
        """A synchronous invocation of any function the router knows (``invoke`` takes a logical id)."""
        return self.containers.invoke(
            function, event, trigger=trigger, attempt=1, request_id=str(uuid.uuid4())
        )

    def invoke_async(self, function: Function, event: Any, *, trigger: str) -> None:
        """Queue an asynchronous (Event) invocation: it runs at the current simulated time."""
        self.async_invoker.invoke_async(function, event, trigger=trigger)

    # -- hooks: EventBridge targets, SQS arrivals, notifications -------------------------------------
    def on_lambda_target(self, function_arn: str, event: dict[str, Any], rule_arn: str) -> None:
        """EventBridge delivered ``event`` to a Lambda target: queue an asynchronous invocation."""
        self.rule_targets.on_lambda_target(function_arn, event, rule_arn)

    def on_message_added(self, queue_arn: str, delayed_until: float) -> None:
        """A message entered a queue (moto hook): wake the pollers of that queue."""
        self.sqs.on_message_added(queue_arn, delayed_until)

    def record_notification(
        self,
        channel: str,
        target: str,
        message: str,
        *,
        subject: str | None = None,
        attributes: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> Notification:
        """Record a message sent to people (SNS publishes arrive here; a Slack fake can call it too)."""
        notification = Notification(
            channel=channel,
            target=target,
            message=message,
            subject=subject,
            attributes=dict(attributes or {}),
            message_id=message_id or str(uuid.uuid4()),
            time=self.clock.now(),
            seq=next_sequence(),
        )
        self.notifications.append(notification)
        return notification
