"""A write function adding one outbox message (store tests that need some write)."""

from datetime import UTC, datetime

from sqlalchemy import insert

from gateway.store.tables import outbox


def add_message(key: str):
    now = datetime.now(UTC)
    return lambda conn: conn.execute(insert(outbox).values(
        topic="t", key=key, idempotency_key=key, payload={}, state="pending", attempts=0, available_at=now,
        created_at=now))
