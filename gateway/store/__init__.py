"""Storage: SQLAlchemy Core tables, migrations and the group-commit ``Database``."""

from gateway.store.db import Database, create_engine, refuse
from gateway.store.migrate import upgrade

__all__ = ["Database", "create_engine", "refuse", "upgrade"]
