"""Retention: ``lienthong audit purge --before DATE`` deletes stored bodies, never entries.

Bodies are not part of a log entry (only their digests are), so removing them changes no
leaf: the tree, every checkpoint and every proof stay verifiable. Purged rows are marked
(``bodies_purged_at``) so that exports say ``purged`` instead of reporting missing bodies.
Only sealed entries are purged (a row the sealer has not reached yet keeps its bodies).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, update

from gateway.store import Database
from gateway.store.tables.audit import audit_entries

e = audit_entries


async def purge_bodies(db: Database, before: datetime, *, now: datetime) -> int:
    """Delete the bodies of sealed entries older than ``before``; return how many rows."""
    if before.tzinfo is None:
        raise ValueError("purge needs a timezone-aware date")

    def write(conn: Connection) -> int:
        result = conn.execute(
            update(e)
            .where(e.c.at < before, e.c.log_seq.is_not(None), e.c.bodies_purged_at.is_(None))
            .values(request_body=None, response_body=None, bodies_purged_at=now)
        )
        return int(result.rowcount or 0)

    return await db.write_sync(write)
