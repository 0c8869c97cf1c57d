"""PortalSyncHandler on real SQLite and PostgreSQL with a recording portal: what each batch
sends, and what it need not send again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update

from gateway.outbox import Message
from gateway.services.portal_sync import PortalSyncHandler
from gateway.store import Database, upgrade
from gateway.store.tables import dossiers
from tests.api.dossier_samples import dossier, event

AT = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


class RecordingPortal:
    def __init__(self) -> None:
        self.statuses: list[list[tuple[str, str]]] = []
        self.steps: list[str] = []

    async def lookup_dossier(self, ma_ho_so: str, ctx: Any) -> None:
        raise AssertionError("no reconciliation expected")

    async def sync_dossiers(self, records: list[Any], ctx: Any) -> dict[str, str]:
        return {r.code: "updated" for r in records}

    async def sync_statuses(self, statuses: list[tuple[str, str, Any]], ctx: Any) -> None:
        self.statuses.append([(code, status) for code, status, _ in statuses])

    async def push_progress(self, steps: list[Any], ctx: Any) -> None:
        self.steps.extend(step.event["note"] for step in steps)


def _progress(n: int, code: str) -> Message:
    ev = event("processing", 0, at="2026-11-22T08:00:00+00:00", note=f"bước {n}")
    return Message(id=n, topic="portal", key=code, idempotency_key=f"e{n}",
                   payload={"kind": "progress", "code": code, "seq": n, "event": ev}, attempts=0, recovered=False)


async def test_a_status_the_portal_already_has_from_us_is_not_sent_again(database_url: str) -> None:
    """While a backlog drains, each batch carries a step of the same dossiers: their status goes
    once, and again only when it changes (status or update time) or after a full-record sync."""
    db = Database.from_url(database_url)
    try:
        await upgrade(db.engine)
        async with db.begin() as conn:
            await conn.execute(insert(dossiers), [
                {"code": c, "status": "processing", "record": dossier(status="processing"), "event_count": 0,
                 "portal_known": True, "created_at": AT, "updated_at": AT} for c in ("A", "B")])
        portal = RecordingPortal()
        handler = PortalSyncHandler(db, portal)

        assert all(o.status == "delivered" for o in await handler.deliver([_progress(1, "A"), _progress(2, "B")]))
        assert portal.statuses == [[("A", "processing"), ("B", "processing")]]
        await handler.deliver([_progress(3, "A"), _progress(4, "B")])
        assert len(portal.statuses) == 1  # nothing changed: not resent
        async with db.begin() as conn:
            await conn.execute(update(dossiers).where(dossiers.c.code == "B")
                               .values(status="awaiting_supplement", updated_at=AT + timedelta(seconds=1)))
        await handler.deliver([_progress(5, "A"), _progress(6, "B")])
        assert portal.statuses[1:] == [[("B", "awaiting_supplement")]]
        put = Message(id=7, topic="portal", key="A", idempotency_key="d7", payload={"kind": "dossier", "code": "A"},
                      attempts=0, recovered=False)
        await handler.deliver([put])
        await handler.deliver([_progress(8, "A")])
        assert portal.statuses[2:] == [[("A", "processing")]]  # the record sync made us forget
        assert portal.steps == [f"bước {n}" for n in (1, 2, 3, 4, 5, 6, 8)]
    finally:
        await db.close()
