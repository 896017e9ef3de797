"""The sandbox is a package of its own: its README's example runs outside this repository.

CI also installs it into a fresh virtual environment (.ci/run, "the sandbox as a package"); this
test runs the same example with .venv's editable install, from a directory that is not the
repository, so only the installed package can provide ``sandbox``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import TYPE_CHECKING

from tests.conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path

EXAMPLE = ROOT / "sandbox" / "examples" / "outside.py"


def test_the_readme_shows_the_example_that_ci_runs() -> None:
    readme = (ROOT / "sandbox" / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert EXAMPLE.read_text() in blocks


def test_the_example_runs_from_outside_the_repository(tmp_path: Path) -> None:
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "show", "backup-autopilot-sandbox"], capture_output=True, check=False
    )
    assert installed.returncode == 0, (
        "the sandbox package is not installed: `make venv` installs it (editable)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "restore COMPLETED: 25 items" in result.stdout
