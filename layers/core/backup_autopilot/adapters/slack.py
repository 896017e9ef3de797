"""Posting to Slack through an incoming webhook (slack_sdk's WebhookClient).

The webhook URL is a credential: it is read from Secrets Manager through Powertools' parameters
utility (cached for ``POWERTOOLS_PARAMETERS_MAX_AGE`` seconds, so a rotated URL is picked up
within that time), kept in memory only, and never logged: slack_sdk's logger for this client only
writes warnings and above, with the URL masked; botocore's DEBUG logging of the secret's response
body is redacted; no outcome, error or metric carries it.

What Slack answers becomes a :class:`PostOutcome`: 2xx delivered; 429 with its ``Retry-After``;
5xx and network errors retryable (slack_sdk's retry handlers try once more in place, after a
short pause); 400 (``invalid_payload``), 403 (``action_prohibited``, ``invalid_token``), 404
(``channel_not_found``, ``no_service``), 410 (``channel_is_archived``) final: no retry helps.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from backup_autopilot.logic.alerting.service import PostOutcome

if TYPE_CHECKING:
    from collections.abc import Callable

#: Secrets Manager errors no retry can fix (the others, throttling included, are retried later)
FINAL_SECRET_ERRORS = frozenset(
    {"ResourceNotFoundException", "AccessDeniedException", "DecryptionFailure", "InvalidRequestException"}
)
#: how long one post may take (Lambda's timeout is 60 s; a post that hangs is retried later)
TIMEOUT_SECONDS = 10


class _MaskUrl(logging.Filter):
    """Belt and braces: whatever slack_sdk logs, the URL does not appear."""

    def __init__(self, secret: Callable[[], str | None]) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        secret = self._secret()
        if secret:
            message = record.getMessage()
            if secret in message:
                record.msg, record.args = message.replace(secret, "<slack webhook>"), None
        return True


class _RedactSecretBodies(logging.Filter):
    """botocore logs response bodies at DEBUG (``botocore.parsers``): a GetSecretValue answer holds
    the webhook URL. Such a record is rewritten, whatever level the function's logs are set to."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "SecretString" in record.getMessage() or "SecretBinary" in record.getMessage():
            record.msg, record.args = "Response body: <redacted: a secret value>", None
        return True


_REDACTION = _RedactSecretBodies()


def _guard_botocore_logs() -> None:
    for name in ("botocore.parsers", "botocore.endpoint", "botocore.hooks"):
        log = logging.getLogger(name)
        if _REDACTION not in log.filters:
            log.addFilter(_REDACTION)


class SecretUnavailable(Exception):
    def __init__(self, reason: str, final: bool) -> None:
        super().__init__(reason)
        self.final = final


def webhook_url_from(value: Any) -> str:
    """The URL in a secret: the plain URL, or JSON with ``url`` / ``webhook_url``."""
    text = value.decode() if isinstance(value, bytes) else str(value or "")
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = {}
        text = str(data.get("url") or data.get("webhook_url") or "").strip() if isinstance(data, dict) else ""
    if not text.lower().startswith(("https://", "http://")):
        raise SecretUnavailable("the secret holds no webhook URL (https://...)", final=True)
    return text


class SlackWebhook:
    """Implements :class:`~backup_autopilot.logic.alerting.service.ChatPort`."""

    def __init__(
        self,
        secret_arn: str,
        *,
        secrets_client: Any = None,
        retry_interval: float = 1.0,
        timeout: int = TIMEOUT_SECONDS,
    ) -> None:
        self._secret_arn = secret_arn
        self._secrets_client = secrets_client
        self._retry_interval = retry_interval
        self._timeout = timeout
        self._provider: Any = None
        self._client: Any = None
        self._client_url: str | None = None
        self._logger = logging.getLogger("backup_autopilot.slack")
        self._logger.setLevel(logging.WARNING)
        self._logger.addFilter(_MaskUrl(lambda: self._client_url))
        _guard_botocore_logs()

    def _url(self) -> str:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        if self._provider is None:
            self._provider = SecretsProvider(boto3_client=self._secrets_client)
        try:
            value = self._provider.get(self._secret_arn)  # cached: POWERTOOLS_PARAMETERS_MAX_AGE
        except GetParameterError as error:
            cause = error.__cause__ or error.__context__
            code = getattr(cause, "response", {}).get("Error", {}).get("Code", "") if cause else ""
            raise SecretUnavailable(
                f"secret unreadable ({code or 'error'})", final=code in FINAL_SECRET_ERRORS
            ) from error
        return webhook_url_from(value)

    def _webhook(self, url: str) -> Any:
        if self._client is None or self._client_url != url:
            from slack_sdk.http_retry.builtin_handlers import (
                ConnectionErrorRetryHandler,
                ServerErrorRetryHandler,
            )
            from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
            from slack_sdk.webhook import WebhookClient

            pause = FixedValueRetryIntervalCalculator(fixed_internal=self._retry_interval)
            self._client = WebhookClient(
                url,
                timeout=self._timeout,
                logger=self._logger,
                retry_handlers=[
                    ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=pause),
                    ServerErrorRetryHandler(max_retry_count=1, interval_calculator=pause),
                ],
            )
            self._client_url = url
        return self._client

    def post(self, text: str, blocks: list[Any]) -> PostOutcome:
        try:
            client = self._webhook(self._url())
        except SecretUnavailable as error:
            return PostOutcome(delivered=False, retryable=not error.final, reason=str(error))
        try:
            response = client.send(text=text, blocks=blocks)
        except Exception as error:  # network errors after slack_sdk's own retry: try later
            return PostOutcome(delivered=False, retryable=True, reason=f"no answer ({type(error).__name__})")
        status = int(response.status_code)
        body = " ".join(str(response.body or "").split())[:80]
        reason = f"{status} {body}".strip()
        if 200 <= status < 300:
            return PostOutcome(delivered=True, status=status)
        if status == 429:
            headers = {str(k).lower(): v for k, v in (response.headers or {}).items()}
            value: Any = headers.get("retry-after")
            value = value[0] if isinstance(value, list) else value
            try:
                retry_after = max(1.0, float(value))
            except (TypeError, ValueError):
                retry_after = 1.0
            return PostOutcome(delivered=False, status=status, retry_after=retry_after, reason=reason)
        if status >= 500 or status == 408:
            return PostOutcome(delivered=False, status=status, retryable=True, reason=reason)
        return PostOutcome(delivered=False, status=status, retryable=False, reason=reason)
