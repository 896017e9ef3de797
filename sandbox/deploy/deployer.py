""":func:`deploy`: every active resource created in dependency order, then the outputs resolved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.deploy.core import ClientFactory, Deployment, Props, Stack
from sandbox.deploy.ordering import in_dependency_order
from sandbox.deploy.registry import creators
from sandbox.template import PhysicalIds

if TYPE_CHECKING:
    from sandbox.template import ResourceDef, Template


def deploy(template: Template, client: ClientFactory) -> Deployment:
    """Create every active resource of ``template`` in moto and return the :class:`Deployment`."""
    stack = Stack(template, client, Deployment(template=template, physical=PhysicalIds()))
    for resource in in_dependency_order(template, stack.deployment.physical):
        _create(stack, resource)
    _resolve_outputs(stack)
    return stack.deployment


def _create(stack: Stack, resource: ResourceDef) -> None:
    deployment = stack.deployment
    creator = creators().get(resource.type)
    if creator is None:
        deployment.physical.skipped[resource.logical_id] = f"{resource.type} is not supported"
        deployment.warn(f"{resource.logical_id}: {resource.type} is not supported by the sandbox; skipped")
        return
    properties = stack.template.merged_properties(resource)
    props = Props(resource, deployment.resolve(properties))
    creator(stack, props)
    for key in props.leftover():
        deployment.warn(f"{resource.logical_id}: property {key} is not applied by the sandbox")


def _resolve_outputs(stack: Stack) -> None:
    template, deployment = stack.template, stack.deployment
    for name, output in template.section("Outputs").items():
        condition = output.get("Condition")
        if condition is None or template.condition(condition):
            deployment.outputs[name] = deployment.resolve(output["Value"])
