"""What officers read (``/v1/audit``): entries, bodies, checkpoints, proofs and keys.

Only sealed entries are listed: an entry's ``seq`` is its log position, the number its
inclusion proof is about. Proofs are assembled from ``audit_subtrees`` in one query.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, select

from gateway.errors import InvalidRequest, NotFound
from gateway.services.audit import log as audit_log
from gateway.services.audit.protection import BodyEnvelopeError, BodyProtection
from gateway.store import Database
from gateway.store.tables.audit import audit_entries, audit_subtrees
from gateway.store.tables.payments import payments
from security.audit import (
    assemble,
    canonical,
    consistency_plan,
    inclusion_plan,
    plan_nodes,
    sha256_hex,
)

MAX_PAGE = 500
CERTIFICATE_PURPOSES = ("wsse", "audit", "caller-jwt")
e = audit_entries
_leaf = audit_subtrees.alias("leaf")


def entry_json(row: Any) -> dict[str, Any]:
    entry = audit_log.entry_of(row)
    leaf = row.leaf_hash
    return {**entry, "leaf_hash": bytes(leaf).hex() if leaf is not None else None}


def _with_leaf(*columns: Any) -> Any:
    return select(*columns, _leaf.c.hash.label("leaf_hash")).select_from(
        e.outerjoin(_leaf, and_(_leaf.c.level == 0, _leaf.c.idx == e.c.log_seq - 1))
    )


class AuditReader:
    def __init__(self, db: Database, keys: Any, protection: BodyProtection, *, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.keys = keys
        self.protection = protection
        self.clock = clock

    async def entries(
        self, *, after: int = 0, limit: int = 100, peer: str | None = None,
        operation: str | None = None, request_id: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        limit = max(1, min(limit, MAX_PAGE))
        query = _with_leaf(*audit_log.ENTRY_COLUMNS).where(e.c.log_seq > after)
        for column, value in ((e.c.peer, peer), (e.c.operation, operation), (e.c.request_id, request_id)):
            if value:
                query = query.where(column == value)
        query = query.order_by(e.c.log_seq).limit(limit)
        rows = await self.db.read_sync(lambda conn: list(conn.execute(query)))
        items = [entry_json(row) for row in rows]
        size = await self.db.read_sync(audit_log.sealed_size)
        return {"items": items, "next": str(items[-1]["seq"]) if len(items) == limit else None, "size": size}

    async def entry(self, seq: int) -> dict[str, Any]:
        query = _with_leaf(
            *audit_log.ENTRY_COLUMNS, e.c.duration_ms, e.c.request_body, e.c.response_body,
            e.c.body_protection, e.c.bodies_purged_at,
        ).where(e.c.log_seq == seq)  # fmt: skip
        row = await self.db.read_sync(lambda conn: conn.execute(query).first())
        if row is None:
            raise NotFound(f"no sealed audit entry {seq}")
        entry = audit_log.entry_of(row)
        data = canonical(entry)
        return {
            "entry": entry,
            "canonical": data.decode("utf-8"),
            "leaf_hash": bytes(row.leaf_hash).hex() if row.leaf_hash is not None else None,
            "duration_ms": row.duration_ms,
            "body_protection": row.body_protection,
            "bodies_purged_at": row.bodies_purged_at.isoformat() if row.bodies_purged_at else None,
            "request_body": self._body(row.request_body, row, "request", row.request_digest),
            "response_body": self._body(row.response_body, row, "response", row.response_digest),
            "headers": None,  # the exchange pipeline stores bodies, not headers
        }

    def _body(self, stored: bytes | None, row: Any, which: str, digest: str | None) -> dict[str, Any]:
        if row.bodies_purged_at is not None:
            return {"state": "purged", "digest": digest}
        if stored is None:
            return {"state": "absent", "digest": digest}
        try:
            body = self.protection.reveal(bytes(stored), row.body_protection, which, digest)
        except BodyEnvelopeError as exc:
            return {"state": "unreadable", "digest": digest, "error": str(exc)}
        assert body is not None
        state = "redacted" if row.body_protection == "redacted" else "exact"
        try:
            text, encoding = body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = base64.b64encode(body).decode("ascii"), "base64"
        return {
            "state": state, "digest": digest, "digest_matches": sha256_hex(body) == digest,
            "encoding": encoding, "content": text,
        }  # fmt: skip

    async def latest_checkpoint(self) -> dict[str, Any]:
        checkpoint = await self.db.read_sync(audit_log.latest_checkpoint)
        if checkpoint is None:
            raise NotFound("no checkpoint has been signed yet")
        return checkpoint.to_json()

    async def checkpoints(self, *, limit: int = 50) -> dict[str, Any]:
        limit = max(1, min(limit, MAX_PAGE))
        found = await self.db.read_sync(lambda conn: audit_log.checkpoints(conn, limit=limit, descending=True))
        return {"items": [c.to_json() for c in found]}

    async def inclusion(self, seq: int, size: int | None) -> dict[str, Any]:
        def read(conn: Connection) -> dict[str, Any]:
            tree_size = size
            checkpoint = None
            if tree_size is None:
                checkpoint = audit_log.latest_checkpoint(conn)
                if checkpoint is None:
                    raise NotFound("no checkpoint has been signed yet")
                tree_size = checkpoint.size
            if not 1 <= seq <= tree_size:
                raise InvalidRequest(f"entry {seq} is not in a tree of size {tree_size}")
            if tree_size > audit_log.sealed_size(conn):
                raise InvalidRequest(f"the log has fewer than {tree_size} entries")
            checkpoint = checkpoint or audit_log.checkpoint_at(conn, tree_size)
            plan = inclusion_plan(seq - 1, tree_size)
            hashes = audit_log.node_map(conn, plan_nodes(plan) | {(0, seq - 1)})
            return {
                "seq": seq, "leaf_index": seq - 1, "tree_size": tree_size,
                "leaf_hash": hashes[(0, seq - 1)].hex(),
                "proof": [h.hex() for h in assemble(plan, hashes)],
                "checkpoint": checkpoint.to_json() if checkpoint else None,
            }  # fmt: skip

        return await self.db.read_sync(read)

    async def consistency(self, first: int, second: int) -> dict[str, Any]:
        if not 0 <= first <= second:
            raise InvalidRequest(f"no consistency proof from size {first} to size {second}")

        def read(conn: Connection) -> dict[str, Any]:
            if second > audit_log.sealed_size(conn):
                raise InvalidRequest(f"the log has fewer than {second} entries")
            plan = consistency_plan(first, second)
            proof = assemble(plan, audit_log.node_map(conn, plan_nodes(plan)))
            return {"from": first, "to": second, "proof": [h.hex() for h in proof]}

        return await self.db.read_sync(read)

    def certificates(self) -> dict[str, Any]:
        return {"items": [r for purpose in CERTIFICATE_PURPOSES for r in self.keys.public_records(purpose)]}

    async def activity(self, hours: int = 24) -> dict[str, Any]:
        """Exchanges per hour by peer and outcome, and payments created per hour by status."""
        since = self.clock() - timedelta(hours=hours)

        def read(conn: Connection) -> tuple[list[Any], list[Any]]:
            exchanges = conn.execute(select(e.c.at, e.c.peer, e.c.outcome).where(e.c.at >= since).limit(200_000))
            created = conn.execute(select(payments.c.created_at, payments.c.status).where(payments.c.created_at >= since))
            return list(exchanges), list(created)

        exchanges, created = await self.db.read_sync(read)

        def hour(at: datetime) -> str:
            return at.replace(minute=0, second=0, microsecond=0).isoformat()

        by_exchange = Counter((hour(r.at), r.peer, "ok" if r.outcome == "ok" else "error") for r in exchanges)
        by_payment = Counter((hour(r.created_at), r.status) for r in created)
        return {
            "since": since.isoformat(), "hours": hours,
            "exchanges": [{"hour": h, "peer": p, "outcome": o, "count": n} for (h, p, o), n in sorted(by_exchange.items())],
            "payments": [{"hour": h, "status": s, "count": n} for (h, s), n in sorted(by_payment.items())],
        }  # fmt: skip
