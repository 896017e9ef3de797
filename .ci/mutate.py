"""Mutation testing (``make mutate``): mutmut over the layer package's logic, adapters and inbound.py,
against the fast unit tests (tests/unit), on every core.

mutmut imports the mutated code from ``mutants/<source dir>`` and supports ``.``, ``src`` or
``source`` as the source directory; the layer package lives in ``layers/core``. So this script
stages a copy of the project in ``.mutmut/`` (gitignored) where the package is ``src/backup_autopilot``
and the unit tests, their helpers, the sample events and the handlers sit where they do here, writes
mutmut's and pytest's configuration there, and runs mutmut in it. Nothing in the working tree is
mutated (other runs of the tests never see a mutant). mutmut keeps its results in
``.mutmut/mutants``: a second run only tests the functions whose code changed (after a change to
the tests, run it with ``--fresh``).

Scope it on 2 cores (a full run makes 12,825 mutants: hours on 2 cores; 10,202 ran in 75 minutes):
arguments are module globs relative to the package, e.g. ``python .ci/mutate.py logic/copies/*`` or
``make mutate MUTATE="inbound.py adapters/events.py"``. The report prints the score (killed /
(killed + survived): mutants that timed out count as killed, "no tests" mutants as survivors) and
every survivor, and writes ``.mutmut/report.json``. It never fails on the score: it exits non-zero
only when mutmut itself cannot run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGE = ROOT / ".mutmut"
PACKAGE = ROOT / "layers" / "core" / "backup_autopilot"
#: what is mutated, relative to the package (the issue's scope)
SCOPE = ["logic/*", "adapters/*", "inbound.py"]
#: unit tests that do not exercise the package's logic (template translation and linting, the
#: architecture contracts): not run against each mutant
NOT_MUTATION_TESTS = [
    "tests/unit/test_template.py",
    "tests/unit/test_template_reliability.py",
    "tests/unit/test_iam.py",
    "tests/unit/test_architecture.py",
    "tests/unit/test_operator_view_template.py",
]
#: tests that run the handlers in a fresh interpreter (import time): the staged package is not on its path
DESELECTED = ["tests/unit/functions/test_notify.py::test_the_handler_imports_neither_pydantic_nor_slack_sdk"]
#: what the unit tests read besides the package: their helpers, the sample events, the handlers
ALSO = ["tests", "events", "functions"]


def baseline_failures(ignores: list[str]) -> list[str]:
    """Unit tests that fail on the unmutated code (mutmut needs a green baseline): left out, and said."""
    env = {**os.environ, "PYTHONPATH": "src", "HYPOTHESIS_PROFILE": "ci"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/unit", "-q", "-p", "no:cacheprovider", "-rf", *ignores],
        cwd=STAGE,
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )
    return [line.split()[1] for line in done.stdout.splitlines() if line.startswith("FAILED ")]


def stage(scope: list[str]) -> list[str]:
    """The staged project: a fresh copy of the sources, the cache of earlier results kept. Returns
    the unit tests left out because they fail without any mutant."""
    STAGE.mkdir(exist_ok=True)
    for name in ("src", *ALSO):
        shutil.rmtree(STAGE / name, ignore_errors=True)
    shutil.copytree(PACKAGE, STAGE / "src" / "backup_autopilot", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ALSO:
        shutil.copytree(
            ROOT / name, STAGE / name, ignore=shutil.ignore_patterns("__pycache__", "integration", "sandbox")
        )
    only = [f"src/backup_autopilot/{pattern}" for pattern in scope]
    ignores = [f"--ignore={path}" for path in NOT_MUTATION_TESTS] + [f"--deselect={t}" for t in DESELECTED]
    failing = baseline_failures(ignores)
    ignores = list(dict.fromkeys([*ignores, *(f"--deselect={test}" for test in failing)]))
    (STAGE / "pyproject.toml").write_text(
        "\n".join(
            [
                "# written by .ci/mutate.py: the staged project's mutmut and pytest configuration",
                "[tool.mutmut]",
                'source_paths = ["src"]',
                f"only_mutate = {json.dumps(only)}",
                f"also_copy = {json.dumps(ALSO)}",
                'pytest_add_cli_args_test_selection = ["tests/unit"]',
                f"pytest_add_cli_args = {json.dumps(['-p', 'no:cacheprovider', '-q', *ignores])}",
                "",
                "[tool.pytest.ini_options]",
                'pythonpath = ["."]',
                'markers = ["integration: real AWS", "slow: slow", "fuzz: property tests"]',
                "",
            ]
        )
    )
    return failing


def mutmut(*args: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("mutmut")
    env = {**os.environ, "HYPOTHESIS_PROFILE": "ci"}
    return subprocess.run(
        [str(executable), *args], cwd=STAGE, env=env, text=True, capture_output=True, check=False
    )


def report() -> dict[str, object]:
    """mutmut's results: the counts, the score and the survivors."""
    exported = mutmut("export-cicd-stats")
    if exported.returncode != 0:
        raise SystemExit(f"mutmut export-cicd-stats failed:\n{exported.stdout}\n{exported.stderr}")
    stats = json.loads((STAGE / "mutants" / "mutmut-cicd-stats.json").read_text())
    listed = mutmut("results", "--all", "true")
    statuses: Counter[str] = Counter()
    survivors = []
    for line in listed.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        statuses[status] += 1
        if status in {"survived", "no tests"}:
            survivors.append(f"{name} ({status})")
    killed = int(stats.get("killed", 0)) + int(stats.get("timeout", 0))
    survived = int(stats.get("survived", 0)) + int(stats.get("no_tests", 0))
    score = killed / (killed + survived) if killed + survived else 0.0
    return {"stats": stats, "statuses": dict(statuses), "score": score, "survivors": sorted(survivors)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "modules", nargs="*", help="module globs relative to the package (default: the scope)"
    )
    parser.add_argument("--fresh", action="store_true", help="forget earlier results (.mutmut/mutants)")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    scope = args.modules or SCOPE
    previous = STAGE / "scope.json"
    if args.fresh or not previous.exists() or json.loads(previous.read_text()) != scope:
        shutil.rmtree(STAGE, ignore_errors=True)  # mutmut's cache holds the mutants of another scope
    STAGE.mkdir(exist_ok=True)
    previous.write_text(json.dumps(scope))
    failing = stage(scope)
    print(f"mutating {', '.join(scope)} of backup_autopilot (staged in {STAGE})", flush=True)
    for test in failing:
        print(f"  left out (fails without any mutant): {test}", flush=True)
    run = subprocess.run(
        [str(Path(sys.executable).with_name("mutmut")), "run", "--max-children", str(args.max_children)],
        cwd=STAGE,
        env={**os.environ, "HYPOTHESIS_PROFILE": "ci"},
        check=False,
    )
    if run.returncode != 0:
        print(f"mutmut run exited {run.returncode}", file=sys.stderr)
        return run.returncode
    result = {**report(), "left_out": failing}
    (STAGE / "report.json").write_text(json.dumps(result, indent=2))
    print()
    print(f"mutation score: {result['score']:.1%} of mutants killed (timeouts count as killed)")
    print(f"by status: {result['statuses']}")
    print("survivors:")
    for survivor in result["survivors"]:  # type: ignore[attr-defined]
        print(f"  {survivor}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
