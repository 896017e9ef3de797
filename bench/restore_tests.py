"""Issue 10: restore tests: what a validated test costs the stack (per type), a weekly run over 1,000
protected resources, and what a weekly run costs in AWS charges.

1. **Per type.** One resource of each type the sandbox restores (DynamoDB, S3, EBS, EC2, RDS,
   Aurora, EFS, FSx for Lustre), tagged ``backup-plan=daily`` and ``backup-restore-test=on`` through
   the API, as a team tags them: first backups, first tests on demand, the next window's backups and
   the weekly run (``RestoreTestStartWindowHours=1``). Every ``validate_restore`` invocation that gave
   a verdict and every ``record_backup`` invocation that recorded the facts of a completed backup is
   measured: AWS requests by operation (:mod:`bench.apicalls`, counted per invocation), handler time
   (real time), and own code (handler time minus the time inside the in-process AWS).
2. **1,000 protected resources.** EBS volumes tagged ``backup-plan=monthly`` and
   ``backup-restore-test=on`` at creation, each with a completed backup two days old whose recovery
   point carries those tags (:mod:`bench.seed`); its completion event reaches the stack as AWS
   sends it, so ``record_backup`` records each source's facts (planning: what a test compares
   against). The weekly run then uses the stack's default 24-hour start window: every test is
   validated by ``validate_restore``, every hourly reconcile's restore-test sweep is measured, until
   the run's one ``Restore Test Report``. (The monthly plan's next window is weeks away: no other
   backups interfere; the reconcile finds every volume within its RPO and, the backups being older
   than its copy sweep's day, no copy to check; the operator report is rendered weekly here.)
3. **Cost of a weekly run**, from ``bench/restore_test_prices.toml`` (AWS's us-east-1 prices, to
   verify): AWS Backup's per-test charge and restore charge per GB, and what each restored copy costs
   for the hours it exists. With the stack, a copy lives from its restore's completion to its
   deletion after the verdict (measured in simulated time: the sandbox deletes 5 minutes after the
   verdict, S3 buckets two days later through lifecycle rules, both UNVERIFIED); without a
   validation result it would live the whole validation window (24 h by default).

Times are real (handler time) or simulated (restore durations, lifetimes); nothing passes or fails on
time.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench import ROOT, seed
from bench.apicalls import ApiCallCounter, FunctionCalls
from bench.report import calls_table, heading, median, p95, say, table
from sandbox import Sandbox
from sandbox.backup.events import emit_backup_job
from sandbox.backup.restore_test_cleanup import S3_CLEANUP_SECONDS
from sandbox.template import load_yaml

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sandbox.lambda_service import Invocation

PRICES = ROOT / "bench" / "restore_test_prices.toml"
VALIDATE = "ValidateRestoreFunction"
RECORD = "RecordBackupFunction"
RECONCILE = "ReconcileFunction"
VERDICTS = frozenset({"Restore Test Passed", "Restore Test Failed"})
TYPES = ("DynamoDB", "S3", "EBS", "EC2", "RDS", "Aurora", "EFS", "FSx")
QUICK_TYPES = ("DynamoDB", "S3", "EBS")
SATURDAY = dt.datetime(2026, 3, 7, 9, 0, tzinfo=dt.UTC)
SUNDAY_RUN = dt.datetime(2026, 3, 8, 5, 0, tzinfo=dt.UTC)
HOUR = 3600
#: the 1,000-resource run: resources and how long (simulated) the bench waits for its report at most
FLEET = 1_000
QUICK_FLEET = 20
#: without a validation result AWS keeps a restored copy for the selection's validation window
DEFAULT_VALIDATION_WINDOW_HOURS = 24


@dataclass
class Measured:
    """One invocation: its record and the AWS requests it made."""

    invocation: Invocation
    calls: FunctionCalls

    @property
    def own_ms(self) -> float:
        return self.invocation.duration_ms - self.calls.moto_seconds * 1000


@dataclass
class PerInvocation:
    """The AWS requests of each invocation of the stack's functions (while the block runs)."""

    sb: Sandbox
    counter: ApiCallCounter
    measured: list[Measured] = field(default_factory=list)

    def __enter__(self) -> PerInvocation:
        containers = self.sb.router.containers
        original: Callable[..., Invocation] = containers.invoke

        def measured(function: Any, event: Any, **kwargs: Any) -> Invocation:
            before = self.counter.of(function.logical_id).copy()
            invocation = original(function, event, **kwargs)
            self.measured.append(Measured(invocation, self.counter.of(function.logical_id).minus(before)))
            return invocation

        self._original = original
        containers.invoke = measured  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        self.sb.router.containers.invoke = self._original  # type: ignore[method-assign]

    def of(self, function: str, outcomes: frozenset[str] | None = None) -> Iterator[Measured]:
        for item in self.measured:
            result = item.invocation.result if isinstance(item.invocation.result, dict) else {}
            if item.invocation.function == function and (
                outcomes is None or result.get("outcome") in outcomes
            ):
                yield item


# -- the resources a team tags ----------------------------------------------------------------------
def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _make(sb: Sandbox, resource_type: str, tags: dict[str, str]) -> str:
    ec2, rds = sb.client("ec2"), sb.client("rds")
    if resource_type == "DynamoDB":
        return sb.create_table("bench-orders", items=1_000, tags=tags)
    if resource_type == "S3":
        s3 = sb.client("s3")
        s3.create_bucket(Bucket="bench-invoices")
        s3.put_bucket_versioning(Bucket="bench-invoices", VersioningConfiguration={"Status": "Enabled"})
        for n in range(100):
            s3.put_object(Bucket="bench-invoices", Key=f"2025/{n:03d}.pdf", Body=b"%PDF-1.7 " * (n + 1))
        s3.put_bucket_tagging(Bucket="bench-invoices", Tagging={"TagSet": _tags(tags)})
        return "arn:aws:s3:::bench-invoices"
    if resource_type == "EBS":
        volume = ec2.create_volume(AvailabilityZone=f"{sb.region}a", Size=16, VolumeType="gp3")["VolumeId"]
        ec2.create_tags(Resources=[volume], Tags=_tags(tags))
        return f"arn:aws:ec2:{sb.region}:{sb.account_id}:volume/{volume}"
    if resource_type == "EC2":
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")
        instance_id = instance["Instances"][0]["InstanceId"]
        ec2.create_tags(Resources=[instance_id], Tags=_tags(tags))
        return f"arn:aws:ec2:{sb.region}:{sb.account_id}:instance/{instance_id}"
    if resource_type == "RDS":
        arn = rds.create_db_instance(
            DBInstanceIdentifier="bench-billing",
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="bench",
            MasterUserPassword="not-a-real-secret-1",  # pragma: allowlist secret
        )["DBInstance"]["DBInstanceArn"]
        rds.add_tags_to_resource(ResourceName=arn, Tags=_tags(tags))
        return str(arn)
    if resource_type == "Aurora":
        cluster = rds.create_db_cluster(
            DBClusterIdentifier="bench-ledger",
            Engine="aurora-postgresql",
            MasterUsername="bench",
            MasterUserPassword="not-a-real-secret-1",  # pragma: allowlist secret
        )["DBCluster"]
        rds.add_tags_to_resource(ResourceName=cluster["DBClusterArn"], Tags=_tags(tags))
        return str(cluster["DBClusterArn"])
    if resource_type == "EFS":
        created = sb.client("efs").create_file_system(CreationToken="bench-home", Encrypted=True)
        sb.client("efs").tag_resource(ResourceId=created["FileSystemId"], Tags=_tags(tags))
        return str(created["FileSystemArn"])
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    fsx = sb.client("fsx")
    arn = fsx.create_file_system(FileSystemType="LUSTRE", StorageCapacity=1200, SubnetIds=[subnet])[
        "FileSystem"
    ]["ResourceARN"]
    fsx.tag_resource(ResourceARN=arn, Tags=_tags(tags))
    return str(arn)


def _restore_jobs(sb: Sandbox) -> list[dict[str, Any]]:
    backup = sb.client("backup")
    pages = backup.get_paginator("list_restore_jobs").paginate()
    return [
        dict(backup.describe_restore_job(RestoreJobId=job["RestoreJobId"]))
        for page in pages
        for job in page["RestoreJobs"]
    ]


def event_type(item: Measured) -> str:
    detail = item.invocation.event.get("detail", {}) if isinstance(item.invocation.event, dict) else {}
    return str(detail.get("resourceType", "?"))


# -- 1. per type ------------------------------------------------------------------------------------
@dataclass
class TypeFigures:
    validations: dict[str, list[Measured]]
    records: dict[str, list[Measured]]
    jobs: list[dict[str, Any]]


def per_type(types: tuple[str, ...] = TYPES) -> TypeFigures:
    on = {"backup-plan": "daily", "backup-restore-test": "on", "backup-copy-to": "none"}
    with (
        Sandbox(
            template=ROOT / "template.yaml",
            start=SATURDAY,
            parameters={"RestoreTestStartWindowHours": "1", **_quieter()},
        ) as sb,
        ApiCallCounter(sb) as counter,
        PerInvocation(sb, counter) as measured,
    ):
        sb.client("backup").update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
        for resource_type in types:
            _make(sb, resource_type, on)
        sb.advance_to(SUNDAY_RUN + dt.timedelta(hours=8))  # FSx: a 7-hour backup, a 3.4-hour restore
        validations: dict[str, list[Measured]] = defaultdict(list)
        for item in measured.of(VALIDATE, VERDICTS):
            validations[event_type(item)].append(item)
        records: dict[str, list[Measured]] = defaultdict(list)
        for item in measured.of(RECORD, frozenset({"Recorded"})):
            if "first_test" not in item.invocation.result:  # the first backup also starts a test
                records[event_type(item)].append(item)
        return TypeFigures(validations, records, _restore_jobs(sb))


# -- 2. 1,000 protected resources --------------------------------------------------------------------
@dataclass
class FleetFigures:
    resources: int
    records: list[Measured]
    validations: list[Measured]
    sweeps: list[Measured]
    report: dict[str, Any] | None
    jobs: list[dict[str, Any]]
    report_delay: dt.timedelta | None


def _quieter() -> dict[str, str]:
    """Parameters that keep the stack's other hourly work out of the 1,000-resource run's real time
    (the operator report, when the template has it, is rendered weekly instead of hourly)."""
    declared = load_yaml(ROOT / "template.yaml").get("Parameters") or {}
    return {"ReportSchedule": "rate(7 days)"} if "ReportSchedule" in declared else {}


def fleet(size: int) -> FleetFigures:
    tags = {"backup-plan": "monthly", "backup-restore-test": "on", "backup-copy-to": "none"}
    with (
        Sandbox(template=ROOT / "template.yaml", start=SATURDAY, parameters=_quieter()) as sb,
        ApiCallCounter(sb) as counter,
        PerInvocation(sb, counter) as measured,
    ):
        points = sb.backup_backend().state.recovery_points
        for arn in seed.ebs_volumes(sb, size, tags):
            job = seed.completed_backup(sb, arn, created=SATURDAY - dt.timedelta(days=2))
            assert job.recovery_point_arn is not None
            points[job.recovery_point_arn].tags = dict(tags)  # AWS copies the resource's tags
            emit_backup_job(job)  # the completion event: record_backup records the facts
        sb.settle()
        sb.advance_to(SUNDAY_RUN)
        limit = SUNDAY_RUN + dt.timedelta(days=3)

        def reports() -> list[dict[str, Any]]:
            return [e["detail"] for e in sb.events if e["detail-type"] == "Restore Test Report"]

        while not reports() and sb.clock.now() < limit:
            sb.advance(HOUR)
        found = reports()
        jobs = _restore_jobs(sb)
        first = min((j["CreationDate"] for j in jobs), default=None)
        report_time = next((e["time"] for e in sb.events if e["detail-type"] == "Restore Test Report"), None)
        delay = (
            dt.datetime.fromisoformat(str(report_time).replace("Z", "+00:00")) - SUNDAY_RUN
            if report_time and first
            else None
        )
        sweeps = [item for item in measured.of(RECONCILE) if item.invocation.started >= SUNDAY_RUN]
        return FleetFigures(
            resources=size,
            records=list(measured.of(RECORD, frozenset({"Recorded"}))),
            validations=list(measured.of(VALIDATE, VERDICTS)),
            sweeps=sweeps,
            report=found[0] if found else None,
            jobs=jobs,
            report_delay=delay,
        )


# -- 3. cost ------------------------------------------------------------------------------------------
def load_prices() -> dict[str, Any]:
    with PRICES.open("rb") as handle:
        return tomllib.load(handle)


def alive_after_verdict_hours(resource_type: str) -> float:
    """How long a restored copy outlives its verdict: AWS deletes it then, at its own pace. The
    sandbox's model (UNVERIFIED): 5 minutes; an S3 bucket through lifecycle rules, two days."""
    if resource_type == "S3":
        return S3_CLEANUP_SECONDS / 3600
    return 5 / 60


def test_cost(
    prices: dict[str, Any], resource_type: str, size_gb: float, restore_minutes: float, alive_hours: float
) -> dict[str, float]:
    """One restore test of a ``size_gb`` resource: AWS Backup's charges and the copy's resource-hours."""
    month = float(prices["hours_per_month"])
    charge = float(prices["restore_testing"]["per_test"])
    restore = float(prices["restore_per_gb"].get(resource_type, 0.0)) * size_gb
    hours = restore_minutes / 60 + alive_hours  # a copy exists while it restores (billed as created)
    storage = float(prices["storage_per_gb_month"].get(resource_type, 0.0)) * size_gb * hours / month
    instance = float(prices["instance_per_hour"].get(resource_type, 0.0)) * hours
    return {"test": charge, "restore": restore, "copy": storage + instance, "hours": hours}


# -- printing ------------------------------------------------------------------------------------------
def _fmt_ms(samples: list[float]) -> str:
    return f"{median(samples):.1f}" if samples else "-"


def first_test(item: Measured) -> bool:
    """The stack's own on-demand test (its validator also tags and deletes the copy)."""
    return bool(item.invocation.result.get("deleted")) or "deletion_deferred" in item.invocation.result


def _median_calls(items: list[Measured]) -> object:
    return statistics.median([i.calls.total() for i in items]) if items else "-"


def print_per_type(figures: TypeFigures) -> None:
    rows = []
    for resource_type in TYPES:
        items = figures.validations.get(resource_type, [])
        weekly = [i for i in items if not first_test(i)]
        first = [i for i in items if first_test(i)]
        records = figures.records.get(resource_type, [])
        rows.append(
            [
                resource_type,
                _median_calls(weekly),
                _fmt_ms([i.invocation.duration_ms for i in weekly]),
                _fmt_ms([i.own_ms for i in weekly]),
                _median_calls(first),
                _fmt_ms([i.invocation.duration_ms for i in first]),
                _median_calls(records),
                _fmt_ms([i.invocation.duration_ms for i in records]),
            ]
        )
    table(
        "Per validated test, by type (validate_restore; record_backup: the facts recorded at backup time)",
        [
            "type",
            "weekly test: calls",
            "handler ms",
            "own code ms",
            "first test: calls",
            "handler ms",
            "record_backup: calls",
            "handler ms",
        ],
        rows,
        [
            "weekly test = the restore testing plan's (AWS deletes the copy); first test = the stack's "
            "on-demand test after opting in (the validator also tags and deletes the copy)",
            "own code = handler time minus the time inside the in-process AWS; on AWS add a round trip "
            "per call",
        ],
    )
    columns: list[tuple[str, FunctionCalls, int]] = []
    for resource_type in TYPES:
        weekly = [i for i in figures.validations.get(resource_type, []) if not first_test(i)]
        if weekly:
            columns.append((resource_type, FunctionCalls.sum(i.calls for i in weekly), len(weekly)))
    calls_table("validate_restore: AWS calls per validated test, by operation", columns)


def print_fleet(run: FleetFigures, prices: dict[str, Any]) -> None:
    tested = len([j for j in run.jobs if j.get("CreatedBy", {}).get("RestoreTestingPlanArn")])
    statuses = Counter(j.get("ValidationStatus", "none") for j in run.jobs)
    deleted = Counter(j.get("DeletionStatus", "none") for j in run.jobs)
    validation_ms = [m.invocation.duration_ms for m in run.validations]
    record_ms = [m.invocation.duration_ms for m in run.records]
    sweep_calls = [m.calls.total() for m in run.sweeps]
    sweep_sum = FunctionCalls.sum(m.calls for m in run.sweeps)
    restore_calls = Counter(
        {op: n for op, n in sweep_sum.calls.items() if "RestoreJob" in op or op.startswith("dynamodb:")}
    )
    restore_calls_per_sweep = sum(restore_calls.values()) / max(1, len(run.sweeps))
    minutes = [
        (j["CompletionDate"] - j["CreationDate"]).total_seconds() / 60
        for j in run.jobs
        if j.get("CompletionDate")
    ]
    counts = (run.report or {}).get("counts", {})
    table(
        f"A weekly run over {run.resources:,} protected resources (EBS volumes; 24 h start window)",
        ["", "value"],
        [
            ["planning: record_backup invocations (facts of each source)", len(run.records)],
            [
                "  calls per backup (median)",
                statistics.median([m.calls.total() for m in run.records]) if run.records else "-",
            ],
            ["  handler ms (median / p95)", f"{median(record_ms):.1f} / {p95(record_ms):.1f}"],
            ["restore tests AWS started", tested],
            ["validation: validate_restore verdicts", len(run.validations)],
            [
                "  calls per test (median)",
                statistics.median([m.calls.total() for m in run.validations]) if run.validations else "-",
            ],
            ["  handler ms (median / p95)", f"{median(validation_ms):.1f} / {p95(validation_ms):.1f}"],
            ["  validation status", ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items()))],
            [
                "  restore minutes (median / max, simulated)",
                f"{median(minutes):.1f} / {max(minutes, default=0):.1f}",
            ],
            ["restored copies deleted by AWS", ", ".join(f"{k} {v:,}" for k, v in sorted(deleted.items()))],
            ["hourly sweeps measured (from the run's start to its report)", len(run.sweeps)],
            [
                "  calls per sweep (median / max)",
                f"{median(sweep_calls):.0f} / {max(sweep_calls, default=0)}",
            ],
            [
                "  of which restore tests (ListRestoreJobs, state table), per sweep",
                round(restore_calls_per_sweep, 1),
            ],
            ["report: Restore Test Report events", 1 if run.report else 0],
            [
                "  tested / passed / failed",
                " / ".join(str(counts.get(k, "-")) for k in ("tested", "passed", "failed")),
            ],
            ["  published after the run's start (simulated)", str(run.report_delay or "-")],
        ],
        [
            "the report waits for the start window to close (AWS starts the run's tests at random moments "
            "of it) and for every verdict",
            "a sweep's calls include the whole reconcile (inventory, copies: none here, selection health)",
        ],
    )
    gigabytes = 1.0  # the bench's volumes are 1 GiB
    per_test = test_cost(
        prices, "EBS", gigabytes, median(minutes) if minutes else 0.0, alive_after_verdict_hours("EBS")
    )
    week = {k: v * tested for k, v in per_test.items() if k != "hours"}
    say()
    say(
        f"  cost of this run ({prices['region']}, prices of {prices['as_of']}, {prices['status']}): "
        f"{tested:,} tests x ${per_test['test']:.2f} = ${week['test']:,.2f} restore-test charges, "
        f"${week['restore']:,.2f} restore charges, ${week['copy']:,.4f} for the copies' "
        f"{per_test['hours'] * tested:,.0f} volume-hours"
    )


def print_costs(prices: dict[str, Any], jobs: list[dict[str, Any]]) -> None:
    rows = []
    window = DEFAULT_VALIDATION_WINDOW_HOURS
    restore_minutes: dict[str, list[float]] = defaultdict(list)
    for job in jobs:
        if job.get("CompletionDate"):
            restore_minutes[job["ResourceType"]].append(
                (job["CompletionDate"] - job["CreationDate"]).total_seconds() / 60
            )
    for resource_type in TYPES:
        size = float(prices["typical_size_gb"][resource_type])
        minutes = (
            median(restore_minutes.get(resource_type, [])) if restore_minutes.get(resource_type) else 0.0
        )
        hours = alive_after_verdict_hours(resource_type)  # the verdict comes within seconds
        with_stack = test_cost(prices, resource_type, size, minutes, hours)
        without = test_cost(prices, resource_type, size, minutes, window + hours)
        rows.append(
            [
                f"{resource_type} ({size:g} GB)",
                f"${with_stack['test']:.2f}",
                f"${with_stack['restore']:.2f}",
                f"{with_stack['hours']:.2f} h, ${with_stack['copy']:.4f}",
                f"${with_stack['test'] + with_stack['restore'] + with_stack['copy']:.2f}",
                f"{without['hours']:.1f} h, ${without['copy']:.4f}",
            ]
        )
    table(
        f"One weekly restore test of a typical resource ({prices['region']}, prices of {prices['as_of']}: "
        f"{prices['status']})",
        ["type (size)", "test charge", "restore charge", "copy exists, costs", "total", "copy, unvalidated"],
        rows,
        [
            "copy exists = restore time (measured in the sandbox, simulated) + until AWS deletes it after "
            "the verdict (the sandbox's pace: 5 min; S3 two days: UNVERIFIED)",
            f"copy, unvalidated = kept for the whole validation window ({window} h) when no result is put, "
            "then deleted at the same pace",
            "EC2 and RDS copies also run an instance (t3.micro, db.t3.micro) while they exist",
        ],
    )


def run(quick: bool = False) -> None:
    size = QUICK_FLEET if quick else FLEET
    heading("Issue 10: restore tests (validation per type, a weekly run, its cost)")
    prices = load_prices()
    figures = per_type(QUICK_TYPES if quick else TYPES)
    print_per_type(figures)
    print_costs(prices, figures.jobs)
    print_fleet(fleet(size), prices)
    if quick:
        say(f"  * --quick: {size} resources instead of {FLEET:,}; types {', '.join(QUICK_TYPES)} only")
