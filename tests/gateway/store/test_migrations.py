"""Migrations build exactly the schema the table definitions describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gateway.store import Database, upgrade
from gateway.store.tables import metadata


async def test_migrations_match_table_definitions(database_url: str) -> None:
    """After `upgrade`, alembic finds no difference between the database and `metadata`."""
    db = Database.from_url(database_url)
    try:
        await upgrade(db.engine)
        await upgrade(db.engine)  # a second run is a no-op
        async with db.begin() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), metadata)
            )
        assert diff == []
    finally:
        await db.close()
