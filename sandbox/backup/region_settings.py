"""Region settings: DescribeRegionSettings / UpdateRegionSettings (opt-in, full management).

Defaults of a fresh sandbox Region (:func:`default_opt_in`, :func:`default_management`, put into
the state by the backend): every resource type opted in (a switch: ``UpdateRegionSettings`` or
:meth:`RegionSettings.set_opt_in`), advanced DynamoDB backup (full management) OFF and EFS fully
managed (as ``DescribeRegionSettings`` shows in a new account). Opt-in only matters to selections
that pick resources without naming their type (see ``selection_eval``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.backup.errors import InvalidParameterValueException
from sandbox.backup.events import emit_region_settings
from sandbox.resources import adapter_for_type
from sandbox.resources.dynamodb import DynamoDBAdapter

if TYPE_CHECKING:
    from sandbox.backup.state import BackupState

#: GetSupportedResourceTypes (fact sheet 2.6)
SUPPORTED_RESOURCE_TYPES = (
    "Aurora",
    "CloudFormation",
    "DocumentDB",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "EKS",
    "FSx",
    "Neptune",
    "RDS",
    "Redshift",
    "S3",
    "SAP HANA on Amazon EC2",
    "Storage Gateway",
    "Timestream",
    "VirtualMachine",
)
#: the types whose full AWS Backup management can be switched (ResourceTypeManagementPreference)
MANAGEABLE_RESOURCE_TYPES = ("DynamoDB", "EFS")


def default_opt_in() -> dict[str, bool]:
    """ResourceTypeOptInPreference of a new Region: every supported type opted in."""
    return dict.fromkeys(SUPPORTED_RESOURCE_TYPES, True)


def default_management() -> dict[str, bool]:
    """ResourceTypeManagementPreference of a new Region: advanced DynamoDB backup off, EFS managed."""
    return {"DynamoDB": False, "EFS": True}


def _check_map(name: str, preferences: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key, value in preferences.items():
        if key not in allowed:
            raise InvalidParameterValueException(f"{name}: unsupported resource type {key!r}")
        if not isinstance(value, bool):
            raise InvalidParameterValueException(f"{name}: the value of {key} must be a boolean")


class RegionSettings:
    """Opt-in and management preferences of one account and Region (``state.opt_in``/``management``)."""

    def __init__(self, state: BackupState) -> None:
        self.state = state

    def describe_region_settings(self) -> dict[str, Any]:
        return {
            "ResourceTypeOptInPreference": dict(self.state.opt_in),
            "ResourceTypeManagementPreference": dict(self.state.management),
        }

    def update_region_settings(
        self, opt_in: dict[str, bool] | None, management: dict[str, bool] | None
    ) -> None:
        _check_map("ResourceTypeOptInPreference", opt_in or {}, SUPPORTED_RESOURCE_TYPES)
        _check_map("ResourceTypeManagementPreference", management or {}, MANAGEABLE_RESOURCE_TYPES)
        state = self.state
        state.management.update(management or {})
        if "DynamoDB" in (management or {}):
            self._sync_dynamodb_adapter()
        if opt_in:
            state.opt_in.update(opt_in)
            emit_region_settings(state.account_id, state.region_name, state.opt_in)

    def _sync_dynamodb_adapter(self) -> None:
        """The DynamoDB adapter captures natively (a DynamoDB backup) unless advanced backup is on."""
        adapter = adapter_for_type("DynamoDB")
        if isinstance(adapter, DynamoDBAdapter):
            state = self.state
            adapter.set_advanced_backup(state.account_id, state.region_name, state.management["DynamoDB"])

    def set_opt_in(self, resource_type: str, enabled: bool) -> None:
        """Sandbox switch (same effect as UpdateRegionSettings for one type)."""
        self.update_region_settings({resource_type: enabled}, None)

    def is_opted_in(self, resource_type: str) -> bool:
        return self.state.opt_in.get(resource_type, False)

    def fully_managed(self, resource_type: str, adapter_fully_managed: bool) -> bool:
        """DynamoDB is fully managed only with advanced backup on; other types as their adapter says."""
        if resource_type == "DynamoDB":
            return self.state.management.get("DynamoDB", False)
        return adapter_fully_managed
