"""The tagged inventory, a page at a time (Resource Groups Tagging API)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backup_autopilot.logic.reconcile import InventoryPage
from backup_autopilot.logic.resources import TaggedResource

if TYPE_CHECKING:
    from mypy_boto3_resourcegroupstaggingapi import ResourceGroupsTaggingAPIClient

#: the API's maximum page size
PAGE_SIZE = 100


class TaggedInventory:
    def __init__(self, client: ResourceGroupsTaggingAPIClient) -> None:
        self._client = client

    def page(self, tag_key: str, token: str | None) -> InventoryPage:
        request: dict[str, Any] = {"TagFilters": [{"Key": tag_key}], "ResourcesPerPage": PAGE_SIZE}
        if token:
            request["PaginationToken"] = token
        response = self._client.get_resources(**request)
        resources = [
            TaggedResource(item["ResourceARN"], {t["Key"]: t["Value"] for t in item.get("Tags", [])})
            for item in response.get("ResourceTagMappingList", [])
        ]
        return InventoryPage(resources, response.get("PaginationToken") or None)
