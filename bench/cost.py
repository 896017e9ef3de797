"""``make cost``: what the stack itself costs per month, for 100, 1,000 and 10,000 protected resources.

Prices are data (``bench/prices.toml``: us-east-1, dated, UNVERIFIED). The per-invocation figures
below are the sandbox's measurements (README "Figures": API calls, own-code milliseconds, state
table reads/writes, domain events, log bytes from ``bench/imports.py``'s first invocations); what
the sandbox cannot measure is an assumption, named as such: the API round trip on AWS
(:data:`API_LATENCY_MS`), Lambda's own log lines per invocation, the report's duration.

Lambda time = own code scaled by the CPU share of the function's memory (1,769 MB is one vCPU) +
one round trip per API call; a cold start per function per hour of activity (billed, as the
init phase is since August 2025) at the first-invocation time of ``bench/imports.py``.
AWS Backup storage and restore-test charges are printed apart (``bench/restore_test_prices.toml``).
"""

from __future__ import annotations

import argparse
import tomllib
from dataclasses import dataclass
from typing import Any

from bench import ROOT

PRICES = ROOT / "bench" / "prices.toml"
RESTORE_PRICES = ROOT / "bench" / "restore_test_prices.toml"
#: ASSUMPTION: one in-Region AWS API round trip from Lambda
API_LATENCY_MS = 25.0
#: ASSUMPTION: Lambda's own START/END/REPORT lines (JSON log format) per invocation
PLATFORM_LOG_BYTES = 450
FULL_VCPU_MB = 1769
HOURS = 730


@dataclass(frozen=True)
class Profile:
    """One invocation of a function, as measured in the sandbox (see the module docstring)."""

    memory_mb: int
    own_ms: float
    calls: float
    events: float = 0.0  # domain events (PutEvents entries)
    reads: float = 0.0  # state table read units
    writes: float = 0.0  # state table write units
    log_bytes: int = 1000
    cold_ms: float = 600.0  # import + first invocation at a full vCPU


def profiles(resources: int) -> dict[str, Profile]:
    """Per-invocation figures; reconcile's grow with the inventory (1,000: 22 calls; 10,000: 139)."""
    return {
        "protect_resource": Profile(128, 2.7, 4, events=1, log_bytes=1200),
        "start_copies": Profile(128, 5.0, 7, events=2, log_bytes=1500),
        "record_backup": Profile(128, 15.0, 6, reads=1, writes=2, log_bytes=700),
        "copy_outcome": Profile(128, 3.0, 2, events=0.1, log_bytes=900),
        "validate_restore": Profile(256, 14.0, 11, events=1, reads=2, writes=4, log_bytes=1500),
        "notify": Profile(128, 30.0, 5, reads=2, writes=4, log_bytes=1200),
        "reconcile": Profile(
            256, 20 + 0.1 * resources, 9 + 0.013 * resources, events=1, log_bytes=1500, cold_ms=700
        ),
        # ASSUMPTION: a run's own work (reads, the numbers, the page by leather and Jinja2) is the
        # ~300 ms of its measured 800 ms cold start (make bench) that are not imports and clients,
        # whatever the inventory
        "report": Profile(256, 300, 20, log_bytes=1400, cold_ms=800),
    }


@dataclass(frozen=True)
class Workload:
    resources: int
    tag_changes_per_day: float
    backups_per_day: float
    copies_per_backup: float
    restore_tests_per_week: float
    alerts_per_day: float

    @classmethod
    def default(cls, resources: int) -> Workload:
        """1% of resources retagged a day, a daily backup each, one copy, 10% restore-tested weekly,
        an alert a day per 100 resources."""
        return cls(resources, max(1, resources / 100), resources, 1, resources / 10, max(1, resources / 100))

    def invocations(self) -> dict[str, float]:
        month = HOURS / 24
        return {
            "protect_resource": self.tag_changes_per_day * month,
            "start_copies": self.backups_per_day * month,
            "record_backup": self.backups_per_day * month,
            "copy_outcome": self.backups_per_day * self.copies_per_backup * month,
            "validate_restore": self.restore_tests_per_week * HOURS / 168,
            "notify": self.alerts_per_day * month,  # quiet stack: a batch per alert
            "reconcile": HOURS,
            "report": HOURS,
        }


def _load(path: Any) -> dict[str, Any]:
    with path.open("rb") as handle:
        result: dict[str, Any] = tomllib.load(handle)
        return result


def monthly(work: Workload, prices: dict[str, Any]) -> dict[str, float]:
    """Cost lines in USD per month."""
    lam, cw = prices["lambda"], prices["cloudwatch"]
    gb_seconds = requests = log_bytes = events = reads = writes = 0.0
    for name, count in work.invocations().items():
        p = profiles(work.resources)[name]
        cpu = max(1.0, FULL_VCPU_MB / p.memory_mb)
        warm_ms = p.own_ms * cpu + p.calls * API_LATENCY_MS
        cold = min(count, HOURS)
        seconds = (count * warm_ms + cold * p.cold_ms * cpu) / 1000
        gb_seconds += seconds * p.memory_mb / 1024
        requests += count
        log_bytes += count * (p.log_bytes + PLATFORM_LOG_BYTES)
        events += count * p.events
        reads += count * p.reads
        writes += count * p.writes
    alerts = work.alerts_per_day * HOURS / 24
    log_gb = log_bytes / 1e9
    return {
        "Lambda (GB-s, requests)": gb_seconds * lam["per_gb_second_arm64"]
        + requests / 1e6 * lam["per_million_requests"],
        "CloudWatch Logs (ingest, 1 month kept)": log_gb * cw["logs_ingest_per_gb"]
        + log_gb * cw["logs_storage_per_gb_month"],
        # ~40 metric series (service metrics, per type and per destination: README), 20 alarms, 1 dashboard
        "CloudWatch metrics, alarms, dashboard": 40 * cw["custom_metric_per_month"]
        + 20 * cw["alarm_per_month"]
        + cw["dashboard_per_month"],
        "EventBridge (domain events)": events / 1e6 * prices["eventbridge"]["per_million_custom_events"],
        # alert messages: send, receive, delete; ASSUMPTION: Lambda's idle pollers ~15 requests a minute
        "SQS (alerts, idle polling)": (alerts * 3 + 15 * 60 * HOURS)
        / 1e6
        * prices["sqs"]["per_million_requests"],
        "DynamoDB state table": reads / 1e6 * prices["dynamodb"]["per_million_read_units"]
        + writes / 1e6 * prices["dynamodb"]["per_million_write_units"],
        "SNS e-mail": alerts / 1e6 * prices["sns"]["per_million_publishes"]
        + alerts / 1e5 * prices["sns"]["email_per_100k"],
        "KMS key, Slack secret": prices["kms"]["key_per_month"]
        + prices["secrets_manager"]["secret_per_month"],
    }


def backup_charges(work: Workload, restore_prices: dict[str, Any]) -> float:
    """What the plans cause apart from the stack: the restore-test charge per test (per month)."""
    return work.restore_tests_per_week * HOURS / 168 * float(restore_prices["restore_testing"]["per_test"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__)
    parser.add_argument("--resources", type=int, nargs="*", default=[100, 1_000, 10_000])
    args = parser.parse_args(argv)
    prices, restore = _load(PRICES), _load(RESTORE_PRICES)
    works = [Workload.default(n) for n in args.resources]
    lines = [monthly(w, prices) for w in works]
    print(
        f"The stack's own monthly cost, USD, {prices['region']} prices of {prices['as_of']} "
        f"({prices['status']})"
    )
    print(
        "workload: 1% retagged/day, a daily backup and one copy each, 10% restore-tested weekly, "
        "1 alert/day per 100 resources"
    )
    print(f"  {'':<42}" + "".join(f"{w.resources:>12,}" for w in works))
    for key in lines[0]:
        print(f"  {key:<42}" + "".join(f"{line[key]:>12.2f}" for line in lines))
    print(f"  {'total (the stack)':<42}" + "".join(f"{sum(line.values()):>12.2f}" for line in lines))
    print(
        f"  {'per protected resource':<42}"
        + "".join(f"{sum(line.values()) / w.resources:>12.3f}" for line, w in zip(lines, works, strict=True))
    )
    print("apart: AWS Backup (storage per GB, restores; bench/restore_test_prices.toml)")
    print(
        f"  {'restore-test charges ($1.50 a test)':<42}"
        + "".join(f"{backup_charges(w, restore):>12.2f}" for w in works)
    )


if __name__ == "__main__":
    main()
