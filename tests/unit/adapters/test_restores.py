"""The user's own restore check (adapters.restores.LambdaUserCheck): invoked once, within a time
limit; whatever goes wrong fails the check with the reason (never the validator)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError

from backup_autopilot.adapters.restores import USER_CHECK_CONFIG, USER_CHECK_SECONDS, LambdaUserCheck

SHAPE = 'the check must answer {"passed": true|false, "reason": "..."}'
PAYLOAD = {"restore_job_id": "R1", "restored_resource_arn": "arn:aws:dynamodb:...:table/x"}


@dataclass
class FakeLambda:
    answer: Any = None
    function_error: str | None = None
    raw: bytes | None = None
    raises: Exception | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.raises is not None:
            raise self.raises
        response: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": io.BytesIO(json.dumps(self.answer).encode() if self.raw is None else self.raw),
        }
        if self.function_error:
            response["FunctionError"] = self.function_error
        return response


def _check(fake: FakeLambda) -> tuple[LambdaUserCheck, list[tuple[Any, ...]]]:
    asked: list[tuple[Any, ...]] = []

    def client_for(*args: Any) -> FakeLambda:
        asked.append(args)
        return fake

    return LambdaUserCheck(client_for), asked


def test_the_answer_is_read_and_the_call_is_bounded() -> None:
    fake = FakeLambda(answer={"passed": True, "reason": "orders 0..99 all present"})
    check, asked = _check(fake)
    assert check.run("backup-restore-check-orders", PAYLOAD) == (True, "orders 0..99 all present")
    assert json.loads(fake.calls[0]["Payload"]) == PAYLOAD
    assert fake.calls[0]["FunctionName"] == "backup-restore-check-orders"
    # one attempt (a check is never run twice), and the read gives up after the time limit
    [(service, region, config)] = asked
    assert (service, region, config) == ("lambda", None, USER_CHECK_CONFIG)
    assert config.read_timeout == USER_CHECK_SECONDS == 60
    assert config.retries == {"max_attempts": 1}


def test_a_check_over_its_time_limit_fails_with_the_reason() -> None:
    fake = FakeLambda(raises=ReadTimeoutError(endpoint_url="https://lambda.us-east-1.amazonaws.com/"))
    passed, reason = _check(fake)[0].run("backup-restore-check-orders", PAYLOAD)
    assert passed is False and reason.startswith("could not run the check: Read timeout")


def test_errors_and_wrong_answers_fail_the_check() -> None:
    crashed = FakeLambda(answer={"errorMessage": "boom", "errorType": "KeyError"}, function_error="Unhandled")
    assert _check(crashed)[0].run("f", PAYLOAD) == (
        False,
        "the check failed: {'errorMessage': 'boom', 'errorType': 'KeyError'}",
    )
    shapeless = FakeLambda(answer="yes")
    assert _check(shapeless)[0].run("f", PAYLOAD) == (False, SHAPE)
    missing = FakeLambda(
        raises=ClientError(
            {"Error": {"Code": "ResourceNotFoundException", "Message": "Function not found"}}, "Invoke"
        )
    )
    passed, reason = _check(missing)[0].run("backup-restore-check-gone", PAYLOAD)
    assert passed is False and "ResourceNotFoundException" in reason


def test_an_answer_without_a_boolean_verdict_fails_the_check_with_the_expected_shape() -> None:
    for fake in (
        FakeLambda(answer={"passed": "yes", "reason": "looks fine"}),
        FakeLambda(answer={"reason": "forgot the verdict"}),
        FakeLambda(raw=b""),  # a function that returns nothing
    ):
        assert _check(fake)[0].run("f", PAYLOAD) == (False, SHAPE)


def test_an_answer_that_is_not_json_fails_the_check_as_one_that_could_not_run() -> None:
    passed, reason = _check(FakeLambda(raw=b"<html>oops"))[0].run("f", PAYLOAD)
    assert passed is False and reason.startswith("could not run the check: Expecting value")


def test_a_verdict_without_a_reason_is_told_as_passed_or_failed() -> None:
    assert _check(FakeLambda(answer={"passed": True}))[0].run("f", PAYLOAD) == (True, "passed")
    assert _check(FakeLambda(answer={"passed": False, "reason": ""}))[0].run("f", PAYLOAD) == (
        False,
        "failed",
    )


def test_long_reasons_and_crash_reports_are_cut_to_fit_the_record() -> None:
    reason = "row 7 differs; " * 50
    assert _check(FakeLambda(answer={"passed": False, "reason": reason}))[0].run("f", PAYLOAD) == (
        False,
        reason[:500],
    )
    trace = {"errorMessage": "x" * 400, "errorType": "KeyError"}
    crashed = FakeLambda(answer=trace, function_error="Unhandled")
    assert _check(crashed)[0].run("f", PAYLOAD) == (False, f"the check failed: {str(trace)[:300]}")
