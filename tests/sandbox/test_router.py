"""sandbox.router: the template's functions run in-process, wired as template.yaml wires them.

The fixture stack (tests/sandbox/fixtures/router/) has tiny real handlers: an echo, a function
that fails a given number of times, an SQS batch consumer and a scheduled one.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from sandbox import Sandbox

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sandbox.lambda_service import Invocation

FIXTURE = Path(__file__).parent / "fixtures" / "router" / "template.yaml"
BUS = "routed-events"


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(template=FIXTURE) as sandbox:
        yield sandbox


def put_event(
    sb: Sandbox, detail_type: str, detail: dict[str, Any], source: str = "fixture", bus: str = BUS
) -> None:
    entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail), "EventBusName": bus}
    assert sb.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0


def invocations_of(sb: Sandbox, function: str) -> list[Invocation]:
    return [i for i in sb.invocations if i.function == function]


def send(sb: Sandbox, *bodies: str) -> None:
    for body in bodies:
        sb.client("sqs").send_message(QueueUrl=sb.physical_id("WorkQueue"), MessageBody=body)


def drain(sb: Sandbox, logical_id: str) -> list[dict[str, Any]]:
    sqs = sb.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=sb.physical_id(logical_id),
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        AttributeNames=["All"],
    )
    return list(messages.get("Messages", []))


# -- direct invocation: environment, context, containers ---------------------------------------------
def test_direct_invocation_sees_the_merged_resolved_environment(sb: Sandbox) -> None:
    invocation = sb.invoke("EchoFunction", {"hello": "world"})

    assert invocation.outcome == "success"
    env = invocation.result["env"]
    assert env["STAGE"] == "sandbox"  # Globals
    assert env["FUNCTION_ROLE"] == "echo"  # the function's own
    assert env["GREETING"] == "hi"  # a parameter, overridden in samconfig.toml's sandbox section
    assert env["BUS_NAME"] == BUS  # !Ref of a deployed resource
    assert env["AWS_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == sb.physical_id("EchoFunction")
    assert invocation.result["seen_at_import"] == "echo"  # module code runs inside the environment
    assert invocation.result["event"] == {"hello": "world"}


def test_context_object_describes_the_function(sb: Sandbox) -> None:
    context = sb.invoke("EchoFunction", {}).result["context"]

    assert context["function_name"] == sb.physical_id("EchoFunction")
    assert context["invoked_function_arn"] == sb.attribute("EchoFunction", "Arn")
    assert context["memory_limit_in_mb"] == 128
    assert 0 < context["remaining"] <= 10_000  # Globals' Timeout: 10 s


def test_environment_is_restored_after_each_invocation(sb: Sandbox) -> None:
    before = dict(os.environ)

    sb.invoke("EchoFunction", {})

    assert dict(os.environ) == before
    assert "tinylayer" not in sys.modules


def test_each_function_keeps_its_own_copy_of_layer_modules(sb: Sandbox) -> None:
    # tinylayer.role() caches the environment of the first call (lru_cache), as config modules do:
    # shared between functions, the second function would read the first one's value.
    first = sb.invoke("EchoFunction", {}).result["role"]
    second = sb.invoke("OtherEchoFunction", {}).result["role"]
    again = sb.invoke("EchoFunction", {}).result["role"]

    assert (first, second, again) == ("echo", "other", "echo")


def test_reserved_concurrency_is_recorded(sb: Sandbox) -> None:
    assert sb.router.function("EchoFunction").reserved_concurrency == 1
    assert sb.router.function("OtherEchoFunction").reserved_concurrency is None


@pytest.mark.parametrize(
    ("function", "event", "error"),
    [
        ("BrokenFunction", {}, "Runtime.ImportModuleError: Unable to import module 'missing'"),
        ("EchoFunction", {"return_a_set": True}, "Runtime.MarshalError: Unable to marshal response"),
    ],
)
def test_lambda_runtime_errors_are_reported_as_lambda_names_them(
    sb: Sandbox, function: str, event: dict[str, Any], error: str
) -> None:
    invocation = sb.invoke(function, event)

    assert invocation.outcome == "error"
    assert invocation.error is not None
    assert invocation.error.startswith(error)


def test_unknown_function_is_named_in_the_error(sb: Sandbox) -> None:
    with pytest.raises(KeyError, match="no function Nope"):
        sb.invoke("Nope", {})


# -- EventBridge rules -----------------------------------------------------------------------------
def test_eventbridge_rule_is_a_real_rule_in_moto(sb: Sandbox) -> None:
    events = sb.client("events")

    rules = events.list_rules(EventBusName=BUS)["Rules"]
    ping = next(r for r in rules if "EchoFunctionPing" in r["Name"])
    assert json.loads(ping["EventPattern"]) == {"source": ["fixture"], "detail-type": ["Ping"]}
    targets = events.list_targets_by_rule(Rule=ping["Name"], EventBusName=BUS)["Targets"]
    assert [t["Arn"] for t in targets] == [sb.attribute("EchoFunction", "Arn")]


def test_matching_event_queues_an_asynchronous_invocation(sb: Sandbox) -> None:
    put_event(sb, "Ping", {"n": 1})
    assert invocations_of(sb, "EchoFunction") == []  # queued at "now", not run inside PutEvents

    sb.settle()

    [invocation] = invocations_of(sb, "EchoFunction")
    assert invocation.trigger.startswith("rule:routed-EchoFunctionPing")
    event = invocation.result["event"]
    assert (event["source"], event["detail-type"], event["detail"]) == ("fixture", "Ping", {"n": 1})
    assert event["account"] == sb.account_id


def test_moto_pattern_matching_decides(sb: Sandbox) -> None:
    put_event(sb, "Pong", {"n": 1})
    put_event(sb, "Ping", {"n": 2}, source="someone-else")

    sb.settle()

    assert invocations_of(sb, "EchoFunction") == []


def test_input_path_gives_the_target_part_of_the_event(sb: Sandbox) -> None:
    put_event(sb, "Anything", {"order": 7}, source="fixture.default", bus="default")

    sb.settle()

    [invocation] = invocations_of(sb, "EchoFunction")
    assert invocation.event == {"order": 7}


def test_input_transformer_shapes_what_the_target_receives(sb: Sandbox) -> None:
    put_event(sb, "Transform", {"n": 5})

    sb.settle()

    [invocation] = invocations_of(sb, "EchoFunction")
    assert invocation.event == {"number": 5}


# -- asynchronous invocation: retries, destinations, dead-letter queue ---------------------------------
def test_failed_async_invocation_is_retried_after_one_then_two_minutes(sb: Sandbox) -> None:
    put_event(sb, "Flaky", {"fail_times": 5})
    start = sb.clock.now()

    sb.advance(59)
    assert len(invocations_of(sb, "FlakyFunction")) == 1
    sb.advance(180)

    attempts = invocations_of(sb, "FlakyFunction")
    assert [a.attempt for a in attempts] == [1, 2, 3]
    assert [(a.started - start).total_seconds() for a in attempts] == [0, 60, 180]
    assert len({a.request_id for a in attempts}) == 1  # one asynchronous request, three attempts


def test_exhausted_retries_send_the_invocation_record_to_the_failure_destination(sb: Sandbox) -> None:
    put_event(sb, "Flaky", {"fail_times": 5})

    sb.advance(600)

    [message] = drain(sb, "FailuresQueue")
    record = json.loads(message["Body"])
    attempts = invocations_of(sb, "FlakyFunction")
    assert record["version"] == "1.0"
    assert record["requestContext"] == {
        "requestId": attempts[0].request_id,
        "functionArn": sb.attribute("FlakyFunction", "Arn") + ":$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"]["detail"] == {"fail_times": 5}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    assert record["responsePayload"]["errorMessage"] == "attempt 3 failed"


def test_exhausted_retries_send_the_event_to_the_dead_letter_queue(sb: Sandbox) -> None:
    put_event(sb, "Flaky", {"fail_times": 5})

    sb.advance(600)

    [message] = drain(sb, "DeadLetterQueue")
    assert json.loads(message["Body"])["detail"] == {"fail_times": 5}
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes["ErrorMessage"] == "attempt 3 failed"
    assert attributes["RequestID"] == invocations_of(sb, "FlakyFunction")[0].request_id


def test_retry_that_succeeds_sends_nothing_to_failure_destinations(sb: Sandbox) -> None:
    put_event(sb, "Flaky", {"fail_times": 1})

    sb.advance(600)

    assert [a.outcome for a in invocations_of(sb, "FlakyFunction")] == ["error", "success"]
    assert drain(sb, "FailuresQueue") == []
    assert drain(sb, "DeadLetterQueue") == []


def test_event_too_old_for_a_retry_goes_to_a_lambda_destination(sb: Sandbox) -> None:
    put_event(sb, "Aged", {"fail_times": 5})

    sb.advance(600)

    # MaximumEventAgeInSeconds 100: the retry at +60 s runs, the one at +180 s would be too late
    assert [a.attempt for a in invocations_of(sb, "AgedFunction")] == [1, 2]
    [record] = [i for i in invocations_of(sb, "EchoFunction") if i.trigger == "destination:AgedFunction"]
    assert record.event["requestContext"]["condition"] == "EventAgeExceeded"
    assert record.event["requestContext"]["approximateInvokeCount"] == 2


def test_success_record_goes_to_an_eventbridge_destination(sb: Sandbox) -> None:
    sb.advance(3600)  # TickFunction's hourly schedule

    [result] = [e for e in sb.events if e["source"] == "lambda"]
    assert result["detail-type"] == "Lambda Function Invocation Result - Success"
    assert result["_bus"] == BUS
    assert result["detail"]["requestContext"]["condition"] == "Success"
    assert result["detail"]["responsePayload"]["got"]["detail-type"] == "Scheduled Event"


# -- SQS event source ------------------------------------------------------------------------------
def test_batch_waits_for_the_batching_window(sb: Sandbox) -> None:
    send(sb, "a", "b", "c")

    sb.advance(19)
    assert invocations_of(sb, "BatchFunction") == []
    sb.advance(1)

    [invocation] = invocations_of(sb, "BatchFunction")
    assert [r["body"] for r in invocation.event["Records"]] == ["a", "b", "c"]
    assert invocation.outcome == "success"
    assert drain(sb, "WorkQueue") == []  # processed messages are deleted


def test_full_batch_is_delivered_at_once(sb: Sandbox) -> None:
    send(sb, *"abcdefg")

    sb.settle()

    first = invocations_of(sb, "BatchFunction")
    assert [len(i.event["Records"]) for i in first] == [5]
    sb.advance(20)
    assert [len(i.event["Records"]) for i in invocations_of(sb, "BatchFunction")] == [5, 2]


def test_sqs_event_has_lambdas_record_shape(sb: Sandbox) -> None:
    sb.client("sqs").send_message(
        QueueUrl=sb.physical_id("WorkQueue"),
        MessageBody="a",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}},
    )

    sb.advance(20)

    [record] = invocations_of(sb, "BatchFunction")[0].event["Records"]
    assert set(record) == {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "md5OfMessageAttributes",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == sb.attribute("WorkQueue", "Arn")
    assert record["awsRegion"] == "us-east-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"] == {
        "kind": {"stringValue": "test", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }


def test_reported_item_failure_is_redelivered_after_the_visibility_timeout(sb: Sandbox) -> None:
    send(sb, "good", "bad")

    sb.advance(20)
    [first] = invocations_of(sb, "BatchFunction")
    assert first.outcome == "partial"
    bad_id = next(r["messageId"] for r in first.event["Records"] if r["body"] == "bad")
    assert first.failed_items == [bad_id]

    sb.advance(29)  # the queue's VisibilityTimeout is 30 s
    assert len(invocations_of(sb, "BatchFunction")) == 1
    sb.advance(2 + 20)  # visible again (moto: strictly after the deadline), then one batching window

    second = invocations_of(sb, "BatchFunction")[1]
    assert [(r["body"], r["attributes"]["ApproximateReceiveCount"]) for r in second.event["Records"]] == [
        ("bad", "2")
    ]


def test_message_failing_max_receive_count_times_goes_to_the_dead_letter_queue(sb: Sandbox) -> None:
    send(sb, "bad")

    sb.advance(600)

    assert len(invocations_of(sb, "BatchFunction")) == 2  # maxReceiveCount: 2
    [dead] = drain(sb, "WorkDLQ")
    assert dead["Body"] == "bad"


def test_handler_error_returns_the_whole_batch(sb: Sandbox) -> None:
    send(sb, "good", "crash")

    sb.advance(20)
    [invocation] = invocations_of(sb, "BatchFunction")

    assert invocation.outcome == "error"
    assert sorted(invocation.failed_items) == sorted(r["messageId"] for r in invocation.event["Records"])
    sb.advance(60)  # visibility timeout, then a batching window
    assert len(invocations_of(sb, "BatchFunction")) == 2


def test_invalid_batch_response_fails_the_whole_batch(sb: Sandbox) -> None:
    send(sb, "good", "invalid")

    sb.advance(20)

    [invocation] = invocations_of(sb, "BatchFunction")
    assert invocation.outcome == "partial"
    assert len(invocation.failed_items) == 2


def test_filter_criteria_drop_what_they_do_not_match(sb: Sandbox) -> None:
    sqs = sb.client("sqs")
    for body in ('{"kind": "keep"}', '{"kind": "drop"}', "not json"):
        sqs.send_message(QueueUrl=sb.physical_id("FilteredQueue"), MessageBody=body)

    sb.settle()

    [invocation] = invocations_of(sb, "FilteredFunction")
    assert [r["body"] for r in invocation.event["Records"]] == ['{"kind": "keep"}']
    assert drain(sb, "FilteredQueue") == []  # Lambda deletes the messages its filters reject


def test_sns_publishes_are_recorded_as_notifications(sb: Sandbox) -> None:
    send(sb, "a", "bad")

    sb.advance(20)

    [note] = sb.notifications
    assert (note["Channel"], note["TopicArn"]) == ("sns", sb.physical_id("Topic"))
    assert (note["Subject"], note["Message"]) == ("1 processed", "a\nbad")


# -- schedules -------------------------------------------------------------------------------------
def test_schedule_event_fires_with_the_scheduled_event_envelope(sb: Sandbox) -> None:
    sb.advance(3599)
    assert invocations_of(sb, "TickFunction") == []

    sb.advance(1)

    [invocation] = invocations_of(sb, "TickFunction")
    event = invocation.event
    assert (event["source"], event["detail-type"], event["detail"]) == ("aws.events", "Scheduled Event", {})
    assert event["time"] == "2026-03-02T10:00:00Z"
    assert event["resources"] == [f"arn:aws:events:us-east-1:{sb.account_id}:rule/{invocation.trigger[5:]}"]


def test_schedule_v2_delivers_its_input_at_the_cron_time(sb: Sandbox) -> None:
    sb.advance(3 * 3600)  # 09:00 -> 12:00

    noon = [i for i in invocations_of(sb, "TickFunction") if i.trigger.startswith("schedule:")]
    assert [(i.started.hour, i.event) for i in noon] == [(12, {"tick": "noon"})]
    schedules = sb.client("scheduler").list_schedules()["Schedules"]
    assert [s["Name"] for s in schedules] == [noon[0].trigger.split(":", 1)[1]]


def test_scheduled_rule_resource_sends_to_its_sqs_target(sb: Sandbox) -> None:
    sb.advance(1800)

    [message] = drain(sb, "TicksQueue")
    event = json.loads(message["Body"])
    assert (event["source"], event["detail-type"]) == ("aws.events", "Scheduled Event")


def test_scheduled_rules_match_no_events(sb: Sandbox) -> None:
    put_event(sb, "Anything", {}, source="fixture.default", bus="default")

    sb.settle()

    assert invocations_of(sb, "TickFunction") == []
    assert drain(sb, "TicksQueue") == []


def test_rule_disabled_through_the_api_stops_firing(sb: Sandbox) -> None:
    rule = sb.physical_id("TicksRule")
    sb.client("events").disable_rule(Name=rule)

    sb.advance(3600)

    assert drain(sb, "TicksQueue") == []
    assert not any(f.name == rule for f in sb.router.firings)


# -- timeline --------------------------------------------------------------------------------------
def test_timeline_puts_events_invocations_and_notifications_in_order(sb: Sandbox) -> None:
    put_event(sb, "Ping", {"n": 1})
    send(sb, "a")
    sb.advance(20)

    lines = sb.timeline()

    assert lines[0].startswith("2026-03-02 09:00:00  event     fixture: Ping")
    assert "invoke    EchoFunction <- rule:" in lines[1]
    assert lines[2].startswith("2026-03-02 09:00:20  invoke    BatchFunction <- sqs:")
    assert lines[3].endswith(": 1 processed")
