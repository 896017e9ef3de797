"""adapters.slack: the webhook URL read from its secret (and never logged), and what each answer of
Slack becomes: delivered, wait and retry (429 with its Retry-After), retry later (5xx, 408, no
answer, an unreadable secret), or final (400/403/404/410, a secret that holds no URL).

Posts go over real HTTP, with slack_sdk, to the sandbox's fake incoming webhook on 127.0.0.1 (it
answers as Slack documents); the secret comes from a stubbed Secrets Manager client."""

from __future__ import annotations

import json
import logging
import socket
from typing import TYPE_CHECKING, Any

import pytest

from backup_autopilot.adapters.slack import SecretUnavailable, SlackWebhook, webhook_url_from
from sandbox.slack import SlackWebhook as FakeSlack

if TYPE_CHECKING:
    from collections.abc import Iterator

    from botocore.stub import Stubber

    from tests.unit.adapters.conftest import StubbedClients

SECRET = (
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-webhook-AbCdEf"  # pragma: allowlist secret
)
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Backup failed*: orders"}}]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    server = FakeSlack(enforce_rate_limit=False).start()
    yield server
    server.stop()


def _secret(stub: Stubber, value: str) -> None:
    stub.add_response(
        "get_secret_value",
        {"ARN": SECRET, "Name": "slack-webhook", "SecretString": value},
        {"SecretId": SECRET},
    )


def _webhook(stubbed: StubbedClients, url: str) -> SlackWebhook:
    _secret(stubbed.stub("secretsmanager", None), url)
    return SlackWebhook(SECRET, secrets_client=stubbed("secretsmanager"), retry_interval=0.0)


# -- the URL in the secret ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        "https://hooks.slack.com/services/T1/B1/x",  # pragma: allowlist secret
        "  https://hooks.slack.com/services/T1/B1/x\n",  # pragma: allowlist secret
        b"https://hooks.slack.com/services/T1/B1/x",  # pragma: allowlist secret
        '{"url": "https://hooks.slack.com/services/T1/B1/x"}',  # pragma: allowlist secret
        '{"webhook_url": " https://hooks.slack.com/services/T1/B1/x "}',  # pragma: allowlist secret
        '{"url": "", "webhook_url": "https://hooks.slack.com/services/T1/B1/x"}',  # pragma: allowlist secret
    ],
)
def test_the_secret_holds_the_url_plain_or_as_json(value: Any) -> None:
    assert webhook_url_from(value) == "https://hooks.slack.com/services/T1/B1/x"  # pragma: allowlist secret


def test_the_url_s_scheme_may_be_in_capitals_and_is_kept_as_given() -> None:
    assert (
        webhook_url_from("HTTPS://hooks.slack.com/services/T1/B1/x")  # pragma: allowlist secret
        == "HTTPS://hooks.slack.com/services/T1/B1/x"  # pragma: allowlist secret
    )


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "hooks.slack.com/services/T1/B1/x",  # pragma: allowlist secret
        '{"url": ',
        '["https://hooks.slack.com/x"]',  # pragma: allowlist secret
        '{"token": "x"}',
    ],
)
def test_a_secret_without_a_url_is_final(value: Any) -> None:
    with pytest.raises(
        SecretUnavailable, match=r"the secret holds no webhook URL \(https://...\)"
    ) as refused:
        webhook_url_from(value)
    assert refused.value.final is True


# -- what Slack answers ---------------------------------------------------------------------------
def test_a_post_reaches_the_channel_and_the_secret_is_read_once(
    stubbed: StubbedClients, slack: FakeSlack
) -> None:
    webhook = _webhook(stubbed, slack.url)
    first = webhook.post("Backup failed: orders", BLOCKS)
    second = webhook.post("Backup failed: orders again", BLOCKS)
    assert (first.delivered, first.status, second.delivered) == (True, 200, True)
    assert [post.payload for post in slack.posts] == [
        {"text": "Backup failed: orders", "blocks": BLOCKS},
        {"text": "Backup failed: orders again", "blocks": BLOCKS},
    ]
    # one GetSecretValue for both posts (the stub holds one answer): Powertools' cache


def test_slack_s_rate_limit_says_how_long_to_wait(stubbed: StubbedClients, slack: FakeSlack) -> None:
    slack.fail_next(429, retry_after=30)
    outcome = _webhook(stubbed, slack.url).post("Backup failed: orders", BLOCKS)
    assert (outcome.delivered, outcome.status, outcome.retry_after) == (False, 429, 30.0)
    assert outcome.reason == "429 rate_limited" and len(slack.requests) == 1


@pytest.mark.parametrize(
    ("status", "body"), [(500, "rollup_error"), (503, "service_unavailable"), (408, "timeout")]
)
def test_a_server_error_is_tried_once_more_in_place_then_left_for_later(
    stubbed: StubbedClients, slack: FakeSlack, status: int, body: str
) -> None:
    slack.fail_next(status, times=2, body=body)
    outcome = _webhook(stubbed, slack.url).post("Backup failed: orders", BLOCKS)
    assert (outcome.delivered, outcome.status, outcome.retryable) == (False, status, True)
    assert outcome.reason == f"{status} {body}"
    # slack_sdk's retry handler tries 5xx once more; a 408 is not its to retry
    assert len(slack.requests) == (2 if status >= 500 else 1)


def test_a_server_error_that_passes_is_delivered_by_the_retry_in_place(
    stubbed: StubbedClients, slack: FakeSlack
) -> None:
    slack.fail_next(500, times=1)
    outcome = _webhook(stubbed, slack.url).post("Backup failed: orders", BLOCKS)
    assert outcome.delivered is True and len(slack.requests) == 2


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, "invalid_payload"),
        (403, "action_prohibited"),
        (404, "channel_not_found"),
        (410, "channel_is_archived"),
    ],
)
def test_an_answer_no_retry_can_change_is_final_with_slack_s_words(
    stubbed: StubbedClients, slack: FakeSlack, status: int, body: str
) -> None:
    slack.fail_next(status)
    outcome = _webhook(stubbed, slack.url).post("Backup failed: orders", BLOCKS)
    assert (outcome.delivered, outcome.status, outcome.retryable, outcome.reason) == (
        False,
        status,
        False,
        f"{status} {body}",
    )
    assert len(slack.requests) == 1


def test_a_long_answer_is_cut_in_the_reason(stubbed: StubbedClients, slack: FakeSlack) -> None:
    slack.fail_next(400, body="invalid_blocks " + "x" * 200)
    outcome = _webhook(stubbed, slack.url).post("Backup failed: orders", BLOCKS)
    assert outcome.reason == "400 " + ("invalid_blocks " + "x" * 200)[:80]


def test_no_answer_is_left_for_later(stubbed: StubbedClients) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = _webhook(stubbed, f"http://127.0.0.1:{port}/services/T/B/x").post("Backup failed", BLOCKS)
    assert (outcome.delivered, outcome.retryable) == (False, True)
    assert outcome.reason.startswith("no answer (") and "127.0.0.1" not in outcome.reason


# -- the secret itself ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "final"),
    [
        ("ResourceNotFoundException", True),
        ("AccessDeniedException", True),
        ("DecryptionFailure", True),
        ("InvalidRequestException", True),
        ("ThrottlingException", False),
        ("InternalServiceError", False),
    ],
)
def test_a_secret_that_cannot_be_read_says_why_and_whether_a_retry_helps(
    stubbed: StubbedClients, code: str, final: bool
) -> None:
    stubbed.stub("secretsmanager", None).add_client_error(
        "get_secret_value", code, expected_params={"SecretId": SECRET}
    )
    webhook = SlackWebhook(SECRET, secrets_client=stubbed("secretsmanager"))
    outcome = webhook.post("Backup failed: orders", BLOCKS)
    assert (outcome.delivered, outcome.retryable, outcome.reason) == (
        False,
        not final,
        f"secret unreadable ({code})",
    )


def test_a_secret_without_a_url_is_not_posted_and_not_retried(
    stubbed: StubbedClients, slack: FakeSlack
) -> None:
    outcome = _webhook(stubbed, json.dumps({"channel": "#backups"})).post("Backup failed: orders", BLOCKS)
    assert (outcome.delivered, outcome.retryable) == (False, False)
    assert outcome.reason == "the secret holds no webhook URL (https://...)" and slack.requests == []


# -- the URL is a credential: never in a log line -----------------------------------------------------
def test_the_url_is_masked_in_whatever_the_slack_client_logs(
    stubbed: StubbedClients, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    webhook = _webhook(stubbed, slack.url)
    webhook.post("Backup failed: orders", BLOCKS)
    with caplog.at_level(logging.WARNING, logger="backup_autopilot.slack"):
        logging.getLogger("backup_autopilot.slack").warning("could not post to %s (retrying)", slack.url)
    [record] = [r for r in caplog.records if r.name == "backup_autopilot.slack"]
    assert record.getMessage() == "could not post to <slack webhook> (retrying)"
    # the client logs warnings and above only (slack_sdk's DEBUG lines carry the URL)
    assert logging.getLogger("backup_autopilot.slack").level == logging.WARNING


@pytest.mark.parametrize("logger_name", ["botocore.parsers", "botocore.endpoint", "botocore.hooks"])
@pytest.mark.parametrize("field", ["SecretString", "SecretBinary"])
def test_botocore_s_debug_lines_with_a_secret_value_are_redacted(
    stubbed: StubbedClients, caplog: pytest.LogCaptureFixture, logger_name: str, field: str
) -> None:
    SlackWebhook(SECRET, secrets_client=stubbed("secretsmanager"))
    with caplog.at_level(logging.DEBUG, logger=logger_name):
        logging.getLogger(logger_name).debug(
            "Response body:\n%s", {field: "https://hooks.slack.com/x"}
        )  # pragma: allowlist secret
        logging.getLogger(logger_name).debug("Event needs-retry.secrets-manager: calling handler")
    messages = [r.getMessage() for r in caplog.records if r.name == logger_name]
    assert messages == [
        "Response body: <redacted: a secret value>",
        "Event needs-retry.secrets-manager: calling handler",
    ]
