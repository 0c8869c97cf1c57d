"""PostgreSQL's group commit keeps one connection across batches; when that connection dies
(the server restarted, an administrator killed it), the next write still succeeds."""

import pytest
from sqlalchemy import func, select, text

from gateway.store import Database, upgrade
from gateway.store.tables import outbox
from tests.gateway.store.outbox_rows import add_message

pytestmark = pytest.mark.postgres


async def test_a_killed_group_commit_connection_is_replaced(postgres_url: str) -> None:
    db = Database.from_url(postgres_url)
    try:
        await upgrade(db.engine)
        await db.write_sync(add_message("first"))
        backend = await db.write_sync(lambda conn: conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
        assert await db.write_sync(lambda conn: conn.execute(text("SELECT pg_backend_pid()")).scalar_one()) == backend
        async with db.engine.connect() as admin:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        await db.write_sync(add_message("after-kill"))  # the batch fails, is run again on a new connection
        async with db.read() as conn:
            keys = (await conn.execute(select(outbox.c.key).order_by(outbox.c.id))).scalars().all()
            assert keys == ["first", "after-kill"]
            assert (await conn.execute(select(func.count()).select_from(outbox))).scalar_one() == 2
    finally:
        await db.close()
