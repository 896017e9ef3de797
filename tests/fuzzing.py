"""Seeded mutations of real EventBridge events, for fuzzing the handlers.

Each mutation says whether the mutated event MUST be refused (then the handler may make no AWS
write: the event is forged, foreign, misrouted or malformed) or MAY be acted on (a valid event
with odd but legal values). Mutations follow what hides bugs in practice: other partitions,
accounts and Regions; ARNs with odd characters; huge and unicode values; missing, null and
mistyped fields; duplicated JSON keys (for the SQS bodies notify reads).
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from typing import Any

OWN_ACCOUNT = "123456789012"
OWN_REGION = "us-east-1"
#: operations that change something (counted as writes when a refused event reaches them)
WRITE_PREFIXES = (
    "Start",
    "Create",
    "Put",
    "Update",
    "Delete",
    "Tag",
    "Untag",
    "Send",
    "Publish",
    "Restore",
    "Terminate",
    "Add",
    "Remove",
    "Stop",
    "Invoke",
)

ODD_STRINGS = [
    "",
    " ",
    "0",
    "null",
    "ünïcødé-☃",
    "a" * 100_000,
    "arn:aws:dynamodb:us-east-1:123456789012:table/x\n",
    "arn:aws:dynamodb:us-east-1:123456789012:table/%2F..%2Fetc",
    "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/orders",
    "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/orders",
    "arn:aws:dynamodb:us-east-1:123456789012:table/" + "é" * 300,
    "'; DROP TABLE x; --",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
]
ODD_VALUES: list[Any] = [None, 0, -1, 1.5e308, True, [], {}, ["a", 1], {"a": {"b": None}}, *ODD_STRINGS]
FOREIGN_ACCOUNTS = ["210987654321", "000000000000", "12345678901", "1234567890123", "abcdefghijkl", ""]
OTHER_REGIONS = ["eu-west-1", "us-west-2", "cn-north-1", "us-gov-west-1", "0", "", "us-east-1 ", "US-EAST-1"]
BAD_TIMES = ["", "yesterday", "2026-13-45T99:99:99Z", "0", "Jul 15, 2020 9:39:07 PM", None, 12345]


@dataclass(frozen=True)
class Mutant:
    event: Any
    #: the event is forged, foreign, misrouted or malformed: the handler must write nothing
    must_refuse: bool
    description: str


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append((*prefix, key))
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.append((*prefix, index))
            found.extend(_paths(child, (*prefix, index)))
    return found


def _set(event: Any, path: tuple[Any, ...], value: Any) -> None:
    target = event
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _drop(event: Any, path: tuple[Any, ...]) -> None:
    target = event
    for step in path[:-1]:
        target = target[step]
    if isinstance(target, dict):
        target.pop(path[-1], None)
    elif isinstance(target, list) and path[-1] < len(target):
        target.pop(path[-1])


def mutants(base: dict[str, Any], count: int, seed: int, required: set[tuple[Any, ...]]) -> list[Mutant]:
    """``count`` seeded mutations of ``base``. ``required`` are the paths the handler acts on:
    dropping, nulling or mistyping one of them must be refused."""
    rng = random.Random(seed)
    paths = _paths(base)
    made: list[Mutant] = []
    kinds = ["account", "region", "partition", "drop", "null", "type", "odd", "time", "source", "envelope"]
    while len(made) < count:
        event = copy.deepcopy(base)
        kind = rng.choice(kinds)
        if kind == "account":
            event["account"] = rng.choice(FOREIGN_ACCOUNTS)
            made.append(Mutant(event, True, f"account={event['account']!r}"))
        elif kind == "region":
            event["region"] = rng.choice(OTHER_REGIONS)
            made.append(Mutant(event, True, f"region={event['region']!r}"))
        elif kind == "partition":
            text = json.dumps(event).replace(
                "arn:aws:", rng.choice(["arn:aws-cn:", "arn:aws-us-gov:", "arn:aws-iso:"])
            )
            made.append(Mutant(json.loads(text), False, "another partition in every ARN"))
        elif kind in {"drop", "null", "type"} and paths:
            path = rng.choice(paths)
            if kind == "drop":
                _drop(event, path)
            else:
                _set(event, path, None if kind == "null" else rng.choice(ODD_VALUES[1:]))
            must = path in required and kind != "type"
            made.append(Mutant(event, must, f"{kind} {'/'.join(map(str, path))}"))
        elif kind == "odd" and paths:
            path = rng.choice(paths)
            _set(event, path, rng.choice(ODD_STRINGS))
            made.append(Mutant(event, False, f"odd string at {'/'.join(map(str, path))}"))
        elif kind == "time":
            event["time"] = rng.choice(BAD_TIMES)
            made.append(Mutant(event, True, f"time={event['time']!r}"[:80]))
        elif kind == "source":
            event["source"] = rng.choice(["aws.backup", "aws.tag", "backup-autopilot", "evil", "", None])
            event["detail-type"] = rng.choice(
                ["Backup Job State Change", "Tag Change on Resource", "x", None]
            )
            made.append(
                Mutant(
                    event,
                    event["source"] != base["source"] or event["detail-type"] != base["detail-type"],
                    f"source={event['source']!r} detail-type={event['detail-type']!r}",
                )
            )
        elif kind == "envelope":
            made.append(
                Mutant(
                    rng.choice([None, [], "event", 42, {"detail": base.get("detail")}, {}]),
                    True,
                    "not an event",
                )
            )
    return made


def is_write(operation: str) -> bool:
    """``service:Operation`` changes something."""
    return operation.split(":", 1)[-1].startswith(WRITE_PREFIXES)
