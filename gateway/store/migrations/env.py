"""Alembic environment: runs migrations on the connection ``gateway.store.migrate`` gives it."""

from alembic import context

from gateway.store.tables import metadata


def run_migrations_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use `lienthong db upgrade`")
run_migrations_online()
