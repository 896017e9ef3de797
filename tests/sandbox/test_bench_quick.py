"""The benchmarks still run: ``python -m bench --quick`` (every benchmark at a tiny scale) exits 0
and prints every table. Figures are not checked (benchmarks never pass or fail on time), except
the one that is an outcome: a burst of duplicated completion events starts no duplicate copy."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

TABLES = [
    "Cold start: module import",
    "Cold start (import + first invocation) by how the layer is shipped",
    "Handler time: tag event -> backup job started",
    "Native path: tagged resource waits for its plan's next window",
    "AWS API calls per tag event, by operation",
    "Reconcile runs",
    "Steady state, one-day history:",
    "Reconcile API calls by operation",
    "StartCopiesFunction per completed backup",
    "AWS API calls per completed backup",
    "Burst: 20 completion events x 3 deliveries",
    "API calls in the burst, by operation",
    "Per validated test, by type",
    "validate_restore: AWS calls per validated test, by operation",
    "One weekly restore test of a typical resource",
    "A weekly run over 20 protected resources",
]


@pytest.mark.slow
def test_quick_bench_prints_every_table() -> None:
    bench = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert bench.returncode == 0, bench.stderr[-3000:]
    missing = [title for title in TABLES if title not in bench.stdout]
    assert missing == [], bench.stdout
    assert "no duplicates: yes" in bench.stdout
    assert '"level"' not in bench.stdout  # the handlers' JSON logs stay out of the figures
