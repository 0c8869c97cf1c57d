"""Claiming a batch of outbox messages without breaking per-key order, and acknowledging it.

A message may be claimed when it is due (pending and available, or inflight with an expired
lease: its worker died, so the outcome of its delivery is unknown) and no earlier message of
its key is still undelivered outside this claim (pending, inflight elsewhere, or dead: a dead
message blocks its key until it is replayed, so a dossier's steps never arrive out of order).

On PostgreSQL the claim is one statement: the candidates are locked with ``FOR UPDATE SKIP
LOCKED`` (several processes may claim at once; a candidate whose earlier sibling is locked by
another worker sees that sibling undelivered and is held back), marked inflight and returned.
On SQLite the write transaction (``BEGIN IMMEDIATE``) serialises claims: one SELECT, one
UPDATE. Statements are compiled once and take the ids of a batch as one parameter (an array
on PostgreSQL, a JSON array on SQLite), so a batch of 1,000 costs no more SQL to build than
one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Text, and_, bindparam, cast, exists, func, literal_column
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ColumnElement

from gateway.outbox.messages import Message
from gateway.store.prepared import Prepared, one_of
from gateway.store.tables import outbox


def _state_in(table: Any, *states: str) -> ColumnElement[bool]:
    # Literal states, not parameters: the planner must see them to use the partial indexes
    # of migration 0005 rather than walk every delivered message.
    return table.c.state.in_([literal_column(f"'{s}'") for s in states])  # type: ignore[no-any-return]


def _ids(dialect: str) -> ColumnElement[bool]:
    return one_of(outbox.c.id, "ids", dialect)


def _candidates(postgres: bool) -> Any:
    now = bindparam("now", type_=outbox.c.available_at.type)
    query = (
        select(outbox.c.id, outbox.c.key, outbox.c.state)
        .where(
            _state_in(outbox, "pending", "inflight"),
            or_(
                and_(outbox.c.state == "pending", outbox.c.available_at <= now),
                and_(outbox.c.state == "inflight", outbox.c.claimed_until < now),
            ),
        )
        .order_by(outbox.c.id)
        .limit(bindparam("limit"))
    )
    if postgres:
        query = query.with_for_update(skip_locked=True)
    return query.cte("candidates")


def _held_back(candidates: Any, row: Any) -> ColumnElement[bool]:
    """An earlier message of ``row``'s key is undelivered and not among the candidates."""
    sibling = outbox.alias("sibling")
    return exists().where(
        sibling.c.key == row.c.key,
        sibling.c.id < row.c.id,
        _state_in(sibling, "pending", "inflight", "dead"),
        sibling.c.id.not_in(select(candidates.c.id)),
    )


def _in_order(candidates: Any) -> ColumnElement[bool]:
    """``not _held_back(...)`` for PostgreSQL, which would turn that NOT EXISTS into a hash
    anti-join over every undelivered message: as a scalar subquery it stays one probe of the
    partial (key, id) index per candidate."""
    sibling = outbox.alias("sibling")
    first_outside = (
        select(func.min(sibling.c.id))
        .where(
            sibling.c.key == candidates.c.key,
            _state_in(sibling, "pending", "inflight", "dead"),
            sibling.c.id.not_in(select(candidates.c.id)),
        )
        .scalar_subquery()
    )
    return candidates.c.id < func.coalesce(first_outside, candidates.c.id + 1)


_COLUMNS = (
    outbox.c.id,
    outbox.c.topic,
    outbox.c.key,
    outbox.c.idempotency_key,
    cast(outbox.c.payload, Text),  # parsed with orjson, not the driver's json module
    outbox.c.attempts,
)
_LEASE = {"state": "inflight", "claimed_by": bindparam("worker"), "claimed_until": bindparam("until")}

_pg = _candidates(postgres=True)
_CLAIM_PG = Prepared(
    update(outbox)
    .where(outbox.c.id == _pg.c.id, _in_order(_pg))
    .values(_LEASE)
    .returning(*_COLUMNS, _pg.c.state)
)
_lite = _candidates(postgres=False)
_SELECT_SQLITE = Prepared(
    select(*_COLUMNS, outbox.c.state)
    .where(outbox.c.id.in_(select(_lite.c.id).scalar_subquery()), ~_held_back(_lite, outbox))
    .order_by(outbox.c.id)
)
_LEASE_SQLITE = Prepared(update(outbox).where(_ids("sqlite")).values(_LEASE))


def claim_batch(
    conn: Connection,
    *,
    worker_id: str,
    limit: int,
    now: datetime,
    lease: timedelta,
    postgres: bool,
) -> list[Message]:
    params = {"now": now, "limit": limit, "worker": worker_id, "until": now + lease}
    if postgres:
        rows = sorted(_CLAIM_PG.all(conn, params))  # RETURNING keeps no order
    else:
        rows = list(_SELECT_SQLITE.all(conn, params))
        if rows:
            _LEASE_SQLITE.run(conn, {**params, "ids": [row[0] for row in rows]})
    return [
        Message(id=id_, topic=topic, key=key, idempotency_key=idem, payload=orjson.loads(payload),
                attempts=attempts, recovered=state == "inflight")
        for id_, topic, key, idem, payload, attempts, state in rows
    ]


_MINE = (outbox.c.claimed_by == bindparam("worker")) & (outbox.c.state == "inflight")
_RELEASE = {"claimed_by": None, "claimed_until": None}
_DELIVERED = {
    dialect: Prepared(
        update(outbox).where(_ids(dialect), _MINE).values(state="delivered", delivered_at=bindparam("now"), **_RELEASE)
    )
    for dialect in ("postgresql", "sqlite")
}
_SKIPPED = {
    dialect: Prepared(update(outbox).where(_ids(dialect), _MINE).values(state="pending", **_RELEASE))
    for dialect in ("postgresql", "sqlite")
}


def acknowledge(conn: Connection, *, worker_id: str, now: datetime, delivered: Sequence[int],
                skipped: Sequence[int]) -> None:
    """Mark a batch's delivered messages delivered and put its skipped ones back in line, one
    statement each, only where this worker still holds the claim."""
    dialect = conn.dialect.name
    if delivered:
        _DELIVERED[dialect].run(conn, {"ids": list(delivered), "worker": worker_id, "now": now})
    if skipped:
        _SKIPPED[dialect].run(conn, {"ids": list(skipped), "worker": worker_id})
