"""A dossier's synchronisation state, read from its outbox messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, case, func, or_, select

from gateway.store.prepared import Prepared
from gateway.store.tables import outbox

OPEN = ("pending", "inflight", "dead")


def sync_state(conn: Connection, key: str) -> dict[str, Any]:
    undelivered = outbox.c.state.in_(("pending", "inflight"))
    row = conn.execute(
        select(
            func.count().filter(undelivered).label("pending"),
            func.count().filter(outbox.c.state == "dead").label("dead"),
            func.max(case((outbox.c.state.in_(OPEN), outbox.c.attempts), else_=0)).label("attempts"),
            func.max(outbox.c.delivered_at).label("synced_at"),
        ).where(outbox.c.key == key)
    ).one()
    last_error = None
    if row.pending or row.dead:
        last_error = conn.execute(
            select(outbox.c.last_error)
            .where(outbox.c.key == key, outbox.c.state.in_(OPEN), outbox.c.last_error.is_not(None))
            .order_by(outbox.c.id)
            .limit(1)
        ).scalar()
    synced_at = row.synced_at
    if isinstance(synced_at, str):  # SQLite aggregates lose the column type
        from datetime import datetime

        synced_at = datetime.fromisoformat(synced_at)
    return state_of(row.pending, row.dead, row.attempts or 0, last_error, synced_at.isoformat() if synced_at else None)


_QUICK = Prepared(
    select(outbox.c.state, func.count(), func.max(outbox.c.attempts))
    .where(outbox.c.key == bindparam("key"), or_(*(outbox.c.state == state for state in OPEN)))
    .group_by(outbox.c.state)
)


def quick_sync_state(conn: Connection, key: str) -> dict[str, Any]:
    """The state right after a message was queued: one grouped count on (key, state)."""
    rows = _QUICK.all(conn, {"key": key})
    counts = {state: (count, attempts or 0) for state, count, attempts in rows}
    pending = sum(c for s, (c, _) in counts.items() if s != "dead")
    dead = counts.get("dead", (0, 0))[0]
    attempts = max((a for _, a in counts.values()), default=0)
    return state_of(pending, dead, attempts)


def state_of(pending: int, dead: int, attempts: int, last_error: str | None = None,
             synced_at: str | None = None) -> dict[str, Any]:
    """The API's ``sync`` object from the counts of a dossier's undelivered and dead messages."""
    if dead:
        state = "dead"
    elif pending:
        state = "retrying" if attempts else "pending"
    else:
        state = "synced"
    return {"state": state, "pending_events": pending + dead, "attempts": attempts,
            "last_error": last_error, "synced_at": synced_at}
