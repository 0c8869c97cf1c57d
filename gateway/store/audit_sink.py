"""The audit sink of the exchange pipeline, backed by the append-only ``audit_entries`` table.

Entries are written through the group-commit writer, so recording costs a request no
transaction of its own: one INSERT. Bodies are protected on the way in (encrypted with the
``at-rest`` key, or redacted: ``gateway.services.audit.protection``); sealing into the
Merkle log happens later, in the background (``gateway.services.audit.sealer``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, insert

from gateway.store.db import Database
from gateway.store.prepared import Prepared
from gateway.store.tables import audit_entries
from security.audit.record import ExchangeRecord

_COLUMNS = (
    "at", "direction", "peer", "operation", "request_id", "caller", "officer_id", "purpose", "outcome",
    "http_status", "duration_ms", "request_digest", "response_digest", "signature_scheme", "signature_key_id",
    "signature_verified", "upstream_ref", "request_body", "response_body", "body_protection",
)
# Every audited exchange runs it: compiled once, executed on the DBAPI cursor (gateway.store.prepared).
_INSERT_ENTRY = Prepared(insert(audit_entries).values({name: bindparam(name) for name in _COLUMNS}))


def entry_values(entry: ExchangeRecord, protection: Any = None) -> dict[str, object]:
    """The row of a record; ``protection`` (a ``BodyProtection``) encrypts or redacts bodies."""
    request_body, response_body, label = entry.request_bytes, entry.response_bytes, "plain"
    if protection is not None:
        request_body = protection.protect(request_body, "request", entry.request_digest)
        response_body = protection.protect(response_body, "response", entry.response_digest)
        label = protection.label
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
        "request_body": request_body,
        "response_body": response_body,
        "body_protection": label,
    }


class StoreAuditSink:
    def __init__(self, db: Database, protection: Any = None) -> None:
        self.db = db
        self.protection = protection

    async def record(self, entry: ExchangeRecord) -> None:
        values = entry_values(entry, self.protection)
        await self.db.write_sync(lambda conn: _INSERT_ENTRY.run(conn, values))

    def record_in(self, conn: Connection, entries: list[ExchangeRecord]) -> None:
        """Record ``entries`` in the caller's transaction (``Database.write_sync`` functions):
        for a use case whose audit entry must commit with its own writes, in one group commit."""
        _INSERT_ENTRY.run_many(conn, [entry_values(entry, self.protection) for entry in entries])
