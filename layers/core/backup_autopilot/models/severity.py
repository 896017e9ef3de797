"""How much a domain event needs a person: a plain enum, without the models' base, so that what only
needs the severity (``logic.errors``, which the AWS client factory imports) imports no model."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """How much a domain event needs a person (every domain event carries one)."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"
