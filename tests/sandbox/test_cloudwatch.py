"""The sandbox's CloudWatch, part by part: the metric store, EMF documents, alarm verdicts."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from moto import mock_aws

from sandbox.cloudwatch.alarms import alarm_subject, evaluable, evaluate
from sandbox.cloudwatch.metrics import MetricKey, MetricStore, aggregate
from sandbox.cloudwatch.sources import parse_emf

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
KEY = MetricKey.of("AWS/Lambda", "Errors", {"FunctionName": "f"})


def _alarm(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "name": "a",
        "namespace": "AWS/Lambda",
        "metric_name": "Errors",
        "dimensions": [SimpleNamespace(name="FunctionName", value="f")],
        "statistic": "Sum",
        "extended_statistic": None,
        "period": 300,
        "evaluation_periods": 1,
        "datapoints_to_alarm": None,
        "threshold": 0.0,
        "comparison_operator": "GreaterThanThreshold",
        "treat_missing_data": "notBreaching",
        "metric_data_queries": [],
    }
    return SimpleNamespace(**{**values, **overrides})


@pytest.fixture
def store() -> Any:
    with mock_aws():
        yield MetricStore("123456789012", "us-east-1")


def _at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_a_period_is_half_open_and_dimensions_are_order_free(store: MetricStore) -> None:
    store.put(KEY, [1], at=_at(0))
    store.put(KEY, [2, 3], at=_at(4.99))
    store.put(KEY, [7], at=_at(5))
    assert store.values(KEY, _at(0), _at(5)) == [1, 2, 3]
    assert store.statistic(KEY, "Sum", _at(5), _at(10)) == 7
    assert store.statistic(KEY, "Sum", _at(10), _at(15)) is None  # missing, not zero
    key = MetricKey.of("N", "M", {"b": "2", "a": "1"})
    assert key == MetricKey.of("N", "M", {"a": "1", "b": "2"})


@pytest.mark.parametrize(
    ("statistic", "value"),
    [("Sum", 6.0), ("Average", 2.0), ("Maximum", 3.0), ("Minimum", 1.0), ("SampleCount", 3.0)],
)
def test_statistics(statistic: str, value: float) -> None:
    assert aggregate(statistic, [1.0, 2.0, 3.0]) == value


def test_one_breaching_period_alarms_and_a_quiet_one_is_ok(store: MetricStore) -> None:
    store.put(KEY, [0, 1], at=_at(1))
    verdict = evaluate(_alarm(), store, _at(5), current="OK", created=T0)
    assert verdict is not None and verdict.state == "ALARM"
    assert verdict.reason.startswith(
        "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (02/03/26 09:00:00)]"
    )
    quiet = evaluate(_alarm(), store, _at(10), current="ALARM", created=T0)
    assert quiet is not None and quiet.state == "OK"
    assert "no datapoints were received for 1 period" in quiet.reason and "[NonBreaching]" in quiet.reason


def test_missing_data_treatments(store: MetricStore) -> None:
    two = {"evaluation_periods": 2, "comparison_operator": "LessThanThreshold", "threshold": 1.0}
    store.put(KEY, [1], at=_at(1))
    # breaching: the missing second period breaches, but two are needed
    verdict = evaluate(
        _alarm(treat_missing_data="breaching", **two), store, _at(10), current="OK", created=T0
    )
    assert verdict is not None and verdict.state == "OK"
    verdict = evaluate(
        _alarm(treat_missing_data="breaching", **two), store, _at(15), current="OK", created=T0
    )
    assert verdict is not None and verdict.state == "ALARM"
    # missing (the default): every period missing is INSUFFICIENT_DATA; ignore keeps the state
    verdict = evaluate(_alarm(treat_missing_data=None), store, _at(15), current="OK", created=T0)
    assert verdict is not None and verdict.state == "INSUFFICIENT_DATA"
    assert evaluate(_alarm(treat_missing_data="ignore"), store, _at(15), current="ALARM", created=T0) is None


def test_datapoints_to_alarm_m_out_of_n(store: MetricStore) -> None:
    alarm = _alarm(evaluation_periods=3, datapoints_to_alarm=2)
    store.put(KEY, [1], at=_at(1))
    store.put(KEY, [0], at=_at(6))
    store.put(KEY, [1], at=_at(11))
    verdict = evaluate(alarm, store, _at(15), current="OK", created=T0)
    assert verdict is not None and verdict.state == "ALARM" and "2 out of the last 3" not in verdict.reason
    assert "minimum 2 datapoints for OK -> ALARM transition" in verdict.reason


def test_periods_before_the_alarm_existed_are_not_judged(store: MetricStore) -> None:
    heartbeat = _alarm(
        period=3600, evaluation_periods=2, datapoints_to_alarm=2, treat_missing_data="breaching"
    )
    created = T0 + dt.timedelta(minutes=10)  # floored to 09:00 for an hourly alarm
    assert evaluate(heartbeat, store, T0, current="OK", created=created) is None
    one_period = evaluate(heartbeat, store, T0 + dt.timedelta(hours=1), current="OK", created=created)
    assert one_period is not None and one_period.state == "OK"  # one missing period of the two needed
    two = evaluate(heartbeat, store, T0 + dt.timedelta(hours=2), current="OK", created=created)
    assert two is not None and two.state == "ALARM"


def test_what_the_sandbox_does_not_evaluate_is_named() -> None:
    assert evaluable(_alarm()) is None
    assert "metric math" in str(evaluable(_alarm(metric_data_queries=[{"Id": "m1"}])))
    assert "p99" in str(evaluable(_alarm(statistic=None, extended_statistic="p99")))
    assert "period" in str(evaluable(_alarm(period=90)))


def test_emf_documents_become_metrics_with_each_dimension_set() -> None:
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": 1,
                "CloudWatchMetrics": [
                    {
                        "Namespace": "BackupAutopilot",
                        "Dimensions": [["service"], ["service", "plan"]],
                        "Metrics": [{"Name": "CopiesStarted", "Unit": "Count"}, {"Name": "Nothing"}],
                    }
                ],
            },
            "service": "backup-autopilot",
            "plan": "daily",
            "CopiesStarted": [1.0, 2.0],
        }
    )
    metrics = parse_emf(line)
    assert [(m.name, m.dimensions, m.values) for m in metrics] == [
        ("CopiesStarted", {"service": "backup-autopilot"}, [1.0, 2.0]),
        ("CopiesStarted", {"service": "backup-autopilot", "plan": "daily"}, [1.0, 2.0]),
    ]
    assert parse_emf('{"level": "INFO", "message": "_aws"}') == []
    assert parse_emf("not json") == [] and parse_emf('{"_aws": broken') == []


def test_the_subject_names_the_region_and_fits_snss_limit() -> None:
    assert alarm_subject("ALARM", "x", "us-east-1") == 'ALARM: "x" in US East (N. Virginia)'
    assert len(alarm_subject("OK", "n" * 200, "eu-west-1")) == 100
