"""A simulated month of the stack with injected failures: the operator report's fixture world.

Over ``days`` simulated days (30 by default) the stack protects a few tables and buckets, copies
them to the DR Region, restore-tests some on its weekly plan, and meets four kinds of failure:

* **a failed copy** (day 3): a copy of ``orders`` is denied by KMS (a classified ``Copy Failed``);
  the reconcile's copy sweep copies that point again;
* **a failed restore test**: every S3 restore comes back empty, so ``invoices``' weekly restore
  test fails its data check;
* **an untagged plan change** (day 10): the weekly plan's tag selection is deleted by hand, outside
  the stack; its resources (``customers``) keep their points through the hourly reconcile's own
  backups, and the reconcile raises ``Selection Not Matching``;
* **a missed tag event** (the last hour): ``late-arrivals`` is tagged while tag events are lost,
  and the report is made before the next reconcile.

Standing problems the whole month: ``audit`` is tagged ``Daily`` (no such plan), the ``raw-logs``
bucket has no versioning, and ``payments``' backups always fail (AWS's message: the backup role
may not use its KMS key). :data:`EXPECTED_OUT_OF_RPO` is what the report's first table must list,
no more and no less: the resources behind the other failures are within RPO.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sandbox.resources import tagevents

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.world import Sandbox

DAY = 86400
PAYMENTS_FAILURE = (
    "Insufficient privileges to perform this action: the backup role is not allowed to use KMS key "
    "arn:aws:kms:us-east-1:123456789012:key/payments (kms:CreateGrant)"
)
#: name -> cause (logic/report/rpo.py's Cause values) of the report's first table
EXPECTED_OUT_OF_RPO = {
    "audit": "invalid-tag",
    "raw-logs": "s3-versioning-off",
    "payments": "backup-failed",
    "late-arrivals": "never-backed-up",
}


@dataclass
class Month:
    """What the scenario made: resource ARNs by name, and what happened when."""

    arns: dict[str, str] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)


def _bucket(sb: Sandbox, name: str, *, versioned: bool, tags: dict[str, str], objects: int = 5) -> str:
    s3 = sb.client("s3")
    s3.create_bucket(Bucket=name)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    for index in range(objects):
        s3.put_object(Bucket=name, Key=f"2026/{index:03d}.json", Body=b'{"n": %d}' % index)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    return f"arn:aws:s3:::{name}"


def _delete_weekly_selection(sb: Sandbox) -> None:
    """Someone deletes the weekly plan's selection in the console (no tag, no stack change)."""
    backup = sb.client("backup")
    plan_id = sb.outputs["WeeklyPlanId"]
    for selection in backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]:
        backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection["SelectionId"])


def run_month(sb: Sandbox, days: int = 30, progress: Callable[[str], None] | None = None) -> Month:
    """Play the month on ``sb`` (a fresh sandbox); on return the clock is 20 minutes after the
    missed tag event and before the next reconcile: the moment to make the report."""
    month = Month()

    def note(text: str) -> None:
        month.log.append(f"{sb.clock.now():%Y-%m-%d %H:%M} {text}")
        if progress is not None:
            progress(month.log[-1])

    sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    arns = month.arns
    arns["orders"] = sb.create_table(
        "orders",
        items=40,
        tags={"backup-plan": "daily", "backup-restore-test": "on", "backup-rto-minutes": "60"},
    )
    arns["customers"] = sb.create_table("customers", items=15, tags={"backup-plan": "weekly"})
    arns["audit"] = sb.create_table("audit", items=5, tags={"backup-plan": "Daily"})
    payments = f"arn:aws:dynamodb:{sb.region}:{sb.account_id}:table/payments"
    sb.faults.fail_job("backup", PAYMENTS_FAILURE, resource_arn=payments, count=None)
    arns["payments"] = sb.create_table("payments", items=10, tags={"backup-plan": "daily"})
    sb.faults.empty_restore("S3")
    arns["invoices"] = _bucket(
        sb, "invoices", versioned=True, tags={"backup-plan": "daily", "backup-restore-test": "on"}
    )
    arns["raw-logs"] = _bucket(sb, "raw-logs", versioned=False, tags={"backup-plan": "daily"})
    note("tagged: orders, customers, audit (Daily), payments, invoices, raw-logs")
    sb.advance(3 * DAY)
    sb.faults.fail_job(
        "copy",
        "Access denied: the backup role is not authorized to perform kms:CreateGrant on the DR key "
        "(Given key ID is not accessible)",
        resource_arn=arns["orders"],
        count=1,
    )
    note("injected: the next copy of orders is denied by KMS")
    sb.advance(7 * DAY)
    _delete_weekly_selection(sb)
    note("injected: the weekly plan's selection deleted by hand (outside the stack)")
    remaining = max(days - 10, 1)
    sb.advance(remaining * DAY - 3600)
    # the last hour: a tag event lost, the report made before the next reconcile
    top_of_hour = sb.clock.now().replace(minute=0, second=0, microsecond=0)
    sb.advance_to(top_of_hour + dt.timedelta(hours=1, minutes=10))
    tagevents.set_enabled("DynamoDB", False)
    try:
        arns["late-arrivals"] = sb.create_table("late-arrivals", items=3, tags={"backup-plan": "daily"})
        sb.settle()
    finally:
        tagevents.set_enabled("DynamoDB", True)
    note("injected: late-arrivals tagged while its tag event was lost")
    sb.advance(20 * 60)
    return month
