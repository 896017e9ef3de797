"""Cold start of each function, as whole fresh processes, against a bare boto3 in the same run.

Two ratios per function (issue 12), each the median of :data:`RUNS` interleaved pairs (baseline,
function, baseline, function ...: a load change on the shared machine hits both sides of a pair):

- (a) module import / ``import boto3`` (budget :data:`IMPORT_BUDGET`);
- (b) module import + the handler on its sample event (``events/<function>/``) / ``import boto3`` +
  one client + one call (budget :data:`FIRST_CALL_BUDGET`).

The first invocation does the function's work: the sample event is pointed at resources the seeded
sandbox holds (:func:`working_event`: the sample's plan-tagged table to protect, a volume's completed
backup to copy and record, the completed copy to check), not at names the sandbox never heard of (which would
measure a refusal). validate_restore's sample names a restore job the sandbox does not hold: its
figure is the refusal path (a restore test's job needs a restore testing run, minutes of simulated
time; the restore-test bench measures that path in process).

The processes are ``bench/coldstart_child.py``: the function's environment as the template sets it,
no awscrt (the Lambda runtime has none), botocore stubbed at the HTTP layer with the responses the
sandbox gave when the same event was invoked there first (recorded here, in this process). The
child also reports its peak resident memory and the bytes the handler logged.

The code the children load is built as Lambda gets it (:mod:`bench.layer`): the layer compiled as
``layers/core/Makefile`` compiles it, each function's folder as its build ships it, first on
``PYTHONPATH`` with ``PYTHONDONTWRITEBYTECODE`` set. Not the working tree: whether its
``__pycache__`` is current depends on what ran there last (a module edited since, under
``PYTHONDONTWRITEBYTECODE``, was compiled on every start and counted against the function).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.layer import build, task
from bench.report import quiet

ROOT = Path(__file__).resolve().parent.parent
CHILD = ROOT / "bench" / "coldstart_child.py"
RUNS = 11
IMPORT_BUDGET = 1.3
FIRST_CALL_BUDGET = 1.5
#: the function's sample event for the first invocation (report runs on the same schedule event)
SAMPLES = {
    "copy_outcome": ("CopyOutcomeFunction", "copy_outcome/copy_completed.json"),
    "notify": ("NotifyFunction", "notify/backup_job_failed.json"),
    "protect_resource": ("ProtectResourceFunction", "protect_resource/dynamodb_added.json"),
    "reconcile": ("ReconcileFunction", "reconcile/scheduled.json"),
    "record_backup": ("RecordBackupFunction", "record_backup/backup_completed.json"),
    "report": ("ReportFunction", "reconcile/scheduled.json"),
    "start_copies": ("StartCopiesFunction", "start_copies/backup_completed.json"),
    "validate_restore": ("ValidateRestoreFunction", "validate_restore/restore_test_completed.json"),
}
BASE_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",  # pragma: allowlist secret (fake credentials: nothing leaves)
    "PYTHONDONTWRITEBYTECODE": "1",  # Lambda's disks are read-only: what is not compiled stays so
}
#: environment the child must not get: the Slack secret would make notify post over real HTTP
DROPPED = ("SLACK_WEBHOOK_SECRET_ARN", "AWS_ENDPOINT_URL")


@dataclass
class Recording:
    """One function's first invocation in the sandbox: what the child needs to replay it."""

    function: str
    logical_id: str
    event: Any
    arn: str
    memory: int
    environment: dict[str, str]
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sandbox_outcome: str = ""
    sandbox_log_bytes: int = 0
    calls: int = 0


@dataclass
class Row:
    function: str
    import_ratios: list[float]
    call_ratios: list[float]
    import_ms: list[float]
    call_ms: list[float]
    peak_mb: float
    log_bytes: int
    replayed: int
    missing: int
    outcome: str | None

    @property
    def import_ratio(self) -> float:
        return statistics.median(self.import_ratios)

    @property
    def call_ratio(self) -> float:
        return statistics.median(self.call_ratios)


#: the functions whose sample event is pointed at state the bench creates (:func:`working_event`)
WORKING_EVENTS = frozenset({"protect_resource", "start_copies", "record_backup", "copy_outcome"})


def _envelope(
    sample: dict[str, Any], sb: Any, detail: dict[str, Any], resources: list[str]
) -> dict[str, Any]:
    return {
        **sample,
        "time": sb.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "detail": detail,
        "resources": resources,
    }


def working_event(sb: Any, function: str, sample: dict[str, Any]) -> dict[str, Any]:
    """``sample`` pointed at state the sandbox holds, so the invocation does the function's work."""
    from bench import seed
    from sandbox.backup.events import backup_job_detail, copy_job_detail

    if function not in WORKING_EVENTS:
        return sample
    if function == "protect_resource":  # the sample's own table, as tagged in the sample
        table = seed.tagged_table(sb, sample["resources"][0].rsplit("/", 1)[-1], sample["detail"]["tags"])
        return _envelope(sample, sb, sample["detail"], [table])
    [volume] = seed.ebs_volumes(sb, 1, seed.PLAN_TAG)
    job = seed.completed_backup(sb, volume, created=sb.clock.now() - dt.timedelta(minutes=10))
    assert job.recovery_point_arn is not None
    if function != "copy_outcome":
        return _envelope(sample, sb, backup_job_detail(job), [job.recovery_point_arn])
    destination = sb.router.function("StartCopiesFunction").environment["DR_VAULT_ARN"]
    copy = seed.completed_copy(sb, job, destination)
    return _envelope(sample, sb, copy_job_detail(copy), [job.recovery_point_arn])


def record(functions: list[str]) -> dict[str, Recording]:
    """Invoke each function's sample event once in the sandbox and keep what AWS answered."""
    from moto.core.botocore_stubber import BotocoreStubber

    from bench import seed

    recordings: dict[str, Recording] = {}
    current: list[Recording | None] = [None]
    original = BotocoreStubber.__call__

    def recording(stubber: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
        response = original(stubber, event_name, request, **kwargs)
        target = current[0]
        if target is not None and os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and response is not None:
            target.calls += 1
            target.answers.setdefault(event_name, []).append(
                {
                    "status": response.status_code,
                    "headers": dict(response.headers),
                    "body": base64.b64encode(response.content or b"").decode(),
                }
            )
        return response

    with seed.stack() as sb:
        BotocoreStubber.__call__ = recording  # type: ignore[method-assign,assignment]
        try:
            # the sweeps first: the resources made for the other functions' events would be theirs too
            # (a replay in the child, at another time, would then ask for more than was recorded)
            for name in sorted(functions, key=lambda name: name in WORKING_EVENTS):
                logical_id, sample = SAMPLES[name]
                spec = sb.router.function(logical_id)
                rec = Recording(
                    function=name,
                    logical_id=logical_id,
                    event=working_event(sb, name, json.loads((ROOT / "events" / sample).read_text())),
                    arn=spec.spec.arn,
                    memory=spec.memory,
                    environment={k: v for k, v in spec.environment.items() if k not in DROPPED},
                )
                current[0] = rec
                invocation = sb.invoke(logical_id, rec.event)
                current[0] = None
                rec.sandbox_outcome = str((invocation.result or {}).get("outcome", invocation.outcome))
                rec.sandbox_log_bytes = sum(len(line.encode()) + 1 for line in invocation.stdout)
                recordings[name] = rec
        finally:
            BotocoreStubber.__call__ = original  # type: ignore[method-assign]
    return recordings


def _child(spec: dict[str, Any], environment: dict[str, str]) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.update(BASE_ENV)
    env.update(environment)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(spec, file)
    try:
        out = subprocess.run(
            [sys.executable, str(CHILD), file.name],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
    finally:
        Path(file.name).unlink()
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def measure(rec: Recording, runs: int, layer: Path, function: Path) -> Row:
    """``runs`` interleaved pairs for each ratio (baseline first in every pair), the function's
    folder and the layer first on the path of both (Lambda's ``/var/task``, then ``/opt/python``)."""
    common = {"path": str(function / "app.py"), "event": rec.event, "arn": rec.arn, "memory": rec.memory}
    environment = {**rec.environment, "PYTHONPATH": f"{function}:{layer}"}
    import_ratios, call_ratios, import_ms, call_ms, peaks = [], [], [], [], []
    last: dict[str, Any] = {}
    for _ in range(runs):
        base = _child({"mode": "import-boto3"}, environment)["seconds"]
        ours = _child({"mode": "import-function", **common}, environment)["seconds"]
        import_ratios.append(ours / base)
        import_ms.append(ours * 1000)
        base = _child({"mode": "boto3-call"}, environment)["seconds"]
        last = _child({"mode": "function-call", "answers": rec.answers, **common}, environment)
        call_ratios.append(last["seconds"] / base)
        call_ms.append(last["seconds"] * 1000)
        peaks.append(last["peak_mb"])
    return Row(
        function=rec.function,
        import_ratios=import_ratios,
        call_ratios=call_ratios,
        import_ms=import_ms,
        call_ms=call_ms,
        peak_mb=max(peaks),
        log_bytes=last["log_bytes"],
        replayed=last["replayed"],
        missing=last["missing"],
        outcome=last["outcome"],
    )


def _range(values: list[float]) -> str:
    ordered = sorted(values)
    quarter = len(ordered) // 4
    return f"{ordered[quarter]:.2f}-{ordered[-1 - quarter]:.2f}"


def main(functions: list[str] | None = None) -> list[Row]:
    names = functions or sorted(SAMPLES)
    with quiet():  # the handlers' log lines, as they run once in the sandbox, stay out of the report
        recordings = record(names)
    with tempfile.TemporaryDirectory() as scratch:
        layer = build(Path(scratch) / "layer", compiled=True)
        rows = [measure(recordings[name], RUNS, layer, task(Path(scratch), name)) for name in names]
    print(
        f"\nCold start: module import and first invocation, fresh processes, median of {RUNS} "
        "interleaved pairs per ratio "
        f"(a) module import / import boto3 (budget {IMPORT_BUDGET}x); "
        f"(b) import + first invocation / import boto3 + client + call (budget {FIRST_CALL_BUDGET}x)"
    )
    header = (
        f"  {'function':<18}{'(a) x':>7}{'IQR':>12}{'ms':>6}{'(b) x':>8}{'IQR':>12}{'ms':>6}"
        f"{'peak MB':>9}{'log B':>7}{'calls':>7}  outcome"
    )
    print(header)
    for row in rows:
        flag = "" if row.import_ratio <= IMPORT_BUDGET and row.call_ratio <= FIRST_CALL_BUDGET else "  OVER"
        print(
            f"  {row.function:<18}{row.import_ratio:>7.2f}{_range(row.import_ratios):>12}"
            f"{statistics.median(row.import_ms):>6.0f}{row.call_ratio:>8.2f}{_range(row.call_ratios):>12}"
            f"{statistics.median(row.call_ms):>6.0f}{row.peak_mb:>9.1f}{row.log_bytes:>7}"
            f"{row.replayed:>4}/{row.replayed + row.missing:<2}  {row.outcome}{flag}"
        )
    print(
        "  IQR: the middle half of the pairs' ratios; ms: the function's own median; calls: AWS requests "
        "answered from the sandbox's recording / made (the rest got an empty 200)"
    )
    return rows


if __name__ == "__main__":
    main(sys.argv[1:] or None)
