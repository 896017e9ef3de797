"""Issue 3 (a, b): tag event -> backup job started, and the AWS calls one tag event costs.

DynamoDB tables are created and tagged ``backup-plan=daily`` one at a time through the sandbox's
API; each tag change reaches ``ProtectResourceFunction`` as AWS delivers it (aws.tag event, the
template's rule, an asynchronous invocation). The first event finds a cold container (no clients,
no plan or Region-settings cache); the others find it warm, with the plan already assigned.
Handler time is the invocation's real duration; the native path is the time until the plan's next
window opens, computed from the deployed plans at the sandbox's start time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench import seed
from bench.apicalls import ApiCallCounter, FunctionCalls
from bench.report import calls_table, heading, median, p95, say, table, verdict

if TYPE_CHECKING:
    from sandbox import Sandbox
    from sandbox.lambda_service import Invocation

FUNCTION = "ProtectResourceFunction"
PLAN_TAG = {"Key": "backup-plan", "Value": "daily"}
#: the budget of issue 3 for a tag event on an already-assigned plan
WARM_CALL_BUDGET = 4
PLANS = (("daily", "DailyPlanId"), ("weekly", "WeeklyPlanId"), ("monthly", "MonthlyPlanId"))


def _tag_one_table(sb: Sandbox, calls: ApiCallCounter, name: str) -> tuple[Invocation, FunctionCalls]:
    ddb = sb.client("dynamodb")
    arn = sb.create_table(name, items=1)
    before = calls.of(FUNCTION).copy()
    seen = len(sb.invocations)
    ddb.tag_resource(ResourceArn=arn, Tags=[PLAN_TAG])
    sb.settle()
    runs = [i for i in sb.invocations[seen:] if i.function == FUNCTION]
    if len(runs) != 1 or runs[0].outcome != "success" or not (runs[0].result or {}).get("backup_job_id"):
        raise RuntimeError(f"tagging {name} did not start exactly one backup: {[r.to_dict() for r in runs]}")
    return runs[0], calls.of(FUNCTION).minus(before)


def run(quick: bool = False) -> None:
    tables = 5 if quick else 50
    heading(f"Issue 3 (a, b): tag event -> backup job started ({tables} tagged DynamoDB tables)")
    with seed.stack() as sb, ApiCallCounter(sb) as calls:
        start = sb.clock.now()
        results = [_tag_one_table(sb, calls, f"bench-orders-{i:03d}") for i in range(tables)]
        windows = {
            alias: sb.backup_backend().plan_next_window(sb.outputs[output]) - start for alias, output in PLANS
        }
    (cold, cold_calls), warm = results[0], results[1:]
    warm_ms = [i.duration_ms for i, _ in warm]
    warm_own = [i.duration_ms - c.moto_seconds * 1000 for i, c in warm]
    cold_own = cold.duration_ms - cold_calls.moto_seconds * 1000
    table(
        "Handler time: tag event -> backup job started (ProtectResourceFunction invocation, real time)",
        ["invocation", "n", "median ms", "p95 ms", "own code, median ms"],
        [
            ["first event (cold container)", 1, cold.duration_ms, cold.duration_ms, cold_own],
            ["next events (warm, plan assigned)", len(warm), median(warm_ms), p95(warm_ms), median(warm_own)],
        ],
        [
            "cold: includes importing the handler and its layer (Lambda's init phase)",
            "own code = duration minus the time spent inside the in-process AWS (moto); on AWS, add the "
            "network latency of each API call below",
            "the sandbox runs the invocation at the tag change's simulated instant: EventBridge's "
            "delivery latency is not modelled",
        ],
    )
    table(
        f"Native path: tagged resource waits for its plan's next window (from {start:%a %Y-%m-%d %H:%M} UTC)",
        ["plan", "next window in (h)", "x warm handler median"],
        [
            [alias, delta.total_seconds() / 3600, round(delta.total_seconds() * 1000 / median(warm_ms))]
            for alias, delta in windows.items()
        ],
        ["a plan's job then starts within its rule's start window (60 minutes in template.yaml)"],
    )
    warm_total = FunctionCalls.sum(c for _, c in warm)
    per_event = warm_total.total() / max(1, len(warm))
    calls_table(
        "AWS API calls per tag event, by operation",
        [("first event (cold)", cold_calls, 1), (f"warm, per event (n={len(warm)})", warm_total, len(warm))],
        [
            f"budget for a tag event on an already-assigned plan: <= {WARM_CALL_BUDGET}; measured "
            f"{per_event:.2f} ({verdict(per_event <= WARM_CALL_BUDGET)})",
        ],
    )
    if quick:
        say("  * --quick: 5 tables instead of 50")
