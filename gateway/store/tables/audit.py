from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from gateway.store.tables._meta import Id, Timestamp, metadata

# Append-only record of every exchange with a national system (and of refused inbound calls).
# ``seq`` is the row id, in insert order; ``log_seq`` is the entry's position in the
# tamper-evident log (Merkle leaf ``log_seq - 1``), given by the sealer in commit order, so a
# row committed late (PostgreSQL sequences are not commit-ordered) still gets the next leaf.
audit_entries = Table(
    "audit_entries",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=True),
    Column("at", Timestamp, nullable=False),
    Column("direction", String(16), nullable=False),
    Column("peer", String(32), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("request_id", String(64)),
    Column("caller", String(64)),
    Column("officer_id", String(64)),
    Column("purpose", Text),
    Column("outcome", String(64), nullable=False),
    Column("http_status", Integer),
    Column("duration_ms", Integer),
    Column("request_digest", String(64)),
    Column("response_digest", String(64)),
    Column("signature_scheme", String(32)),
    Column("signature_key_id", String(128)),
    Column("signature_verified", Boolean),
    Column("upstream_ref", String(128)),
    Column("request_body", LargeBinary),
    Column("response_body", LargeBinary),
    # "plain" | "encrypted" (AES-GCM envelope, security.audit.bodies) | "redacted"
    Column("body_protection", String(16)),
    Column("bodies_purged_at", Timestamp),  # retention removed the bodies (leaf stays)
    Column("log_seq", BigInteger, unique=True),  # null until sealed
    Index("ix_audit_entries_at", "at"),  # retention purge, activity charts
)

# Hashes of the complete subtrees of the log's Merkle tree: (level, idx) covers leaves
# [idx * 2**level, (idx + 1) * 2**level); level 0 holds the leaf hashes. Written once, by the
# sealer; proofs are a handful of primary-key lookups at any size.
audit_subtrees = Table(
    "audit_subtrees",
    metadata,
    Column("level", Integer, nullable=False),
    Column("idx", BigInteger, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    PrimaryKeyConstraint("level", "idx"),
)

# Signed tree heads (security.audit.checkpoint), one per size.
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary, nullable=False),
    Column("at", Timestamp, nullable=False),
    Column("key_id", String(128), nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("witness", Text),  # where a copy went (null: none configured, or not yet)
)
