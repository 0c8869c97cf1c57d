"""The audit sink of the exchange pipeline, backed by the append-only ``audit_entries`` table.

Entries are written through the group-commit writer, so recording costs a request no
transaction of its own."""

from __future__ import annotations

from sqlalchemy import Connection, insert

from gateway.store.db import Database
from gateway.store.tables import audit_entries
from security.audit.record import ExchangeRecord


def entry_values(entry: ExchangeRecord) -> dict[str, object]:
    return {
        "at": entry.at,
        "direction": entry.direction,
        "peer": entry.peer,
        "operation": entry.operation,
        "request_id": entry.request_id,
        "caller": entry.caller,
        "officer_id": entry.officer_id,
        "purpose": entry.purpose,
        "outcome": entry.outcome,
        "http_status": entry.http_status,
        "duration_ms": round(entry.duration_ms),
        "request_digest": entry.request_digest,
        "response_digest": entry.response_digest,
        "signature_scheme": entry.signature_scheme,
        "signature_key_id": entry.signature_key_id,
        "signature_verified": entry.signature_verified,
        "upstream_ref": (entry.upstream_ref or "")[:128] or None,
        "request_body": entry.request_bytes,
        "response_body": entry.response_bytes,
    }


class StoreAuditSink:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, entry: ExchangeRecord) -> None:
        values = entry_values(entry)

        def write(conn: Connection) -> None:
            conn.execute(insert(audit_entries).values(**values))

        await self.db.write_sync(write)
