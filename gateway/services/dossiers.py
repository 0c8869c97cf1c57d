"""Dossier use cases: record a dossier or a status change and queue it for the national portal
(DVCQG) in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.errors import DossierNotFound, InvalidTransition
from gateway.outbox import enqueue
from gateway.services.sync_state import sync_state
from gateway.services.transitions import is_allowed
from gateway.store import Database, refuse
from gateway.store.tables import dossier_events, dossiers

PORTAL_TOPIC = "portal"


class DossierService:
    def __init__(self, db: Database, *, clock: Callable[[], datetime], notify: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self.clock = clock
        self.notify = notify  # wakes the outbox worker

    async def put(self, code: str, record: dict[str, Any]) -> dict[str, Any]:
        """Create or replace the dossier record; a status change must follow the table."""
        now = self.clock()

        async def write(conn: AsyncConnection) -> dict[str, Any]:
            current = await self._current(conn, code)
            if current is not None and current.status != record["status"] and not is_allowed(current.status, record["status"]):
                raise refuse(InvalidTransition(f"{current.status} → {record['status']} is not allowed"))
            if current is None:
                await conn.execute(
                    insert(dossiers).values(code=code, status=record["status"], record=record, created_at=now, updated_at=now)
                )
            else:
                await conn.execute(
                    update(dossiers).where(dossiers.c.code == code).values(status=record["status"], record=record, updated_at=now)
                )
            await enqueue(
                conn, topic=PORTAL_TOPIC, key=code, idempotency_key=f"dossier:{code}:{uuid.uuid4().hex}",
                payload={"kind": "dossier", "code": code}, now=now,
            )
            return await sync_state(conn, code)

        sync = await self.db.write(write)
        self.notify()
        return {"dossier": {"code": code, **record}, "sync": sync}

    async def add_event(self, code: str, event: dict[str, Any]) -> dict[str, Any]:
        """Append one status change; 404 for an unknown dossier, 409 for a disallowed move."""
        now = self.clock()
        event_id = f"evt_{uuid.uuid4().hex}"

        async def write(conn: AsyncConnection) -> dict[str, Any]:
            current = await self._current(conn, code)
            if current is None:
                raise refuse(DossierNotFound(f"no dossier {code}"))
            if not is_allowed(current.status, event["status"]):
                raise refuse(InvalidTransition(f"{current.status} → {event['status']} is not allowed"))
            seq = current.event_count + 1
            record = {**current.record, "status": event["status"]}
            if event.get("due_at"):
                record["due_at"] = event["due_at"]
            await conn.execute(
                update(dossiers)
                .where(dossiers.c.code == code)
                .values(status=event["status"], record=record, event_count=seq, updated_at=now)
            )
            await conn.execute(
                insert(dossier_events).values(
                    event_id=event_id, dossier_code=code, seq=seq, status=event["status"], event=event, created_at=now
                )
            )
            await enqueue(
                conn, topic=PORTAL_TOPIC, key=code, idempotency_key=event_id,
                payload={"kind": "progress", "code": code, "seq": seq, "event": event}, now=now,
            )
            return await sync_state(conn, code)

        sync = await self.db.write(write)
        self.notify()
        return {"event_id": event_id, "sync": sync}

    async def get(self, code: str) -> dict[str, Any]:
        async with self.db.read() as conn:
            current = await self._current(conn, code, lock=False)
            if current is None:
                raise DossierNotFound(f"no dossier {code}")
            events = (
                await conn.execute(
                    select(dossier_events.c.event_id, dossier_events.c.seq, dossier_events.c.event)
                    .where(dossier_events.c.dossier_code == code)
                    .order_by(dossier_events.c.seq)
                )
            ).all()
            sync = await sync_state(conn, code)
        return {
            "dossier": {"code": code, **current.record},
            "events": [{"event_id": e.event_id, "seq": e.seq, **e.event} for e in events],
            "sync": sync,
        }

    async def count(self) -> int:
        async with self.db.read() as conn:
            return int((await conn.execute(select(func.count()).select_from(dossiers))).scalar_one())

    async def _current(self, conn: AsyncConnection, code: str, *, lock: bool = True) -> Any:
        query = select(dossiers.c.status, dossiers.c.record, dossiers.c.event_count).where(dossiers.c.code == code)
        if lock and self.db.is_postgres:
            query = query.with_for_update()  # serialise changes of one dossier across processes
        return (await conn.execute(query)).one_or_none()
