"""Process-wide hooks into moto: SQS message arrivals and SNS publishes reach the active listener.

moto's ``Queue.add_message`` and ``Topic.publish`` are patched once (:func:`install`); while a
listener is active (:func:`activate`, the running :class:`~sandbox.lambda_service.Router`), a
message entering a queue wakes its SQS pollers and every SNS publish is recorded.
"""

from __future__ import annotations

from typing import Any, Protocol

from moto.sns import models as sns_models
from moto.sqs import models as sqs_models


class Listener(Protocol):
    """What the hooks call (the router)."""

    def on_message_added(self, queue_arn: str, delayed_until: float) -> None: ...

    def record_notification(
        self,
        channel: str,
        target: str,
        message: str,
        *,
        subject: str | None = None,
        attributes: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> object: ...


_active: Listener | None = None
_installed = False
_original_add_message = sqs_models.Queue.add_message
_original_topic_publish = sns_models.Topic.publish


def activate(listener: Listener) -> None:
    global _active
    _active = listener


def deactivate(listener: Listener) -> bool:
    """Stop calling ``listener``; ``False`` when another listener had taken its place."""
    global _active
    if _active is not listener:
        return False
    _active = None
    return True


def _add_message(self: sqs_models.Queue, message: sqs_models.Message) -> None:
    _original_add_message(self, message)
    listener = _active
    if listener is not None:
        listener.on_message_added(self.queue_arn, message.delayed_until / 1000.0)


def _topic_publish(
    self: sns_models.Topic,
    message: str,
    subject: str | None = None,
    message_attributes: dict[str, Any] | None = None,
    group_id: str | None = None,
    deduplication_id: str | None = None,
    message_structure: str | None = None,
) -> str:
    message_id: str = _original_topic_publish(
        self, message, subject, message_attributes, group_id, deduplication_id, message_structure
    )
    listener = _active
    if listener is not None:
        listener.record_notification(
            "sns", self.arn, message, subject=subject, attributes=message_attributes, message_id=message_id
        )
    return message_id


def install() -> None:
    global _installed
    if not _installed:
        sqs_models.Queue.add_message = _add_message  # type: ignore[method-assign]
        sns_models.Topic.publish = _topic_publish  # type: ignore[method-assign]
        _installed = True
