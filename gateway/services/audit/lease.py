"""One sealer at a time: on PostgreSQL, a session advisory lock held by one process.

Every gateway process runs a sealer; the one holding the lock seals, the others find it taken
and idle until its holder exits (the lock goes with its connection, so a crashed process
frees it at once). SQLite needs no lease: its write transactions are serialised, and the
sealer's transaction checks the log's size before it writes (compare-and-set), which also
keeps PostgreSQL correct should the lease ever be lost mid-round.
"""

from __future__ import annotations

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

SEALER_LOCK = 7_210_005  # pg advisory lock id (gateway.store.migrate uses 7_210_001)
log = structlog.get_logger("audit")


class SealerLease:
    """``await lease.acquire()`` → True while this process may seal."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._conn: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return not self.postgres or self._conn is not None

    async def acquire(self) -> bool:
        if not self.postgres:
            return True
        if self._conn is not None:
            try:  # still ours? (a dropped connection took the lock with it)
                await self._conn.execute(text("SELECT 1"))
                await self._conn.commit()
                return True
            except Exception:
                log.warning("audit.sealer.lease_lost")
                await self._close()
        conn = await self.engine.connect()
        try:
            got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SEALER_LOCK})).scalar()
            await conn.commit()  # the session lock outlives the transaction
        except Exception:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        log.info("audit.sealer.lease_acquired")
        return True

    async def release(self) -> None:
        if self._conn is None:
            return
        try:
            await self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SEALER_LOCK})
            await self._conn.commit()
        except Exception:
            pass  # closing the connection frees the lock anyway
        await self._close()

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:
                pass
