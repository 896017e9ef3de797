"""Where copies may go: the stack's vaults, narrowed by the ``backup-copy-to`` tag (pure).

Destinations come only from the stack's configuration; the tag can choose among them (or say
``none``) but can never name an arbitrary vault.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from msgspec import Struct

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ACCOUNT_REGION = re.compile(r"^(\d{12}):([a-z]{2}(?:-[a-z]+)+-\d)$")


class Destination(Struct, frozen=True, order=True):
    account: str
    region: str
    vault_arn: str

    @property
    def key(self) -> str:
        return f"{self.account}:{self.region}"


def vault_location(vault_arn: str) -> tuple[str, str] | None:
    """(account, region) of a backup vault ARN, or None when it is not one."""
    parts = vault_arn.split(":")
    if (
        len(parts) != 7
        or parts[0] != "arn"
        or parts[2] != "backup"
        or parts[5] != "backup-vault"
        or not parts[6]
    ):
        return None
    return parts[4], parts[3]


class CopyTargets(Struct, frozen=True):
    destinations: tuple[Destination, ...]
    problems: tuple[str, ...] = ()


def resolve_destinations(
    tag_value: str | None,
    *,
    source_account: str,
    source_region: str,
    allowed: Mapping[str, Destination],
    defaults: Iterable[Destination],
) -> CopyTargets:
    """Destinations for one recovery point.

    ``allowed`` maps ``ACCOUNT:REGION`` to the stack's vault there; ``defaults`` apply when the
    resource has no ``backup-copy-to`` tag. Tag entries: ``none``, a Region (same account), or
    ``ACCOUNT:REGION``. Entries the stack does not allow are reported, never followed.
    """
    if tag_value is None or not tag_value.strip():
        chosen = sorted(set(defaults))
        return CopyTargets(
            tuple(d for d in chosen if (d.account, d.region) != (source_account, source_region))
        )
    entries = [e.strip() for e in tag_value.split(",") if e.strip()]
    if [e.lower() for e in entries] == ["none"]:
        return CopyTargets(())
    found: dict[str, Destination] = {}
    problems: list[str] = []
    for entry in entries:
        if entry.lower() == "none":
            problems.append("'none' cannot be combined with destinations")
            continue
        match = _ACCOUNT_REGION.match(entry)
        if match:
            key = f"{match.group(1)}:{match.group(2)}"
        elif _REGION.match(entry):
            key = f"{source_account}:{entry}"
        else:
            problems.append(f"'{entry}' is neither a Region nor ACCOUNT:REGION")
            continue
        if key == f"{source_account}:{source_region}":
            problems.append(f"'{entry}' is where the backup already is")
            continue
        destination = allowed.get(key)
        if destination is None:
            problems.append(
                f"'{entry}' is not a copy destination this stack allows ({', '.join(sorted(allowed))})"
            )
            continue
        found[key] = destination
    return CopyTargets(tuple(sorted(found.values())), tuple(problems))


def stack_destinations(
    dr_vault_arn: str | None, cross_account_vault_arn: str | None
) -> dict[str, Destination]:
    """The vaults this stack may copy to, by ``ACCOUNT:REGION``."""
    allowed: dict[str, Destination] = {}
    for arn in (dr_vault_arn, cross_account_vault_arn):
        location = vault_location(arn) if arn else None
        if arn and location:
            destination = Destination(location[0], location[1], arn)
            allowed[destination.key] = destination
    return allowed
