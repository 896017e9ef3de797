"""Runs the template's functions in-process, wired to the sandbox's AWS as template.yaml wires them.

Nothing here re-declares the stack's wiring: it is read from the deployed template.

* **Functions**: each ``AWS::Serverless::Function`` runs like a Lambda container: its handler is
  loaded from ``CodeUri`` under a unique module name, its layers' packages are imported once per
  function (each function keeps its own copies, as separate containers would, so a cached
  setting of one function never leaks into another), its environment (Globals + function,
  intrinsics resolved, plus the variables Lambda itself sets) is in ``os.environ`` only while
  it runs, and it gets a Lambda context object.
* **EventBridgeRule events** are real rules and targets in moto's EventBridge (``sandbox.deploy``
  creates them with the stack), so moto's pattern matching decides; :mod:`sandbox.eventbus`
  hands Lambda targets to this router, which queues an asynchronous invocation (a timer at
  "now"), as EventBridge does.
* **Schedule / ScheduleV2 events** and ``AWS::Events::Rule`` resources with a
  ``ScheduleExpression`` fire on the simulated clock (``rate(...)``, AWS ``cron(...)``,
  ``at(...)``). A scheduled rule sends AWS's ``Scheduled Event`` envelope through moto's rule
  targets; an EventBridge Scheduler schedule delivers its ``Input`` (``{}`` when it has none:
  AWS documents only "a default notification", so that content is an assumption).
* **SQS event sources** are polled when the clock moves: a message arriving in a source queue
  wakes its poller, which delivers a batch when it is full or when the batching window since
  the first message has passed, deletes what succeeded (``ReportBatchItemFailures`` honoured,
  with AWS's rules for invalid responses) and leaves the rest to reappear after the queue's
  visibility timeout. Dead-lettering after ``maxReceiveCount`` is moto's own (on receive).
* **Asynchronous invocations** are retried after 60 s and then 120 s (``MaximumRetryAttempts``
  from ``EventInvokeConfig``, default 2, and ``MaximumEventAgeInSeconds``), then the invocation
  record goes to the on-failure destination and the event to the dead-letter queue, if set.
* **Records**: every invocation (:class:`Invocation`), every message published to SNS
  (:class:`Notification`; ``record_notification`` is the hook for other channels such as a
  future Slack fake) and every schedule firing (:class:`Firing`).

Invocations are sequential (the clock runs one timer at a time and a lock serialises direct
calls), so ``ReservedConcurrentExecutions: 1`` always holds; it is recorded on the function.
A handler's ``Timeout`` is given to the context but not enforced (the code runs at machine
speed, in simulated time that does not move while it runs).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import importlib.util
import itertools
import json
import logging
import os
import re
import sys
import threading
import time
import traceback
import uuid
import zoneinfo
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from moto.events import models as events_models
from moto.events.models import EventPattern
from moto.events.utils import EventTemplateParser
from moto.sns import models as sns_models
from moto.sqs import models as sqs_models
from moto.utilities.arns import parse_arn

from sandbox import eventbus
from sandbox.backup.scheduler import next_window
from sandbox.template import TemplateError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path
    from types import ModuleType

    from sandbox.clock import SimClock
    from sandbox.deploy import DeployedFunction, Deployment, SchedulerSchedule

logger = logging.getLogger(__name__)

UTC = dt.UTC
#: Lambda's fixed delays before the first and the second retry of an asynchronous invocation
ASYNC_RETRY_DELAYS = (60.0, 120.0)
DEFAULT_MAX_EVENT_AGE = 6 * 3600
#: moto makes a message visible again strictly after its visibility deadline
_VISIBILITY_EPSILON = 0.001
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_sequence = itertools.count()


def next_sequence() -> int:
    """A process-wide order for records made at the same simulated instant."""
    return next(_sequence)


# -- records ------------------------------------------------------------------------------
@dataclass
class Invocation:
    """One run of a handler."""

    function: str  # logical id
    trigger: str  # "direct", "rule:<name>", "schedule:<name>", "sqs:<queue>", "destination:<fn>"
    event: Any
    request_id: str
    attempt: int
    started: dt.datetime
    ended: dt.datetime
    duration_ms: float  # real (perf_counter) time
    outcome: str  # "success" | "partial" (SQS batch item failures) | "error"
    error: str | None = None  # "<errorType>: <errorMessage>"
    error_type: str | None = None
    result: Any = None
    stack_trace: list[str] = field(default_factory=list)
    failed_items: list[str] = field(default_factory=list)  # SQS message ids left for redelivery
    seq: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if k != "seq"}
        data["started"] = self.started.isoformat()
        data["ended"] = self.ended.isoformat()
        return data


@dataclass
class Notification:
    """A message that left the stack for people: an SNS publish (later also Slack posts)."""

    channel: str  # "sns"
    target: str  # topic ARN (or webhook)
    message: str
    subject: str | None
    attributes: dict[str, Any]
    message_id: str
    time: dt.datetime
    seq: int = 0

    def to_dict(self) -> dict[str, Any]:
        """SNS-style keys: ``Channel``, ``TopicArn`` (the target), ``Subject``, ``Message`` ..."""
        return {
            "Channel": self.channel,
            "TopicArn": self.target,
            "Subject": self.subject,
            "Message": self.message,
            "MessageAttributes": self.attributes,
            "MessageId": self.message_id,
            "Timestamp": self.time.isoformat(),
        }


@dataclass
class Firing:
    """A schedule that fired (an EventBridge scheduled rule or an EventBridge Scheduler schedule)."""

    kind: str  # "rule" | "scheduler"
    name: str
    expression: str
    time: dt.datetime
    seq: int = 0


@dataclass
class LambdaContext:
    """The context object a Python handler receives."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    timeout_seconds: float
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _started: float = field(default_factory=time.perf_counter, repr=False)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.perf_counter() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


# -- function configuration ------------------------------------------------------------------
@dataclass
class AsyncConfig:
    """EventInvokeConfig and DeadLetterQueue of a function."""

    max_retries: int = 2
    max_event_age: float = DEFAULT_MAX_EVENT_AGE
    on_success: str | None = None
    on_failure: str | None = None
    dead_letter: str | None = None


@dataclass
class Function:
    """A function as the router runs it (its "container" state included)."""

    spec: DeployedFunction
    handler: str
    code_dir: Path
    layer_paths: list[Path]
    environment: dict[str, str]
    timeout: float
    memory: int
    runtime: str
    reserved_concurrency: int | None
    async_config: AsyncConfig
    owned_names: frozenset[str]
    module: ModuleType | None = None
    modules: dict[str, ModuleType] = field(default_factory=dict)
    container_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def logical_id(self) -> str:
        return self.spec.logical_id


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


# -- schedule expressions -----------------------------------------------------------------
def schedule_next_fire(
    expression: str, *, anchor: dt.datetime, timezone: str | None = None
) -> Callable[[dt.datetime], dt.datetime | None]:
    """``next_fire(now)`` for ``rate(...)`` (counted from ``anchor``), ``cron(...)`` and ``at(...)``."""
    expression = expression.strip()
    zone = zoneinfo.ZoneInfo(timezone) if timezone else UTC
    if (rate := _RATE.match(expression)) is not None:
        period = dt.timedelta(seconds=int(rate.group(1)) * _UNIT_SECONDS[rate.group(2).rstrip("s")])
        if period.total_seconds() <= 0:
            raise TemplateError(f"{expression}: the rate must be positive")

        def next_rate(now: dt.datetime) -> dt.datetime:
            periods = (now - anchor) // period + 1
            return anchor + periods * period

        return next_rate
    if expression.startswith("cron("):
        return lambda now: next_window(expression, timezone, now)
    if expression.startswith("at(") and expression.endswith(")"):
        when = dt.datetime.fromisoformat(expression[3:-1]).replace(tzinfo=zone).astimezone(UTC)
        return lambda now: when if when > now else None
    raise TemplateError(f"unsupported schedule expression {expression!r}")


# -- process-wide hooks into moto (SQS arrivals, SNS publishes) ----------------------------------
_active: Router | None = None
_hooks_installed = False
_original_add_message = sqs_models.Queue.add_message
_original_topic_publish = sns_models.Topic.publish


def _add_message(self: sqs_models.Queue, message: sqs_models.Message) -> None:
    _original_add_message(self, message)
    router = _active
    if router is not None:
        router.on_message_added(self.queue_arn, message.delayed_until / 1000.0)


def _topic_publish(
    self: sns_models.Topic,
    message: str,
    subject: str | None = None,
    message_attributes: dict[str, Any] | None = None,
    group_id: str | None = None,
    deduplication_id: str | None = None,
    message_structure: str | None = None,
) -> str:
    message_id: str = _original_topic_publish(
        self, message, subject, message_attributes, group_id, deduplication_id, message_structure
    )
    router = _active
    if router is not None:
        router.record_notification(
            "sns", self.arn, message, subject=subject, attributes=message_attributes, message_id=message_id
        )
    return message_id


def _install_hooks() -> None:
    global _hooks_installed
    if not _hooks_installed:
        sqs_models.Queue.add_message = _add_message  # type: ignore[method-assign]
        sns_models.Topic.publish = _topic_publish  # type: ignore[method-assign]
        _hooks_installed = True


# -- the router ---------------------------------------------------------------------------------
class Router:
    """Invokes the deployed functions: directly, from rules, schedules and SQS, with Lambda's semantics."""

    def __init__(self, deployment: Deployment, clock: SimClock, client: Callable[[str], Any]) -> None:
        self.deployment = deployment
        self.clock = clock
        self.client = client
        self.context = deployment.template.context
        self.functions: dict[str, Function] = {}
        self.sqs_sources: list[SqsSource] = []
        self.invocations: list[Invocation] = []
        self.notifications: list[Notification] = []
        self.firings: list[Firing] = []
        self._lock = threading.RLock()
        self._stopped = False
        self._added_paths: list[str] = []

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Router:
        global _active
        _install_hooks()
        eventbus.install()
        for path in self.deployment.layer_paths.values():
            if str(path) not in sys.path:
                sys.path.append(str(path))
                self._added_paths.append(str(path))
        for spec in self.deployment.functions.values():
            self.functions[spec.logical_id] = self._function(spec)
        for function in self.functions.values():
            self._wire_sqs_sources(function)
        self._wire_schedules()
        eventbus.set_lambda_target(self.on_lambda_target)
        _active = self
        return self

    def stop(self) -> None:
        global _active
        self._stopped = True  # timers still on the clock do nothing from now on
        if _active is self:
            _active = None
            eventbus.set_lambda_target(None)
        for path in self._added_paths:
            if path in sys.path:
                sys.path.remove(path)

    def function(self, logical_id: str) -> Function:
        try:
            return self.functions[logical_id]
        except KeyError:
            raise KeyError(f"no function {logical_id} (known: {', '.join(sorted(self.functions))})") from None

    def function_by_arn(self, arn: str) -> Function | None:
        unqualified = ":".join(arn.split(":")[:7])
        return next((f for f in self.functions.values() if f.spec.arn == unqualified), None)

    # -- building functions from the template ----------------------------------------------
    def _function(self, spec: DeployedFunction) -> Function:
        props = spec.properties
        resolve = self.deployment.resolve
        code_uri = resolve(props.get("CodeUri"))
        if not isinstance(code_uri, str) or code_uri.startswith("s3://"):
            raise TemplateError(f"{spec.logical_id}: the sandbox needs a local CodeUri")
        runtime = str(resolve(props.get("Runtime", "")))
        if not runtime.startswith("python"):
            raise TemplateError(
                f"{spec.logical_id}: runtime {runtime!r}: the sandbox runs Python functions only"
            )
        code_dir = (self.deployment.template.root / code_uri).resolve()
        layer_paths = self._layer_paths(spec, resolve(props.get("Layers", [])))
        handler = str(resolve(props.get("Handler", "")))
        timeout = float(resolve(props.get("Timeout", 3)))
        memory = int(resolve(props.get("MemorySize", 128)))
        reserved = resolve(props.get("ReservedConcurrentExecutions"))
        return Function(
            spec=spec,
            handler=handler,
            code_dir=code_dir,
            layer_paths=layer_paths,
            environment=self._environment(
                spec, handler, code_dir, memory, resolve(props.get("Environment", {}))
            ),
            timeout=timeout,
            memory=memory,
            runtime=runtime,
            reserved_concurrency=None if reserved is None else int(reserved),
            async_config=self._async_config(
                resolve(props.get("EventInvokeConfig", {})), resolve(props.get("DeadLetterQueue"))
            ),
            owned_names=frozenset(_top_level_names(code_dir, *layer_paths)),
        )

    def _layer_paths(self, spec: DeployedFunction, arns: list[Any]) -> list[Path]:
        by_arn = {
            self.deployment.physical.ref(logical): path
            for logical, path in self.deployment.layer_paths.items()
        }
        paths = []
        for arn in arns:
            if arn in by_arn:
                paths.append(by_arn[arn])
            else:
                self.deployment.warn(
                    f"{spec.logical_id}: layer {arn} is not in the template; its packages must be installed"
                )
        return paths

    def _environment(
        self, spec: DeployedFunction, handler: str, code_dir: Path, memory: int, environment: dict[str, Any]
    ) -> dict[str, str]:
        variables = environment.get("Variables", {}) if isinstance(environment, dict) else {}
        env = {
            "AWS_REGION": self.context.region,
            "AWS_DEFAULT_REGION": self.context.region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "LAMBDA_TASK_ROOT": str(code_dir),
            "_HANDLER": handler,
            # as `sam local invoke` does: Powertools then keeps the X-Ray tracer off
            "AWS_SAM_LOCAL": "true",
        }
        for name, value in variables.items():
            if isinstance(value, list | dict):
                raise TemplateError(f"{spec.logical_id}: environment variable {name} is not a string")
            env[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return env

    @staticmethod
    def _async_config(config: dict[str, Any], dead_letter: dict[str, Any] | None) -> AsyncConfig:
        destinations = config.get("DestinationConfig", {})
        return AsyncConfig(
            max_retries=int(config.get("MaximumRetryAttempts", 2)),
            max_event_age=float(config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE)),
            on_success=destinations.get("OnSuccess", {}).get("Destination"),
            on_failure=destinations.get("OnFailure", {}).get("Destination"),
            dead_letter=(dead_letter or {}).get("TargetArn"),
        )

    # -- wiring events -------------------------------------------------------------------------
    def _wire_sqs_sources(self, function: Function) -> None:
        """The function's SQS events (its other events are resources that sandbox.deploy created)."""
        events = self.deployment.resolve(function.spec.properties.get("Events", {}))
        for event in events.values():
            if event["Type"] == "SQS":
                self._wire_sqs(function, event.get("Properties", {}))

    def _wire_schedules(self) -> None:
        for rule in self.deployment.scheduled_rules:
            self._schedule_rule(rule.name, rule.expression)
        for schedule in self.deployment.schedules:
            self._schedule_scheduler(schedule)

    def _schedule_scheduler(self, schedule: SchedulerSchedule) -> None:
        function = self.function(schedule.function)
        next_fire = schedule_next_fire(
            schedule.expression, anchor=self.clock.now(), timezone=schedule.timezone
        )
        self._repeat(
            next_fire, lambda: self._fire_schedule(function, schedule), label=f"schedule {schedule.name}"
        )

    def _schedule_rule(self, name: str, expression: str) -> None:
        next_fire = schedule_next_fire(expression, anchor=self.clock.now())
        self._repeat(next_fire, lambda: self._fire_rule(name, expression), label=f"schedule rule {name}")

    def _fire_rule(self, name: str, expression: str) -> None:
        backend = events_models.events_backends[self.context.account_id][self.context.region]
        rule = backend.event_buses["default"].rules.get(name)
        if rule is None or rule.state != "ENABLED":  # deleted or disabled through the API
            return
        self.firings.append(Firing("rule", name, expression, self.clock.now(), next_sequence()))
        eventbus.deliver_scheduled_event(
            rule,
            {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": self.context.account_id,
                "time": eventbus.iso_now(),
                "region": self.context.region,
                "resources": [rule.arn],
                "detail": {},
            },
        )

    def _fire_schedule(self, function: Function, schedule: SchedulerSchedule) -> None:
        scheduler = self.client("scheduler")
        listed = scheduler.list_schedules(GroupName=schedule.group, NamePrefix=schedule.name)["Schedules"]
        if not any(s["Name"] == schedule.name and s["State"] == "ENABLED" for s in listed):
            return  # deleted or disabled through the API
        target = scheduler.get_schedule(Name=schedule.name, GroupName=schedule.group)["Target"]
        self.firings.append(
            Firing("scheduler", schedule.name, schedule.expression, self.clock.now(), next_sequence())
        )
        payload = json.loads(target["Input"]) if target.get("Input") else {}
        self.invoke_async(function, payload, trigger=f"schedule:{schedule.name}")

    def _repeat(
        self, next_fire: Callable[[dt.datetime], dt.datetime | None], fn: Callable[[], None], *, label: str
    ) -> None:
        def schedule(now: dt.datetime) -> None:
            due = next_fire(now)
            if due is not None:
                self._call_at(due, lambda: fire(due), label=label)

        def fire(due: dt.datetime) -> None:
            fn()
            schedule(due)

        schedule(self.clock.now())

    def _call_at(self, when: dt.datetime, fn: Callable[[], None], *, label: str) -> None:
        """A timer that does nothing once the router has stopped."""

        def run() -> None:
            if not self._stopped:
                fn()

        self.clock.call_at(when, run, label=label)

    def _wire_sqs(self, function: Function, props: dict[str, Any]) -> None:
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
        self.sqs_sources.append(
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

    # -- invocation -----------------------------------------------------------------------------
    def invoke(self, logical_id: str, event: Any, *, trigger: str = "direct") -> Invocation:
        """A synchronous invocation (RequestResponse): run the handler now and return the record."""
        return self._invoke(
            self.function(logical_id), event, trigger=trigger, attempt=1, request_id=str(uuid.uuid4())
        )

    def _invoke(
        self, function: Function, event: Any, *, trigger: str, attempt: int, request_id: str
    ) -> Invocation:
        payload = json.loads(json.dumps(event))
        seq = next_sequence()
        started = self.clock.now()
        context = LambdaContext(
            function_name=function.spec.name,
            invoked_function_arn=function.spec.arn,
            memory_limit_in_mb=function.memory,
            aws_request_id=request_id,
            log_group_name=f"/aws/lambda/{function.spec.name}",
            log_stream_name=f"{started:%Y/%m/%d}/[$LATEST]{function.container_id}",
            timeout_seconds=function.timeout,
        )
        result: Any = None
        error: BaseException | None = None
        with self._lock:
            real_start = time.perf_counter()
            with self._container(function):
                try:
                    handler = self._handler(function)
                    raw = handler(payload, context)
                except Exception as exc:  # the handler's failure is the invocation's outcome
                    error = exc
                else:
                    try:
                        result = json.loads(json.dumps(raw))
                    except (TypeError, ValueError) as exc:
                        error = MarshalError(f"Unable to marshal response: {exc}")
            duration = (time.perf_counter() - real_start) * 1000
        invocation = Invocation(
            function=function.logical_id,
            trigger=trigger,
            event=payload,
            request_id=request_id,
            attempt=attempt,
            started=started,
            ended=self.clock.now(),
            duration_ms=duration,
            outcome="success" if error is None else "error",
            result=result,
            seq=seq,
        )
        if error is not None:
            invocation.error_type = _error_type(error)
            invocation.error = f"{invocation.error_type}: {error}"
            invocation.stack_trace = traceback.format_tb(error.__traceback__)
        self.invocations.append(invocation)
        return invocation

    def _handler(self, function: Function) -> Callable[[Any, LambdaContext], Any]:
        module_name, _, attribute = function.handler.rpartition(".")
        if function.module is None:
            path = function.code_dir / (module_name.replace(".", "/") + ".py")
            unique = f"sandbox_functions.{function.logical_id}.{module_name}"
            spec = importlib.util.spec_from_file_location(unique, path)
            if spec is None or spec.loader is None or not path.exists():
                raise ImportModuleError(
                    f"Unable to import module '{module_name}': No module named '{module_name}'"
                )
            module = importlib.util.module_from_spec(spec)
            sys.modules[unique] = module
            try:
                spec.loader.exec_module(module)
            except Exception:
                del sys.modules[unique]
                raise
            function.module = module
        handler = getattr(function.module, attribute, None)
        if not callable(handler):
            raise HandlerNotFoundError(f"Handler '{attribute}' missing on module '{module_name}'")
        return handler  # type: ignore[no-any-return]

    @contextlib.contextmanager
    def _container(self, function: Function) -> Iterator[None]:
        """The function's environment, paths and module copies, for the duration of a call."""
        saved_env = dict(os.environ)
        saved_path = list(sys.path)
        owned = function.owned_names
        saved_modules = {name: module for name, module in sys.modules.items() if _owned(name, owned)}
        for name in saved_modules:
            del sys.modules[name]
        sys.modules.update(function.modules)
        os.environ.update(function.environment)
        sys.path[:0] = [str(function.code_dir), *(str(p) for p in function.layer_paths)]
        try:
            yield
        finally:
            function.modules = {name: module for name, module in sys.modules.items() if _owned(name, owned)}
            for name in function.modules:
                del sys.modules[name]
            sys.modules.update(saved_modules)
            sys.path[:] = saved_path
            os.environ.clear()
            os.environ.update(saved_env)

    # -- asynchronous invocation ------------------------------------------------------------
    def on_lambda_target(self, function_arn: str, event: dict[str, Any], rule_arn: str) -> None:
        """EventBridge delivered ``event`` to a Lambda target: queue an asynchronous invocation."""
        function = self.function_by_arn(function_arn)
        if function is None:
            logger.warning("rule %s targets %s, which is not a function of the stack", rule_arn, function_arn)
            return
        rule_name = rule_arn.rsplit("/", 1)[-1]
        payload = self._target_input(rule_arn, function_arn, event)
        self.invoke_async(function, payload, trigger=f"rule:{rule_name}")

    def _target_input(self, rule_arn: str, function_arn: str, event: dict[str, Any]) -> Any:
        """What the target receives: the event, or its Input / InputPath / InputTransformer."""
        arn = parse_arn(rule_arn)
        bus, _, name = arn.resource_id.rpartition("/")
        rule = events_models.events_backends[arn.account][arn.region].describe_rule(name, bus or None)
        target = next((t for t in rule.targets if t["Arn"] == function_arn), {})
        if "Input" in target:
            return json.loads(target["Input"])
        if "InputPath" in target:
            return _json_path(event, target["InputPath"])
        if "InputTransformer" in target:
            transformer = target["InputTransformer"]
            with_ingestion = {**event, "ingestion-time": event.get("time")}
            return EventTemplateParser.parse(
                transformer["InputTemplate"],
                transformer.get("InputPathsMap", {}),
                cast("Any", with_ingestion),
            )
        return event

    def invoke_async(self, function: Function, event: Any, *, trigger: str) -> None:
        """Queue an asynchronous (Event) invocation: it runs at the current simulated time."""
        request_id = str(uuid.uuid4())
        queued = self.clock.now()
        self._call_at(
            queued,
            lambda: self._attempt(function, event, trigger, request_id, 1, queued),
            label=f"invoke {function.logical_id}",
        )

    def _attempt(
        self, function: Function, event: Any, trigger: str, request_id: str, attempt: int, queued: dt.datetime
    ) -> None:
        invocation = self._invoke(function, event, trigger=trigger, attempt=attempt, request_id=request_id)
        config = function.async_config
        if invocation.outcome == "success":
            if config.on_success:
                self._send_record(function, config.on_success, invocation, "Success")
            return
        if attempt > config.max_retries:
            self._give_up(function, invocation, "RetriesExhausted")
            return
        delay = ASYNC_RETRY_DELAYS[min(attempt, len(ASYNC_RETRY_DELAYS)) - 1]
        retry_at = self.clock.now() + dt.timedelta(seconds=delay)
        if (retry_at - queued).total_seconds() > config.max_event_age:
            self._give_up(function, invocation, "EventAgeExceeded")
            return
        self._call_at(
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
        if invocation.outcome == "error":
            response_context["functionError"] = "Unhandled"
            response_payload: Any = {
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
        elif service == "lambda" and (target := self.function_by_arn(destination)) is not None:
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

    # -- SQS event sources ---------------------------------------------------------------------
    def on_message_added(self, queue_arn: str, delayed_until: float) -> None:
        """A message entered a queue (moto hook): wake the pollers of that queue."""
        for source in self.sqs_sources:
            if source.queue_arn == queue_arn:
                now = self.clock.now()
                visible_at = dt.datetime.fromtimestamp(delayed_until, UTC) if delayed_until else now
                self._schedule_poll(source, max(now, visible_at))

    def _schedule_poll(self, source: SqsSource, when: dt.datetime) -> None:
        if when in source.scheduled:
            return
        source.scheduled.add(when)

        def poll() -> None:
            source.scheduled.discard(when)
            self._poll(source)

        self._call_at(when, poll, label=f"poll {source.queue_name}")

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
        now = self.clock.now()
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
            self._schedule_poll(source, self.clock.now())

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

    def _deliver_batch(self, source: SqsSource) -> None:
        messages = self._receive(source)
        if not messages:
            return
        records = [self._sqs_record(source, message) for message in messages]
        handles = {record["messageId"]: record["receiptHandle"] for record in records}
        matched = [record for record in records if _passes_filters(source.filters, record)]
        dropped = [record["messageId"] for record in records if record not in matched]
        self._delete(source, dropped, handles)  # Lambda deletes what its filters reject
        if not matched:
            return
        invocation = self._invoke(
            source.function,
            {"Records": matched},
            trigger=f"sqs:{source.queue_name}",
            attempt=1,
            request_id=str(uuid.uuid4()),
        )
        failed = self._failed_items(source, invocation, [record["messageId"] for record in matched])
        if failed and invocation.outcome == "success":
            invocation.outcome = "partial"
        invocation.failed_items = failed
        self._delete(source, [r["messageId"] for r in matched if r["messageId"] not in failed], handles)
        if failed:
            timeout = self._visibility_timeout(source)
            self._schedule_poll(
                source, self.clock.now() + dt.timedelta(seconds=timeout + _VISIBILITY_EPSILON)
            )

    @staticmethod
    def _failed_items(source: SqsSource, invocation: Invocation, message_ids: list[str]) -> list[str]:
        """Which messages stay in the queue (AWS's rules for partial batch responses)."""
        if invocation.outcome == "error":
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

    def _sqs_record(self, source: SqsSource, message: dict[str, Any]) -> dict[str, Any]:
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

    # -- notifications -----------------------------------------------------------------------
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


class ImportModuleError(Exception):
    """Lambda's Runtime.ImportModuleError: the handler module cannot be found."""


class HandlerNotFoundError(Exception):
    """Lambda's Runtime.HandlerNotFound: the module has no such handler."""


class MarshalError(Exception):
    """Lambda's Runtime.MarshalError: the handler returned something that is not JSON."""


def _error_type(error: BaseException) -> str:
    if isinstance(error, ImportModuleError):
        return "Runtime.ImportModuleError"
    if isinstance(error, HandlerNotFoundError):
        return "Runtime.HandlerNotFound"
    if isinstance(error, MarshalError):
        return "Runtime.MarshalError"
    return type(error).__name__


def _top_level_names(*directories: Path) -> set[str]:
    """Importable top-level module and package names found in ``directories``."""
    names = set()
    for directory in directories:
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            if entry.is_dir() and entry.name.isidentifier():
                names.add(entry.name)
            elif entry.suffix == ".py" and entry.stem.isidentifier():
                names.add(entry.stem)
    return names


def _owned(module_name: str, owned: frozenset[str]) -> bool:
    return module_name.split(".", 1)[0] in owned


def _json_path(event: Any, path: str) -> Any:
    """EventBridge InputPath: a simple ``$.a.b`` path."""
    value = event
    for part in [p for p in path.lstrip("$").split(".") if p]:
        value = value.get(part) if isinstance(value, dict) else None
    return value


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
