"""Issue 4: AWS calls per completed backup (StartCopiesFunction), and a burst of completion events
delivered three times each.

The stack copies to two destinations: the DR Region vault (``DrVaultName``, deployed by the
sandbox from dr/template.yaml) and a vault in a second account (``CrossAccountVaultArn``). The
completed backups are EBS volumes' on-demand backups put straight into the sandbox's state
(:mod:`bench.seed`); their ``Backup Job State Change`` COMPLETED events are emitted by the
sandbox's own AWS Backup event code, so they reach the function through the template's rule
exactly as a finished job's event does.

The burst is paced in simulated time (100 completions per simulated second): the sandbox then
drains the notification queue between invocations, as NotifyFunction does in production. All
timings are real time; simulated time does not move while a handler runs.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from typing import TYPE_CHECKING

from bench import ROOT, seed
from bench.apicalls import ApiCallCounter, FunctionCalls
from bench.report import calls_table, heading, median, p95, say, table
from sandbox.backup.events import emit_backup_job
from sandbox.template import read_samconfig
from sandbox.world import SECOND_ACCOUNT_ID

if TYPE_CHECKING:
    from sandbox import Sandbox
    from sandbox.backup.records import BackupJob
    from sandbox.lambda_service import Invocation

FUNCTION = "StartCopiesFunction"
CENTRAL_VAULT = "bench-central-copies"
#: simulated seconds between two completion events of the burst
BURST_PACE_SECONDS = 0.01
DELIVERIES = 3


def _sandbox() -> Sandbox:
    """The stack, copying also to a vault of the second account (created once the world runs)."""
    region = read_samconfig(ROOT / "samconfig.toml", "sandbox").region or "us-east-1"
    central = f"arn:aws:backup:{region}:{SECOND_ACCOUNT_ID}:backup-vault:{CENTRAL_VAULT}"
    return seed.stack(CrossAccountVaultArn=central)


def _completed_backups(sb: Sandbox, count: int) -> list[BackupJob]:
    created = sb.clock.now() - dt.timedelta(minutes=5)
    return [seed.completed_backup(sb, arn, created=created) for arn in seed.ebs_volumes(sb, count)]


def _deliver_one(sb: Sandbox, calls: ApiCallCounter, job: BackupJob) -> tuple[Invocation, FunctionCalls]:
    """One completion event, delivered once; the invocation and the calls it made."""
    before, seen = calls.of(FUNCTION).copy(), len(sb.invocations)
    emit_backup_job(job)
    sb.settle()
    [invocation] = [i for i in sb.invocations[seen:] if i.function == FUNCTION]
    if invocation.outcome != "success":
        raise RuntimeError(f"{FUNCTION} failed: {invocation.error}")
    return invocation, calls.of(FUNCTION).minus(before)


def _started(runs: list[tuple[Invocation, FunctionCalls]]) -> int:
    return sum(len((invocation.result or {}).get("started", [])) for invocation, _ in runs)


def _destinations(sb: Sandbox) -> list[str]:
    """The vaults the stack copies every backup to (StartCopiesFunction's configuration)."""
    environment = sb.router.function(FUNCTION).environment
    return [
        arn for arn in (environment.get("DR_VAULT_ARN"), environment.get("CROSS_ACCOUNT_VAULT_ARN")) if arn
    ]


def _per_backup(sb: Sandbox, calls: ApiCallCounter, count: int) -> None:
    """Issue 4 (a): each completed backup once, then each event again (a replay)."""
    jobs = _completed_backups(sb, count)
    first = [_deliver_one(sb, calls, job) for job in jobs]
    replays = [_deliver_one(sb, calls, job) for job in jobs]
    (cold, cold_calls), warm = first[0], first[1:]
    table(
        "StartCopiesFunction per completed backup (real time)",
        ["delivery", "n", "copies started", "median ms", "p95 ms", "own code, median ms"],
        [
            [
                "first event, cold container",
                1,
                _started(first[:1]),
                cold.duration_ms,
                cold.duration_ms,
                cold.duration_ms - cold_calls.moto_seconds * 1000,
            ],
            [
                "first event, warm",
                len(warm),
                _started(warm),
                median([i.duration_ms for i, _ in warm]),
                p95([i.duration_ms for i, _ in warm]),
                median([i.duration_ms - c.moto_seconds * 1000 for i, c in warm]),
            ],
            [
                "replayed event, warm",
                len(replays),
                _started(replays),
                median([i.duration_ms for i, _ in replays]),
                p95([i.duration_ms for i, _ in replays]),
                median([i.duration_ms - c.moto_seconds * 1000 for i, c in replays]),
            ],
        ],
        ["own code = duration minus the time inside the in-process AWS (moto)"],
    )
    calls_table(
        f"AWS API calls per completed backup ({len(_destinations(sb))} destinations: DR Region vault, "
        "cross-account vault)",
        [
            ("first event (cold)", cold_calls, 1),
            (f"first event, warm (n={len(warm)})", FunctionCalls.sum(c for _, c in warm), len(warm)),
            (f"replay (n={len(replays)})", FunctionCalls.sum(c for _, c in replays), len(replays)),
        ],
        [
            "on-demand backups of unencrypted EBS volumes: a plan backup may add GetBackupPlan, an encrypted "
            "point KMS DescribeKey (both cached per container)"
        ],
    )


def _burst(sb: Sandbox, calls: ApiCallCounter, count: int) -> None:
    """Issue 4 (b): ``count`` completion events, each delivered three times."""
    jobs = _completed_backups(sb, count)
    points = {job.recovery_point_arn for job in jobs}
    destinations = _destinations(sb)
    before, seen = calls.of(FUNCTION).copy(), len(sb.invocations)
    sb.faults.duplicate_deliveries(DELIVERIES)
    started = time.perf_counter()
    for job in jobs:
        emit_backup_job(job)
        sb.advance(BURST_PACE_SECONDS)
    sb.settle()
    wall = time.perf_counter() - started
    sb.faults.duplicate_deliveries(1)
    burst_calls = calls.of(FUNCTION).minus(before)
    runs = [i for i in sb.invocations[seen:] if i.function == FUNCTION]
    copies = [
        j for j in sb.backup_backend().state.copy_jobs.values() if j.source_recovery_point_arn in points
    ]
    pairs = Counter((j.source_recovery_point_arn, j.destination_vault_arn) for j in copies)
    expected = {(point, vault) for point in points for vault in destinations}
    handler_s = sum(i.duration_ms for i in runs) / 1000
    own_s = handler_s - burst_calls.moto_seconds
    failed = sum(1 for i in runs if i.outcome != "success")
    table(
        f"Burst: {count:,} completion events x {DELIVERIES} deliveries",
        ["figure", "value"],
        [
            ["invocations (failed)", f"{len(runs):,} ({failed})"],
            ["copy jobs started", len(copies)],
            [
                "distinct recovery points x destinations",
                f"{len(points):,} x {len(destinations)} = {len(expected):,}",
            ],
            ["duplicate copy jobs", sum(n - 1 for n in pairs.values())],
            ["handler real time, s (sum of invocations)", handler_s],
            ["  of which own code, s", own_s],
            ["wall time of the burst, s (event routing, notify included)", wall],
            ["copies started per second of handler time", len(copies) / handler_s],
            ["copies started per second of own code", len(copies) / own_s],
            ["copies started per second of wall time", len(copies) / wall],
            [
                "invocation median / p95, ms",
                f"{median([i.duration_ms for i in runs]):.1f} / {p95([i.duration_ms for i in runs]):.1f}",
            ],
        ],
        [
            f"no duplicates: {'yes' if len(copies) == len(pairs) and set(pairs) == expected else 'NO'} "
            "(one copy job per recovery point and destination, none missing)",
            "handler time includes the in-process AWS; in moto, GetResources scans every resource and "
            "ListCopyJobs every copy job, so their cost grows with the burst (the own-code rate does not)",
        ],
    )
    table(
        "API calls in the burst, by operation",
        ["operation", "per event", "calls", "moto ms per call"],
        [
            [op, round(n / count, 2), n, burst_calls.moto_by_operation[op] * 1000 / n]
            for op, n in sorted(burst_calls.calls.items())
        ],
        ["per event = per completion event, its 3 deliveries together"],
    )


def run(quick: bool = False) -> None:
    per_backup, burst = (3, 20) if quick else (20, 1_000)
    heading(
        f"Issue 4: copies ({per_backup} completed backups one by one; a burst of {burst:,} x {DELIVERIES})"
    )
    with _sandbox() as sb, ApiCallCounter(sb) as calls:
        sb.client("backup", account=sb.second_account_id).create_backup_vault(BackupVaultName=CENTRAL_VAULT)
        _per_backup(sb, calls, per_backup)
        _burst(sb, calls, burst)
    if quick:
        say("  * --quick: 3 and 20 backups instead of 20 and 1,000")
    else:
        say(
            "  * the issue asks for 10,000 events x 3; the sandbox's cost per call grows with the number "
            "of resources and copy jobs (moto ms per call above), so the burst is 1,000 x 3"
        )
