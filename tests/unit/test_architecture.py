"""The import contracts in pyproject.toml hold, and they bite: a deliberate violation breaks them.

`make lint` and .ci/run run ``lint-imports`` too; these tests keep the contracts honest (a
contract that cannot fail protects nothing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed in .venv")


def _lint(cwd: Path, pythonpath: list[Path], config: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in pythonpath)}
    args = [str(LINT_IMPORTS), "--no-cache", *([str(config)] if config else [])]
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_the_repository_keeps_every_import_contract() -> None:
    result = _lint(ROOT, [ROOT / "layers" / "core", ROOT])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def _scratch_copy(tmp_path: Path) -> Path:
    """A copy of the layer package and the functions, to break on purpose."""
    shutil.copytree(ROOT / "layers" / "core" / "backup_autopilot", tmp_path / "backup_autopilot")
    shutil.copytree(ROOT / "functions", tmp_path / "functions")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for empty in ("sandbox", "bench", "tests"):  # the other roots, empty here
        (tmp_path / empty).mkdir()
        (tmp_path / empty / "__init__.py").write_text("")
    config = tmp_path / "pyproject.toml"
    return config


def _append(path: Path, code: str) -> None:
    path.write_text(path.read_text() + "\n" + textwrap.dedent(code))


@pytest.mark.parametrize(
    ("module", "code", "contract"),
    [
        ("backup_autopilot/logic/protection.py", "import boto3  # noqa\n", "Pure logic"),
        (
            "backup_autopilot/models/alerts.py",
            "from backup_autopilot.adapters import events  # noqa\n",
            "Layers",
        ),
        ("functions/start_copies/app.py", "import boto3  # noqa\n", "Thin handlers"),
        (
            "backup_autopilot/logic/tokens.py",
            "from backup_autopilot.logic import reconcile  # noqa\n",
            "No import cycle",
        ),
        # leather in the composition root would load with every event handler (cold start)
        ("backup_autopilot/composition.py", "import leather  # noqa\n", "Report apart"),
        ("backup_autopilot/rendering/page.py", "import boto3  # noqa\n", "Rendering only renders"),
        # pydantic (and Powertools' parser models) would cost ~0.4x of import boto3 per cold start
        ("backup_autopilot/models/alerts.py", "import pydantic  # noqa\n", "No pydantic"),
    ],
)
def test_a_deliberate_violation_breaks_its_contract(
    tmp_path: Path, module: str, code: str, contract: str
) -> None:
    config = _scratch_copy(tmp_path)
    assert _lint(tmp_path, [tmp_path], config).returncode == 0  # the copy itself is clean
    _append(tmp_path / module, code)
    result = _lint(tmp_path, [tmp_path], config)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(contract in line for line in broken), result.stdout
