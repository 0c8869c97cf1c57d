"""The national procedure catalogue (portal ``LayThuTuc``), cached in the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters._exchange import CallContext
from gateway.errors import ProcedureNotFound, UpstreamError
from gateway.store import Database
from gateway.store.tables import procedures


class Catalogue(Protocol):
    async def get_procedure(self, ma_tthc: str, ctx: CallContext) -> dict[str, Any] | None: ...


class ProcedureService:
    def __init__(self, db: Database, portal: Catalogue, *, clock: Callable[[], datetime], ttl: timedelta) -> None:
        self.db = db
        self.portal = portal
        self.clock = clock
        self.ttl = ttl

    async def get(self, code: str, ctx: CallContext) -> dict[str, Any]:
        """The cached record while fresh; else the portal's, cached. A stale record is served
        when the portal is unreachable (the catalogue changes rarely)."""
        async with self.db.read() as conn:
            row = (await conn.execute(select(procedures).where(procedures.c.code == code))).one_or_none()
        now = self.clock()
        if row is not None and now - row.fetched_at < self.ttl:
            return dict(row.record)
        try:
            record = await self.portal.get_procedure(code, ctx)
        except UpstreamError:
            if row is not None:
                return dict(row.record)
            raise
        if record is None:
            raise ProcedureNotFound(f"the national catalogue has no procedure {code}")
        await self.db.write(lambda conn: _upsert(conn, code, record, now))
        return record


async def _upsert(conn: AsyncConnection, code: str, record: dict[str, Any], now: datetime) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    statement = insert(procedures).values(code=code, record=record, fetched_at=now)
    await conn.execute(
        statement.on_conflict_do_update(index_elements=[procedures.c.code],
                                        set_={"record": record, "fetched_at": now})
    )
