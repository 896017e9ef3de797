"""What the Lambda service records: invocations, notifications (SNS publishes) and schedule firings.

``next_sequence`` orders records made at the same simulated instant (the timeline sorts on it).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt

_sequence = itertools.count()


def next_sequence() -> int:
    """A process-wide order for records made at the same simulated instant."""
    return next(_sequence)


@dataclass
class Invocation:
    """One run of a handler."""

    function: str  # logical id
    trigger: str  # "direct", "rule:<name>", "schedule:<name>", "sqs:<queue>", "destination:<fn>"
    event: Any
    request_id: str
    attempt: int
    started: dt.datetime
    ended: dt.datetime
    duration_ms: float  # real (perf_counter) time
    outcome: str  # "success" | "partial" (SQS batch item failures) | "error" | "throttled" (never ran)
    error: str | None = None  # "<errorType>: <errorMessage>"
    error_type: str | None = None
    result: Any = None
    stack_trace: list[str] = field(default_factory=list)
    failed_items: list[str] = field(default_factory=list)  # SQS message ids left for redelivery
    seq: int = 0
    #: what the handler printed, line by line (Powertools' embedded-metric-format documents too)
    stdout: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if k != "seq"}
        data["started"] = self.started.isoformat()
        data["ended"] = self.ended.isoformat()
        return data


@dataclass
class Notification:
    """A message that left the stack for people: an SNS publish (later also Slack posts)."""

    channel: str  # "sns"
    target: str  # topic ARN (or webhook)
    message: str
    subject: str | None
    attributes: dict[str, Any]
    message_id: str
    time: dt.datetime
    seq: int = 0

    def to_dict(self) -> dict[str, Any]:
        """SNS-style keys: ``Channel``, ``TopicArn`` (the target), ``Subject``, ``Message`` ..."""
        return {
            "Channel": self.channel,
            "TopicArn": self.target,
            "Subject": self.subject,
            "Message": self.message,
            "MessageAttributes": self.attributes,
            "MessageId": self.message_id,
            "Timestamp": self.time.isoformat(),
        }


@dataclass
class Firing:
    """A schedule that fired (an EventBridge scheduled rule or an EventBridge Scheduler schedule)."""

    kind: str  # "rule" | "scheduler"
    name: str
    expression: str
    time: dt.datetime
    seq: int = 0
