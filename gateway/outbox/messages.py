"""Outbox messages and what a handler answers for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import Connection, Insert, bindparam, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.store.prepared import Prepared
from gateway.store.tables import outbox


@dataclass(frozen=True)
class Message:
    id: int
    topic: str
    key: str
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int  # deliveries tried before this one
    recovered: bool  # a previous claim expired: the outcome of that delivery is unknown


@dataclass(frozen=True)
class Outcome:
    """What happened to one message: delivered, or failed (retried later unless permanent)."""

    status: Literal["delivered", "failed", "skipped"]
    error: str | None = None
    permanent: bool = False  # dead-letter now instead of retrying

    @classmethod
    def ok(cls) -> Outcome:
        return cls("delivered")

    @classmethod
    def failed(cls, error: str, *, permanent: bool = False) -> Outcome:
        return cls("failed", error, permanent)

    @classmethod
    def skipped(cls) -> Outcome:
        """Not tried (an earlier message of its key failed): back in line, no attempt counted."""
        return cls("skipped")


class Handler(Protocol):
    """Delivers a batch of messages of one topic, in order, and answers one outcome each.

    Messages of one key arrive in id order; after a failed message, the handler must not
    deliver later messages of the same key in that batch (answer them ``skipped``)."""

    async def deliver(self, messages: list[Message]) -> list[Outcome]: ...


def message_insert(*, topic: str, key: str, idempotency_key: str, payload: dict[str, Any], now: datetime) -> Insert:
    """The statement adding one message; execute it in the transaction of the state change."""
    return insert(outbox).values(
        topic=topic,
        key=key,
        idempotency_key=idempotency_key,
        payload=payload,
        state="pending",
        attempts=0,
        available_at=now,
        created_at=now,
    )


async def enqueue(conn: AsyncConnection, **message: Any) -> None:
    """Add a message in the caller's (async) transaction, so it commits with the state change."""
    await conn.execute(message_insert(**message))


_INSERT = Prepared(insert(outbox).values(
    topic=bindparam("topic"), key=bindparam("key"), idempotency_key=bindparam("idempotency_key"),
    payload=bindparam("payload"), state="pending", attempts=0, available_at=bindparam("now"),
    created_at=bindparam("now"),
))


def enqueue_sync(
    conn: Connection, *, topic: str, key: str, idempotency_key: str, payload: dict[str, Any], now: datetime
) -> None:
    """``enqueue`` for functions given to ``Database.write_sync`` (a prepared statement: hot path)."""
    _INSERT.run(conn, {"topic": topic, "key": key, "idempotency_key": idempotency_key, "payload": payload, "now": now})
