"""``Prepared`` statements write exactly the rows ``conn.execute`` writes, on both databases:
same SQL, same type conversions (timestamps, JSON), literals of the statement bound."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, insert, or_, select, update

from gateway.store import Database, upgrade
from gateway.store.prepared import Prepared
from gateway.store.tables import outbox

AT = datetime(2026, 11, 22, 13, 0, 1, 250_000, tzinfo=timezone(timedelta(hours=7)))
PAYLOAD = {"kind": "progress", "note": "Bước 1: tiếp nhận", "n": [1, 2.5, None, True]}

_INSERT = Prepared(insert(outbox).values(
    topic=bindparam("topic"), key=bindparam("key"), idempotency_key=bindparam("idem"),
    payload=bindparam("payload"), state="pending", attempts=0, available_at=bindparam("at"),
    created_at=bindparam("at"),
))
# A literal in the statement ("pending", 3) next to named parameters, and RETURNING.
_BUMP = Prepared(
    update(outbox)
    .where(outbox.c.key == bindparam("key"), or_(outbox.c.state == "pending", outbox.c.state == "inflight"))
    .values(attempts=outbox.c.attempts + 3)
    .returning(outbox.c.attempts)
)


def _row(conn, idem):
    return conn.execute(select(outbox.c.topic, outbox.c.key, outbox.c.payload, outbox.c.state, outbox.c.attempts,
                               outbox.c.available_at, outbox.c.created_at)
                        .where(outbox.c.idempotency_key == idem)).one()


async def test_prepared_rows_equal_core_rows(database_url: str) -> None:
    db = Database.from_url(database_url)
    try:
        await upgrade(db.engine)

        def write(conn):
            _INSERT.run(conn, {"topic": "portal", "key": "K1", "idem": "prepared", "payload": PAYLOAD, "at": AT})
            conn.execute(insert(outbox), {"topic": "portal", "key": "K1", "idempotency_key": "core", "payload": PAYLOAD,
                                          "state": "pending", "attempts": 0, "available_at": AT, "created_at": AT})
            return _BUMP.all(conn, {"key": "K1"}), _row(conn, "prepared"), _row(conn, "core")

        bumped, prepared, core = await db.write_sync(write)
        assert sorted(bumped) == [(3,), (3,)]
        assert tuple(prepared) == tuple(core)
        assert prepared.payload == PAYLOAD
        assert prepared.available_at == AT.astimezone(UTC)  # stored as the UTC instant
        assert await db.write_sync(lambda conn: _BUMP.scalar(conn, {"key": "nobody"})) is None
    finally:
        await db.close()


async def test_prepared_needs_every_named_parameter(sqlite_url: str) -> None:
    db = Database.from_url(sqlite_url)
    try:
        await upgrade(db.engine)
        with pytest.raises(KeyError):
            await db.write_sync(lambda conn: _INSERT.run(conn, {"topic": "portal", "key": "K1"}))
    finally:
        await db.close()


def test_expanding_parameters_are_refused() -> None:
    from sqlalchemy.dialects import sqlite

    statement = Prepared(select(outbox.c.id).where(outbox.c.state.in_(("pending", "dead"))))
    with pytest.raises(ValueError, match="expanding"):
        statement._plan(sqlite.dialect())
