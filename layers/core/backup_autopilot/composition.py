"""The composition root: the clients, gateways and services the handlers use, in one place.

``wiring()`` gives the :class:`Wiring` of the function's configuration; each of its parts is
built on first use and kept (``cached_property``), so a handler pays for a client only when it
needs one, and only once per container. A different environment (tests, the sandbox running
several stacks in one process) gets its own :class:`Wiring`. Nothing here decides anything: the
decisions are in ``logic``, the AWS calls in ``adapters``.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

from backup_autopilot.adapters.aws import client
from backup_autopilot.adapters.backup import BackupGateway
from backup_autopilot.adapters.copies import CopyGateway
from backup_autopilot.adapters.events import EventBridgePublisher
from backup_autopilot.adapters.inventory import TaggedInventory
from backup_autopilot.adapters.notifications import SnsPublisher
from backup_autopilot.adapters.resources import ResourceGateway
from backup_autopilot.config import Settings, get_settings
from backup_autopilot.logic.copies.destinations import stack_destinations
from backup_autopilot.logic.copies.service import CopyContext
from backup_autopilot.logic.protection import Protector
from backup_autopilot.logic.reconcile import Reconciler


class Wiring:
    """Everything a handler may need, for one configuration (built lazily)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def events(self) -> EventBridgePublisher:
        """Domain events on the stack's own bus."""
        return EventBridgePublisher(client("events"), self.settings.event_bus_name)

    @cached_property
    def backup(self) -> BackupGateway:
        """AWS Backup: the plan catalogue (cached), selections, recovery points, backup jobs."""
        return BackupGateway(
            client("backup"),
            role_arn=self.settings.backup_role_arn or "",
            stack_name=self.settings.stack_name,
        )

    @cached_property
    def resources(self) -> ResourceGateway:
        """The protected resources themselves: current tags, S3 versioning, EBS attachments."""
        return ResourceGateway(client)

    @cached_property
    def protector(self) -> Protector:
        """Tag-driven protection: checks, the first backup, domain events."""
        return Protector(
            backup=self.backup,
            resources=self.resources,
            events=self.events,
            plan_tag_key=self.settings.plan_tag_key,
            allow_opt_in=self.settings.allow_opt_in,
        )

    @cached_property
    def inventory(self) -> TaggedInventory:
        """The tagged inventory (Resource Groups Tagging API), a page at a time."""
        return TaggedInventory(client("resourcegroupstaggingapi"))

    @cached_property
    def copies(self) -> CopyGateway:
        """Recovery point facts, copy tags, StartCopyJob and the copy sweep's listings."""
        return CopyGateway(client, role_arn=self.settings.backup_role_arn or "")

    @cached_property
    def copy_context(self) -> CopyContext:
        """The stack's copy configuration and ports (start_copies, copy_outcome, reconcile)."""
        allowed = stack_destinations(self.settings.dr_vault_arn, self.settings.cross_account_vault_arn)
        return CopyContext(
            gateway=self.copies,
            events=self.events,
            allowed=allowed,
            defaults=tuple(allowed.values()),  # every configured destination, unless the tag narrows it
            copy_to_tag_key=self.settings.copy_to_tag_key,
            delete_after_days=self.settings.copy_delete_after_days,
        )

    @cached_property
    def reconciler(self) -> Reconciler:
        """The hourly sweep: tagged inventory vs protection, then recent points vs their copies."""
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
        )

    @cached_property
    def alerts(self) -> SnsPublisher:
        """The alerts topic. Raises when the stack gave the function no topic (a deployment error)."""
        topic_arn = self.settings.alerts_topic_arn
        if not topic_arn:
            raise RuntimeError("ALERTS_TOPIC_ARN is not set")
        return SnsPublisher(client("sns"), topic_arn)


def wiring() -> Wiring:
    """The wiring of the current environment's configuration (one per distinct configuration)."""
    return _wiring_for(get_settings())


@lru_cache(maxsize=8)
def _wiring_for(settings: Settings) -> Wiring:
    return Wiring(settings)
