"""The code a cold start loads, laid out for this machine as Lambda gets it.

- :func:`build`: the layer's ``python/`` folder (``/opt/python`` on Lambda): the venv's copies of the
  layer's packages (the same pinned versions: no download) and the product's package, compiled as
  ``layers/core/Makefile`` compiles them (``unchecked-hash``), or source only as SAM's python builder
  shipped it.
- :func:`task`: a function's own folder (``/var/task``): its ``app.py`` and the packages of its own
  ``requirements.txt``, compiled when a Makefile builds the function (``functions/<name>/Makefile``),
  source only when SAM's python builder does.

The cold-start benches put these first on ``PYTHONPATH`` with ``PYTHONDONTWRITEBYTECODE`` set (as on
Lambda's read-only disks), so what a child process compiles or reads as bytecode is what Lambda
would, whatever ``__pycache__`` folders the working tree happens to hold.
"""

from __future__ import annotations

import compileall
import importlib.metadata
import importlib.util
import py_compile
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the layer's top-level modules (layers/core/requirements.txt and what they require)
LAYER_MODULES = (
    "aws_lambda_powertools",
    "boto3",
    "botocore",
    "dateutil",
    "jmespath",
    "msgspec",
    "s3transfer",
    "six",
    "slack_sdk",
    "typing_extensions",
    "urllib3",
)
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def _copy_module(name: str, destination: Path) -> None:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, name
    origin = Path(spec.origin)
    if origin.name == "__init__.py":
        shutil.copytree(origin.parent, destination / name, ignore=_IGNORE)
    else:
        shutil.copy2(origin, destination / origin.name)


def _compile(folder: Path) -> None:
    compileall.compile_dir(
        folder, quiet=1, workers=0, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )


def build(target: Path, *, compiled: bool) -> Path:
    """The layer's ``python/`` folder under ``target`` (compiled as the Makefile does when ``compiled``)."""
    python = target / "python"
    python.mkdir(parents=True)
    for name in LAYER_MODULES:
        _copy_module(name, python)
    shutil.copytree(
        ROOT / "layers" / "core" / "backup_autopilot", python / "backup_autopilot", ignore=_IGNORE
    )
    if compiled:
        _compile(python)
    return python


def requirement_modules(function: str) -> list[str]:
    """The top-level modules of ``functions/<function>/requirements.txt``'s packages (as installed)."""
    requirements = ROOT / "functions" / function / "requirements.txt"
    if not requirements.exists():
        return []
    names = {
        re.split(r"[=<>!~\[; ]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")
        for line in requirements.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }
    modules = {
        module
        for module, distributions in importlib.metadata.packages_distributions().items()
        if any(d.lower().replace("_", "-") in names for d in distributions) and not module.startswith("_")
    }
    return sorted(modules)


def built_by_makefile(function: str) -> bool:
    return (ROOT / "functions" / function / "Makefile").exists()


def task(target: Path, function: str) -> Path:
    """``functions/<function>`` as its build ships it, under ``target``."""
    folder = target / function
    folder.mkdir(parents=True)
    shutil.copy2(ROOT / "functions" / function / "app.py", folder / "app.py")
    for module in requirement_modules(function):
        _copy_module(module, folder)
    if built_by_makefile(function):
        _compile(folder)
    return folder
