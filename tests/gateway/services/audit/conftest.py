"""A migrated database (SQLite and PostgreSQL), keys, a clock, a sink and a sealer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.services.audit import AuditSealer, BodyProtection, SealerConfig
from gateway.store import Database, upgrade
from gateway.store.audit_sink import StoreAuditSink
from security.keys import KeyStore
from tests.gateway.services.audit.helpers import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def keys(clock: FakeClock) -> KeyStore:
    return KeyStore.ephemeral(("audit", "at-rest"), clock=clock)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(database_url)
    await upgrade(database.engine)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def sink(db: Database, keys: KeyStore) -> StoreAuditSink:
    return StoreAuditSink(db, BodyProtection("encrypt", keys))


@pytest.fixture
async def make_sealer(db: Database, keys: KeyStore, clock: FakeClock):
    """Sealers on ``db`` (checkpoint every 10 entries unless told), stopped at the end."""
    made: list[AuditSealer] = []

    def make(**config) -> AuditSealer:
        sealer = AuditSealer(db, keys, clock=clock, config=SealerConfig(**{"checkpoint_every": 10, **config}))
        made.append(sealer)
        return sealer

    yield make
    for sealer in made:
        await sealer.stop()
