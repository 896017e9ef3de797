"""The guard of the layer's bytecode (UNVERIFIED on AWS: that Lambda's Python reads the layer's
``__pycache__``): silent when a module has bytecode for this Python, a warning when a cold start
compiled it from source."""

from __future__ import annotations

import importlib.util
import types
from typing import TYPE_CHECKING

import pytest

from backup_autopilot.observability import started_without_bytecode

if TYPE_CHECKING:
    from pathlib import Path


def _module(tmp_path: Path, bytecode: bytes | None) -> types.ModuleType:
    source = tmp_path / "handler_module.py"
    source.write_text("VALUE = 1\n")
    cached = importlib.util.cache_from_source(str(source))
    if bytecode is not None:
        (tmp_path / "__pycache__").mkdir()
        (tmp_path / "__pycache__" / cached.rsplit("/", 1)[-1]).write_bytes(bytecode)
    module = types.ModuleType("handler_module")
    module.__file__, module.__cached__ = str(source), cached  # type: ignore[attr-defined]
    return module


def test_a_module_with_this_pythons_bytecode_is_silent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    module = _module(tmp_path, importlib.util.MAGIC_NUMBER + bytes(12))
    assert started_without_bytecode(module) is False
    assert caplog.records == []


@pytest.mark.parametrize(
    "bytecode", [None, b"\x00\x00\r\n" + bytes(12)], ids=["no bytecode", "another Python's bytecode"]
)
def test_a_module_compiled_at_start_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, bytecode: bytes | None
) -> None:
    module = _module(tmp_path, bytecode)
    assert started_without_bytecode(module) is True
    [warning] = caplog.records
    assert warning.levelname == "WARNING" and "layers/core/Makefile" in warning.getMessage()
    assert warning.python_module == "handler_module"  # type: ignore[attr-defined]


def test_a_module_not_loaded_from_a_source_file_is_not_judged(tmp_path: Path) -> None:
    assert started_without_bytecode(types.ModuleType("built_in")) is False
