"""The metrics the stack emits with dimensions, in one catalogue (pure data).

Every metric is in the ``BackupAutopilot`` namespace (``POWERTOOLS_METRICS_NAMESPACE``) with the
dimensions of its :data:`KIND` plus ``Account``, ``Region`` and Powertools' ``service``. The
dashboard in template.yaml reads them by name (SEARCH over those dimensions), and a test checks
that each metric the dashboard reads is emitted.

Cost: every distinct combination of name and dimension values is one CloudWatch custom metric
(0.30 USD a month each for the first 10,000, at the time of writing). Per resource type in use:
the report's 13 metrics; per copy destination: 5; so a stack protecting 4 types with 2
destinations is 4 x 13 + 2 x 5 = 62 metrics, about 19 USD a month. Dimensions never carry a
resource, job or plan id: the count is bounded by types (8) and destinations (the stack's).
"""

from __future__ import annotations

from msgspec import Struct

#: dimension names every metric here carries besides its own
COMMON_DIMENSIONS = ("Account", "Region")
BY_TYPE = "ResourceType"
BY_DESTINATION = "Destination"


class MetricSpec(Struct, frozen=True):
    name: str
    unit: str
    dimension: str
    #: the function that emits it
    emitter: str
    meaning: str


CATALOGUE: tuple[MetricSpec, ...] = (
    # the coverage funnel and RPO (the report function, every run)
    MetricSpec("CoverageEligible", "Count", BY_TYPE, "report", "resources of the type the Tagging API lists"),
    MetricSpec("CoverageTagged", "Count", BY_TYPE, "report", "resources carrying the plan tag"),
    MetricSpec(
        "CoverageProtected",
        "Count",
        BY_TYPE,
        "report",
        "tagged, on an assignable plan, with a recovery point",
    ),
    MetricSpec(
        "CoverageWithinRpo", "Count", BY_TYPE, "report", "protected and backed up within the plan's RPO"
    ),
    MetricSpec(
        "RpoBreaches", "Count", BY_TYPE, "report", "tagged resources without a point newer than their RPO"
    ),
    MetricSpec(
        "OldestBackupAgeHours", "Count", BY_TYPE, "report", "age of the stalest latest recovery point"
    ),
    MetricSpec("SlaPercent", "Percent", BY_TYPE, "report", "points made / expected over 30 days"),
    MetricSpec(
        "BackupJobsFailed", "Count", BY_TYPE, "report", "backup jobs FAILED or ABORTED since the last run"
    ),
    MetricSpec("BackupJobsExpired", "Count", BY_TYPE, "report", "backup jobs EXPIRED since the last run"),
    MetricSpec("BackupJobsPartial", "Count", BY_TYPE, "report", "backup jobs PARTIAL since the last run"),
    MetricSpec("RestoreTestsPassed90d", "Count", BY_TYPE, "report", "restore tests passed in 90 days"),
    MetricSpec("RestoreTestsFailed90d", "Count", BY_TYPE, "report", "restore tests failed in 90 days"),
    MetricSpec(
        "RestoreTimeWorstPercentOfTarget",
        "Percent",
        BY_TYPE,
        "report",
        "slowest restore vs its RTO target, 90 days",
    ),
    # per destination (the report function)
    MetricSpec("CopyAgeHours", "Count", BY_DESTINATION, "report", "age of the newest completed copy there"),
    MetricSpec(
        "CopiesMissing",
        "Count",
        BY_DESTINATION,
        "report",
        "points of the last 7 days (older than 4 h) not copied there",
    ),
    MetricSpec(
        "CopyJobsFailed",
        "Count",
        BY_DESTINATION,
        "report",
        "copy jobs to there that ended badly since the last run",
    ),
    # at the event (copy_outcome, validate_restore)
    MetricSpec(
        "CopyLagSeconds", "Seconds", BY_DESTINATION, "copy_outcome", "backup to copy completion, per copy"
    ),
    MetricSpec(
        "CopiesFailed", "Count", BY_DESTINATION, "copy_outcome", "classified Copy Failed, per failure"
    ),
    MetricSpec("RestoreTestsPassed", "Count", BY_TYPE, "validate_restore", "per verdict"),
    MetricSpec("RestoreTestsFailed", "Count", BY_TYPE, "validate_restore", "per verdict"),
    MetricSpec(
        "RestoreTimeMinutes",
        "Count",
        BY_TYPE,
        "validate_restore",
        "restore time (job creation to completion)",
    ),
    MetricSpec(
        "RestoreTimePercentOfTarget",
        "Percent",
        BY_TYPE,
        "validate_restore",
        "restore time / backup-rto-minutes",
    ),
)

BY_NAME = {spec.name: spec for spec in CATALOGUE}


class MetricPoint(Struct, frozen=True):
    """One value to emit: ``name`` with ``dimensions`` (its kind's and the common ones)."""

    name: str
    unit: str
    value: float
    dimensions: tuple[tuple[str, str], ...]


def point(name: str, value: float, *, key: str, account: str, region: str) -> MetricPoint:
    """A catalogued metric's value for one type or destination (``key``)."""
    spec = BY_NAME[name]
    return MetricPoint(
        name, spec.unit, float(value), ((spec.dimension, key), ("Account", account), ("Region", region))
    )
