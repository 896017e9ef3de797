"""On-demand test names: never a source's, within AWS's limits, unique within a run.

A seeded property test: 10,000 source names per type (the same ones on every run, so CI is
deterministic), drawn from each service's own naming rules.
"""

from __future__ import annotations

import random
import re
import string

import pytest

from backup_autopilot.logic.restore_tests.names import PREFIX, target_name

#: AWS's naming rules for the names a test creates (fact sheet section 3; service documentation)
VALID = {
    "DynamoDB": re.compile(r"^[a-zA-Z0-9_.-]{3,255}$"),
    "RDS": re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$"),
    "Aurora": re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$"),
    "S3": re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$"),
    "EFS": re.compile(r"^.{1,64}$"),
}
#: (first character, other characters, min length, max length) of source names per type
SOURCES = {
    "DynamoDB": (
        string.ascii_letters + string.digits + "_.-",
        string.ascii_letters + string.digits + "_.-",
        3,
        255,
    ),
    "RDS": (string.ascii_lowercase, string.ascii_lowercase + string.digits + "-", 1, 63),
    "Aurora": (string.ascii_lowercase, string.ascii_lowercase + string.digits + "-", 1, 63),
    "S3": (string.ascii_lowercase + string.digits, string.ascii_lowercase + string.digits + ".-", 3, 63),
    "EFS": ("f", string.hexdigits.lower(), 8, 20),
}
EXAMPLES = 10_000


def _sources(resource_type: str, seed: int) -> list[str]:
    first, rest, low, high = SOURCES[resource_type]
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < EXAMPLES:
        length = rng.choice([low, high, rng.randint(low, high)])
        names.add(rng.choice(first) + "".join(rng.choice(rest) for _ in range(length - 1)))
    return sorted(names)


@pytest.mark.parametrize("resource_type", sorted(VALID))
def test_targets_are_valid_never_the_source_and_unique_in_a_run(resource_type: str) -> None:
    # GIVEN 10,000 different sources of one run
    sources = _sources(resource_type, seed=20261201)
    # WHEN their targets are named
    targets = [target_name(resource_type, source, "run-1") for source in sources]
    # THEN each is valid for the service, starts with the test prefix and is not its source ...
    for source, target in zip(sources, targets, strict=True):
        assert VALID[resource_type].match(target), (source, target)
        assert target.startswith(PREFIX)
        assert target != source
    # ... no two collide within the run ...
    assert len(set(targets)) == len(targets)
    # ... and a replay names the same target (so the idempotency token returns the same job)
    assert targets[:100] == [target_name(resource_type, source, "run-1") for source in sources[:100]]


def test_a_source_that_is_itself_a_test_name_still_gets_another_name() -> None:
    source = target_name("DynamoDB", "orders", "run-1")
    assert target_name("DynamoDB", source, "run-1") != source


RDS_NAME = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$")


@pytest.mark.parametrize("resource_type", ["RDS", "Aurora", "S3"])
def test_services_that_store_names_lower_case_get_the_source_lower_cased(resource_type: str) -> None:
    name = target_name(resource_type, "Orders-DB", "run-1")
    assert name.startswith("bap-rt-orders-db-") and name == name.lower()


def test_a_dynamodb_table_keeps_its_names_case_and_its_dots_and_underscores() -> None:
    assert target_name("DynamoDB", "XOrders_v2.prodX", "run-1").startswith("bap-rt-XOrders_v2.prodX-")


@pytest.mark.parametrize(
    ("resource_type", "source"), [("EBS", "vol-0abc123"), ("EC2", "i-0ABC"), ("FSx", "fs-0abc")]
)
def test_types_aws_names_itself_still_get_a_readable_name_for_the_tag(
    resource_type: str, source: str
) -> None:
    name = target_name(resource_type, source, "run-1")
    assert name.startswith(f"{PREFIX}{source}-") and len(name) <= 128


def test_a_source_without_a_single_allowed_character_gets_the_prefix_and_digest_only() -> None:
    name = target_name("RDS", "___", "run-1")
    assert RDS_NAME.match(name) and name.startswith(PREFIX) and "--" not in name
    assert len(name) == len(PREFIX) + 8


@pytest.mark.parametrize(
    ("resource_type", "limit"), [("DynamoDB", 255), ("RDS", 63), ("S3", 63), ("EFS", 64)]
)
def test_a_long_source_keeps_as_much_of_its_name_as_the_service_allows(
    resource_type: str, limit: int
) -> None:
    # the more of the source's name the test resource keeps, the easier an operator finds it
    name = target_name(resource_type, "a" * 300, "run-1")
    assert len(name) == limit
    assert name.startswith(PREFIX + "a" * (limit - len(PREFIX) - 9) + "-")
