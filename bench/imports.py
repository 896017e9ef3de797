"""Cold start: import time of each function module next to a bare ``import boto3``, same run.

Each figure is the median of fresh processes (nothing cached in the interpreter), with the
function's environment set as Lambda would, and no awscrt (the Lambda runtime has none).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 9
ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",  # pragma: allowlist secret (moto's fake credentials)
    "STACK_NAME": "backup-autopilot",
    "EVENT_BUS_NAME": "backup-autopilot-events",
    "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:alerts",
    "POWERTOOLS_SERVICE_NAME": "backup-autopilot",
    "POWERTOOLS_METRICS_NAMESPACE": "BackupAutopilot",
    "BACKUP_ROLE_ARN": "arn:aws:iam::123456789012:role/r",
    "PYTHONPATH": str(ROOT / "layers" / "core"),
}
TIMER = "import time,sys;t=time.perf_counter();{stmt};print(time.perf_counter()-t)"


def _median_ms(statement: str) -> float:
    samples = []
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **ENV}
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", TIMER.format(stmt=statement)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        samples.append(float(out.strip().splitlines()[-1]) * 1000)
    return statistics.median(samples)


def _load(function_dir: str) -> str:
    path = ROOT / "functions" / function_dir / "app.py"
    return (
        f"import importlib.util as u;s=u.spec_from_file_location('app',{str(path)!r});"
        "m=u.module_from_spec(s);s.loader.exec_module(m)"
    )


def main() -> list[tuple[str, float, float]]:
    baseline = _median_ms("import boto3")
    rows = [("import boto3 (baseline)", baseline, 1.0)]
    for function in sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()):
        ms = _median_ms(_load(function))
        rows.append((function, ms, ms / baseline))
    print(f"\nCold start: module import, median of {RUNS} fresh processes (budget: <= 1.5x import boto3)")
    print(f"  {'module':<28}{'ms':>8}{'x boto3':>10}")
    for name, ms, ratio in rows:
        print(f"  {name:<28}{ms:>8.0f}{ratio:>10.2f}")
    return rows


if __name__ == "__main__":
    main()
