from sqlalchemy import Boolean, Column, Integer, String, Table, Text, UniqueConstraint

from gateway.store.tables._meta import Id, Json, Timestamp, metadata

dossiers = Table(
    "dossiers",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("status", String(32), nullable=False),  # of the latest event (or the PUT)
    Column("due_at", String(40)),  # ISO 8601, of the latest event that set one (or the PUT)
    Column("record", Json, nullable=False),  # the normalized dossier as last PUT
    Column("event_count", Integer, nullable=False, server_default="0"),
    Column("portal_known", Boolean, nullable=False, server_default="0"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

dossier_events = Table(
    "dossier_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_id", String(40), nullable=False, unique=True),
    Column("dossier_code", String(64), nullable=False, index=True),
    Column("seq", Integer, nullable=False),  # 1, 2, ... within the dossier
    Column("status", String(32), nullable=False),
    Column("event", Json, nullable=False),  # the normalized event as received
    Column("created_at", Timestamp, nullable=False),
    UniqueConstraint("dossier_code", "seq", name="uq_dossier_events_dossier_seq"),
)

# Procedure records fetched from the portal's LayThuTuc, normalized.
procedures = Table(
    "procedures",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("record", Json, nullable=False),
    Column("fetched_at", Timestamp, nullable=False),
)

# Dossiers that citizens submitted on the national portal, pushed to us.
inbox_dossiers = Table(
    "inbox_dossiers",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=True),
    Column("ma_ho_so", String(64), nullable=False, unique=True),
    Column("record", Json, nullable=False),
    Column("raw", Text, nullable=False),
    Column("received_at", Timestamp, nullable=False),
)
