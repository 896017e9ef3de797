"""The dispatch table: CloudFormation resource type -> creator.

Gathered from every module of :mod:`sandbox.deploy.resource_types`, each of which declares a
``CREATORS`` mapping for its family of types. Supporting a new type is a change to one module:
add it to its family's ``CREATORS``, or add a module for a new family (it is found here).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import sandbox.deploy.resource_types as resource_types

if TYPE_CHECKING:
    from sandbox.deploy.core import Creator


@functools.cache
def creators() -> Mapping[str, Creator]:
    """Every supported resource type and its creator (a type declared twice is an error)."""
    table: dict[str, Creator] = {}
    owners: dict[str, str] = {}
    for module_info in sorted(pkgutil.iter_modules(resource_types.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{resource_types.__name__}.{module_info.name}")
        family = getattr(module, "CREATORS", None)
        if not isinstance(family, Mapping):
            raise TypeError(f"{module.__name__} declares no CREATORS mapping")
        for resource_type, creator in family.items():
            if resource_type in table:
                raise ValueError(
                    f"{resource_type} has creators in {owners[resource_type]} and {module.__name__}"
                )
            table[resource_type] = creator
            owners[resource_type] = module.__name__
    return MappingProxyType(table)
