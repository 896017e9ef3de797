"""template.yaml as CloudFormation reads it: intrinsic functions, conditions, parameters, SAM Globals.

* :func:`load_yaml` parses the short-form tags (``!Ref``, ``!Sub``, ``!GetAtt`` ...) into their
  long form (``{"Ref": ...}``, ``{"Fn::Sub": ...}``), as CloudFormation does.
* :class:`Template` holds the parsed document, the parameter values (defaults, then the
  overrides of samconfig.toml's ``[<env>.deploy.parameters] parameter_overrides``, then explicit
  ones, validated like CloudFormation validates them), the pseudo parameters and the conditions.
* :meth:`Template.resolve` evaluates intrinsic functions against a :class:`PhysicalIds` map that
  the deployer fills resource by resource (``Ref`` / ``Fn::GetAtt`` of a deployed resource).
* :meth:`Template.merged_properties` merges SAM ``Globals.Function`` into one function's
  properties with SAM's rules (maps merged, lists appended to the global entries, scalars overridden).

Why one module of about 600 lines: it is one reader of one language. The intrinsic functions call
:meth:`Template.resolve` recursively and the template calls them back, so splitting them apart would
either make a circle of imports or pass the template around as an untyped object.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

#: resource types whose properties SAM's ``Globals.<section>`` applies to
_GLOBALS_SECTIONS = {
    "AWS::Serverless::Function": "Function",
    "AWS::Serverless::Api": "Api",
    "AWS::Serverless::HttpApi": "HttpApi",
    "AWS::Serverless::SimpleTable": "SimpleTable",
    "AWS::Serverless::LayerVersion": "LayerVersion",
    "AWS::Serverless::StateMachine": "StateMachine",
}
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LIST_TYPES = ("CommaDelimitedList", "List<")


class TemplateError(Exception):
    """The template cannot be read or evaluated (CloudFormation would reject it too)."""


class _NoValue:
    """``AWS::NoValue``: the property is removed where it appears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


# -- YAML with CloudFormation's short-form tags ---------------------------------------------
class _CfnLoader(yaml.SafeLoader):
    """A SafeLoader that turns ``!Tag value`` into CloudFormation's long form."""


def _long_form(name: str) -> str:
    return name if name in {"Ref", "Condition"} else f"Fn::{name}"


def _construct(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {_long_form(tag_suffix): value}


_CfnLoader.add_multi_constructor("!", _construct)


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML template (short-form intrinsics become long form)."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise TemplateError(f"{path}: a template is a mapping")
    return document


# -- samconfig.toml -------------------------------------------------------------------------
@dataclass(frozen=True)
class SamConfig:
    """What the sandbox takes from one environment of samconfig.toml."""

    stack_name: str | None = None
    region: str | None = None
    parameter_overrides: dict[str, str] = field(default_factory=dict)


def parse_parameter_overrides(value: str | list[str] | None) -> dict[str, str]:
    """``"K=V K2='a b'"`` or ``["K=V", "K2=a b"]`` (both forms samconfig.toml accepts) -> dict."""
    if value is None:
        return {}
    items = shlex.split(value) if isinstance(value, str) else list(value)
    overrides: dict[str, str] = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key:
            raise TemplateError(f"parameter override {item!r} is not KEY=VALUE")
        overrides[key] = val
    return overrides


def read_samconfig(path: Path, env: str) -> SamConfig:
    """Read ``[<env>.global.parameters]`` then ``[<env>.deploy.parameters]`` (deploy wins)."""
    if not path.exists():
        return SamConfig()
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    section = document.get(env)
    if section is None:
        raise TemplateError(f"{path}: no [{env}.*] environment")
    merged: dict[str, Any] = {}
    for command in ("global", "deploy"):
        merged.update(section.get(command, {}).get("parameters", {}))
    return SamConfig(
        stack_name=merged.get("stack_name"),
        region=merged.get("region"),
        parameter_overrides=parse_parameter_overrides(merged.get("parameter_overrides")),
    )


# -- deployed resources: what Ref and Fn::GetAtt return -------------------------------------
@dataclass
class PhysicalIds:
    """``Ref`` value and ``Fn::GetAtt`` attributes of every deployed resource."""

    refs: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: logical id -> why it was not created (unsupported type, false condition)
    skipped: dict[str, str] = field(default_factory=dict)

    def record(self, logical_id: str, ref: Any, **attributes: Any) -> None:
        self.refs[logical_id] = ref
        self.attributes[logical_id] = attributes

    def ref(self, logical_id: str) -> Any:
        if logical_id in self.refs:
            return self.refs[logical_id]
        raise self._missing(logical_id)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in self.attributes:
            raise self._missing(logical_id)
        try:
            return self.attributes[logical_id][attribute]
        except KeyError:
            known = ", ".join(sorted(self.attributes[logical_id])) or "none"
            raise TemplateError(
                f"Fn::GetAtt {logical_id}.{attribute}: unknown attribute (known: {known})"
            ) from None

    def _missing(self, logical_id: str) -> TemplateError:
        if logical_id in self.skipped:
            return TemplateError(f"{logical_id} was not created ({self.skipped[logical_id]})")
        return TemplateError(f"{logical_id} is not deployed yet")


@dataclass(frozen=True)
class StackContext:
    """The pseudo parameters."""

    account_id: str
    region: str
    stack_name: str
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"

    def pseudo(self, name: str) -> Any:
        values: dict[str, Any] = {
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:"
                f"stack/{self.stack_name}/00000000-0000-4000-8000-000000000000"
            ),
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
        }
        if name not in values:
            raise TemplateError(f"unknown pseudo parameter {name}")
        return values[name]


@dataclass(frozen=True)
class ResourceDef:
    """One entry of the template's ``Resources`` (properties unresolved)."""

    logical_id: str
    type: str
    properties: dict[str, Any]
    condition: str | None
    depends_on: tuple[str, ...]
    metadata: dict[str, Any]


class Template:
    """A parsed template with its parameter values and conditions, ready to resolve."""

    def __init__(
        self,
        path: str | Path,
        *,
        context: StackContext,
        parameter_overrides: Mapping[str, str] | None = None,
    ) -> None:
        self.path = Path(path).resolve()
        self.root = self.path.parent
        self.document = load_yaml(self.path)
        self.context = context
        self.parameters = self._parameter_values(dict(parameter_overrides or {}))
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    # -- sections ----------------------------------------------------------------------------
    def section(self, name: str) -> dict[str, Any]:
        value = self.document.get(name) or {}
        if not isinstance(value, dict):
            raise TemplateError(f"{name} must be a mapping")
        return value

    def resources(self) -> dict[str, ResourceDef]:
        result = {}
        for logical_id, body in self.section("Resources").items():
            if not isinstance(body, dict) or "Type" not in body:
                raise TemplateError(f"resource {logical_id} has no Type")
            depends = body.get("DependsOn") or []
            result[logical_id] = ResourceDef(
                logical_id=logical_id,
                type=body["Type"],
                properties=dict(body.get("Properties") or {}),
                condition=body.get("Condition"),
                depends_on=tuple([depends] if isinstance(depends, str) else depends),
                metadata=dict(body.get("Metadata") or {}),
            )
        return result

    def resources_of_type(self, resource_type: str) -> Iterator[ResourceDef]:
        for resource in self.resources().values():
            if resource.type == resource_type and self.is_active(resource):
                yield resource

    def is_active(self, resource: ResourceDef) -> bool:
        return resource.condition is None or self.condition(resource.condition)

    # -- parameters --------------------------------------------------------------------------
    def _parameter_values(self, overrides: dict[str, str]) -> dict[str, Any]:
        declared = self.section("Parameters")
        unknown = sorted(set(overrides) - set(declared))
        if unknown:
            raise TemplateError(f"Parameters: {unknown} do not exist in the template")
        values = {}
        for name, spec in declared.items():
            if name in overrides:
                raw: Any = overrides[name]
            elif "Default" in spec:
                raw = spec["Default"]
            else:
                raise TemplateError(f"Parameters: [{name}] must have values")
            values[name] = _typed_parameter(name, spec, raw)
        return values

    # -- conditions --------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        if name in self._conditions:
            return self._conditions[name]
        conditions = self.section("Conditions")
        if name not in conditions:
            raise TemplateError(f"unknown condition {name}")
        if name in self._evaluating:
            raise TemplateError(f"condition {name} refers to itself")
        self._evaluating.add(name)
        try:
            value = self.resolve(conditions[name], PhysicalIds())
        finally:
            self._evaluating.discard(name)
        if not isinstance(value, bool):
            raise TemplateError(f"condition {name} is not a boolean expression")
        self._conditions[name] = value
        return value

    # -- SAM Globals ------------------------------------------------------------------------
    def merged_properties(self, resource: ResourceDef) -> dict[str, Any]:
        """The resource's properties with its SAM ``Globals`` section merged in (unresolved)."""
        section = _GLOBALS_SECTIONS.get(resource.type)
        if section is None:
            return dict(resource.properties)
        globals_ = self.section("Globals").get(section) or {}
        merged: dict[str, Any] = _merge_globals(globals_, resource.properties)
        return merged

    # -- intrinsic functions ------------------------------------------------------------------
    def resolve(self, value: Any, physical: PhysicalIds) -> Any:
        """Evaluate every intrinsic function in ``value`` (``AWS::NoValue`` entries removed)."""
        if isinstance(value, list):
            items = [self.resolve(item, physical) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = _INTRINSICS.get(key)
            if handler is not None:
                return handler(self, argument, physical)
        resolved = {key: self.resolve(item, physical) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def resolve_ref(self, name: str, physical: PhysicalIds) -> Any:
        if name.startswith("AWS::"):
            return self.context.pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        if name not in self.section("Resources") and name not in self.sam_generated():
            raise TemplateError(f"Ref {name}: no such parameter or resource")
        return physical.ref(name)

    def references(self, value: Any) -> set[str]:
        """Logical ids of the template's resources ``value`` refers to (Ref, Fn::GetAtt, Fn::Sub).

        A resource SAM generates counts as a reference to the function it is generated from.
        """
        found: set[str] = set()
        _collect_references(value, found)
        generated = self.sam_generated()
        return {generated.get(name, name) for name in found} & set(self.section("Resources"))

    def sam_generated(self) -> dict[str, str]:
        """Resources SAM generates from a function, by logical id -> the function's logical id.

        ``<Function><EventId>`` (the rule, schedule or event source mapping of each event),
        ``<Function><EventId>Queue`` (a dead-letter queue SAM creates for an event) and
        ``<Function>Role`` (when the function names no ``Role``).
        """
        generated: dict[str, str] = {}
        for logical_id, body in self.section("Resources").items():
            if not isinstance(body, dict) or body.get("Type") != "AWS::Serverless::Function":
                continue
            properties = body.get("Properties") or {}
            if "Role" not in properties:
                generated[f"{logical_id}Role"] = logical_id
            for event_id, event in (properties.get("Events") or {}).items():
                generated[f"{logical_id}{event_id}"] = logical_id
                dead_letter = (event.get("Properties") or {}).get("DeadLetterConfig") or {}
                if "Type" in dead_letter and "Arn" not in dead_letter:
                    queue_id = dead_letter.get("QueueLogicalId") or f"{logical_id}{event_id}Queue"
                    generated[queue_id] = logical_id
        return generated


def _typed_parameter(name: str, spec: dict[str, Any], raw: Any) -> Any:
    kind = str(spec.get("Type", "String"))
    if kind.startswith(_LIST_TYPES):
        items = raw if isinstance(raw, list) else [part.strip() for part in str(raw).split(",")]
        for item in items:
            _check_allowed(name, spec, str(item))
        return [str(item) for item in items]
    text = str(raw).lower() if isinstance(raw, bool) else str(raw)
    _check_allowed(name, spec, text)
    if kind == "Number":
        try:
            number = float(text)
        except ValueError:
            raise TemplateError(f"Parameter '{name}' must be a number not '{text}'") from None
        _check_range(name, spec, number)
    else:
        _check_length(name, spec, text)
    return text


def _check_allowed(name: str, spec: dict[str, Any], text: str) -> None:
    allowed = spec.get("AllowedValues")
    if allowed is not None and text not in [
        str(v).lower() if isinstance(v, bool) else str(v) for v in allowed
    ]:
        raise TemplateError(f"Parameter '{name}' must be one of AllowedValues, not '{text}'")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and re.fullmatch(pattern, text) is None:
        raise TemplateError(f"Parameter '{name}' must match pattern {pattern}")


def _check_range(name: str, spec: dict[str, Any], number: float) -> None:
    if "MinValue" in spec and number < float(spec["MinValue"]):
        raise TemplateError(f"Parameter '{name}' must be a number not less than {spec['MinValue']}")
    if "MaxValue" in spec and number > float(spec["MaxValue"]):
        raise TemplateError(f"Parameter '{name}' must be a number not greater than {spec['MaxValue']}")


def _check_length(name: str, spec: dict[str, Any], text: str) -> None:
    if "MinLength" in spec and len(text) < int(spec["MinLength"]):
        raise TemplateError(f"Parameter '{name}' must contain at least {spec['MinLength']} characters")
    if "MaxLength" in spec and len(text) > int(spec["MaxLength"]):
        raise TemplateError(f"Parameter '{name}' must contain at most {spec['MaxLength']} characters")


def _is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _INTRINSICS


def _merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM: maps merge (the resource wins), lists append to the global entries, scalars override."""
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        if _is_intrinsic(global_value) or _is_intrinsic(local_value):
            return local_value
        merged = dict(global_value)
        for key, item in local_value.items():
            merged[key] = _merge_globals(global_value[key], item) if key in global_value else item
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return [*global_value, *local_value]
    return local_value


def _collect_references(value: Any, found: set[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect_references(item, found)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref" and isinstance(argument, str):
            found.add(argument)
            return
        if key == "Fn::GetAtt":
            found.add(argument[0] if isinstance(argument, list) else str(argument).split(".", 1)[0])
            return
        if key == "Fn::Sub":
            text = argument[0] if isinstance(argument, list) else argument
            for variable in _SUB_VARIABLE.findall(text):
                if not variable.startswith("!"):
                    found.add(variable.split(".", 1)[0])
    for item in value.values():
        _collect_references(item, found)


# -- the intrinsic functions themselves ------------------------------------------------------
def _fn_ref(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    return template.resolve_ref(str(argument), physical)


def _fn_get_att(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    parts = argument if isinstance(argument, list) else str(argument).split(".", 1)
    if len(parts) != 2:
        raise TemplateError(f"Fn::GetAtt needs [LogicalId, Attribute], got {argument!r}")
    logical_id, attribute = template.resolve(parts[0], physical), template.resolve(parts[1], physical)
    return physical.get_att(str(logical_id), str(attribute))


def _fn_sub(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    if isinstance(argument, list):
        text, variables = argument[0], template.resolve(argument[1], physical)
    else:
        text, variables = argument, {}

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            value = variables[name]
        elif "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            value = physical.get_att(logical_id, attribute)
        else:
            value = template.resolve_ref(name, physical)
        if isinstance(value, list | dict) or value is NO_VALUE:
            raise TemplateError(f"Fn::Sub ${{{name}}} is not a string")
        return str(value)

    return _SUB_VARIABLE.sub(substitute, str(text))


def _fn_join(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    delimiter, items = argument
    values = template.resolve(items, physical)
    if not isinstance(values, list):
        raise TemplateError("Fn::Join needs a list")
    return str(delimiter).join(str(v) for v in values)


def _fn_select(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    index, items = template.resolve(argument[0], physical), template.resolve(argument[1], physical)
    try:
        return items[int(index)]
    except (IndexError, ValueError, TypeError):
        raise TemplateError(f"Fn::Select index {index!r} is not valid for {items!r}") from None


def _fn_split(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    delimiter, text = argument
    return str(template.resolve(text, physical)).split(str(delimiter))


def _fn_if(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    name, when_true, when_false = argument
    return template.resolve(when_true if template.condition(name) else when_false, physical)


def _fn_equals(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    left, right = (template.resolve(item, physical) for item in argument)
    return _as_comparable(left) == _as_comparable(right)


def _as_comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    return value


def _fn_not(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    return not _boolean(template, argument[0], physical)


def _fn_and(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    return all(_boolean(template, item, physical) for item in argument)


def _fn_or(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    return any(_boolean(template, item, physical) for item in argument)


def _boolean(template: Template, item: Any, physical: PhysicalIds) -> bool:
    value = template.resolve(item, physical)
    if not isinstance(value, bool):
        raise TemplateError(f"{item!r} is not a condition")
    return value


def _fn_condition(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    return template.condition(str(argument))


def _fn_find_in_map(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    map_name, top, second = (template.resolve(item, physical) for item in argument[:3])
    try:
        return template.section("Mappings")[map_name][top][second]
    except KeyError:
        if len(argument) > 3 and isinstance(argument[3], dict) and "DefaultValue" in argument[3]:
            return template.resolve(argument[3]["DefaultValue"], physical)
        raise TemplateError(f"Fn::FindInMap: no {map_name}.{top}.{second}") from None


def _fn_base64(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    import base64

    return base64.b64encode(str(template.resolve(argument, physical)).encode()).decode()


def _fn_get_azs(template: Template, argument: Any, physical: PhysicalIds) -> Any:
    region = template.resolve(argument, physical) or template.context.region
    return [f"{region}{zone}" for zone in "abc"]


def _fn_unsupported(name: str) -> Any:
    def handler(template: Template, argument: Any, physical: PhysicalIds) -> Any:
        raise TemplateError(f"{name} is not supported by the sandbox (one stack, no exports)")

    return handler


_INTRINSICS = {
    "Ref": _fn_ref,
    "Fn::GetAtt": _fn_get_att,
    "Fn::Sub": _fn_sub,
    "Fn::Join": _fn_join,
    "Fn::Select": _fn_select,
    "Fn::Split": _fn_split,
    "Fn::If": _fn_if,
    "Fn::Equals": _fn_equals,
    "Fn::Not": _fn_not,
    "Fn::And": _fn_and,
    "Fn::Or": _fn_or,
    "Condition": _fn_condition,
    "Fn::FindInMap": _fn_find_in_map,
    "Fn::Base64": _fn_base64,
    "Fn::GetAZs": _fn_get_azs,
    "Fn::ImportValue": _fn_unsupported("Fn::ImportValue"),
}
