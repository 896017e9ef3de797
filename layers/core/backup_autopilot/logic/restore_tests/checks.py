"""The checks of a restored copy, per resource type, and what each proves (pure).

* DynamoDB: table ACTIVE; key schema and index names as the source; item count within tolerance
  of the source's at backup time; sampled items present and identical. Proves the table is
  usable, shaped like the source, about as full, and that real items came back byte for byte.
  Cannot prove every item came back (a bounded count and a sample).
* S3: current objects within tolerance of the source's at backup time; sampled objects present
  with the same ETag. Proves objects came back with their content. Cannot prove every object
  (bounded listing, sample) or ACLs.
* EBS: volume available; size and encryption as the source. Cannot see the blocks' content.
* RDS / Aurora: available; engine, version and storage as the source. Proves the database
  starts from the snapshot; cannot see table contents (no SQL access: add your own check).
* EFS: available; encrypted when the source is. Cannot see file contents.
* EC2: running: the image boots. Cannot see the application (add your own check).
* FSx: available; type and storage capacity as the source. Cannot see file contents.

Where a type cannot show its data, a user's own check (a Lambda named by a tag) can.

When nothing was recorded at backup time (the backup's completion event never arrived: AWS's events
are best effort), the validator reads the source at validation time instead: S3 as of the recovery
point's creation (object versions), so every check stands; for DynamoDB only the key schema and
indexes are compared (counts and samples of today's table would not be the backup's); the other
types' checks compare configuration, read now. The checks say so.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from msgspec import Struct

if TYPE_CHECKING:
    from collections.abc import Callable

    from backup_autopilot.logic.restore_tests.facts import ResourceFacts

#: the restored count may differ from the count read when the backup completed by this share
#: (writes between the backup's start and the facts being read)
DEFAULT_TOLERANCE_PERCENT = 1.0
#: what each type's restored resource reports when it is ready
READY = {
    "DynamoDB": {"ACTIVE"},
    "EBS": {"available", "in-use"},
    "RDS": {"available"},
    "Aurora": {"available"},
    "EFS": {"available"},
    "EC2": {"running"},
    "FSx": {"AVAILABLE"},
    "S3": {"available"},
}


class Check(Struct, frozen=True):
    name: str
    passed: bool
    detail: str


def _ready(restored: ResourceFacts) -> Check:
    wanted = READY.get(restored.resource_type, set())
    ok = restored.exists and (not wanted or restored.status in wanted)
    state = restored.status if restored.exists else "not found"
    return Check("ready", ok, f"restored {restored.resource_type} is {state}")


def _same(name: str, source: object, restored: object) -> Check:
    return Check(name, source == restored, f"{name}: source {source!r}, restored {restored!r}")


def _count(source: ResourceFacts, restored: ResourceFacts, tolerance_percent: float, noun: str) -> Check:
    if source.item_count is None or restored.item_count is None:
        return Check(
            f"{noun} count",
            False,
            f"{noun} count unknown (source {source.item_count}, restored {restored.item_count})",
        )
    allowed = math.ceil(source.item_count * tolerance_percent / 100)
    if not restored.count_exact:
        # reading stopped at a bound: at least that many came back, which is all it can show
        ok = restored.item_count > 0 or source.item_count == 0
        return Check(
            f"{noun} count",
            ok,
            f"at least {restored.item_count} {noun}s restored (reading stopped there; the source had "
            f"{source.item_count} at backup time)",
        )
    ok = abs(restored.item_count - source.item_count) <= allowed
    return Check(
        f"{noun} count",
        ok,
        f"{restored.item_count} {noun}s restored, source had {source.item_count} at backup time "
        f"(tolerance {allowed})",
    )


def _samples(source: ResourceFacts, restored: ResourceFacts, noun: str) -> Check:
    if not source.samples:
        return Check(f"sampled {noun}s", True, f"no {noun}s sampled (the source was empty)")
    found = dict(restored.samples)
    missing = [key for key, _ in source.samples if key not in found]
    changed = [key for key, digest in source.samples if key in found and found[key] != digest]
    ok = not missing and not changed
    detail = (
        f"{len(source.samples) - len(missing) - len(changed)}/{len(source.samples)} sampled {noun}s identical"
    )
    if missing:
        detail += f"; missing: {', '.join(missing[:3])}"
    if changed:
        detail += f"; different: {', '.join(changed[:3])}"
    return Check(f"sampled {noun}s", ok, detail)


def _dynamodb(source: ResourceFacts, restored: ResourceFacts, tolerance: float) -> list[Check]:
    return [
        _same("key schema", source.key_schema, restored.key_schema),
        _same("indexes", sorted(source.indexes), sorted(restored.indexes)),
        _count(source, restored, tolerance, "item"),
        _samples(source, restored, "item"),
    ]


def _s3(source: ResourceFacts, restored: ResourceFacts, tolerance: float) -> list[Check]:
    return [_count(source, restored, tolerance, "object"), _samples(source, restored, "object")]


def _ebs(source: ResourceFacts, restored: ResourceFacts, _tolerance: float) -> list[Check]:
    return [
        _same("size (GiB)", source.size, restored.size),
        _same("encrypted", source.encrypted, restored.encrypted),
    ]


def _database(source: ResourceFacts, restored: ResourceFacts, _tolerance: float) -> list[Check]:
    return [
        _same("engine", source.engine, restored.engine),
        _same("engine version", source.engine_version, restored.engine_version),
        _same("storage", (source.storage_type, source.size), (restored.storage_type, restored.size)),
    ]


def _efs(source: ResourceFacts, restored: ResourceFacts, _tolerance: float) -> list[Check]:
    if source.encrypted:
        return [Check("encrypted", bool(restored.encrypted), f"restored encrypted: {restored.encrypted}")]
    return []


def _ec2(_source: ResourceFacts, _restored: ResourceFacts, _tolerance: float) -> list[Check]:
    return []  # running is the check (``ready``)


def _fsx(source: ResourceFacts, restored: ResourceFacts, _tolerance: float) -> list[Check]:
    return [
        _same("file system type", source.engine, restored.engine),
        _same("storage capacity (GiB)", source.size, restored.size),
    ]


_BY_TYPE: dict[str, Callable[[ResourceFacts, ResourceFacts, float], list[Check]]] = {
    "DynamoDB": _dynamodb,
    "S3": _s3,
    "EBS": _ebs,
    "RDS": _database,
    "Aurora": _database,
    "EFS": _efs,
    "EC2": _ec2,
    "FSx": _fsx,
}


#: types whose data checks need facts from backup time (the source read later is not the backup)
_DATA_AT_BACKUP_TIME = frozenset({"DynamoDB"})


def check_restore(
    source: ResourceFacts | None,
    restored: ResourceFacts,
    *,
    tolerance_percent: float = DEFAULT_TOLERANCE_PERCENT,
    source_read_late: bool = False,
) -> list[Check]:
    """Every check of ``restored`` against ``source`` (None: nothing is known of the source, so
    only readiness can be checked, and that is said). ``source_read_late``: ``source`` was read at
    validation time, not recorded at backup time (see the module docstring)."""
    checks = [_ready(restored)]
    if not restored.exists:
        return checks
    if source is None:
        checks.append(
            Check(
                "source facts",
                False,
                "nothing was recorded about the source at backup time; the data cannot be compared",
            )
        )
        return checks
    if source_read_late:
        data_too = restored.resource_type not in _DATA_AT_BACKUP_TIME
        checks.append(
            Check(
                "source facts",
                True,
                "nothing was recorded at backup time (its completion event never arrived): the source "
                "was read now" + ("" if data_too else ", so item counts and samples are not compared"),
            )
        )
        if not data_too:
            return [*checks, *_dynamodb(source, restored, tolerance_percent)[:2]]
    checks.extend(_BY_TYPE.get(restored.resource_type, _ec2)(source, restored, tolerance_percent))
    return checks


def rto_check(minutes: float, target: float | None) -> Check | None:
    """The restore time against the source's target (None when it has none)."""
    if target is None:
        return None
    return Check("RTO", minutes <= target, f"restored in {minutes:.1f} min, target {target:g} min")
