from sqlalchemy import Column, Index, Integer, String, Table, Text, text

from gateway.store.tables._meta import Id, Json, Timestamp, metadata

_LIVE = text("state IN ('pending', 'inflight')")
_UNDELIVERED = text("state IN ('pending', 'inflight', 'dead')")

# Durable, ordered delivery. One row per message; messages sharing a `key` (a dossier code)
# are delivered strictly in `id` order. States: pending -> inflight -> delivered | dead.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("topic", String(64), nullable=False),  # e.g. "portal.dossier", "portal.progress"
    Column("key", String(128), nullable=False),  # ordering key
    Column("idempotency_key", String(128), nullable=False, unique=True),
    Column("payload", Json, nullable=False),
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("available_at", Timestamp, nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_until", Timestamp),
    Column("last_error", Text),
    Column("created_at", Timestamp, nullable=False),
    Column("delivered_at", Timestamp),
    Index("ix_outbox_state_id", "state", "id"),
    Index("ix_outbox_key_id", "key", "id"),
    Index("ix_outbox_key_state", "key", "state"),
    # Claims and the per-key order check (gateway/outbox/claims.py) read only these: partial
    # indexes keep them from walking the delivered messages (migration 0005).
    Index("ix_outbox_live_id", "id", postgresql_where=_LIVE, sqlite_where=_LIVE),
    Index("ix_outbox_undelivered_key_id", "key", "id", postgresql_where=_UNDELIVERED, sqlite_where=_UNDELIVERED),
)
