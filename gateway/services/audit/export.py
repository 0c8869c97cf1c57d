"""``lienthong audit export``: entries first..last of the live log as a self-contained bundle
(``security.audit.bundle``), streamed from the database in chunks.

The bundle carries the entries (canonical form and the leaf hashes the log holds), their
bodies as stored — decrypted when they were encrypted at rest, marked ``redacted`` or
``purged`` otherwise — the signed checkpoints that cover the range, the proofs that tie the
range to them, and the audit keys' public records (current and retired).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from gateway.errors import InvalidRequest
from gateway.services.audit import log as audit_log
from gateway.services.audit.protection import BodyEnvelopeError, BodyProtection
from gateway.services.audit.reader import _with_leaf
from gateway.store.tables.audit import audit_entries
from security.audit import BodiesMode, BundleEntry, NodeMapStore, bundle_node_ids, bundle_proofs, write_bundle

CHUNK = 1000
e = audit_entries


def covering_checkpoints(conn: Connection, first: int, last: int) -> list[Any]:
    """The checkpoints inside [first, last] and the first one at or after ``last``."""
    inside = [c for c in audit_log.checkpoints(conn, after=first - 1) if c.size <= last]
    after = audit_log.checkpoints(conn, after=last - 1, limit=1)
    if not after:
        latest = audit_log.latest_checkpoint(conn)
        upto = f"export up to entry {latest.size}" if latest else "no checkpoint has been signed yet"
        raise InvalidRequest(f"no checkpoint covers entry {last} yet ({upto}, or wait for the next checkpoint)")
    return sorted({c.size: c for c in inside + after}.values(), key=lambda c: c.size)


def export_bundle(
    conn: Connection,
    out: str | Path,
    first: int,
    last: int | None,
    *,
    keys: Any,
    protection: BodyProtection,
    bodies: BodiesMode = "included",
    created_at: datetime | None = None,
) -> int:
    """Write the bundle of entries first..last (``last`` None: up to the latest checkpoint);
    return how many entries it holds."""
    if last is None:
        latest = audit_log.latest_checkpoint(conn)
        if latest is None:
            raise InvalidRequest("no checkpoint has been signed yet: nothing can be exported")
        last = latest.size
    if not 1 <= first <= last:
        raise InvalidRequest(f"bad range {first}..{last}")
    if last > audit_log.sealed_size(conn):
        raise InvalidRequest(f"the log has fewer than {last} entries")
    checkpoints = covering_checkpoints(conn, first, last)
    sizes = [c.size for c in checkpoints]
    ids = bundle_node_ids(first, last, sizes)
    store = NodeMapStore(sizes[-1], audit_log.node_map(conn, ids))
    proofs = bundle_proofs(store, first, last, checkpoints)
    return write_bundle(
        out, _entries(conn, first, last, protection, bodies), bodies, checkpoints, proofs,
        keys.public_records("audit"), created_at=created_at,
    )  # fmt: skip


def _entries(conn: Connection, first: int, last: int, protection: BodyProtection, bodies: BodiesMode) -> Iterator[BundleEntry]:
    columns = [*audit_log.ENTRY_COLUMNS, e.c.body_protection, e.c.bodies_purged_at]
    if bodies == "included":
        columns += [e.c.request_body, e.c.response_body]
    for start in range(first, last + 1, CHUNK):
        end = min(start + CHUNK - 1, last)
        query = _with_leaf(*columns).where(e.c.log_seq.between(start, end)).order_by(e.c.log_seq)
        for row in conn.execute(query):
            yield _bundle_entry(row, protection, bodies)


def _bundle_entry(row: Any, protection: BodyProtection, bodies: BodiesMode) -> BundleEntry:
    entry = audit_log.entry_of(row)
    leaf = bytes(row.leaf_hash) if row.leaf_hash is not None else None
    if bodies != "included":
        return BundleEntry(entry=entry, leaf_hash=leaf, body_state="omitted")
    if row.bodies_purged_at is not None:
        return BundleEntry(entry=entry, leaf_hash=leaf, body_state="purged")
    if row.request_body is None and row.response_body is None:
        return BundleEntry(entry=entry, leaf_hash=leaf, body_state="absent")
    state = "redacted" if row.body_protection == "redacted" else "exact"
    opened = []
    for which, stored, digest in (("request", row.request_body, row.request_digest),
                                  ("response", row.response_body, row.response_digest)):  # fmt: skip
        try:
            opened.append(protection.reveal(None if stored is None else bytes(stored), row.body_protection, which, digest))
        except BodyEnvelopeError:
            opened.append(None)  # exported as missing: the verifier names it
    return BundleEntry(entry=entry, leaf_hash=leaf, request_body=opened[0], response_body=opened[1], body_state=state)

