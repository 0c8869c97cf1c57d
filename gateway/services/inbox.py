"""Dossiers citizens submitted on the national portal, pushed to us by the portal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.store import Database
from gateway.store.tables import inbox_dossiers


class InboxService:
    def __init__(self, db: Database, *, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock

    async def receive(self, record: dict[str, Any], raw: str) -> bool:
        """Store a pushed dossier before acknowledging it. Returns False for a duplicate."""
        now = self.clock()

        async def write(conn: AsyncConnection) -> bool:
            exists = await conn.execute(
                select(inbox_dossiers.c.seq).where(inbox_dossiers.c.ma_ho_so == record["MaHoSo"])
            )
            if exists.first() is not None:
                return False
            await conn.execute(
                inbox_dossiers.insert().values(ma_ho_so=record["MaHoSo"], record=record, raw=raw, received_at=now)
            )
            return True

        return bool(await self.db.write(write))

    async def list(self, *, after: int, limit: int) -> dict[str, Any]:
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    select(inbox_dossiers).where(inbox_dossiers.c.seq > after).order_by(inbox_dossiers.c.seq).limit(limit)
                )
            ).all()
        items = [
            {"cursor": str(r.seq), "ma_ho_so": r.ma_ho_so, "received_at": r.received_at.isoformat(), "dossier": r.record}
            for r in rows
        ]
        return {"items": items, "next": items[-1]["cursor"] if items else str(after)}
