"""Dossier use cases: record a dossier or a status change and queue it for the national portal
(DVCQG) in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from gateway.errors import DossierNotFound, InvalidTransition
from gateway.outbox import enqueue_sync
from gateway.services.event_append import PORTAL_TOPIC, append_event
from gateway.services.sync_state import quick_sync_state, sync_state
from gateway.services.transitions import is_allowed
from gateway.store import Database, refuse
from gateway.store.tables import dossier_events, dossiers


# Built once: SQLAlchemy then reuses their compiled form (this is the API's hot path).
_CURRENT = select(dossiers.c.status, dossiers.c.due_at, dossiers.c.record, dossiers.c.event_count).where(
    dossiers.c.code == bindparam("code")
)
_STATUS = select(dossiers.c.status, dossiers.c.event_count).where(dossiers.c.code == bindparam("code"))
_STATUS_FOR_UPDATE = _STATUS.with_for_update()


def current_record(code: str, row: Any) -> dict[str, Any]:
    """The record as last PUT, with the status and due date of the latest event."""
    return {"code": code, **row.record, "status": row.status, "due_at": row.due_at}


class DossierService:
    def __init__(self, db: Database, *, clock: Callable[[], datetime], notify: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self.clock = clock
        self.notify = notify  # wakes the outbox worker

    async def put(self, code: str, record: dict[str, Any]) -> dict[str, Any]:
        """Create or replace the dossier record; a status change must follow the table."""
        now = self.clock()

        def write(conn: Connection) -> dict[str, Any]:
            current = self._status(conn, code)
            if current is not None and current.status != record["status"] and not is_allowed(current.status, record["status"]):
                raise refuse(InvalidTransition(f"{current.status} → {record['status']} is not allowed"))
            columns = {"status": record["status"], "due_at": record.get("due_at"), "record": record, "updated_at": now}
            if current is None:
                conn.execute(insert(dossiers).values(code=code, created_at=now, **columns))
            else:
                conn.execute(update(dossiers).where(dossiers.c.code == code).values(**columns))
            enqueue_sync(conn, topic=PORTAL_TOPIC, key=code, idempotency_key=f"dossier:{code}:{uuid.uuid4().hex}",
                         payload={"kind": "dossier", "code": code}, now=now)
            return quick_sync_state(conn, code)

        sync = await self.db.write_sync(write)
        self.notify()
        return {"dossier": {"code": code, **record}, "sync": sync}

    async def add_event(self, code: str, event: dict[str, Any]) -> dict[str, Any]:
        """Append one status change; 404 for an unknown dossier, 409 for a disallowed move."""
        now = self.clock()
        event_id = f"evt_{uuid.uuid4().hex}"

        def write(conn: Connection) -> dict[str, Any]:
            # The record stays as PUT; status and due date live in columns (cheap to update).
            appended = append_event(conn, code=code, event=event, event_id=event_id, now=now)
            if appended is None:  # nothing was written: say why
                current = self._status(conn, code)
                if current is None:
                    raise refuse(DossierNotFound(f"no dossier {code}"))
                raise refuse(InvalidTransition(f"{current.status} → {event['status']} is not allowed"))
            return appended[1]

        sync = await self.db.write_sync(write)
        self.notify()
        return {"event_id": event_id, "sync": sync}

    async def get(self, code: str) -> dict[str, Any]:
        def read(conn: Connection) -> dict[str, Any]:
            current = self._current(conn, code)
            if current is None:
                raise DossierNotFound(f"no dossier {code}")
            events = conn.execute(
                select(dossier_events.c.event_id, dossier_events.c.seq, dossier_events.c.event)
                .where(dossier_events.c.dossier_code == code)
                .order_by(dossier_events.c.seq)
            ).all()
            return {
                "dossier": current_record(code, current),
                "events": [{"event_id": e.event_id, "seq": e.seq, **e.event} for e in events],
                "sync": sync_state(conn, code),
            }

        return await self.db.read_sync(read)

    async def count(self) -> int:
        return int(await self.db.read_sync(lambda conn: conn.execute(select(func.count()).select_from(dossiers)).scalar_one()))

    def _current(self, conn: Connection, code: str) -> Any:
        return conn.execute(_CURRENT, {"code": code}).one_or_none()

    def _status(self, conn: Connection, code: str) -> Any:
        """Status and event count, locked: FOR UPDATE serialises changes of one dossier
        across processes (PostgreSQL; SQLite's write transaction already does)."""
        query = _STATUS_FOR_UPDATE if self.db.is_postgres else _STATUS
        return conn.execute(query, {"code": code}).one_or_none()
