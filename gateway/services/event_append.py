"""Appending one status event to a dossier, inside the caller's transaction: move the dossier
(only from a status the transition table allows), add the event row and its outbox message,
and read the dossier's synchronisation state for the reply.

This is the API's hottest write, so it is written twice, each form measured:
- on SQLite, four ``Prepared`` statements (no round trips: the database is in-process);
- on PostgreSQL, one statement (data-modifying CTEs): each statement is a round trip and a
  unit of server work, and four of them per event cost twice the CPU of one.
Both write the same rows; ``tests/gateway/services/test_event_append.py`` checks it.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, text, update

from gateway.outbox import enqueue_sync
from gateway.services.sync_state import OPEN, quick_sync_state, state_of
from gateway.services.transitions import sources_of
from gateway.store.prepared import Prepared
from gateway.store.tables import dossier_events, dossiers
from gateway.store.tables._meta import Json, Timestamp

PORTAL_TOPIC = "portal"


def append_event(conn: Connection, *, code: str, event: dict[str, Any], event_id: str,
                 now: datetime) -> tuple[int, dict[str, Any]] | None:
    """``(seq, sync state)``, or None when nothing was written (unknown dossier, or a move the
    table does not allow from its current status)."""
    params = {"code": code, "now": now, "due_at": event.get("due_at"), "event_id": event_id,
              "status": event["status"], "event": event}
    if conn.dialect.name == "postgresql":
        row = _in_one_statement(event["status"], bool(params["due_at"])).all(conn, params)
        if not row:
            return None
        seq, undelivered, dead, attempts = row[0]
        # The counts were read before this statement's message existed: add it (pending).
        return seq, state_of(undelivered + 1, dead, attempts or 0)
    seq = _advance(event["status"], bool(params["due_at"])).scalar(conn, params)
    if seq is None:
        return None
    _ADD_EVENT.run(conn, {**params, "seq": seq})
    enqueue_sync(conn, topic=PORTAL_TOPIC, key=code, idempotency_key=event_id,
                 payload={"kind": "progress", "code": code, "seq": seq, "event": event}, now=now)
    return seq, quick_sync_state(conn, code)


@cache
def _advance(target: str, with_due: bool) -> Prepared:
    """The move, checked and applied in one statement: the row changes only if its current
    status may move to ``target``; the new event count comes back. One statement per target,
    its allowed sources written in ("-" when none: matches nothing)."""
    statement = (
        update(dossiers)
        .where(dossiers.c.code == bindparam("code"),
               or_(*(dossiers.c.status == s for s in sources_of(target) or ["-"])))
        .values(status=target, event_count=dossiers.c.event_count + 1, updated_at=bindparam("now"))
        .returning(dossiers.c.event_count)
    )
    return Prepared(statement.values(due_at=bindparam("due_at")) if with_due else statement)


_ADD_EVENT = Prepared(insert(dossier_events).values(
    event_id=bindparam("event_id"), dossier_code=bindparam("code"), seq=bindparam("seq"),
    status=bindparam("status"), event=bindparam("event"), created_at=bindparam("now"),
))


@cache
def _in_one_statement(target: str, with_due: bool) -> Prepared:
    """PostgreSQL: the move, the event, the outbox message and the sync counts in one go."""
    sources = ", ".join(f"'{s}'" for s in sources_of(target)) or "NULL"  # from contracts/, not input
    open_states = ", ".join(f"'{s}'" for s in OPEN if s != "dead")
    statement = text(f"""
        WITH moved AS (
            UPDATE dossiers SET status = :status, event_count = event_count + 1, updated_at = :now
                {", due_at = :due_at" if with_due else ""}
            WHERE code = :code AND status IN ({sources})
            RETURNING event_count
        ), added AS (
            INSERT INTO dossier_events (event_id, dossier_code, seq, status, event, created_at)
            SELECT :event_id, :code, event_count, :status, :event, :now FROM moved
        ), queued AS (
            INSERT INTO outbox (topic, key, idempotency_key, payload, state, attempts, available_at, created_at)
            SELECT '{PORTAL_TOPIC}', :code, :event_id,
                   jsonb_build_object('kind', 'progress', 'code', CAST(:code AS text), 'seq', event_count,
                                      'event', :event),
                   'pending', 0, :now, :now
            FROM moved
        )
        SELECT moved.event_count,
               (SELECT count(*) FROM outbox WHERE key = :code AND state IN ({open_states})),
               (SELECT count(*) FROM outbox WHERE key = :code AND state = 'dead'),
               (SELECT max(attempts) FROM outbox WHERE key = :code AND state IN ({open_states}, 'dead'))
        FROM moved
    """).bindparams(
        bindparam("status", type_=dossiers.c.status.type), bindparam("now", type_=Timestamp),
        bindparam("code", type_=dossiers.c.code.type), bindparam("event_id", type_=dossier_events.c.event_id.type),
        bindparam("event", type_=Json),
        *([bindparam("due_at", type_=dossiers.c.due_at.type)] if with_due else []),
    )
    return Prepared(statement)
