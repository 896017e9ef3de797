"""The base of every model: a msgspec ``Struct`` (typed, validated when parsed, cheap to import).

Why msgspec and not pydantic: the models validate every inbound event at the edge, and a Lambda
pays for their machinery on each cold start. pydantic's import and first model build cost about
0.36x a bare ``import boto3``; msgspec's import, the models and the first parse cost about 0.02x
(README, Figures: Cold start). The rules are the same: types, lengths, patterns and bounds are
declared on the fields (``Annotated[str, Meta(...)]``), anything else in ``__post_init__``.

- :meth:`Model.parse` validates (msgspec's strict mode: no number from text, no epoch seconds for a
  date); a failure is :class:`Invalid` (``msgspec.ValidationError``, a ``ValueError``) naming the
  first field at fault (``- at `$.detail.backupJobId```).
- Building a model in code (``Notice(key=...)``) does not validate: code is typed (mypy); what
  comes from outside is parsed.
- Unknown fields are ignored; a ``Struct`` is compared and printed by value.
- Every model class says ``kw_only=True`` (msgspec applies it to the fields a class declares, not
  to its subclasses'), so a required field may follow an optional one.
- A model may be ``frozen=True`` (settings, notices); mypy's dataclass rule refuses a frozen
  subclass of a mutable base, which msgspec allows: those two lines carry a ``type: ignore``.
"""

from __future__ import annotations

from typing import Any, Self

import msgspec

Meta = msgspec.Meta
field = msgspec.field
Invalid = msgspec.ValidationError


class Model(msgspec.Struct, kw_only=True):
    """A model: fields by keyword, ``parse`` from JSON-like data, ``to_dict`` back to it."""

    @classmethod
    def parse(cls, data: Any, *, from_text: bool = False) -> Self:
        """``data`` (JSON-like: dicts, lists, text, numbers) as this model, or :class:`Invalid`.

        ``from_text``: numbers and booleans may be written as text (environment variables)."""
        return msgspec.convert(data, cls, strict=not from_text)

    def to_dict(self) -> dict[str, Any]:
        """JSON-like data, with the names the model reads (dates as ISO 8601 text, enums as values)."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (not validated: code is typed)."""
        return msgspec.structs.replace(self, **changes)
