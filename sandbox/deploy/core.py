"""The deployer's core: what a deployment yields and what a resource creator works with.

* :class:`Deployment`: physical ids, outputs, functions, layers, schedules and warnings;
  :class:`DeployedFunction`, :class:`ScheduledRule`, :class:`SchedulerSchedule` are what the
  Lambda service (:mod:`sandbox.lambda_service`) reads from it.
* :class:`Props`: a resource's resolved properties; what no creator takes is reported.
* :class:`Stack`: the template, the clients and the deployment being filled, handed to every
  creator. A :data:`Creator` is ``creator(stack, props)``; each module of
  :mod:`sandbox.deploy.resource_types` declares its ``CREATORS`` by resource type.
* :func:`physical_name`: CloudFormation's generated names.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.template import PhysicalIds, ResourceDef, StackContext, Template, TemplateError

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

#: builds a boto3 client for a service in the stack's account and Region
ClientFactory = Callable[[str], Any]


@dataclass(frozen=True)
class DeployedFunction:
    """An ``AWS::Serverless::Function``: its physical name/ARN and its properties (Globals merged)."""

    logical_id: str
    name: str
    arn: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class ScheduledRule:
    """An EventBridge rule with a ScheduleExpression (on the default bus): the router fires it."""

    name: str
    expression: str


@dataclass(frozen=True)
class SchedulerSchedule:
    """An EventBridge Scheduler schedule (SAM ``ScheduleV2``) that invokes a function."""

    name: str
    group: str
    expression: str
    timezone: str | None
    function: str  # logical id


@dataclass
class Deployment:
    """The result of :func:`~sandbox.deploy.deploy`: physical ids, outputs, functions, layers,
    schedules, warnings."""

    template: Template
    physical: PhysicalIds
    outputs: dict[str, Any] = field(default_factory=dict)
    functions: dict[str, DeployedFunction] = field(default_factory=dict)
    layer_paths: dict[str, Path] = field(default_factory=dict)
    scheduled_rules: list[ScheduledRule] = field(default_factory=list)
    schedules: list[SchedulerSchedule] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def resolve(self, value: Any) -> Any:
        return self.template.resolve(value, self.physical)

    def warn(self, message: str) -> None:
        logger.warning("%s", message)
        self.warnings.append(message)


class Props:
    """A resource's resolved properties; what no creator takes is reported as ignored."""

    def __init__(self, resource: ResourceDef, values: dict[str, Any]) -> None:
        self.resource = resource
        self._values = dict(values)

    def take(self, key: str, default: Any = None) -> Any:
        return self._values.pop(key, default)

    def require(self, key: str) -> Any:
        if key not in self._values:
            raise TemplateError(f"{self.resource.logical_id}: property {key} is required")
        return self._values.pop(key)

    def leftover(self) -> list[str]:
        return sorted(self._values)

    def drain(self) -> None:
        """The remaining properties are applied elsewhere (the router) or create nothing."""
        self._values.clear()


@dataclass
class Stack:
    """What a creator works with: the template, the stack's clients and the deployment being filled."""

    template: Template
    client: ClientFactory
    deployment: Deployment

    @property
    def context(self) -> StackContext:
        return self.template.context

    def record(self, props: Props, ref: Any, **attributes: Any) -> None:
        """What ``Ref`` and ``Fn::GetAtt`` of the resource being created return."""
        self.deployment.physical.record(props.resource.logical_id, ref, **attributes)

    def name(self, props: Props, key: str, max_length: int, suffix: str = "") -> str:
        """The name property ``key``, or the name CloudFormation would generate."""
        name = props.take(key)
        return (
            str(name) if name else physical_name(self.template, props.resource.logical_id, max_length, suffix)
        )

    def warn(self, message: str) -> None:
        self.deployment.warn(message)


#: creates one resource: its API calls, then ``stack.record(...)``
Creator = Callable[[Stack, Props], None]
#: resource type -> creator: what each module of ``sandbox.deploy.resource_types`` declares
Creators = Mapping[str, Creator]


def physical_name(template: Template, logical_id: str, max_length: int, suffix: str = "") -> str:
    """A CloudFormation-style generated name: ``<stack>-<LogicalId>-<13 chars>`` within a limit."""
    digest = hashlib.sha256(f"{template.context.stack_name}/{logical_id}".encode()).hexdigest()
    tail = "-" + digest[:13].upper() + suffix
    head = f"{template.context.stack_name}-{logical_id}"
    return head[: max_length - len(tail)] + tail
