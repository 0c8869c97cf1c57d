"""The audit log as the database holds it: rows → canonical entries, and the Merkle tables.

Functions here take a *synchronous* SQLAlchemy connection, so they run unchanged in the
gateway (``Database.read_sync`` / ``run_sync``), in the sealer's transaction and in the CLI.

An entry is rebuilt from its row exactly as it was sealed: the row's ``log_seq`` is the
entry's ``seq`` and ``body_ref`` names the row (``audit_entries/<row id>``) that holds the
bodies. Any later change to a sealed row changes its leaf hash: that is what
``lienthong audit verify`` finds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, text

from gateway.store.prepared import Prepared
from gateway.store.tables.audit import audit_checkpoints, audit_entries, audit_subtrees
from security.audit import Checkpoint, Entry, NodeId, format_time

e = audit_entries
BODY_REF_PREFIX = "audit_entries/"

# The columns an entry is made of (bodies excluded: they are large, and not in the entry).
ENTRY_COLUMNS = (
    e.c.seq, e.c.log_seq, e.c.at, e.c.direction, e.c.peer, e.c.operation, e.c.request_id,
    e.c.caller, e.c.officer_id, e.c.purpose, e.c.outcome, e.c.http_status, e.c.request_digest,
    e.c.response_digest, e.c.signature_scheme, e.c.signature_key_id, e.c.signature_verified,
    e.c.upstream_ref,
)  # fmt: skip
_N = len(ENTRY_COLUMNS)


def body_ref(row_id: int) -> str:
    return f"{BODY_REF_PREFIX}{row_id}"


def entry_of(row: Any, seq: int | None = None) -> Entry:
    """The log entry of an ``audit_entries`` row selected with ``ENTRY_COLUMNS`` first (more
    columns may follow); ``seq``: its log position, when the row is not sealed yet."""
    # Positional unpacking: ~10x faster than attribute access on SQLAlchemy rows (the sealer
    # and the verifier do this for every entry).
    (row_id, log_seq, at, direction, peer, operation, request_id, caller, officer_id, purpose, outcome,
     http_status, request_digest, response_digest, scheme, key_id, verified, upstream_ref) = tuple(row)[:_N]
    return {
        "seq": log_seq if seq is None else seq,
        "at": format_time(at),
        "direction": direction,
        "peer": peer,
        "operation": operation,
        "request_id": request_id,
        "caller": caller,
        "officer_id": officer_id,
        "purpose": purpose,
        "outcome": outcome,
        "http_status": http_status,
        "request_digest": request_digest,
        "response_digest": response_digest,
        "signature": {"scheme": scheme, "key_id": key_id, "verified": verified},
        "upstream_ref": upstream_ref,
        "body_ref": f"{BODY_REF_PREFIX}{row_id}",
    }


def sealed_size(conn: Connection) -> int:
    """How many entries the log holds (the highest ``log_seq``)."""
    return int(conn.execute(select(func.max(e.c.log_seq))).scalar() or 0)


def unsealed_rows(conn: Connection, limit: int) -> list[Any]:
    return list(conn.execute(select(*ENTRY_COLUMNS).where(e.c.log_seq.is_(None)).order_by(e.c.seq).limit(limit)))


def node_hashes(conn: Connection, ids: Iterable[NodeId]) -> dict[NodeId, bytes]:
    """Hashes of these complete subtrees (a missing one is simply absent from the result)."""
    wanted = sorted(set(ids))
    found: dict[NodeId, bytes] = {}
    for start in range(0, len(wanted), 400):
        by_level: dict[int, list[int]] = {}
        for level, idx in wanted[start : start + 400]:
            by_level.setdefault(int(level), []).append(int(idx))
        # "(level = L AND idx IN (...)) OR ...": primary-key lookups on both databases (a
        # row-value IN list makes SQLite scan the table). Written as SQL text with the integers
        # inlined (they are ints, so nothing can be injected): a Core statement of this
        # varying shape would be compiled anew on every call (~1-7 ms; the lookups take 0.1).
        where = " OR ".join(
            f"(level = {level} AND idx IN ({','.join(map(str, idxs))}))" for level, idxs in by_level.items()
        )
        rows = conn.execute(text(f"SELECT level, idx, hash FROM {audit_subtrees.name} WHERE {where}"))
        found.update({(level, idx): bytes(h) for level, idx, h in rows})
    return found


# Every sealed entry adds ~2 nodes: compiled once, run on the DBAPI cursor (store/prepared.py).
_STORE_NODE = Prepared(insert(audit_subtrees).values(level=bindparam("level"), idx=bindparam("idx"),
                                                     hash=bindparam("hash")))


def store_nodes(conn: Connection, nodes: Iterable[tuple[NodeId, bytes]]) -> None:
    _STORE_NODE.run_many(conn, [{"level": level, "idx": idx, "hash": h} for (level, idx), h in nodes])


def checkpoint_of(row: Any) -> Checkpoint:
    return Checkpoint(size=row.size, root=bytes(row.root), at=row.at, key_id=row.key_id, signature=bytes(row.signature))


def latest_checkpoint(conn: Connection) -> Checkpoint | None:
    row = conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.size.desc()).limit(1)).first()
    return None if row is None else checkpoint_of(row)


def checkpoints(conn: Connection, *, after: int = 0, limit: int | None = None, descending: bool = False) -> list[Checkpoint]:
    c = audit_checkpoints.c
    query = select(audit_checkpoints).where(c.size > after)
    query = query.order_by(c.size.desc() if descending else c.size)
    if limit is not None:
        query = query.limit(limit)
    return [checkpoint_of(row) for row in conn.execute(query)]


def checkpoint_at(conn: Connection, size: int) -> Checkpoint | None:
    row = conn.execute(select(audit_checkpoints).where(audit_checkpoints.c.size == size)).first()
    return None if row is None else checkpoint_of(row)


def store_checkpoint(conn: Connection, checkpoint: Checkpoint, witness: str | None = None) -> None:
    conn.execute(
        insert(audit_checkpoints).values(
            size=checkpoint.size, root=checkpoint.root, at=checkpoint.at, key_id=checkpoint.key_id,
            signature=checkpoint.signature, witness=witness,
        )
    )  # fmt: skip


def node_map(conn: Connection, ids: Iterable[NodeId]) -> Mapping[NodeId, bytes]:
    """Like ``node_hashes`` but ``KeyError``-strict: for proofs that need every node."""
    wanted = set(ids)
    found = node_hashes(conn, wanted)
    missing = wanted - found.keys()
    if missing:
        raise KeyError(f"audit_subtrees lacks {sorted(missing)[:5]}")
    return found
