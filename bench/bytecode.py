"""Cold start with the layer as SAM's python builder shipped it (no bytecode) and as
``layers/core/Makefile`` builds it (compiled, unchecked-hash), for each event handler.

SAM's python builder excludes ``*.pyc`` and ``__pycache__`` and installs wheels without compiling;
Lambda's ``/opt`` is read-only, so every cold start compiled each module it imported (boto3's and
botocore's too: the layer bundles its own). This bench builds both layers for this machine from the
packages in the venv (the same pinned versions; no download), then runs the function's first
invocation (``bench/coldstart_child.py``, the recording of :mod:`bench.imports`) in fresh
processes, interleaved pairs, with each layer first on ``PYTHONPATH`` as ``/opt/python`` is on
Lambda, and ``PYTHONDONTWRITEBYTECODE`` set (the source-only layer stays so, as on a read-only disk).
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from bench import imports
from bench.layer import build, task
from bench.report import quiet

FUNCTIONS = ("copy_outcome", "notify", "protect_resource", "reconcile", "record_backup", "start_copies")
RUNS = 7


def main(functions: tuple[str, ...] = FUNCTIONS, runs: int = RUNS) -> dict[str, tuple[float, float]]:
    with quiet():
        recordings = imports.record(list(functions))
    medians: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        layers = {
            "source": build(Path(scratch) / "source", compiled=False),
            "compiled": build(Path(scratch) / "compiled", compiled=True),
        }
        for name in functions:
            rec = recordings[name]
            function = task(Path(scratch) / "functions", name)  # source, as SAM's python builder ships it
            spec = {
                "mode": "function-call",
                "answers": rec.answers,
                "path": str(function / "app.py"),
                "event": rec.event,
                "arn": rec.arn,
                "memory": rec.memory,
            }
            times: dict[str, list[float]] = {"source": [], "compiled": []}
            for _ in range(runs):
                for kind, layer in layers.items():
                    environment = {
                        **rec.environment,
                        "PYTHONPATH": f"{function}:{layer}",
                        "PYTHONDONTWRITEBYTECODE": "1",
                    }
                    times[kind].append(imports._child(spec, environment)["seconds"])
            medians[name] = (statistics.median(times["source"]), statistics.median(times["compiled"]))
    print(
        f"\nCold start (import + first invocation) by how the layer is shipped, median of {runs} "
        "interleaved pairs: source only (SAM's python builder) / compiled (layers/core/Makefile)"
    )
    print(f"  {'function':<18}{'source ms':>10}{'compiled ms':>13}{'ratio':>8}")
    for name, (source, compiled) in medians.items():
        print(f"  {name:<18}{source * 1000:>10.0f}{compiled * 1000:>13.0f}{source / compiled:>8.2f}")
    return medians


def run(quick: bool) -> None:
    if quick:
        main(functions=("protect_resource",), runs=1)
    else:
        main()


if __name__ == "__main__":
    main()
