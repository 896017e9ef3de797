"""The sandbox: backup-autopilot's AWS on one machine (moto, extended), with a simulated clock.

``from sandbox import Sandbox``: see sandbox/README.md for the Python API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.world import Sandbox

__all__ = ["Sandbox"]


def __getattr__(name: str) -> Any:
    # imported on first use: `import sandbox.clock` (and moto's own imports) stay light
    if name == "Sandbox":
        from sandbox.world import Sandbox

        return Sandbox
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
