"""Hot-path statements: a Core statement compiled once per dialect and run straight on the
connection's DBAPI cursor.

``conn.execute(statement, params)`` spends most of its time in SQLAlchemy's per-execution
machinery (execution context, parameter processing, result set-up), not in the database:
measured on the dossier event write, ~65% of the writer thread against ~4% in the driver.
``Prepared`` keeps what matters from SQLAlchemy (the SQL of the dialect, the positional
parameter order and each type's bind processor: timestamps, JSON), so the rows written are
exactly those ``conn.execute`` would write, and skips the rest.

Use it inside the caller's transaction (``Database.write_sync``/``read_sync`` functions)::

    _ADVANCE = Prepared(update(t).where(t.c.code == bindparam("code")).values(...).returning(t.c.n))
    n = _ADVANCE.scalar(conn, {"code": code, ...})

Statements must not use expanding parameters (``column.in_(...)``: write ``or_(column == a,
…)`` for a fixed list, ``one_of(column, "name", dialect)`` for a list given at each call); literal values in the statement are fine (they are bound as constants), and every named
``bindparam`` must be given a value at each call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection, any_, bindparam, column, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import Executable

@dataclass(frozen=True)
class _Plan:
    sql: str
    # One per positional parameter: (the caller's name for it, or None for a value written in
    # the statement; that value; its type's bind processor).
    slots: tuple[tuple[str | None, Any, Callable[[Any], Any] | None], ...]

    def arguments(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        values = []
        for name, value, process in self.slots:
            if name is not None:
                value = params[name]
            values.append(process(value) if process is not None else value)
        return tuple(values)


class Prepared:
    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            compiled = self.statement.compile(dialect=dialect)  # type: ignore[attr-defined]
            if compiled.positiontup is None:
                raise ValueError(f"{dialect.name}: Prepared needs a positional paramstyle")
            processors = compiled._bind_processors
            slots = []
            for name in compiled.positiontup:
                bind = compiled.binds[name]
                if bind.expanding:
                    raise ValueError(f"Prepared statements take no expanding parameter ({name})")
                if bind.unique:  # anonymous: a literal of the statement (``column == "x"``)
                    slots.append((None, bind.effective_value, processors.get(name)))
                else:
                    slots.append((name, None, processors.get(name)))
            plan = self._plans[dialect.name] = _Plan(compiled.string, tuple(slots))
        return plan

    def _cursor(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        plan = self._plan(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(plan.sql, plan.arguments(params))
        return cursor

    def run(self, conn: Connection, params: Mapping[str, Any]) -> None:
        self._cursor(conn, params).close()

    def run_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """The statement once per row (one ``executemany``); the rows it changed, or -1 where
        the driver does not say (asyncpg)."""
        if not rows:
            return 0
        plan = self._plan(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(plan.sql, [plan.arguments(row) for row in rows])
            return int(cursor.rowcount if cursor.rowcount is not None else -1)
        finally:
            cursor.close()

    def all(self, conn: Connection, params: Mapping[str, Any]) -> Sequence[tuple[Any, ...]]:
        cursor = self._cursor(conn, params)
        try:
            return cursor.fetchall()  # type: ignore[no-any-return]
        finally:
            cursor.close()

    def scalar(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        rows = self.all(conn, params)
        return rows[0][0] if rows else None


def one_of(target: Any, name: str, dialect: str) -> ColumnElement[bool]:
    """``target`` is one of the values of the parameter ``name`` (a Python list), in SQL that
    does not grow with the list: ``= ANY($n)`` on PostgreSQL, ``IN (SELECT value FROM
    json_each(?))`` on SQLite. For ``Prepared`` statements, which take no expanding ``IN``."""
    if dialect == "postgresql":
        return target == any_(bindparam(name, type_=postgresql.ARRAY(target.type)))  # type: ignore[no-any-return]
    each = select(column("value")).select_from(func.json_each(bindparam(name, type_=JSON)))
    return target.in_(each.scalar_subquery())  # type: ignore[no-any-return]
