"""One ``Tag Change on Resource``: protection for the plan tag, a first restore test for the
restore-test tag (ports injected; no boto3).

The event is a trigger: the resource's tags are read once, as they are now, and both decisions
are taken on them (:func:`.protection.handle_tag_change`, :func:`.restore_tests.first_test.wants_first_test`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from msgspec import Struct

from backup_autopilot.logic.protection import handle_tag_change
from backup_autopilot.logic.resources import parse_resource_arn
from backup_autopilot.logic.restore_tests.first_test import wants_first_test

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Mapping

    from backup_autopilot.logic.protection import Plan, Protector
    from backup_autopilot.logic.resources import ResourceRef


class TagsPort(Protocol):
    def tags_now(self, resource_arn: str, region: str | None) -> dict[str, str]: ...


class FirstTestsPort(Protocol):
    """Starts a resource's first restore test (:class:`.first_test.FirstTester`)."""

    def start(self, resource: ResourceRef) -> dict[str, Any]: ...


class TagChanges(Struct):
    tags: TagsPort
    plans: Callable[[bool], Mapping[str, Plan]]
    protector: Protector
    first_tests: FirstTestsPort
    restore_test_tag_key: str
    restore_test_default_on: bool

    def handle(
        self,
        *,
        resource_arn: str,
        region: str,
        changed_keys: list[str],
        event_tags: Mapping[str, str],
        now: dt.datetime,
    ) -> dict[str, Any]:
        tags = self.tags.tags_now(resource_arn, region)  # the truth, read once
        result = handle_tag_change(
            resource_arn=resource_arn,
            changed_keys=changed_keys,
            event_tags=event_tags,
            tags_now=lambda _arn: tags,
            plans=self.plans,
            protector=self.protector,
            now=now,
        )
        first_test: dict[str, Any] | None = None
        resource = parse_resource_arn(resource_arn)
        if resource is not None and wants_first_test(
            changed_keys,
            tags,
            tag_key=self.restore_test_tag_key,
            plan_tag_key=self.protector.plan_tag_key,
            default_on=self.restore_test_default_on,
        ):
            first_test = self.first_tests.start(resource)
        return {
            "outcome": result.outcome.value,
            "detail": result.detail,
            "backup_job_id": result.backup_job_id,
            "warnings": result.warnings,
            "first_test": first_test,
        }
