from sqlalchemy import Boolean, Column, Integer, LargeBinary, String, Table, Text

from gateway.store.tables._meta import Id, Timestamp, metadata

# Append-only record of every exchange with a national system (and of refused inbound calls).
# Tamper evidence (Merkle tree, signed checkpoints) is built over these rows by security.audit.
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
)
