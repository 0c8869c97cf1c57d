"""The database: an async SQLAlchemy engine plus a group-commit writer.

SQLite (the embedded default) runs in WAL mode with ``BEGIN IMMEDIATE`` write transactions, so
concurrent writers queue on a busy timeout instead of failing on lock upgrades. PostgreSQL is
used as is (READ COMMITTED).

``Database.write(fn)`` runs ``fn(conn)`` inside a transaction shared with other writes queued
at the same moment, committed once for all of them (group commit): durability at speed comes
from batching, not from weaker sync settings. Functions given to ``write`` must check their
preconditions before they write anything, so a failing one can be dropped from the batch; if
anything else fails, the batch is rolled back and each function is run again alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import structlog
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

T = TypeVar("T")
WriteFn = Callable[[AsyncConnection], Awaitable[Any]]
log = structlog.get_logger("store")

MAX_BATCH = 256


class _DomainFailure(Exception):
    """Wraps an exception a write function raised on purpose (checked before writing)."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def create_engine(url: str, *, sqlite_synchronous: str = "NORMAL") -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name  # "sqlite" | "postgresql"
        self._queue: asyncio.Queue[tuple[WriteFn, asyncio.Future[Any]]] | None = None
        self._writer: asyncio.Task[None] | None = None

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(create_engine(url, **kwargs))

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A transaction of its own (committed on exit, rolled back on error)."""
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads. (On SQLite it still takes the write lock briefly.)"""
        async with self.engine.connect() as conn:
            yield conn

    async def write(self, fn: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``fn`` in a group-committed transaction and return its result."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._writer = asyncio.create_task(self._write_loop(), name="db-writer")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        await self._queue.put((fn, future))
        return await future

    async def _write_loop(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._run_batch(batch)
            except Exception:  # the batch failed as a whole: run each alone
                for item in batch:
                    if not item[1].done():
                        await self._run_batch([item])

    async def _run_batch(self, batch: list[tuple[WriteFn, asyncio.Future[Any]]]) -> None:
        results: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            async with self.engine.begin() as conn:
                for fn, future in batch:
                    if future.done():
                        continue
                    try:
                        results.append((future, await fn(conn), None))
                    except _DomainFailure as failure:
                        results.append((future, None, failure.exc))
        except Exception as exc:
            if len(batch) == 1 and not batch[0][1].done():
                batch[0][1].set_exception(exc)
                return
            raise
        for future, value, exc in results:
            if future.done():
                continue
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(value)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            try:
                await self._writer
            except asyncio.CancelledError:
                pass
            self._writer = None
            self._queue = None
        await self.engine.dispose()


def refuse(exc: BaseException) -> _DomainFailure:
    """Raise ``refuse(SomeGatewayError(...))`` from a write function, before it writes,
    to fail that one caller without disturbing the rest of the batch."""
    return _DomainFailure(exc)
