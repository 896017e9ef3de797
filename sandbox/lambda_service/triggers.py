"""Rule and schedule triggers: EventBridge rules with Lambda targets, scheduled rules, Scheduler schedules.

* **Rules** are real rules and targets in moto's EventBridge (``sandbox.deploy`` creates them), so
  moto's pattern matching decides; :mod:`sandbox.eventbus` hands Lambda targets to
  :meth:`RuleTargets.on_lambda_target`, which queues an asynchronous invocation with the
  target's ``Input``, ``InputPath`` or ``InputTransformer`` applied, as EventBridge does.
* **Schedules**: scheduled rules (SAM ``Schedule`` events, ``AWS::Events::Rule`` resources with a
  ``ScheduleExpression``) send AWS's ``Scheduled Event`` envelope through moto's rule targets;
  EventBridge Scheduler schedules (SAM ``ScheduleV2``) deliver their ``Input`` (``{}`` when it has
  none: AWS documents only "a default notification", so that content is an assumption).
  ``rate(...)`` counts from the start, ``cron(...)`` is AWS's, ``at(...)`` fires once. A rule or
  schedule disabled or deleted through the API stops firing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
import zoneinfo
from typing import TYPE_CHECKING, Any, cast

from moto.events import models as events_models
from moto.events.utils import EventTemplateParser
from moto.utilities.arns import parse_arn

from sandbox import eventbus
from sandbox.backup.plan_schedule import next_window
from sandbox.lambda_service.records import Firing, next_sequence
from sandbox.template import TemplateError

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.deploy import Deployment, SchedulerSchedule
    from sandbox.lambda_service.async_invoke import AsyncInvoker
    from sandbox.lambda_service.functions import Function, FunctionCatalog
    from sandbox.lambda_service.timers import Timers

logger = logging.getLogger(__name__)

UTC = dt.UTC
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


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


class RuleTargets:
    """EventBridge rules' Lambda targets: what moto matched becomes an asynchronous invocation."""

    def __init__(self, catalog: FunctionCatalog, invoker: AsyncInvoker) -> None:
        self.catalog = catalog
        self.invoker = invoker

    def on_lambda_target(self, function_arn: str, event: dict[str, Any], rule_arn: str) -> None:
        """EventBridge delivered ``event`` to a Lambda target: queue an asynchronous invocation."""
        function = self.catalog.by_arn(function_arn)
        if function is None:
            logger.warning("rule %s targets %s, which is not a function of the stack", rule_arn, function_arn)
            return
        rule_name = rule_arn.rsplit("/", 1)[-1]
        payload = _target_input(rule_arn, function_arn, event)
        self.invoker.invoke_async(function, payload, trigger=f"rule:{rule_name}")


def _target_input(rule_arn: str, function_arn: str, event: dict[str, Any]) -> Any:
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


def _json_path(event: Any, path: str) -> Any:
    """EventBridge InputPath: a simple ``$.a.b`` path."""
    value = event
    for part in [p for p in path.lstrip("$").split(".") if p]:
        value = value.get(part) if isinstance(value, dict) else None
    return value


class Schedules:
    """Fires the deployment's scheduled rules and Scheduler schedules; records each :class:`Firing`."""

    def __init__(
        self,
        deployment: Deployment,
        timers: Timers,
        catalog: FunctionCatalog,
        invoker: AsyncInvoker,
        client: Callable[[str], Any],
    ) -> None:
        self.deployment = deployment
        self.context = deployment.template.context
        self.timers = timers
        self.catalog = catalog
        self.invoker = invoker
        self.client = client
        self.firings: list[Firing] = []

    def wire(self) -> None:
        for rule in self.deployment.scheduled_rules:
            self._schedule_rule(rule.name, rule.expression)
        for schedule in self.deployment.schedules:
            self._schedule_scheduler(schedule)

    def _schedule_scheduler(self, schedule: SchedulerSchedule) -> None:
        function = self.catalog.get(schedule.function)
        next_fire = schedule_next_fire(
            schedule.expression, anchor=self.timers.now(), timezone=schedule.timezone
        )
        self.timers.repeat(
            next_fire, lambda: self._fire_schedule(function, schedule), label=f"schedule {schedule.name}"
        )

    def _schedule_rule(self, name: str, expression: str) -> None:
        next_fire = schedule_next_fire(expression, anchor=self.timers.now())
        self.timers.repeat(
            next_fire, lambda: self._fire_rule(name, expression), label=f"schedule rule {name}"
        )

    def _fire_rule(self, name: str, expression: str) -> None:
        backend = events_models.events_backends[self.context.account_id][self.context.region]
        rule = backend.event_buses["default"].rules.get(name)
        if rule is None or rule.state != "ENABLED":  # deleted or disabled through the API
            return
        self.firings.append(Firing("rule", name, expression, self.timers.now(), next_sequence()))
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
            Firing("scheduler", schedule.name, schedule.expression, self.timers.now(), next_sequence())
        )
        payload = json.loads(target["Input"]) if target.get("Input") else {}
        self.invoker.invoke_async(function, payload, trigger=f"schedule:{schedule.name}")
