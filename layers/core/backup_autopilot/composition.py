"""The composition root: the clients, gateways and services the handlers use, in one place.

``wiring()`` gives the :class:`Wiring` of the function's configuration; each of its parts is
built on first use and kept (``cached_property``), so a handler pays for a client only when it
needs one, and only once per container. A different environment (tests, the sandbox running
several stacks in one process) gets its own :class:`Wiring`. Nothing here decides anything: the
decisions are in ``logic``, the AWS calls in ``adapters``.
"""

from __future__ import annotations

import datetime as dt
import sys
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from backup_autopilot.adapters.aws import client
from backup_autopilot.observability import MetricUnit, logger, metrics, started_without_bytecode

if TYPE_CHECKING:
    from collections.abc import Callable

    from backup_autopilot.adapters.backup import BackupGateway
    from backup_autopilot.adapters.copies import CopyGateway
    from backup_autopilot.adapters.events import EventBridgePublisher
    from backup_autopilot.adapters.inspect import ResourceInspector
    from backup_autopilot.adapters.inventory import TaggedInventory
    from backup_autopilot.adapters.notifications import SnsPublisher
    from backup_autopilot.adapters.resources import ResourceGateway
    from backup_autopilot.adapters.restores import RestoreGateway
    from backup_autopilot.adapters.slack import SlackWebhook
    from backup_autopilot.adapters.state import StateStore
    from backup_autopilot.config import Settings
    from backup_autopilot.logic.alerting.classify import Context as AlertContext
    from backup_autopilot.logic.alerting.service import Notifier
    from backup_autopilot.logic.copies.service import CopyContext
    from backup_autopilot.logic.plan_catalogue import Rejection
    from backup_autopilot.logic.protection import Protector
    from backup_autopilot.logic.reconcile import Reconciler
    from backup_autopilot.logic.resources import ResourceRef
    from backup_autopilot.logic.restore_tests.first_test import FirstTester
    from backup_autopilot.logic.restore_tests.recording import SourceRecorder
    from backup_autopilot.logic.restore_tests.sweep import RestoreTestSweeper
    from backup_autopilot.logic.restore_tests.validation import RestoreValidator
    from backup_autopilot.logic.tag_changes import TagChanges


class _FirstTestsOnUse:
    """The first tester, built when a tag change first asks for a restore test: most tag changes
    ask for none, and building it costs the restore adapters and a DynamoDB client (~50 ms)."""

    def __init__(self, build: Callable[[], FirstTester]) -> None:
        self._build = build

    def start(self, resource: ResourceRef) -> dict[str, Any]:
        return self._build().start(resource)


class Wiring:
    """Everything a handler may need, for one configuration (built lazily)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def events(self) -> EventBridgePublisher:
        """Domain events on the stack's own bus."""
        from backup_autopilot.adapters.events import EventBridgePublisher

        return EventBridgePublisher(client("events"), self.settings.event_bus_name)

    @cached_property
    def backup(self) -> BackupGateway:
        """AWS Backup: the plan catalogue (cached), selections, recovery points, backup jobs."""
        from backup_autopilot.adapters.backup import BackupGateway
        from backup_autopilot.config import stack_vaults
        from backup_autopilot.logic.plan_catalogue import parse_listed, parse_stack_plans

        return BackupGateway(
            client("backup"),
            role_arn=self.settings.backup_role_arn or "",
            stack_name=self.settings.stack_name,
            stack_plans=parse_stack_plans(self.settings.plan_names),
            listed=parse_listed(self.settings.assignable_plans),
            vaults=stack_vaults(self.settings),
            on_rejected=self._plans_rejected,
        )

    def _plans_rejected(self, rejections: list[Rejection]) -> None:
        """Plans the catalogue refused: one ``Plan Rejected`` each (alerting keeps one alert open)."""
        from backup_autopilot.logic.plan_catalogue import PLAN_REJECTED

        for rejection in rejections:
            logger.warning(
                "backup plan not assignable", plan_id=rejection.plan.plan_id, reason=rejection.reason
            )
            self.events.publish(PLAN_REJECTED, rejection.event())

    @cached_property
    def resources(self) -> ResourceGateway:
        """The protected resources themselves: current tags, S3 versioning, EBS attachments."""
        from backup_autopilot.adapters.resources import ResourceGateway

        return ResourceGateway(client)

    @cached_property
    def protector(self) -> Protector:
        """Tag-driven protection: checks, the first backup, domain events."""
        from backup_autopilot.logic.protection import Protector

        return Protector(
            backup=self.backup,
            resources=self.resources,
            events=self.events,
            plan_tag_key=self.settings.plan_tag_key,
            allow_opt_in=self.settings.allow_opt_in,
        )

    @cached_property
    def tag_changes(self) -> TagChanges:
        """One Tag Change on Resource: protection, and a first restore test when opted in."""
        from backup_autopilot.logic.tag_changes import TagChanges

        return TagChanges(
            tags=self.resources,
            plans=self.backup.assignable_plans,
            protector=self.protector,
            first_tests=_FirstTestsOnUse(lambda: self.first_tester),
            restore_test_tag_key=self.settings.restore_test_tag_key,
            restore_test_default_on=self.settings.restore_test_default_on,
        )

    @cached_property
    def inventory(self) -> TaggedInventory:
        """The tagged inventory (Resource Groups Tagging API), a page at a time."""
        from backup_autopilot.adapters.inventory import TaggedInventory

        return TaggedInventory(client("resourcegroupstaggingapi"))

    @cached_property
    def copies(self) -> CopyGateway:
        """Recovery point facts, copy tags, StartCopyJob and the copy sweep's listings."""
        from backup_autopilot.adapters.copies import CopyGateway

        return CopyGateway(client, role_arn=self.settings.backup_role_arn or "")

    @cached_property
    def copy_context(self) -> CopyContext:
        """The stack's copy configuration and ports (start_copies, copy_outcome, reconcile)."""
        from backup_autopilot.config import stack_vaults
        from backup_autopilot.logic.copies.destinations import stack_destinations
        from backup_autopilot.logic.copies.service import CopyContext

        allowed = stack_destinations(self.settings.dr_vault_arn, self.settings.cross_account_vault_arn)
        return CopyContext(
            gateway=self.copies,
            events=self.events,
            allowed=allowed,
            defaults=tuple(allowed.values()),  # every configured destination, unless the tag narrows it
            copy_to_tag_key=self.settings.copy_to_tag_key,
            delete_after_days=self.settings.copy_delete_after_days or None,  # None: the source's
            source_vaults=stack_vaults(self.settings),
        )

    @cached_property
    def reconciler(self) -> Reconciler:
        """The hourly sweep: tagged inventory vs protection, then recent points vs their copies."""
        from backup_autopilot.logic.reconcile import Reconciler, RestoreOptIn

        return Reconciler(
            inventory=self.inventory,
            catalogue=self.backup,
            protector=self.protector,
            events=self.events,
            copy_context=self.copy_context,
            copies=self.copies,
            jobs=self.backup,
            primary_vault=self.settings.primary_vault_name,
            copy_sweep_days=self.settings.copy_sweep_days,
            region=self.backup.region,
            restore_tests=self.restore_sweeper if self.settings.restore_testing_plan_arn else None,
            restore_opt_in=RestoreOptIn(
                tag_key=self.settings.restore_test_tag_key,
                default_on=self.settings.restore_test_default_on,
                selection_window=dt.timedelta(days=self.settings.restore_selection_window_days),
            ),
        )

    # -- restore tests ------------------------------------------------------------------------------
    @cached_property
    def state(self) -> StateStore:
        """The stack's state table (verdicts, source facts, on-demand tests)."""
        from backup_autopilot.adapters.state import StateStore

        if not self.settings.state_table_name:
            raise RuntimeError("STATE_TABLE_NAME is not set")
        return StateStore(client("dynamodb"), self.settings.state_table_name)

    @cached_property
    def inspector(self) -> ResourceInspector:
        """Reads sources and restored copies; tags and deletes the stack's own test resources."""
        from backup_autopilot.adapters.inspect import ResourceInspector

        return ResourceInspector(client)

    @cached_property
    def restores(self) -> RestoreGateway:
        """Restore jobs: describe, validate, list, start."""
        from backup_autopilot.adapters.restores import RestoreGateway

        return RestoreGateway(
            client("backup"),
            restore_role_arn=self.settings.restore_role_arn or "",
            exists=self.inspector.name_exists,
        )

    @cached_property
    def restore_validator(self) -> RestoreValidator:
        """One restore job from its event to a verdict."""
        from backup_autopilot.adapters.restores import LambdaUserCheck
        from backup_autopilot.logic.restore_tests.validation import RestoreTestSettings, RestoreValidator

        s = self.settings
        return RestoreValidator(
            jobs=self.restores,
            inspector=self.inspector,
            state=self.state,
            events=self.events,
            user_checks=LambdaUserCheck(client),
            settings=RestoreTestSettings(
                testing_plan_arn=s.restore_testing_plan_arn,
                rto_tag_key=s.rto_tag_key,
                check_tag_key=s.restore_check_tag_key,
                check_function_prefix=s.restore_check_function_prefix,
                tolerance_percent=s.restore_count_tolerance_percent,
            ),
            sources=self.inspector,
        )

    @cached_property
    def first_tester(self) -> FirstTester:
        """The on-demand first test of a newly opted-in resource."""
        from backup_autopilot.logic.restore_tests.first_test import (
            TESTABLE_TYPES,
            FirstTester,
            metadata_overrides,
        )

        s = self.settings
        overrides = {
            resource_type: metadata_overrides(
                resource_type,
                subnet_id=s.restore_subnet_id,
                db_subnet_group=s.restore_db_subnet_group,
                availability_zone=s.restore_availability_zone,
            )
            for resource_type in TESTABLE_TYPES
        }
        return FirstTester(starter=self.restores, state=self.state, overrides=overrides)

    @cached_property
    def source_recorder(self) -> SourceRecorder:
        """What a restore test will compare against, recorded when a backup completes."""
        from backup_autopilot.logic.restore_tests.recording import SourceRecorder

        return SourceRecorder(
            inspector=self.inspector,
            state=self.state,
            first_tests=self.first_tester,
            tag_key=self.settings.restore_test_tag_key,
            default_on=self.settings.restore_test_default_on,
        )

    @cached_property
    def restore_sweeper(self) -> RestoreTestSweeper:
        """The restore-test half of the hourly reconcile."""
        from backup_autopilot.logic.restore_tests.sweep import RestoreTestSweeper

        return RestoreTestSweeper(
            validator=self.restore_validator,
            jobs=self.restores,
            inspector=self.inspector,
            state=self.state,
            events=self.events,
            plan_arn=self.settings.restore_testing_plan_arn,
            validation_window=dt.timedelta(hours=self.settings.restore_validation_window_hours),
            start_window=dt.timedelta(hours=self.settings.restore_start_window_hours),
            first_tests=self.first_tester,
        )

    @cached_property
    def alerts(self) -> SnsPublisher:
        """The alerts topic. Raises when the stack gave the function no topic (a deployment error)."""
        from backup_autopilot.adapters.notifications import SnsPublisher

        topic_arn = self.settings.alerts_topic_arn
        if not topic_arn:
            raise RuntimeError("ALERTS_TOPIC_ARN is not set")
        return SnsPublisher(client("sns"), topic_arn)

    # -- alerting ---------------------------------------------------------------------------------
    @cached_property
    def alert_context(self) -> AlertContext:
        """What classifying an event needs beyond it: the stack's plan names by plan id."""
        from backup_autopilot.logic.alerting.classify import Context as AlertContext

        pairs = (item.partition("=") for item in self.settings.plan_names.split(",") if "=" in item)
        return AlertContext(
            plan_names={plan_id.strip(): name.strip() for plan_id, _, name in pairs},
            restore_role_arn=self.settings.restore_role_arn,
            describe_restore=lambda job_id: self.restores.describe_restore_job(job_id),
        )

    @cached_property
    def slack(self) -> SlackWebhook | None:
        """Slack's incoming webhook, when the stack has its secret (SlackWebhookSecretArn)."""
        from backup_autopilot.adapters.slack import SlackWebhook

        arn = self.settings.slack_webhook_secret_arn
        return SlackWebhook(arn, secrets_client=client("secretsmanager")) if arn else None

    @cached_property
    def notifier(self) -> Notifier:
        """Alerting: memory in the state table, e-mail through SNS, Slack, held digests on the queue."""
        from backup_autopilot.adapters.alert_state import AlertMemory
        from backup_autopilot.adapters.notifications import QueueOutbox
        from backup_autopilot.logic.alerting.service import Notifier, NotifySettings

        s = self.settings
        if not s.state_table_name or not s.notification_queue_url:
            raise RuntimeError("STATE_TABLE_NAME and NOTIFICATION_QUEUE_URL must be set for notify")
        return Notifier(
            store=AlertMemory(client("dynamodb"), s.state_table_name),
            email=self.alerts,
            outbox=QueueOutbox(client("sqs"), s.notification_queue_url),
            chat=self.slack,
            settings=NotifySettings(
                repeat_window=dt.timedelta(hours=s.alert_repeat_hours),
                digest_interval=s.alert_digest_seconds,
                stack_name=s.stack_name,
            ),
        )


def wiring() -> Wiring:
    """The wiring of the current environment's configuration (one per distinct configuration)."""
    from backup_autopilot.config import get_settings  # the models: on the first event, not at import

    return _wiring_for(get_settings())


@lru_cache(maxsize=8)
def _wiring_for(settings: Settings) -> Wiring:
    started_without_bytecode(sys.modules[__name__])  # once per container and configuration
    return Wiring(settings)


def guarded(
    function: str, work: Callable[[], dict[str, Any]], *, resource: str | None = None
) -> dict[str, Any]:
    """Run a handler's work, then publish its domain events together (one PutEvents call for up
    to 10); a request AWS refused for good is reported, not retried.

    A permanent refusal (not found, invalid parameter, access denied on that resource: see
    ``adapters.aws``) would fail the same way on every retry and end in the dead-letter queue, so it
    becomes one ``Request Refused`` domain event (a warning when a permission is missing) and a
    ``RequestsRefused`` metric, and the invocation succeeds. Transient errors and bugs propagate:
    Lambda retries them (nothing was published: the retry publishes once), then the on-failure
    destination keeps the event.
    """
    from backup_autopilot.logic.errors import REQUEST_REFUSED, Refused, refusal_detail

    events = wiring().events
    try:
        result = work()
    except Refused as refusal:
        logger.warning(
            "AWS refused a request",
            operation=refusal.operation,
            code=refusal.code,
            reason=refusal.reason[:500],
        )
        metrics.add_metric(name="RequestsRefused", unit=MetricUnit.Count, value=1)
        events.publish(REQUEST_REFUSED, refusal_detail(refusal, resource=resource, function=function))
        result = {"outcome": "Refused", "operation": refusal.operation, "code": refusal.code}
    events.flush()
    return result
