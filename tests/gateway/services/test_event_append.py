"""Appending a status event writes the same rows on both databases (SQLite: four statements;
PostgreSQL: one), refuses moves the table does not allow without writing, and reports the
dossier's sync state as the outbox then holds it."""

from datetime import UTC, datetime

from sqlalchemy import select, update

from gateway.services.dossiers import DossierService
from gateway.services.event_append import append_event
from gateway.services.sync_state import quick_sync_state
from gateway.store import Database, upgrade
from gateway.store.tables import dossier_events, dossiers, outbox
from tests.api.dossier_samples import dossier, event

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


async def test_append_writes_event_and_message_in_order(database_url: str) -> None:
    db = Database.from_url(database_url)
    try:
        await upgrade(db.engine)
        await DossierService(db, clock=lambda: NOW).put("HS-1", dossier(status="accepted"))
        first = event("processing", 1)
        second = event("awaiting_supplement", 2, due_at="2026-11-30T17:00:00+07:00")

        def write(conn):
            a = append_event(conn, code="HS-1", event=first, event_id="evt_a", now=NOW)
            b = append_event(conn, code="HS-1", event=second, event_id="evt_b", now=NOW)
            return a, b, quick_sync_state(conn, "HS-1")

        a, b, state_after = await db.write_sync(write)
        assert a[0] == 1 and b[0] == 2
        assert b[1] == state_after  # the reply's sync state is what the outbox holds
        assert state_after == {"state": "pending", "pending_events": 3, "attempts": 0, "last_error": None,
                               "synced_at": None}  # the PUT's message and the two events'

        async with db.read() as conn:
            row = (await conn.execute(select(dossiers.c.status, dossiers.c.event_count, dossiers.c.due_at)
                                      .where(dossiers.c.code == "HS-1"))).one()
            events = (await conn.execute(select(dossier_events.c.event_id, dossier_events.c.seq, dossier_events.c.status,
                                                dossier_events.c.event, dossier_events.c.created_at)
                                         .order_by(dossier_events.c.seq))).all()
            messages = (await conn.execute(select(outbox.c.topic, outbox.c.key, outbox.c.idempotency_key,
                                                  outbox.c.payload, outbox.c.state, outbox.c.attempts,
                                                  outbox.c.available_at)
                                           .where(outbox.c.idempotency_key.like("evt_%")).order_by(outbox.c.id))).all()
        assert tuple(row) == ("awaiting_supplement", 2, "2026-11-30T17:00:00+07:00")
        assert [tuple(e) for e in events] == [("evt_a", 1, "processing", first, NOW),
                                              ("evt_b", 2, "awaiting_supplement", second, NOW)]
        assert [tuple(m) for m in messages] == [
            ("portal", "HS-1", "evt_a", {"kind": "progress", "code": "HS-1", "seq": 1, "event": first}, "pending", 0, NOW),
            ("portal", "HS-1", "evt_b", {"kind": "progress", "code": "HS-1", "seq": 2, "event": second}, "pending", 0, NOW),
        ]
    finally:
        await db.close()


async def test_refused_moves_write_nothing_and_state_counts_dead_and_retrying(database_url: str) -> None:
    db = Database.from_url(database_url)
    try:
        await upgrade(db.engine)
        await DossierService(db, clock=lambda: NOW).put("HS-2", dossier(status="accepted"))
        async with db.begin() as conn:  # the PUT's message failed for good; put a retried one beside it
            await conn.execute(update(outbox).values(state="dead", attempts=5))

        def write(conn):
            unknown = append_event(conn, code="NOPE", event=event("processing", 1), event_id="evt_x", now=NOW)
            refused = append_event(conn, code="HS-2", event=event("submitted", 1), event_id="evt_y", now=NOW)
            moved = append_event(conn, code="HS-2", event=event("processing", 2), event_id="evt_z", now=NOW)
            return unknown, refused, moved, quick_sync_state(conn, "HS-2")

        unknown, refused, moved, state_after = await db.write_sync(write)
        assert unknown is None and refused is None
        assert moved is not None and moved[0] == 1
        assert moved[1] == state_after
        assert state_after["state"] == "dead" and state_after["pending_events"] == 2 and state_after["attempts"] == 5
        async with db.read() as conn:
            ids = (await conn.execute(select(dossier_events.c.event_id))).scalars().all()
        assert ids == ["evt_z"]
    finally:
        await db.close()
