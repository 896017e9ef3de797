"""Template values into API values: booleans and numbers given as strings, JSON documents, tags."""

from __future__ import annotations

import json
from typing import Any


def as_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def as_json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def ints(document: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Template values can be strings (parameters are): the API wants integers."""
    return {key: (int(value) if key in keys else value) for key, value in document.items()}


def tag_list(tags: Any) -> list[dict[str, str]]:
    """Tags as a map or a ``Key``/``Value`` list -> the ``Key``/``Value`` list (values as strings)."""
    if isinstance(tags, dict):
        return [{"Key": k, "Value": str(v)} for k, v in tags.items()]
    return [{"Key": t["Key"], "Value": str(t["Value"])} for t in tags or []]


def attribute_text(value: Any) -> str:
    """An attribute value as SNS and SQS take it (``true``/``false`` for booleans)."""
    return str(value).lower() if isinstance(value, bool) else str(value)
