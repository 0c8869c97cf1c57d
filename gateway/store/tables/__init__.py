"""Tables (SQLAlchemy Core), one module per area, all on one ``metadata``.

Migrations under ``gateway/store/migrations`` are the source of truth for the schema in a
database; these definitions must match them (a test compares the two).
"""

from gateway.store.tables._meta import metadata
from gateway.store.tables.audit import audit_entries
from gateway.store.tables.dossiers import dossier_events, dossiers, inbox_dossiers, procedures
from gateway.store.tables.outbox import outbox
from gateway.store.tables.payments import (
    idempotency_keys,
    payment_attempts,
    payment_callbacks,
    payments,
    province_events,
)

__all__ = [
    "audit_entries",
    "dossier_events",
    "dossiers",
    "idempotency_keys",
    "inbox_dossiers",
    "metadata",
    "outbox",
    "payment_attempts",
    "payment_callbacks",
    "payments",
    "procedures",
    "province_events",
]
