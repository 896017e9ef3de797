"""The checks of a restored copy against its source, per type: which pass, which fail, and what each
says (the detail is the reason a failed restore test gives, and the validation message AWS shows).

Covers readiness per type, the item/object count within its tolerance (rounded up; a bounded count
shows only "at least"), sampled items present and identical, each type's configuration checks, a
source read late (DynamoDB's data not compared), nothing known of the source, and the RTO check.
"""

from __future__ import annotations

from typing import Any

import pytest

from backup_autopilot.logic.restore_tests.checks import (
    DEFAULT_TOLERANCE_PERCENT,
    Check,
    check_restore,
    rto_check,
)
from backup_autopilot.logic.restore_tests.facts import ResourceFacts

SOURCE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
RESTORED = "arn:aws:dynamodb:us-east-1:123456789012:table/bap-rt-orders-1a2b3c4d"


def _facts(resource_type: str = "DynamoDB", arn: str = SOURCE, **values: Any) -> ResourceFacts:
    return ResourceFacts(resource_type, arn, **values)


def _table(**values: Any) -> ResourceFacts:
    base: dict[str, Any] = {
        "status": "ACTIVE",
        "item_count": 1000,
        "key_schema": ("HASH:pk", "RANGE:sk"),
        "indexes": ("by-date", "by-customer"),
        "samples": (("k1", "d1"), ("k2", "d2")),
    }
    return _facts(**{**base, **values})


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def _failed(checks: list[Check]) -> list[str]:
    return [check.detail for check in checks if not check.passed]


# -- readiness ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resource_type", "status"),
    [
        ("DynamoDB", "ACTIVE"),
        ("EBS", "available"),
        ("EBS", "in-use"),
        ("RDS", "available"),
        ("Aurora", "available"),
        ("EFS", "available"),
        ("EC2", "running"),
        ("FSx", "AVAILABLE"),
        ("S3", "available"),
    ],
)
def test_a_restored_resource_in_its_types_ready_state_is_ready(resource_type: str, status: str) -> None:
    restored = _facts(resource_type, RESTORED, status=status)
    ready = check_restore(None, restored)[0]
    assert ready == Check("ready", True, f"restored {resource_type} is {status}")


@pytest.mark.parametrize(
    ("resource_type", "status"),
    [
        ("DynamoDB", "CREATING"),
        ("EBS", "creating"),
        ("RDS", "backing-up"),
        ("Aurora", "creating"),
        ("EFS", "creating"),
        ("EC2", "pending"),
        ("FSx", "CREATING"),
        ("FSx", "available"),  # FSx says it in capitals: another type's word is not ready
        ("S3", "ACTIVE"),
        ("DynamoDB", None),
    ],
)
def test_a_restored_resource_in_any_other_state_is_not_ready(resource_type: str, status: str | None) -> None:
    restored = _facts(resource_type, RESTORED, status=status)
    ready = check_restore(None, restored)[0]
    assert ready == Check("ready", False, f"restored {resource_type} is {status}")


def test_a_restored_resource_that_cannot_be_found_fails_with_only_that_said() -> None:
    # GIVEN everything known of the source, but the restored table is gone
    checks = check_restore(_table(), _table(arn=RESTORED, exists=False, status="ACTIVE"))
    # THEN nothing else is compared: the one check says it was not found
    assert checks == [Check("ready", False, "restored DynamoDB is not found")]


def test_a_type_without_a_ready_state_is_ready_when_it_exists() -> None:
    restored = _facts("Storage Gateway", RESTORED, status="whatever")
    assert check_restore(None, restored)[0] == Check("ready", True, "restored Storage Gateway is whatever")
    gone = _facts("Storage Gateway", RESTORED, exists=False)
    assert check_restore(None, gone)[0].passed is False


# -- nothing known of the source ----------------------------------------------------------------
def test_nothing_known_of_the_source_fails_after_readiness_and_says_why() -> None:
    checks = check_restore(None, _table(arn=RESTORED))
    assert checks == [
        Check("ready", True, "restored DynamoDB is ACTIVE"),
        Check(
            "source facts",
            False,
            "nothing was recorded about the source at backup time; the data cannot be compared",
        ),
    ]


# -- DynamoDB -----------------------------------------------------------------------------------
def test_a_table_restored_whole_passes_every_check_and_says_what_each_saw() -> None:
    checks = check_restore(_table(), _table(arn=RESTORED, indexes=("by-customer", "by-date")))
    assert checks == [
        Check("ready", True, "restored DynamoDB is ACTIVE"),
        Check(
            "key schema", True, "key schema: source ('HASH:pk', 'RANGE:sk'), restored ('HASH:pk', 'RANGE:sk')"
        ),
        # the order AWS lists indexes in does not matter
        Check(
            "indexes", True, "indexes: source ['by-customer', 'by-date'], restored ['by-customer', 'by-date']"
        ),
        Check("item count", True, "1000 items restored, source had 1000 at backup time (tolerance 10)"),
        Check("sampled items", True, "2/2 sampled items identical"),
    ]


def test_a_table_with_another_key_schema_or_indexes_fails_on_each() -> None:
    restored = _table(arn=RESTORED, key_schema=("HASH:pk",), indexes=("by-date",))
    assert _failed(check_restore(_table(), restored)) == [
        "key schema: source ('HASH:pk', 'RANGE:sk'), restored ('HASH:pk',)",
        "indexes: source ['by-customer', 'by-date'], restored ['by-date']",
    ]


@pytest.mark.parametrize(
    ("restored_count", "passed"),
    [(1000, True), (990, True), (1010, True), (989, False), (1011, False), (0, False)],
)
def test_the_item_count_may_differ_by_the_tolerance_either_way(restored_count: int, passed: bool) -> None:
    # 1 % of 1,000 items: 10 written or deleted between the backup and the facts being read
    checks = _by_name(check_restore(_table(), _table(arn=RESTORED, item_count=restored_count)))
    assert checks["item count"] == Check(
        "item count",
        passed,
        f"{restored_count} items restored, source had 1000 at backup time (tolerance 10)",
    )


def test_the_tolerance_is_rounded_up_to_a_whole_item() -> None:
    # 1 % of 150 items is 1.5: two items may differ, three may not
    source = _table(item_count=150)
    two_off = _by_name(check_restore(source, _table(arn=RESTORED, item_count=148)))["item count"]
    three_off = _by_name(check_restore(source, _table(arn=RESTORED, item_count=147)))["item count"]
    assert two_off == Check(
        "item count", True, "148 items restored, source had 150 at backup time (tolerance 2)"
    )
    assert three_off.passed is False
    # a small table still allows one item (1 % of 5 rounds up to 1)
    small = _by_name(check_restore(_table(item_count=5), _table(arn=RESTORED, item_count=4)))["item count"]
    assert small.passed and small.detail.endswith("(tolerance 1)")


def test_the_tolerance_is_the_settings_share_of_the_source() -> None:
    source, restored = _table(), _table(arn=RESTORED, item_count=950)
    assert _by_name(check_restore(source, restored))["item count"].passed is False  # the default 1 %
    loose = _by_name(check_restore(source, restored, tolerance_percent=5.0))["item count"]
    assert loose == Check(
        "item count", True, "950 items restored, source had 1000 at backup time (tolerance 50)"
    )
    exact = _by_name(check_restore(source, _table(arn=RESTORED, item_count=999), tolerance_percent=0.0))
    assert exact["item count"].passed is False and exact["item count"].detail.endswith("(tolerance 0)")
    assert DEFAULT_TOLERANCE_PERCENT == 1.0


def test_an_empty_source_restored_empty_passes() -> None:
    source = _table(item_count=0, samples=())
    checks = _by_name(check_restore(source, _table(arn=RESTORED, item_count=0, samples=())))
    assert checks["item count"] == Check(
        "item count", True, "0 items restored, source had 0 at backup time (tolerance 0)"
    )
    assert checks["sampled items"] == Check("sampled items", True, "no items sampled (the source was empty)")


def test_a_count_read_up_to_a_bound_shows_only_that_some_came_back() -> None:
    # GIVEN the restored table counted until the bound (more may follow)
    restored = _table(arn=RESTORED, item_count=500, count_exact=False)
    count = _by_name(check_restore(_table(), restored))["item count"]
    # THEN at least that many came back: it passes, and says the count is a lower bound
    assert count == Check(
        "item count",
        True,
        "at least 500 items restored (reading stopped there; the source had 1000 at backup time)",
    )


def test_a_bounded_count_of_nothing_passes_only_for_an_empty_source() -> None:
    nothing = _table(arn=RESTORED, item_count=0, count_exact=False, samples=())
    assert _by_name(check_restore(_table(), nothing))["item count"].passed is False
    empty_source = _table(item_count=0, samples=())
    assert _by_name(check_restore(empty_source, nothing))["item count"].passed is True


@pytest.mark.parametrize(
    ("source_count", "restored_count", "said"),
    [
        (None, 1000, "item count unknown (source None, restored 1000)"),
        (1000, None, "item count unknown (source 1000, restored None)"),
    ],
)
def test_an_unknown_count_fails_and_says_which(
    source_count: int | None, restored_count: int | None, said: str
) -> None:
    checks = check_restore(_table(item_count=source_count), _table(arn=RESTORED, item_count=restored_count))
    assert _by_name(checks)["item count"] == Check("item count", False, said)


def test_sampled_items_missing_or_different_fail_and_are_named() -> None:
    source = _table(samples=(("k1", "d1"), ("k2", "d2"), ("k3", "d3"), ("k4", "d4")))
    restored = _table(arn=RESTORED, samples=(("k1", "d1"), ("k3", "changed"), ("k4", "d4")))
    sampled = _by_name(check_restore(source, restored))["sampled items"]
    assert sampled == Check("sampled items", False, "2/4 sampled items identical; missing: k2; different: k3")


def test_only_missing_or_only_different_items_say_just_that() -> None:
    source = _table(samples=(("k1", "d1"), ("k2", "d2")))
    missing = _by_name(check_restore(source, _table(arn=RESTORED, samples=(("k1", "d1"),))))["sampled items"]
    assert missing == Check("sampled items", False, "1/2 sampled items identical; missing: k2")
    different = _by_name(check_restore(source, _table(arn=RESTORED, samples=(("k1", "d1"), ("k2", "x")))))
    assert different["sampled items"] == Check(
        "sampled items", False, "1/2 sampled items identical; different: k2"
    )


def test_at_most_three_missing_and_three_different_items_are_named() -> None:
    source = _table(samples=tuple((f"k{i}", f"d{i}") for i in range(10)))
    restored = _table(arn=RESTORED, samples=tuple((f"k{i}", "x") for i in range(5, 10)))
    sampled = _by_name(check_restore(source, restored))["sampled items"]
    assert sampled.passed is False
    assert sampled.detail == "0/10 sampled items identical; missing: k0, k1, k2; different: k5, k6, k7"


# -- S3 -----------------------------------------------------------------------------------------
def test_a_bucket_is_checked_by_its_objects_count_and_etags() -> None:
    source = _facts("S3", "arn:aws:s3:::logs", item_count=200, samples=(("a.json", "e1"), ("b.json", "e2")))
    restored = _facts(
        "S3", "arn:aws:s3:::bap-rt-logs-1", status="available", item_count=197, samples=(("a.json", "e1"),)
    )
    assert check_restore(source, restored) == [
        Check("ready", True, "restored S3 is available"),
        Check("object count", False, "197 objects restored, source had 200 at backup time (tolerance 2)"),
        Check("sampled objects", False, "1/2 sampled objects identical; missing: b.json"),
    ]


# -- the types whose data cannot be seen --------------------------------------------------------
def test_a_volume_is_checked_by_its_size_and_encryption() -> None:
    source = _facts("EBS", "arn:aws:ec2:us-east-1:123456789012:volume/vol-1", size=100, encrypted=True)
    same = _facts(
        "EBS", "arn:aws:ec2:us-east-1:123456789012:volume/vol-2", status="available", size=100, encrypted=True
    )
    assert check_restore(source, same)[1:] == [
        Check("size (GiB)", True, "size (GiB): source 100, restored 100"),
        Check("encrypted", True, "encrypted: source True, restored True"),
    ]
    other = _facts(
        "EBS", "arn:aws:ec2:us-east-1:123456789012:volume/vol-2", status="available", size=50, encrypted=False
    )
    assert _failed(check_restore(source, other)) == [
        "size (GiB): source 100, restored 50",
        "encrypted: source True, restored False",
    ]


@pytest.mark.parametrize("resource_type", ["RDS", "Aurora"])
def test_a_database_is_checked_by_its_engine_version_and_storage(resource_type: str) -> None:
    values: dict[str, Any] = {
        "engine": "postgres",
        "engine_version": "16.2",
        "storage_type": "gp3",
        "size": 20,
    }
    source = _facts(resource_type, "arn:aws:rds:us-east-1:123456789012:db:orders", **values)
    restored = _facts(
        resource_type, "arn:aws:rds:us-east-1:123456789012:db:bap-rt-orders", status="available", **values
    )
    assert check_restore(source, restored)[1:] == [
        Check("engine", True, "engine: source 'postgres', restored 'postgres'"),
        Check("engine version", True, "engine version: source '16.2', restored '16.2'"),
        Check("storage", True, "storage: source ('gp3', 20), restored ('gp3', 20)"),
    ]
    older = _facts(
        resource_type,
        "arn:aws:rds:us-east-1:123456789012:db:bap-rt-orders",
        status="available",
        **{**values, "engine_version": "15.4", "storage_type": "gp2"},
    )
    assert _failed(check_restore(source, older)) == [
        "engine version: source '16.2', restored '15.4'",
        "storage: source ('gp3', 20), restored ('gp2', 20)",
    ]
    smaller = _facts(
        resource_type,
        "arn:aws:rds:us-east-1:123456789012:db:bap-rt-orders",
        status="available",
        **{**values, "size": 10},
    )
    assert _failed(check_restore(source, smaller)) == ["storage: source ('gp3', 20), restored ('gp3', 10)"]
    other_engine = _facts(
        resource_type,
        "arn:aws:rds:us-east-1:123456789012:db:bap-rt-orders",
        status="available",
        **{**values, "engine": "mysql"},
    )
    assert _failed(check_restore(source, other_engine)) == ["engine: source 'postgres', restored 'mysql'"]


def test_an_encrypted_file_system_must_come_back_encrypted() -> None:
    fs = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1"
    source = _facts("EFS", fs, encrypted=True)
    encrypted = _facts("EFS", fs + "2", status="available", encrypted=True)
    assert check_restore(source, encrypted)[1:] == [Check("encrypted", True, "restored encrypted: True")]
    plain = _facts("EFS", fs + "2", status="available", encrypted=False)
    assert _failed(check_restore(source, plain)) == ["restored encrypted: False"]
    unknown = _facts("EFS", fs + "2", status="available")
    assert _failed(check_restore(source, unknown)) == ["restored encrypted: None"]


def test_an_unencrypted_file_system_is_checked_by_readiness_alone() -> None:
    fs = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1"
    for encrypted in (False, None):
        source = _facts("EFS", fs, encrypted=encrypted)
        restored = _facts("EFS", fs + "2", status="available", encrypted=True)
        assert check_restore(source, restored) == [Check("ready", True, "restored EFS is available")]


def test_an_instance_is_checked_by_running_alone() -> None:
    source = _facts("EC2", "arn:aws:ec2:us-east-1:123456789012:instance/i-1", engine="t3.micro")
    restored = _facts(
        "EC2", "arn:aws:ec2:us-east-1:123456789012:instance/i-2", status="running", engine="t3.large"
    )
    assert check_restore(source, restored) == [Check("ready", True, "restored EC2 is running")]


def test_an_fsx_file_system_is_checked_by_its_type_and_capacity() -> None:
    fs = "arn:aws:fsx:us-east-1:123456789012:file-system/fs-1"
    source = _facts("FSx", fs, engine="LUSTRE", size=1200)
    same = _facts("FSx", fs + "2", status="AVAILABLE", engine="LUSTRE", size=1200)
    assert check_restore(source, same)[1:] == [
        Check("file system type", True, "file system type: source 'LUSTRE', restored 'LUSTRE'"),
        Check("storage capacity (GiB)", True, "storage capacity (GiB): source 1200, restored 1200"),
    ]
    other = _facts("FSx", fs + "2", status="AVAILABLE", engine="WINDOWS", size=2400)
    assert _failed(check_restore(source, other)) == [
        "file system type: source 'LUSTRE', restored 'WINDOWS'",
        "storage capacity (GiB): source 1200, restored 2400",
    ]


def test_a_type_without_checks_of_its_own_is_checked_by_readiness_alone() -> None:
    source = _facts("Storage Gateway", SOURCE, size=1)
    restored = _facts("Storage Gateway", RESTORED, status="x", size=2)
    assert check_restore(source, restored) == [Check("ready", True, "restored Storage Gateway is x")]


# -- the source read at validation time ---------------------------------------------------------
def test_a_table_read_late_is_compared_by_its_shape_only_and_says_so() -> None:
    # GIVEN today's source (its backup-time facts were never recorded): other counts, other items
    late = _table(item_count=5000, samples=(("k9", "d9"),))
    checks = check_restore(late, _table(arn=RESTORED), source_read_late=True)
    # THEN only the key schema and indexes are compared, and the check says why
    assert [check.name for check in checks] == ["ready", "source facts", "key schema", "indexes"]
    assert checks[1] == Check(
        "source facts",
        True,
        "nothing was recorded at backup time (its completion event never arrived): the source was read "
        "now, so item counts and samples are not compared",
    )
    assert all(check.passed for check in checks)
    other_shape = check_restore(late, _table(arn=RESTORED, key_schema=("HASH:id",)), source_read_late=True)
    assert _failed(other_shape) == ["key schema: source ('HASH:pk', 'RANGE:sk'), restored ('HASH:id',)"]


def test_a_bucket_read_late_keeps_every_check() -> None:
    # S3 is read as of the recovery point's creation (object versions): its data checks stand
    source = _facts("S3", "arn:aws:s3:::logs", item_count=200, samples=(("a.json", "e1"),))
    restored = _facts(
        "S3", "arn:aws:s3:::bap-rt-logs-1", status="available", item_count=200, samples=(("a.json", "e1"),)
    )
    checks = check_restore(source, restored, source_read_late=True)
    assert checks == [
        Check("ready", True, "restored S3 is available"),
        Check(
            "source facts",
            True,
            "nothing was recorded at backup time (its completion event never arrived): the source "
            "was read now",
        ),
        Check("object count", True, "200 objects restored, source had 200 at backup time (tolerance 2)"),
        Check("sampled objects", True, "1/1 sampled objects identical"),
    ]


def test_a_volume_read_late_still_compares_its_configuration() -> None:
    source = _facts("EBS", "arn:aws:ec2:us-east-1:123456789012:volume/vol-1", size=100, encrypted=True)
    restored = _facts(
        "EBS", "arn:aws:ec2:us-east-1:123456789012:volume/vol-2", status="available", size=80, encrypted=True
    )
    checks = check_restore(source, restored, source_read_late=True)
    assert [c.name for c in checks] == ["ready", "source facts", "size (GiB)", "encrypted"]
    assert _failed(checks) == ["size (GiB): source 100, restored 80"]


# -- the restore time ---------------------------------------------------------------------------
def test_a_restore_within_its_target_passes_and_one_over_fails() -> None:
    assert rto_check(29.96, 30) == Check("RTO", True, "restored in 30.0 min, target 30 min")
    assert rto_check(30.0, 30) == Check("RTO", True, "restored in 30.0 min, target 30 min")
    assert rto_check(30.04, 30) == Check("RTO", False, "restored in 30.0 min, target 30 min")
    assert rto_check(12.3, 7.5) == Check("RTO", False, "restored in 12.3 min, target 7.5 min")


def test_no_target_means_no_rto_check() -> None:
    assert rto_check(500.0, None) is None


def test_a_large_tables_tolerance_is_its_whole_share() -> None:
    # 1 % of 20,000 items is 200: a table 200 items short still passes
    checks = _by_name(check_restore(_table(item_count=20_000), _table(arn=RESTORED, item_count=19_800)))
    assert checks["item count"] == Check(
        "item count", True, "19800 items restored, source had 20000 at backup time (tolerance 200)"
    )


def test_a_bounded_count_of_a_single_item_shows_that_data_came_back() -> None:
    restored = _table(arn=RESTORED, item_count=1, count_exact=False)
    assert _by_name(check_restore(_table(), restored))["item count"].passed is True
