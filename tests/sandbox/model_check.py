"""Check a boto3 response against the botocore service model's output shape.

``assert_matches_output_shape("backup", "DescribeBackupJob", response)`` walks the operation's
output shape: every key of the response must be a member of its structure, required members
must be present, and scalars must have the type botocore gives them after parsing (string,
integer/long -> int, boolean -> bool, timestamp -> datetime, double/float -> float, blob ->
bytes); enum strings must be one of the enum's values. ``ResponseMetadata`` is ignored.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "timestamp": (dt.datetime,),
    "double": (float, int),
    "float": (float, int),
    "blob": (bytes, bytearray),
}


@cache
def _service_model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def _fail(path: str, message: str) -> None:
    raise AssertionError(f"{path}: {message}")


def _check(shape: Shape, value: Any, path: str) -> None:
    if isinstance(shape, StructureShape):
        _check_structure(shape, value, path)
    elif isinstance(shape, ListShape):
        if not isinstance(value, list):
            _fail(path, f"expected a list, got {type(value).__name__}")
        for index, item in enumerate(value):
            _check(shape.member, item, f"{path}[{index}]")
    elif isinstance(shape, MapShape):
        if not isinstance(value, dict):
            _fail(path, f"expected a map, got {type(value).__name__}")
        for key, item in value.items():
            _check(shape.key, key, f"{path}<key>")
            _check(shape.value, item, f"{path}[{key!r}]")
    else:
        _check_scalar(shape, value, path)


def _check_structure(shape: StructureShape, value: Any, path: str) -> None:
    if not isinstance(value, dict):
        _fail(path, f"expected a structure, got {type(value).__name__}")
    unknown = sorted(set(value) - set(shape.members))
    if unknown:
        _fail(path, f"keys not in shape {shape.name}: {unknown}")
    missing = sorted(set(shape.required_members) - set(value))
    if missing:
        _fail(path, f"required members of {shape.name} missing: {missing}")
    for name, member in shape.members.items():
        if name in value:
            _check(member, value[name], f"{path}.{name}")


def _check_scalar(shape: Shape, value: Any, path: str) -> None:
    expected = _SCALARS.get(shape.type_name)
    if expected is None:
        _fail(path, f"unsupported shape type {shape.type_name}")
        return
    wrong_bool = isinstance(value, bool) and bool not in expected
    if not isinstance(value, expected) or wrong_bool:
        _fail(path, f"expected {shape.type_name}, got {type(value).__name__} ({value!r})")
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        _fail(path, f"{value!r} is not one of {shape.name}'s values {enum}")


def assert_matches_output_shape(service: str, operation: str, response: dict[str, Any]) -> None:
    """Raise AssertionError naming the first place where ``response`` leaves the model."""
    shape = _service_model(service).operation_model(operation).output_shape
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    if shape is None:
        if body:
            _fail(operation, f"the operation has no output, got {sorted(body)}")
        return
    _check(shape, body, operation)
