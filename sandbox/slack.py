"""A Slack incoming webhook on 127.0.0.1: records every post, answers like Slack, fails on demand.

The sandbox starts one (``sb.slack``) and stores its URL in a Secrets Manager secret whose ARN it
passes as the stack's ``SlackWebhookSecretArn``: the handler reads the secret and posts with
slack_sdk over real HTTP, exactly as it does on AWS, and this server answers. Nothing in the
handler knows it is in the sandbox.

What it answers, as Slack documents for incoming webhooks:

* ``200 ok`` for a valid message (JSON with ``text`` or ``blocks``); the post is recorded, and
  reaches ``sb.notifications`` with ``Channel`` ``"slack"``;
* ``400 invalid_payload`` (not JSON, no text or blocks) or ``400 invalid_blocks`` (more than 50
  blocks, a text over Slack's limits, a header that is not ``plain_text``);
* ``429`` with ``Retry-After: 1`` when a post comes less than a second (simulated time) after the
  previous accepted one: Slack's one message per second per webhook;
* whatever :meth:`SlackWebhook.fail_next` queued: 429 with ``Retry-After``, 403
  ``action_prohibited``, 404 ``channel_not_found``, 410 ``channel_is_archived``, 500
  ``rollup_error``, for the next N posts (or all, ``times=None``).

Times are the sandbox's simulated clock (``datetime.now`` is moved by time-machine in the whole
process; the server thread reads the same clock).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: the stack parameter the sandbox fills with the secret's ARN
PARAMETER = "SlackWebhookSecretArn"
#: Slack's bodies for its documented webhook errors
ERROR_BODIES = {
    400: "invalid_payload",
    403: "action_prohibited",
    404: "channel_not_found",
    410: "channel_is_archived",
    429: "rate_limited",
    500: "rollup_error",
    503: "service_unavailable",
}
MAX_BLOCKS = 50
TEXT_LIMIT = 3000
HEADER_LIMIT = 150


@dataclass
class SlackFault:
    status: int
    times: int | None = 1
    retry_after: int | None = None
    body: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "times": self.times,
            "retry_after": self.retry_after,
            "body": self.body,
        }


@dataclass
class SlackRequest:
    """One request the webhook received, and what it answered."""

    time: dt.datetime
    status: int
    body: str
    payload: dict[str, Any] | None
    retry_after: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat(),
            "status": self.status,
            "answer": self.body,
            "retry_after": self.retry_after,
            "payload": self.payload,
        }


#: called for every accepted post: (text, blocks, time) -> None (the router records a notification)
PostListener = Callable[[dict[str, Any]], None]


@dataclass
class SlackWebhook:
    """The fake webhook: a service object over its records and faults (thread-safe)."""

    channel: str = "#backup-alerts"
    enforce_rate_limit: bool = True
    requests: list[SlackRequest] = field(default_factory=list)
    faults: list[SlackFault] = field(default_factory=list)
    listener: PostListener | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _path: str = field(
        default_factory=lambda: f"/services/TSANDBOX/BSANDBOX/{secrets.token_hex(12)}", repr=False
    )

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> SlackWebhook:
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.path != webhook._path:
                    status, body, retry = 404, "no_service", None
                else:
                    status, body, retry = webhook.receive(raw)
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
                if retry is not None:
                    self.send_header("Retry-After", str(retry))
                data = body.encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: the requests are recorded

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    @property
    def url(self) -> str:
        """The webhook URL (a credential, as a real one is: the stack keeps it in a secret)."""
        if self._server is None:
            raise RuntimeError("the Slack webhook is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self._path}"

    @property
    def address(self) -> str:
        """Where it listens, without the secret path (safe to show)."""
        if self._server is None:
            return "(stopped)"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/services/..."

    # -- faults --------------------------------------------------------------------------------------
    def fail_next(
        self, status: int, *, times: int | None = 1, retry_after: int | None = None, body: str | None = None
    ) -> SlackFault:
        """The next ``times`` posts (all of them: ``None``) get ``status`` (429: with ``Retry-After``)."""
        if status < 400:
            raise ValueError("a fault is an HTTP error status (4xx or 5xx)")
        fault = SlackFault(
            status, times, retry_after if retry_after is not None else (1 if status == 429 else None), body
        )
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def configure(self, spec: dict[str, Any]) -> None:
        """``{"clear": true}`` and/or ``{"fail": [{"status": 429, "retry_after": 30, "times": 1}]}``."""
        if spec.get("clear"):
            self.clear()
        for item in spec.get("fail", []):
            self.fail_next(
                int(item["status"]),
                times=item.get("times", 1),
                retry_after=item.get("retry_after"),
                body=item.get("body"),
            )

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "address": self.address,
                "channel": self.channel,
                "faults": [f.to_dict() for f in self.faults],
                "requests": len(self.requests),
                "posts": len(self.posts),
            }

    # -- what happened ---------------------------------------------------------------------------
    @property
    def posts(self) -> list[SlackRequest]:
        """Accepted posts (what people saw), in order."""
        return [r for r in list(self.requests) if r.status == 200]

    def transcript(self) -> list[str]:
        """Every accepted post as a person would read it in the channel."""
        return [render_post(r.payload or {}, r.time, self.channel) for r in self.posts]

    # -- answering --------------------------------------------------------------------------------
    def receive(self, raw: bytes) -> tuple[int, str, int | None]:
        now = dt.datetime.now(dt.UTC)
        payload: dict[str, Any] | None
        try:
            decoded = json.loads(raw or b"null")
            payload = decoded if isinstance(decoded, dict) else None
        except ValueError:
            payload = None
        with self._lock:
            status, body, retry = self._answer(payload, now)
            self.requests.append(SlackRequest(now, status, body, payload, retry))
        if status == 200 and payload is not None and self.listener is not None:
            self.listener(payload)
        return status, body, retry

    def _answer(self, payload: dict[str, Any] | None, now: dt.datetime) -> tuple[int, str, int | None]:
        for fault in self.faults:
            if fault.times is None or fault.times > 0:
                if fault.times is not None:
                    fault.times -= 1
                self.faults = [f for f in self.faults if f.times is None or f.times > 0]
                return fault.status, fault.body or ERROR_BODIES.get(fault.status, "error"), fault.retry_after
        if payload is None or not (payload.get("text") or payload.get("blocks")):
            return 400, "invalid_payload", None
        problem = block_problem(payload.get("blocks") or [])
        if problem:
            return 400, f"invalid_blocks ({problem})", None
        if self.enforce_rate_limit:
            accepted = [r.time for r in self.requests if r.status == 200]
            if accepted and (now - accepted[-1]).total_seconds() < 1:
                return 429, "rate_limited", 1
        return 200, "ok", None


def block_problem(blocks: Any) -> str | None:
    """What Slack would refuse in ``blocks`` (a subset of Block Kit's rules), or None."""
    if not isinstance(blocks, list):
        return "blocks is not a list"
    if len(blocks) > MAX_BLOCKS:
        return f"{len(blocks)} blocks (at most {MAX_BLOCKS})"
    for number, block in enumerate(blocks):
        if not isinstance(block, dict) or "type" not in block:
            return f"block {number} has no type"
        text = block.get("text")
        if block["type"] == "header" and (not isinstance(text, dict) or text.get("type") != "plain_text"):
            return f"header block {number} needs plain_text"
        if isinstance(text, dict):
            limit = HEADER_LIMIT if block["type"] == "header" else TEXT_LIMIT
            if not str(text.get("text") or ""):
                return f"block {number} has an empty text"
            if len(str(text.get("text"))) > limit:
                return f"block {number}'s text is over {limit} characters"
    return None


def _text_of(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else str(obj or "")


def render_post(payload: dict[str, Any], when: dt.datetime, channel: str = "#backup-alerts") -> str:
    """A Block Kit message as text: what the channel shows (emoji as their :codes:)."""
    lines = [f"[Slack {channel}] {when:%Y-%m-%d %H:%M:%S} UTC"]
    blocks = payload.get("blocks") or []
    if not blocks:
        lines.append(f"  {payload.get('text', '')}")
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"  {_text_of(block.get('text'))}")
            lines.append("  " + "=" * min(70, len(_text_of(block.get("text"))) + 2))
        elif kind == "section":
            for line in _text_of(block.get("text")).splitlines():
                lines.append(f"  {line}")
            for item in block.get("fields") or []:
                lines.append(f"  {_text_of(item)}")
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":
                lines.append(f"    [{_text_of(accessory.get('text'))}] -> {accessory.get('url', '')}")
        elif kind == "context":
            lines.append("  " + " | ".join(_text_of(e) for e in block.get("elements") or []))
        elif kind == "divider":
            lines.append("  " + "-" * 40)
    return "\n".join(lines)
