"""The reliability report still runs: ``python -m bench.chaos --quick`` (every scenario at a tiny scale)
exits 0 and prints every table. Times are never checked; the outcomes are counts, and these are:
no duplicate copy, nothing lost silently, every lost or late event caught up within one reconcile
period, and every crashing function dead-lettered and alarmed."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

FUNCTIONS = (
    "CopyOutcomeFunction",
    "NotifyFunction",
    "ProtectResourceFunction",
    "ReconcileFunction",
    "RecordBackupFunction",
    "ReportFunction",
    "StartCopiesFunction",
    "ValidateRestoreFunction",
)


@pytest.mark.slow
def test_quick_chaos_report() -> None:
    chaos = subprocess.run(
        [sys.executable, "-m", "bench.chaos", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert chaos.returncode == 0, chaos.stderr[-3000:]
    out = chaos.stdout
    assert "no duplicates: yes" in out
    assert re.search(r"LOST SILENTLY \(missing, no alarm\)\s+0\s+0\s*$", out, re.MULTILINE), out
    assert re.search(r"within one reconcile period \(3600 s\)\s+yes\s*$", out, re.MULTILINE), out
    for function in FUNCTIONS:
        # the crash table's row: the function, then its failed invocations and attempts per event
        [row] = re.findall(rf"^\s*{function}\s+[1-9]\d*\s+[1-9]\d*\s+.*$", out, re.MULTILINE)
        assert f"{function}Errors" in row and ("FailedEventsQueue" in row or "NotificationDLQ" in row), row
    assert '"level"' not in out  # the handlers' JSON logs stay out of the report
