"""Errors the logic can act on, without knowing botocore.

AWS errors come in two kinds. Transient ones (throttling, 5xx, timeouts) are retried by the SDK
(adaptive mode, bounded) and, if they persist, fail the invocation so Lambda retries it. Permanent
ones (the resource is not found, a parameter is invalid, access to that resource is denied) will
never succeed on retry: the adapters raise them as :class:`Refused`, and the logic reports and
counts them instead of retrying (one resource refused never stops a sweep).
"""

from __future__ import annotations

from typing import Any

from backup_autopilot.models.severity import Severity

#: error codes that mean "a permission is missing": someone must act, so they are warnings
ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "KMSAccessDeniedException",
    }
)


class Refused(Exception):
    """AWS refused a request for a reason no retry fixes."""

    @property
    def code(self) -> str:
        return type(self).__name__

    @property
    def operation(self) -> str:
        return ""

    @property
    def reason(self) -> str:
        return str(self)

    @property
    def needs_action(self) -> bool:
        """A permission problem (somebody must grant something), not bad input."""
        return self.code in ACCESS_DENIED_CODES


REQUEST_REFUSED = "Request Refused"


def refusal_detail(refusal: Refused, *, resource: str | None, function: str) -> dict[str, Any]:
    """The ``Request Refused`` domain event: what AWS refused, for which resource, and why."""
    return {
        "severity": Severity.WARNING if refusal.needs_action else Severity.INFO,
        "summary": f"{function}: AWS refused {refusal.operation or 'a request'} ({refusal.code}): "
        f"{refusal.reason[:500]}",
        "resource": resource,
        "operation": refusal.operation,
        "code": refusal.code,
        "dedupe_key": f"refused:{function}:{refusal.operation}:{refusal.code}:{resource}",
    }
