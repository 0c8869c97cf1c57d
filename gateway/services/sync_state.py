"""A dossier's synchronisation state, read from its outbox messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.store.tables import outbox


async def sync_state(conn: AsyncConnection, key: str) -> dict[str, Any]:
    undelivered = outbox.c.state.in_(("pending", "inflight"))
    row = (
        await conn.execute(
            select(
                func.count().filter(undelivered).label("pending"),
                func.count().filter(outbox.c.state == "dead").label("dead"),
                func.max(case((undelivered | (outbox.c.state == "dead"), outbox.c.attempts), else_=0)).label("attempts"),
                func.max(outbox.c.delivered_at).label("synced_at"),
            ).where(outbox.c.key == key)
        )
    ).one()
    last_error = None
    if row.pending or row.dead:
        last_error = (
            await conn.execute(
                select(outbox.c.last_error)
                .where(outbox.c.key == key, outbox.c.state.in_(("pending", "inflight", "dead")))
                .where(outbox.c.last_error.is_not(None))
                .order_by(outbox.c.id)
                .limit(1)
            )
        ).scalar()
    attempts = row.attempts or 0
    if row.dead:
        state = "dead"
    elif row.pending:
        state = "retrying" if attempts else "pending"
    else:
        state = "synced"
    return {
        "state": state,
        "pending_events": row.pending + row.dead,
        "attempts": attempts,
        "last_error": last_error,
        "synced_at": row.synced_at.isoformat() if row.synced_at else None,
    }
