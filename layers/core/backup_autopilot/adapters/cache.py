"""A small per-container cache for what changes rarely (plans, Region settings, key managers).

Lifetime: :data:`CACHE_SECONDS` (5 minutes) per entry, per Lambda container. A tag naming a plan
that is not in the cached list is checked again against a fresh list before it is rejected.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from msgspec import Struct

if TYPE_CHECKING:
    from collections.abc import Callable

#: how long a container trusts what it read about plans and Region settings
CACHE_SECONDS = 300.0


class _Cached(Struct):
    value: Any
    until: float


class TtlCache:
    """A tiny per-container cache: plans and Region settings change rarely, tag events come often."""

    def __init__(self, seconds: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._items: dict[str, _Cached] = {}

    def get(self, key: str, load: Callable[[], Any]) -> Any:
        item = self._items.get(key)
        now = self._clock()
        if item is None or item.until < now:
            item = _Cached(load(), now + self._seconds)
            self._items[key] = item
        return item.value

    def forget(self, key: str) -> None:
        self._items.pop(key, None)
