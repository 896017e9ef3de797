"""Issue 9: a reliability report (``make chaos``, ``python -m bench.chaos [--quick]``).

What chaos costs the stack, in the sandbox (the real template.yaml and handlers, AWS Backup
extended, AWS's events, CloudWatch alarms evaluated on the simulated clock):

1. **Duplicated completion events**: every completed backup's event delivered many times, in a
   seeded random order: how many copy jobs per recovery point and destination.
2. **Throttling** of AWS Backup's API at 30 % and 60 % (every operation; botocore retries each
   call five times): what was not protected or not copied when the throttling ended, where the
   failed events went, which alarms fired, and what was still missing one reconcile period later.
   "Lost silently" = missing at the end and no alarm fired.
3. **Lossy delivery**: 5 % of AWS's events dropped, the rest up to 5 minutes late: how long a
   tagged resource waited for its backup, and a completed backup for its copy (the goal: within
   one reconcile period).
4. **A crash in each handler**: the function raises on every invocation: retried, dead-lettered
   (FailedEventsQueue, or NotificationDLQ for notify), alarmed (which alarms, how soon).

Figures, never pass/fail on time; the outcomes (duplicates, losses, alarms) are counts. The same
seed gives the same run. ``--quick`` runs every scenario at a tiny scale (the test suite runs it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bench import ROOT, seed
from bench.report import heading, median, quiet, say, table
from sandbox import retry_sleeps
from sandbox.backup.events import emit_backup_job
from sandbox.template import read_samconfig
from sandbox.world import SECOND_ACCOUNT_ID

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox import Sandbox
    from sandbox.backup.state import BackupState
    from sandbox.lambda_service import Invocation

SEED = 9
HOUR = 3600
#: the stack's reconcile period (ReconcileSchedule's default, rate(1 hour))
RECONCILE_PERIOD = HOUR
CENTRAL_VAULT = "chaos-central-copies"


@dataclass
class Scale:
    points: int  # completed backups whose events are duplicated
    deliveries: int  # deliveries of each completion event
    tables: int  # tables tagged in the throttling scenario
    lossy_tables: int  # tables tagged in the lossy-delivery scenario


#: 10,000 completion events, each of 250 backups delivered 40 times: moto's cost per call grows with the
#: copy jobs and resources it holds (README, copy burst), so the events repeat fewer distinct backups
FULL = Scale(points=250, deliveries=40, tables=40, lossy_tables=100)
QUICK = Scale(points=10, deliveries=3, tables=6, lossy_tables=10)


# -- helpers ----------------------------------------------------------------------------------------
def _state(sb: Sandbox) -> BackupState:
    return sb.backup_backend().state


def _dr_vault_arn(sb: Sandbox) -> str:
    return str(sb.router.function("StartCopiesFunction").environment["DR_VAULT_ARN"])


def _advanced_dynamodb(sb: Sandbox) -> None:
    sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})


def _queue_depth(sb: Sandbox, logical_id: str) -> int:
    attributes = sb.client("sqs").get_queue_attributes(
        QueueUrl=sb.physical_id(logical_id),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def _alarms_raised(sb: Sandbox, since: dt.datetime | None = None) -> list[tuple[str, dt.datetime]]:
    """(alarm name without the stack prefix, when) of every transition to ALARM."""
    prefix = f"{sb.stack_name}-"
    return [
        (t.alarm.removeprefix(prefix), t.time)
        for t in sb.cloudwatch.history
        if t.new == "ALARM" and (since is None or t.time >= since)
    ]


def _alarm_messages(sb: Sandbox) -> int:
    topic = sb.physical_id("AlertsTopic")
    return sum(
        1
        for n in sb.notifications
        if n["TopicArn"] == topic and str(n["Subject"] or "").startswith("ALARM: ")
    )


@dataclass
class Coverage:
    """Which tagged tables have a completed backup, and which of their points a DR copy."""

    tables: dict[str, str] = field(default_factory=dict)  # arn -> name
    unprotected: list[str] = field(default_factory=list)
    uncopied: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return len(self.unprotected) + len(self.uncopied)


def _coverage(sb: Sandbox, tables: dict[str, str]) -> Coverage:
    state, dr, primary = _state(sb), _dr_vault_arn(sb), sb.physical_id("PrimaryVault")
    points = [
        p
        for p in state.recovery_points.values()
        if p.vault_name == primary and p.resource_arn in tables and p.status == "COMPLETED"
    ]
    copied = {
        c.source_recovery_point_arn
        for c in state.copy_jobs.values()
        if c.destination_vault_arn == dr and c.state == "COMPLETED"
    }
    protected = {p.resource_arn for p in points}
    return Coverage(
        tables=tables,
        unprotected=sorted(tables[arn] for arn in tables if arn not in protected),
        uncopied=sorted(p.arn for p in points if p.arn not in copied),
    )


# -- 1. duplicated completion events -----------------------------------------------------------------
def duplicated_completions(scale: Scale) -> None:
    heading(
        f"Duplicated completion events: {scale.points:,} completed backups x {scale.deliveries} deliveries"
    )
    rng = random.Random(SEED)
    with seed.stack(CrossAccountVaultArn=_central_vault()) as sb:
        sb.client("backup", account=SECOND_ACCOUNT_ID).create_backup_vault(BackupVaultName=CENTRAL_VAULT)
        created = sb.clock.now() - dt.timedelta(minutes=5)
        jobs = [seed.completed_backup(sb, arn, created=created) for arn in seed.ebs_volumes(sb, scale.points)]
        deliveries = [job for job in jobs for _ in range(scale.deliveries)]
        rng.shuffle(deliveries)
        seen = len(sb.invocations)
        started = time.perf_counter()
        for job in deliveries:
            emit_backup_job(job)
            sb.advance(0.01)
        sb.advance(HOUR)  # the copies run, the hourly reconcile's copy sweep looks again
        wall = time.perf_counter() - started
        points = {job.recovery_point_arn for job in jobs}
        destinations = [d for d in (_dr_vault_arn(sb), _central_vault()) if d]
        copies = [c for c in _state(sb).copy_jobs.values() if c.source_recovery_point_arn in points]
        pairs = Counter((c.source_recovery_point_arn, c.destination_vault_arn) for c in copies)
        expected = {(point, vault) for point in points for vault in destinations}
        runs = [i for i in sb.invocations[seen:] if i.function == "StartCopiesFunction"]
        table(
            "Outcome",
            ["figure", "value"],
            [
                ["completion events delivered", f"{len(deliveries):,}"],
                [
                    "StartCopiesFunction invocations (failed)",
                    f"{len(runs):,} ({sum(i.outcome != 'success' for i in runs)})",
                ],
                [
                    "recovery points x destinations",
                    f"{len(points):,} x {len(destinations)} = {len(expected):,}",
                ],
                ["copy jobs started", f"{len(copies):,}"],
                ["duplicate copy jobs", sum(n - 1 for n in pairs.values())],
                ["missing copies", len(expected - set(pairs))],
                ["alarms raised", ", ".join(name for name, _ in _alarms_raised(sb)) or "none"],
                ["wall time, s", wall],
            ],
            [
                "each event delivered at a random moment among the others (seeded), 0.01 simulated s apart",
                "no duplicates: " + ("yes" if len(copies) == len(pairs) and set(pairs) == expected else "NO"),
            ],
        )


def _central_vault() -> str:
    region = read_samconfig(ROOT / "samconfig.toml", "sandbox").region or "us-east-1"
    return f"arn:aws:backup:{region}:{SECOND_ACCOUNT_ID}:backup-vault:{CENTRAL_VAULT}"


# -- 2. throttling -------------------------------------------------------------------------------------
#: how long AWS Backup's API stays throttled
THROTTLE_WINDOW = 2 * HOUR


@dataclass
class ThrottleRun:
    rate: float
    start: dt.datetime
    at_end: Coverage
    later: Coverage
    failed: Counter[str]
    dead_lettered: int
    alarms: list[tuple[str, dt.datetime]]
    alarm_messages: int
    throttled_calls: int
    backoff_seconds: float

    @property
    def silent(self) -> int:
        """What was missing when the throttling ended while no alarm had fired."""
        return self.at_end.lost if not self.alarms else 0


def _throttled(rate: float, tables: int) -> ThrottleRun:
    with seed.stack() as sb:
        _advanced_dynamodb(sb)
        slept = len(retry_sleeps.SLEPT)
        fault = sb.faults.throttle("backup", rate=rate)
        seen, start = len(sb.invocations), sb.clock.now()
        arns = {
            sb.create_table(f"t{n:03d}", items=1, tags={"backup-plan": "daily"}): f"t{n:03d}"
            for n in range(tables)
        }
        sb.advance(THROTTLE_WINDOW)
        at_end = _coverage(sb, arns)
        alarms = _alarms_raised(sb, start)
        sb.faults.clear()
        dead = _queue_depth(sb, "FailedEventsQueue") + _queue_depth(sb, "NotificationDLQ")
        sb.advance(RECONCILE_PERIOD + 15 * 60)  # one reconcile after the throttling ended
        failed = Counter(i.function for i in sb.invocations[seen:] if i.outcome == "error")
        return ThrottleRun(
            rate=rate,
            start=start,
            at_end=at_end,
            later=_coverage(sb, arns),
            failed=failed,
            dead_lettered=dead,
            alarms=alarms,
            alarm_messages=_alarm_messages(sb),
            throttled_calls=fault.hits,
            backoff_seconds=sum(retry_sleeps.SLEPT[slept:]),
        )


def throttling(scale: Scale) -> None:
    heading(
        f"Throttling of AWS Backup's API: {scale.tables} tables tagged, "
        f"{THROTTLE_WINDOW // HOUR} h of throttling"
    )
    runs = [_throttled(rate, scale.tables) for rate in (0.3, 0.6)]

    def row(label: str, value: Callable[[ThrottleRun], object]) -> list[object]:
        return [label, *(value(run) for run in runs)]

    def first_alarm(run: ThrottleRun) -> object:
        first = min((when for _, when in run.alarms), default=None)
        return "-" if first is None else (first - run.start).total_seconds() / 60

    table(
        "What throttling cost",
        ["figure", *(f"{run.rate:.0%} throttled" for run in runs)],
        [
            row("AWS Backup calls throttled (botocore retried them)", lambda r: r.throttled_calls),
            row("back-off botocore asked for, s (simulated: no real wait)", lambda r: r.backoff_seconds),
            row("failed invocations", lambda r: sum(r.failed.values())),
            row("events dead-lettered (FailedEventsQueue, NotificationDLQ)", lambda r: r.dead_lettered),
            row("unprotected tables when the throttling ended", lambda r: len(r.at_end.unprotected)),
            row("uncopied backups when the throttling ended", lambda r: len(r.at_end.uncopied)),
            row("ALARM messages on the alerts topic", lambda r: r.alarm_messages),
            row("first alarm, minutes after the tags", first_alarm),
            row("LOST SILENTLY (missing, no alarm)", lambda r: r.silent),
            row("missing one reconcile period after it ended", lambda r: r.later.lost),
        ],
        [
            *(
                f"{run.rate:.0%}: failed invocations: "
                + (", ".join(f"{f} {n}" for f, n in sorted(run.failed.items())) or "none")
                + "; alarms: "
                + (", ".join(sorted({name for name, _ in run.alarms})) or "none")
                for run in runs
            ),
            "every AWS Backup operation throttled with that probability (ThrottlingException, seeded); "
            "botocore's standard mode retries each call up to 5 times",
            "a failed asynchronous event is retried twice by Lambda, then kept in FailedEventsQueue; "
            "the hourly reconcile protects and copies what is missing once AWS Backup answers again",
        ],
    )


# -- 3. lossy delivery -----------------------------------------------------------------------------------
def lossy_delivery(scale: Scale) -> None:
    heading(
        f"Lossy delivery: {scale.lossy_tables} tables tagged; 5 % of AWS's events dropped, "
        "the rest up to 5 minutes late"
    )
    with seed.stack() as sb:
        _advanced_dynamodb(sb)
        sb.faults.drop_events("aws.*", rate=0.05)
        sb.faults.delay_events("aws.*", up_to_minutes=5)
        tagged: dict[str, dt.datetime] = {}
        names: dict[str, str] = {}
        for n in range(scale.lossy_tables):
            arn = sb.create_table(f"lossy-{n:03d}", items=1, tags={"backup-plan": "daily"})
            tagged[arn], names[arn] = sb.clock.now(), f"lossy-{n:03d}"
            sb.advance(6)
        sb.advance(3 * HOUR)
        state, dr, primary = _state(sb), _dr_vault_arn(sb), sb.physical_id("PrimaryVault")
        first_job: dict[str, dt.datetime] = {}
        for job in sorted(state.backup_jobs.values(), key=lambda j: j.creation_date):
            if job.resource_arn in tagged:
                first_job.setdefault(job.resource_arn, job.creation_date)
        protect_lag = [
            (first_job[arn] - at).total_seconds() for arn, at in tagged.items() if arn in first_job
        ]
        first_copy: dict[str, dt.datetime] = {}
        for copy in sorted(state.copy_jobs.values(), key=lambda c: c.creation_date):
            if copy.destination_vault_arn == dr:
                first_copy.setdefault(copy.source_recovery_point_arn, copy.creation_date)
        points = [
            p
            for p in state.recovery_points.values()
            if p.vault_name == primary and p.resource_arn in tagged and p.completion_date is not None
        ]
        copy_lag = [
            (first_copy[p.arn] - p.completion_date).total_seconds()
            for p in points
            if p.arn in first_copy and p.completion_date is not None
        ]
        dropped = Counter(str(e.get("detail-type")) for e in sb.dropped_events())
        late = sum(1 for record in sb.delivery_log if record.action == "delayed")
        unprotected = len(tagged) - len(protect_lag)
        uncopied = len(points) - len(copy_lag)
        within = (
            unprotected == 0
            and uncopied == 0
            and max(protect_lag, default=0) <= RECONCILE_PERIOD
            and max(copy_lag, default=0) <= RECONCILE_PERIOD
        )
        table(
            "Outcome (3 simulated hours)",
            ["figure", "value"],
            [
                ["AWS events dropped", sum(dropped.values())],
                ["AWS events delivered late", late],
                ["tables tagged / with a backup job", f"{len(tagged)} / {len(protect_lag)}"],
                [
                    "tag -> backup job, s: median / max",
                    f"{median(protect_lag):.0f} / {max(protect_lag, default=0):.0f}",
                ],
                ["backups completed / copied to the DR Region", f"{len(points)} / {len(copy_lag)}"],
                [
                    "completed -> copy job, s: median / max",
                    f"{median(copy_lag):.0f} / {max(copy_lag, default=0):.0f}",
                ],
                [
                    f"everything protected and copied within one reconcile period ({RECONCILE_PERIOD} s)",
                    "yes" if within else "NO",
                ],
            ],
            [
                "dropped: " + (", ".join(f"{k} {v}" for k, v in sorted(dropped.items())) or "none"),
                "the tag events and completion events that never arrive are caught by the hourly reconcile "
                "(its inventory sweep and its copy sweep); late ones simply start their work late",
            ],
        )


# -- 4. a crash in each handler ------------------------------------------------------------------------------
def _crash(function: str) -> list[object]:
    with seed.stack() as sb:
        _advanced_dynamodb(sb)
        sb.faults.crash_function(function)
        start = sb.clock.now()
        arn = sb.create_table("crash-orders", items=3, tags={"backup-plan": "daily"})
        sb.advance(15 * 60)  # backed up and copied (or not)
        points = [p for p in _state(sb).recovery_points.values() if p.resource_arn == arn]
        if points:
            sb.client("backup").start_restore_job(
                RecoveryPointArn=points[0].arn,
                Metadata={"targetTableName": "crash-orders-restored"},
                IamRoleArn=sb.outputs["RestoreTestRoleArn"],
                ResourceType="DynamoDB",
            )
        # the report runs daily in the sandbox's configuration (samconfig.toml): a day and an hour
        sb.advance(25 * HOUR if function == "ReportFunction" else 3 * HOUR)
        failures = [i for i in sb.invocations if i.function == function and i.outcome == "error"]
        first = min((i.started for i in failures), default=None)
        alarms = _alarms_raised(sb, start)
        soonest = min((when for _, when in alarms), default=None)
        dead = {q: _queue_depth(sb, q) for q in ("FailedEventsQueue", "NotificationDLQ")}
        return [
            function,
            len(failures),
            _attempts(failures),
            ", ".join(f"{q} {n}" for q, n in dead.items() if n) or "none",
            ", ".join(sorted({name for name, _ in alarms})) or "none",
            "-" if first is None or soonest is None else f"{(soonest - first).total_seconds() / 60:.0f}",
        ]


def _attempts(failures: list[Invocation]) -> int:
    """How many times one event was tried: Lambda's attempt number, or an SQS message's receives."""
    receives = Counter(
        record.get("messageId")
        for invocation in failures
        if invocation.trigger.startswith("sqs:")
        for record in invocation.event.get("Records", [])
    )
    return max([*receives.values(), *(i.attempt for i in failures)], default=0)


def crashes(scale: Scale) -> None:
    del scale
    heading("A crash in each handler (it raises on every invocation for 3 simulated hours; the report 25)")
    with seed.stack() as sb:
        functions = sorted(sb.router.functions)
    rows = [_crash(function) for function in functions]
    table(
        "Retried, dead-lettered, alarmed",
        [
            "function",
            "failed invocations",
            "attempts per event",
            "dead-lettered (messages)",
            "alarms raised",
            "min to alarm",
        ],
        rows,
        [
            "one tagged table (backup, copy, a restore 15 minutes later) and the hourly schedule "
            "drive every function; ReportFunction runs daily in the sandbox's configuration "
            "(samconfig.toml), so its crash is watched for 25 hours",
            "asynchronous events: 3 attempts (Lambda retries twice), then the on-failure destination; "
            "NotifyFunction's SQS messages: 10 receives, then NotificationDLQ",
            "min to alarm = from the first failure to the first ALARM message on the alerts topic",
        ],
    )


SCENARIOS = {
    "duplicates": duplicated_completions,
    "throttling": throttling,
    "lossy": lossy_delivery,
    "crashes": crashes,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="every scenario at a tiny scale (for tests)")
    parser.add_argument(
        "scenarios", nargs="*", default=None, help=f"any of {', '.join(SCENARIOS)} (default: all)"
    )
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else FULL
    started = time.perf_counter()
    say(
        f"backup-autopilot chaos report{' (--quick: tiny scale)' if args.quick else ''}: "
        f"the sandbox, seed {SEED}"
    )
    unknown = set(args.scenarios or ()) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    for name in args.scenarios or list(SCENARIOS):
        with quiet():
            SCENARIOS[name](scale)
    say()
    say(f"chaos finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
