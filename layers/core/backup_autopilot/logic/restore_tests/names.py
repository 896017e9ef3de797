"""Names of the resources an on-demand restore test creates (pure).

Every name starts with :data:`PREFIX` (which protection never enrols and the stack's IAM lets it
delete), carries a digest of the source and the run (so a replay gets the same name and the
idempotency token the same job), fits AWS's limits for the type, and is never the source's own name.
"""

from __future__ import annotations

import hashlib
import re

PREFIX = "bap-rt-"
#: AWS's limits per resource type: maximum length, allowed characters (after lower-casing when
#: the service stores names lower-case), and whether the name must start with a letter
_RULES: dict[str, tuple[int, str, bool]] = {
    "DynamoDB": (255, r"[a-zA-Z0-9_.-]", False),  # table names: 3-255
    "RDS": (63, r"[a-z0-9-]", True),  # DB instance identifiers: 1-63, stored lower-case
    "Aurora": (63, r"[a-z0-9-]", True),  # DB cluster identifiers
    "S3": (63, r"[a-z0-9-]", False),  # bucket names: 3-63 (no dots: TLS and virtual hosts)
    "EFS": (64, r"[a-zA-Z0-9_.-]", False),  # CreationToken: 1-64
}
#: a digest long enough that two sources of one run do not collide (32 bits of sha256 per name)
_DIGEST = 8


def _clean(name: str, allowed: str, lower: bool) -> str:
    text = name.lower() if lower else name
    cleaned = "".join(ch if re.fullmatch(allowed, ch) else "-" for ch in text)
    return re.sub(r"-{2,}", "-", cleaned).strip("-.")


def target_name(resource_type: str, source_name: str, run_id: str, *, salt: str = "") -> str:
    """The name of the resource an on-demand test of ``source_name`` restores into.

    ``bap-rt-<source, shortened>-<digest>``: readable, unique per source and run, within the
    type's limits. Types AWS names itself (EBS, EC2, FSx) still get one, used as a tag value.
    """
    limit, allowed, _letter_first = _RULES.get(resource_type, (128, r"[a-zA-Z0-9_.-]", False))
    lower = resource_type in {"RDS", "Aurora", "S3"}
    digest = hashlib.sha256(f"{resource_type}|{source_name}|{run_id}|{salt}".encode()).hexdigest()[:_DIGEST]
    room = limit - len(PREFIX) - len(digest) - 1  # the dash between stem and digest
    stem = _clean(source_name, allowed, lower)[:room].strip("-.")
    name = f"{PREFIX}{stem}-{digest}" if stem else f"{PREFIX}{digest}"
    if name == source_name:  # only a source that is itself a test resource could collide
        return target_name(resource_type, source_name, run_id, salt=salt + "x")
    return name


def is_test_resource_name(name: str) -> bool:
    return name.startswith(PREFIX) or name.startswith("awsbackup-restore-test")
