"""Durable, ordered, at-least-once delivery: claim → deliver → ack / retry / dead-letter."""

from gateway.outbox.messages import Handler, Message, Outcome, enqueue, enqueue_sync, message_insert

__all__ = ["Handler", "Message", "Outcome", "enqueue", "enqueue_sync", "message_insert"]
