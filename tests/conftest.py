"""Shared fixtures: settings on a fresh SQLite file or PostgreSQL database per test, and an
app served in-process through ``httpx.ASGITransport``."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from gateway.settings import Settings

PG_ADMIN_DSN = os.environ.get("LIENTHONG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A PostgreSQL test must run in CI: skip only outside CI, with the reason.
    if os.environ.get("CI"):
        return
    if not _pg_reachable():
        skip = pytest.mark.skip(reason=f"no PostgreSQL reachable at {PG_ADMIN_DSN}")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


def _pg_reachable() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"


@asynccontextmanager
async def fresh_pg_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database (its SQLAlchemy URL), dropped on exit."""
    name = f"lt_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test (mark the test ``postgres``)."""
    async with fresh_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request, tmp_path) -> AsyncIterator[str]:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
        return
    async with fresh_pg_database() as url:
        yield url


@pytest.fixture
def settings(tmp_path, sqlite_url) -> Settings:
    return Settings(var_dir=tmp_path / "var", database_url=sqlite_url, outbox_enabled=False)


@pytest.fixture
async def client(settings) -> AsyncIterator[httpx.AsyncClient]:
    from app import create_app

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield http


@pytest.fixture
def anyio_backend() -> Iterator[str]:
    yield "asyncio"
