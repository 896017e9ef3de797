"""Metric alarms, evaluated as CloudWatch evaluates them, on the simulated clock.

The alarms are moto's (``PutMetricAlarm``, the deployer's ``AWS::CloudWatch::Alarm``); this module
evaluates them over :class:`~sandbox.cloudwatch.metrics.MetricStore` and keeps their state in moto
(``DescribeAlarms`` shows it), with AWS's rules:

* an alarm is evaluated at the end of each of its periods (``Period``, aligned on the epoch): its
  ``EvaluationPeriods`` most recent periods, each one datapoint (the ``Statistic``) or missing;
* a datapoint breaches when it compares to ``Threshold`` as ``ComparisonOperator`` says; the alarm
  is ALARM when at least ``DatapointsToAlarm`` (default ``EvaluationPeriods``) breach, else OK;
* ``TreatMissingData``: ``breaching`` and ``notBreaching`` count a missing period as such;
  ``ignore`` keeps the state when every period is missing; ``missing`` (the default) goes to
  INSUFFICIENT_DATA then. With some periods present, ``ignore`` and ``missing`` judge those
  (AWS looks further back for more datapoints: not modelled);
* a state change runs the actions of the new state (``AlarmActions``, ``OKActions``,
  ``InsufficientDataActions``) when ``ActionsEnabled``: an SNS topic gets AWS's alarm message
  (JSON, subject ``ALARM: "<name>" in <Region name>``); other actions are not modelled.

The sandbox's choices (UNVERIFIED): periods that began before the alarm was created are outside its
range (a new alarm with ``breaching`` does not fire for the time before it existed), and the
sandbox's world starts with the stack "settled": its alarms start OK (``start_state``), where a
freshly created alarm on AWS starts INSUFFICIENT_DATA and its first evaluation to OK runs its
OKActions (one "OK" message per alarm after a deployment): ``Sandbox(alarms_start=
"INSUFFICIENT_DATA")`` shows that. Metric math alarms (``Metrics``), anomaly-detection operators and
percentiles are not evaluated (a warning, once).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import botocore.loaders
from botocore.exceptions import ClientError
from moto.cloudwatch.models import cloudwatch_backends
from moto.utilities.arns import parse_arn

from sandbox.cloudwatch.metrics import STATISTICS, MetricKey

if TYPE_CHECKING:
    from collections.abc import Callable

    from moto.cloudwatch.models import Alarm

    from sandbox.cloudwatch.metrics import MetricStore

LOG = logging.getLogger(__name__)
UTC = dt.UTC
OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
STATES = (OK, ALARM, INSUFFICIENT_DATA)

_COMPARE: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanThreshold": (lambda value, limit: value > limit, "greater than"),
    "GreaterThanOrEqualToThreshold": (lambda value, limit: value >= limit, "greater than or equal to"),
    "LessThanThreshold": (lambda value, limit: value < limit, "less than"),
    "LessThanOrEqualToThreshold": (lambda value, limit: value <= limit, "less than or equal to"),
}


@dataclass(frozen=True)
class Verdict:
    """What one evaluation found: the state, AWS's reason text and its data."""

    state: str
    reason: str
    datapoints: list[tuple[dt.datetime, float | None]]


@dataclass
class Transition:
    """A state change of an alarm (``sb.cloudwatch.history``)."""

    time: dt.datetime
    alarm: str
    old: str
    new: str
    reason: str
    seq: int = 0
    #: actions that failed (SNS refused the publish), with why: AWS records them in the alarm's history
    failed_actions: list[str] = field(default_factory=list)


def evaluate(
    alarm: Alarm, store: MetricStore, now: dt.datetime, *, current: str, created: dt.datetime
) -> Verdict | None:
    """The alarm's verdict at ``now`` (the end of one of its periods); None: nothing to judge yet
    (no period of its range began after it was created, or every period is missing and it ignores
    missing data)."""
    period = dt.timedelta(seconds=int(alarm.period))
    count = int(alarm.evaluation_periods)
    needed = int(alarm.datapoints_to_alarm or count)
    floor = _floor(created, period)
    starts = [now - (count - i) * period for i in range(count)]
    starts = [start for start in starts if start >= floor]
    if not starts:
        return None
    key = MetricKey.of(
        alarm.namespace, alarm.metric_name, {str(d.name): str(d.value) for d in alarm.dimensions}
    )
    points = [(start, store.statistic(key, alarm.statistic, start, start + period)) for start in starts]
    compare, words = _COMPARE[alarm.comparison_operator]
    threshold = float(alarm.threshold)
    present = [(start, value) for start, value in points if value is not None]
    missing = len(points) - len(present)
    breaching = sum(1 for _, value in present if compare(value, threshold))
    treat = alarm.treat_missing_data or "missing"
    if not present and treat in {"ignore", "missing"}:
        if treat == "ignore":
            return None
        reason = f"Insufficient Data: {len(points)} datapoint{'s' * (len(points) > 1)} were unknown."
        return Verdict(INSUFFICIENT_DATA, reason, points)
    if treat == "breaching":
        breaching += missing
    state = ALARM if breaching >= needed else OK
    return Verdict(state, _reason(state, present, missing, treat, words, threshold, needed, current), points)


def _reason(
    state: str,
    present: list[tuple[dt.datetime, float]],
    missing: int,
    treat: str,
    words: str,
    threshold: float,
    needed: int,
    current: str,
) -> str:
    """AWS's wording of a threshold verdict ("Threshold Crossed: ...")."""
    total = len(present) + missing
    shown = ", ".join(f"{value} ({start:%d/%m/%y %H:%M:%S})" for start, value in reversed(present))
    verb = "was" if len(present) == 1 else "were"
    negation = "" if state == ALARM else "not "
    plural = "s" if needed > 1 else ""
    transition = f"{current} -> {state}"
    if not present:
        kind = "Breaching" if treat == "breaching" else "NonBreaching"
        return (
            f"Threshold Crossed: no datapoints were received for {total} period{'s' * (total > 1)} and "
            f"{missing} missing datapoint{'s' * (missing > 1)} {'was' if missing == 1 else 'were'} "
            f"treated as [{kind}]."
        )
    text = (
        f"Threshold Crossed: {len(present)} out of the last {total} datapoints [{shown}] {verb} "
        f"{negation}{words} the threshold ({threshold}) (minimum {needed} datapoint{plural} for "
        f"{transition} transition)."
    )
    if missing and treat in {"breaching", "notBreaching"}:
        kind = "Breaching" if treat == "breaching" else "NonBreaching"
        text += f" {missing} missing datapoint{'s' * (missing > 1)} treated as [{kind}]."
    return text


def _floor(moment: dt.datetime, period: dt.timedelta) -> dt.datetime:
    seconds = int(period.total_seconds())
    epoch = int(moment.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def evaluable(alarm: Alarm) -> str | None:
    """Why the sandbox cannot evaluate ``alarm`` (None when it can)."""
    if alarm.metric_data_queries:
        return "metric math (Metrics) is not evaluated"
    if alarm.extended_statistic or alarm.statistic not in STATISTICS:
        return f"statistic {alarm.statistic or alarm.extended_statistic} is not modelled"
    if alarm.comparison_operator not in _COMPARE:
        return f"comparison {alarm.comparison_operator} is not modelled"
    if int(alarm.period) <= 0 or (int(alarm.period) % 60 and int(alarm.period) not in {10, 30}):
        return f"period {alarm.period} is not one CloudWatch accepts"
    return None


@dataclass
class _Tracked:
    created: dt.datetime
    state: str


@dataclass
class Alarms:
    """The metric alarms of one account and Region: evaluated on their periods, their state
    changes published to their actions."""

    store: MetricStore
    #: a boto3 client into the sandbox: ``client(service, region=, account=)``
    client: Callable[..., Any]
    #: the state a newly seen alarm starts in (OK: a settled stack; INSUFFICIENT_DATA: as AWS)
    start_state: str = OK
    #: every state change, in order
    history: list[Transition] = field(default_factory=list)
    #: a process-wide order for records made at the same instant (the timeline's)
    sequence: Callable[[], int] = lambda: 0
    _tracked: dict[str, _Tracked] = field(default_factory=dict)
    _warned: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.start_state not in STATES:
            raise ValueError(f"alarms start in one of {', '.join(STATES)}, not {self.start_state!r}")

    def _backend_alarms(self) -> dict[str, Alarm]:
        alarms: dict[str, Alarm] = cloudwatch_backends[self.store.account][self.store.region].alarms
        return alarms

    def watched(self) -> list[Alarm]:
        """The metric alarms there are now (each tracked from the first time it is seen)."""
        alarms = []
        for name, alarm in self._backend_alarms().items():
            if alarm.rule:  # a composite alarm: not modelled
                continue
            if name not in self._tracked:
                created = alarm.configuration_updated_timestamp
                created = created if created.tzinfo else created.replace(tzinfo=UTC)
                self._tracked[name] = _Tracked(created, self.start_state)
                if self.start_state != alarm.state_value:
                    alarm.update_state("Unchecked: Initial alarm creation", "{}", self.start_state)
            alarms.append(alarm)
        return alarms

    def state(self, name: str) -> str:
        tracked = self._tracked.get(name)
        return tracked.state if tracked else self._backend_alarms()[name].state_value

    def states(self) -> dict[str, str]:
        self.watched()
        return {name: tracked.state for name, tracked in sorted(self._tracked.items())}

    def evaluate_due(self, now: dt.datetime) -> list[Transition]:
        """Evaluate every alarm whose period ends at ``now``; returns the state changes."""
        changes = []
        for alarm in self.watched():
            problem = evaluable(alarm)
            if problem is not None:
                if alarm.name not in self._warned:
                    self._warned.add(alarm.name)
                    LOG.warning("alarm %s is not evaluated by the sandbox: %s", alarm.name, problem)
                continue
            if int(now.timestamp()) % int(alarm.period):
                continue
            tracked = self._tracked[alarm.name]
            verdict = evaluate(alarm, self.store, now, current=tracked.state, created=tracked.created)
            if verdict is None or verdict.state == tracked.state:
                continue
            changes.append(self._change(alarm, tracked, verdict, now))
        return changes

    def _change(self, alarm: Alarm, tracked: _Tracked, verdict: Verdict, now: dt.datetime) -> Transition:
        old, tracked.state = tracked.state, verdict.state
        data = {
            "version": "1.0",
            "queryDate": _aws_time(now),
            "statistic": alarm.statistic,
            "period": int(alarm.period),
            "recentDatapoints": [value for _, value in verdict.datapoints if value is not None],
            "threshold": float(alarm.threshold),
        }
        alarm.update_state(verdict.reason, json.dumps(data), verdict.state)
        transition = Transition(now, alarm.name, old, verdict.state, verdict.reason, self.sequence())
        self.history.append(transition)
        if alarm.actions_enabled:
            actions = {ALARM: alarm.alarm_actions, OK: alarm.ok_actions}.get(
                verdict.state, alarm.insufficient_data_actions
            )
            for action in actions or []:
                self._act(action, alarm, transition)
        return transition

    def _act(self, action: str, alarm: Alarm, transition: Transition) -> None:
        arn = parse_arn(action)
        if arn.service != "sns":
            LOG.warning("alarm %s: action %s is not modelled (only SNS topics)", alarm.name, action)
            return
        try:
            self.client("sns", region=arn.region, account=arn.account).publish(
                TopicArn=action,
                Subject=alarm_subject(transition.new, alarm.name, self.store.region),
                Message=json.dumps(alarm_message(alarm, transition, self.store.account, self.store.region)),
            )
        except ClientError as error:  # SNS refused or is down: CloudWatch records it, nothing else
            transition.failed_actions.append(f"{action}: {error}")
            LOG.warning("alarm %s: action %s failed: %s", alarm.name, action, error)


@cache
def region_name(region: str) -> str:
    """AWS's name of a Region (``US East (N. Virginia)``), as alarm messages give it."""
    endpoints = botocore.loaders.Loader().load_data("endpoints")
    for partition in endpoints["partitions"]:
        described = partition.get("regions", {}).get(region)
        if described and described.get("description"):
            return str(described["description"])
    return region


def alarm_subject(state: str, name: str, region: str) -> str:
    """The e-mail subject of an alarm's SNS message (SNS allows 100 characters)."""
    return f'{state}: "{name}" in {region_name(region)}'[:100]


def alarm_message(alarm: Alarm, transition: Transition, account: str, region: str) -> dict[str, Any]:
    """The JSON CloudWatch publishes to an alarm's SNS actions."""
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": _aws_time(alarm.configuration_updated_timestamp),
        "NewStateValue": transition.new,
        "NewStateReason": transition.reason,
        "StateChangeTime": _aws_time(transition.time),
        "Region": region_name(region),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": transition.old,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "Statistic",
            "Statistic": str(alarm.statistic).upper(),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": int(alarm.period),
            "EvaluationPeriods": int(alarm.evaluation_periods),
            "DatapointsToAlarm": int(alarm.datapoints_to_alarm or alarm.evaluation_periods),
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": float(alarm.threshold),
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        },
    }


def _aws_time(moment: dt.datetime) -> str:
    """CloudWatch's timestamp format in alarm messages: ``2026-03-02T10:05:00.000+0000``."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"
