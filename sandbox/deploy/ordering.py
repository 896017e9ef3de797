"""The order resources are created in: active resources (conditions), dependencies first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.template import TemplateError

if TYPE_CHECKING:
    from sandbox.template import PhysicalIds, ResourceDef, Template


def in_dependency_order(template: Template, physical: PhysicalIds) -> list[ResourceDef]:
    """The active resources, each after what it references or ``DependsOn``.

    Resources whose condition is false are recorded in ``physical.skipped``; a cycle is an error.
    """
    active: dict[str, ResourceDef] = {}
    for logical_id, resource in template.resources().items():
        if template.is_active(resource):
            active[logical_id] = resource
        else:
            physical.skipped[logical_id] = f"condition {resource.condition} is false"
    ordered: list[ResourceDef] = []
    state: dict[str, str] = {}

    def visit(logical_id: str, chain: tuple[str, ...]) -> None:
        if state.get(logical_id) == "done":
            return
        if state.get(logical_id) == "visiting":
            raise TemplateError(f"circular dependency: {' -> '.join((*chain, logical_id))}")
        state[logical_id] = "visiting"
        resource = active[logical_id]
        needs = template.references(template.merged_properties(resource))
        needs |= set(resource.depends_on)
        for dependency in sorted(needs & set(active)):
            visit(dependency, (*chain, logical_id))
        state[logical_id] = "done"
        ordered.append(resource)

    for logical_id in active:
        visit(logical_id, ())
    return ordered
