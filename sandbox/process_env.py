"""The process environment while a sandbox runs: variables set and restored, the SDK's config file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import contextlib


def set_env(undo: contextlib.ExitStack, name: str, value: str | None) -> None:
    """Set (or, with None, remove) ``name`` now; ``undo`` restores its previous value."""
    previous = os.environ.get(name)
    undo.callback(_put_env, name, previous)
    _put_env(name, value)


def write_aws_config(undo: contextlib.ExitStack) -> Path:
    """The SDK configuration of every client in the process (the handlers' too) while the sandbox
    runs: path-style S3 URLs, because moto routes a virtual-hosted bucket named like a service
    (``logs.s3.amazonaws.com``) to that service."""
    handle, name = tempfile.mkstemp(prefix="sandbox-aws-config-")
    with os.fdopen(handle, "w") as config:
        config.write("[default]\ns3 =\n    addressing_style = path\n")
    path = Path(name)
    undo.callback(path.unlink, missing_ok=True)
    return path


def _put_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
