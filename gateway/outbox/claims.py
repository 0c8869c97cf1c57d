"""Claiming a batch of outbox messages without breaking per-key order.

A message may be claimed when it is due (pending and available, or inflight with an expired
lease: its worker died, so the outcome of its delivery is unknown) and no earlier message of
its key is still undelivered outside this claim (pending, inflight elsewhere, or dead: a dead
message blocks its key until it is replayed, so a dossier's steps never arrive out of order).

On PostgreSQL candidates are locked with ``FOR UPDATE SKIP LOCKED`` so several processes can
claim at once; a candidate whose earlier sibling is locked by another worker is still
``pending`` in our snapshot and so blocks its key. On SQLite the write transaction
(``BEGIN IMMEDIATE``) serialises claims.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, or_, select, update

from gateway.outbox.messages import Message
from gateway.store.tables import outbox

UNDELIVERED = ("pending", "inflight", "dead")


def claim_batch(
    conn: Connection,
    *,
    worker_id: str,
    limit: int,
    now: datetime,
    lease: timedelta,
    postgres: bool,
) -> list[Message]:
    due = or_(
        and_(outbox.c.state == "pending", outbox.c.available_at <= now),
        and_(outbox.c.state == "inflight", outbox.c.claimed_until < now),
    )
    query = (
        select(outbox.c.id, outbox.c.key, outbox.c.state)
        .where(outbox.c.state.in_(("pending", "inflight")), due)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if postgres:
        query = query.with_for_update(skip_locked=True)
    candidates = conn.execute(query).all()
    if not candidates:
        return []
    candidate_ids = {row.id for row in candidates}
    allowed = _in_order_prefix(conn, candidates, candidate_ids)
    if not allowed:
        return []
    recovered = {row.id for row in candidates if row.state == "inflight"}
    conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(allowed))
        .values(state="inflight", claimed_by=worker_id, claimed_until=now + lease)
    )
    rows = conn.execute(select(outbox).where(outbox.c.id.in_(allowed)).order_by(outbox.c.id)).all()
    return [
        Message(
            id=row.id,
            topic=row.topic,
            key=row.key,
            idempotency_key=row.idempotency_key,
            payload=row.payload,
            attempts=row.attempts,
            recovered=row.id in recovered,
        )
        for row in rows
    ]


def _in_order_prefix(conn: Connection, candidates: list, candidate_ids: set[int]) -> list[int]:
    """For each key, the candidates that come before any undelivered message we don't hold."""
    max_id = max(candidate_ids)
    keys = {row.key for row in candidates}
    siblings = conn.execute(
        select(outbox.c.id, outbox.c.key)
        .where(outbox.c.key.in_(keys), outbox.c.state.in_(UNDELIVERED), outbox.c.id <= max_id)
        .order_by(outbox.c.id)
    )
    blocked: set[str] = set()
    by_key: dict[str, list[int]] = defaultdict(list)
    for row in siblings:
        if row.key in blocked:
            continue
        if row.id in candidate_ids:
            by_key[row.key].append(row.id)
        else:
            blocked.add(row.key)
    return sorted(i for ids in by_key.values() for i in ids)
