"""SQLite group commit: batches run on the event loop's thread while the write lock is free,
and go to the writer thread — never blocking the loop — while another connection holds it."""

import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy import insert, select

from gateway.store import Database, upgrade
from gateway.store.tables import outbox
from tests.gateway.store.outbox_rows import add_message


async def test_a_held_write_lock_neither_blocks_the_loop_nor_loses_the_write(sqlite_url: str) -> None:
    db = Database.from_url(sqlite_url)
    try:
        await upgrade(db.engine)
        await db.write_sync(add_message("before"))  # lock free: runs inline
        async with db.begin() as holder:  # another connection takes the write lock and keeps it
            await holder.execute(insert(outbox).values(
                topic="t", key="holder", idempotency_key="holder", payload={}, state="pending", attempts=0,
                available_at=datetime.now(UTC), created_at=datetime.now(UTC)))
            waiting = asyncio.create_task(db.write_sync(add_message("while-locked")))
            ticks, started = 0, time.monotonic()
            while time.monotonic() - started < 0.5:  # the loop keeps running meanwhile
                await asyncio.sleep(0.01)
                ticks += 1
            assert ticks >= 20
            assert not waiting.done()  # it waits for the lock, in the writer thread
        await asyncio.wait_for(waiting, 10)  # the lock is released: the write goes through
        async with db.read() as conn:
            keys = (await conn.execute(select(outbox.c.key).order_by(outbox.c.id))).scalars().all()
        assert keys == ["before", "holder", "while-locked"]
    finally:
        await db.close()
