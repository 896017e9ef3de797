"""sandbox/backup has no import cycle: every import counts (module level, TYPE_CHECKING, in functions)."""

from __future__ import annotations

import ast
import graphlib

from tests.conftest import ROOT

PACKAGE = "sandbox.backup"


def _import_graph() -> dict[str, set[str]]:
    paths = {
        PACKAGE if path.stem == "__init__" else f"{PACKAGE}.{path.stem}": path
        for path in (ROOT / "sandbox" / "backup").glob("*.py")
    }
    graph: dict[str, set[str]] = {module: set() for module in paths}
    for module, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                submodules = {f"{node.module}.{alias.name}" for alias in node.names} & paths.keys()
                targets = submodules or {node.module}
            elif isinstance(node, ast.Import):
                targets = {alias.name for alias in node.names}
            else:
                continue
            graph[module] |= (targets & paths.keys()) - {module}
    return graph


def test_sandbox_backup_has_no_import_cycle() -> None:
    graph = _import_graph()
    assert "sandbox.backup.backend" in graph
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError, naming the cycle


#: about this many lines, then a module says in its docstring why it is one module
MODULE_LINES = 500


def test_no_sandbox_module_is_long_without_saying_why() -> None:
    long_silent = []
    for path in sorted((ROOT / "sandbox").rglob("*.py")):
        text = path.read_text()
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if len(text.splitlines()) > MODULE_LINES and "Why one module" not in docstring:
            long_silent.append(f"{path.relative_to(ROOT)}: {len(text.splitlines())} lines")
    assert long_silent == []
