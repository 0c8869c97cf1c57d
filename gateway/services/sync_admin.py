"""Operators' view of synchronisation: backlog, dead letters, replay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.errors import NotFound
from gateway.store import Database, refuse
from gateway.store.tables import outbox


class SyncAdmin:
    def __init__(self, db: Database, *, clock: Callable[[], datetime], circuits: Callable[[], dict[str, str]],
                 notify: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self.clock = clock
        self.circuits = circuits
        self.notify = notify

    async def status(self) -> dict[str, Any]:
        undelivered = outbox.c.state.in_(("pending", "inflight"))
        async with self.db.read() as conn:
            row = (
                await conn.execute(
                    select(
                        func.count().filter(undelivered).label("backlog"),
                        func.min(outbox.c.created_at).filter(undelivered).label("oldest"),
                        func.count().filter(outbox.c.state == "dead").label("dead"),
                        func.count().filter(outbox.c.state == "delivered").label("delivered"),
                    )
                )
            ).one()
        oldest = row.oldest
        age = (self.clock() - oldest).total_seconds() if oldest else 0.0
        return {
            "backlog": row.backlog,
            "oldest_pending_age_seconds": round(max(age, 0.0), 3),
            "dead_letters": row.dead,
            "delivered_total": row.delivered,
            "circuits": self.circuits(),
        }

    async def dead_letters(self, *, after: int = 0, limit: int = 100) -> dict[str, Any]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.attempts, outbox.c.last_error,
                           outbox.c.created_at, outbox.c.available_at)
                    .where(outbox.c.state == "dead", outbox.c.id > after)
                    .order_by(outbox.c.id)
                    .limit(limit)
                )
            ).all()
        items = [
            {"id": r.id, "topic": r.topic, "key": r.key, "attempts": r.attempts, "last_error": r.last_error,
             "created_at": _iso(r.created_at), "dead_since": _iso(r.available_at)}
            for r in rows
        ]
        return {"items": items, "next": str(items[-1]["id"]) if len(items) == limit else None}

    async def replay(self, message_id: int) -> dict[str, Any]:
        now = self.clock()

        async def write(conn: AsyncConnection) -> dict[str, Any]:
            found = await conn.execute(
                update(outbox)
                .where(outbox.c.id == message_id, outbox.c.state == "dead")
                .values(state="pending", attempts=0, available_at=now)
            )
            if found.rowcount == 0:
                raise refuse(NotFound(f"no dead letter {message_id}"))
            return {"id": message_id, "state": "pending"}

        result = await self.db.write(write)
        self.notify()
        return result


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
