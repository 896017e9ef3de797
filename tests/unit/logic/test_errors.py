"""A refusal AWS will never take back is reported as one ``Request Refused`` event: a missing
permission is a warning (somebody must grant it), bad input is information; its dedupe key makes
repeats of the same refusal one alert."""

from __future__ import annotations

from backup_autopilot.logic.errors import Refused, refusal_detail
from backup_autopilot.models.domain_events import parse_domain_detail
from backup_autopilot.models.severity import Severity

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


class AccessDeniedException(Refused):
    @property
    def operation(self) -> str:
        return "StartBackupJob"


class ResourceNotFoundException(Refused):
    pass


def test_a_missing_permission_is_a_warning_naming_the_operation_and_the_code() -> None:
    detail = refusal_detail(AccessDeniedException("not allowed"), resource=TABLE, function="protect_resource")
    assert detail == {
        "severity": Severity.WARNING,
        "summary": "protect_resource: AWS refused StartBackupJob (AccessDeniedException): not allowed",
        "resource": TABLE,
        "operation": "StartBackupJob",
        "code": "AccessDeniedException",
        "dedupe_key": f"refused:protect_resource:StartBackupJob:AccessDeniedException:{TABLE}",
    }
    parse_domain_detail("Request Refused", {**detail, "severity": detail["severity"].value})  # it fits


def test_bad_input_is_information_and_an_unnamed_operation_reads_as_a_request() -> None:
    refusal = ResourceNotFoundException("gone")
    assert (refusal.code, refusal.operation, refusal.reason, refusal.needs_action) == (
        "ResourceNotFoundException",
        "",
        "gone",
        False,
    )
    detail = refusal_detail(refusal, resource=None, function="reconcile")
    assert detail["severity"] is Severity.INFO
    assert detail["summary"] == "reconcile: AWS refused a request (ResourceNotFoundException): gone"
    assert detail["dedupe_key"] == "refused:reconcile::ResourceNotFoundException:None"


def test_a_long_reason_is_cut_to_500_characters() -> None:
    detail = refusal_detail(ResourceNotFoundException("x" * 600), resource=TABLE, function="f")
    assert detail["summary"].endswith(": " + "x" * 500)
