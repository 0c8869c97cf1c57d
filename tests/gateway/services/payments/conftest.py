"""A migrated database (SQLite and PostgreSQL), a hand-driven clock, an offline adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import CollectorRegistry

from adapters.payment import PaymentClient, build_payment_client
from gateway.store import Database, upgrade
from security.audit import ListAuditSink
from tests.gateway.services.payments.helpers import FakeClock, platform_settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(database_url)
    await upgrade(database.engine)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def offline_platform(clock: FakeClock) -> AsyncIterator[PaymentClient]:
    """The real payment adapter, for callback checks (no I/O): any outbound call fails."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected call to the platform: {request.url}")

    http = httpx.AsyncClient(transport=httpx.MockTransport(refuse), timeout=2)
    client = build_payment_client(
        platform_settings(), audit=ListAuditSink(), registry=CollectorRegistry(), http=http, clock=clock
    )
    try:
        yield client
    finally:
        await http.aclose()


