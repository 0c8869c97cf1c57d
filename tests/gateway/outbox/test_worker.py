"""The outbox worker on real SQLite and PostgreSQL: order per key, retries, dead letters,
expired leases, and several workers claiming at once."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from gateway.outbox import Message, Outcome, enqueue
from gateway.outbox.worker import Backoff, OutboxWorker
from gateway.store import Database, upgrade
from gateway.store.tables import outbox


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Recorder:
    """A handler that records what it delivered and fails on demand."""

    def __init__(self, fail: set[str] | None = None, delay: float = 0.0) -> None:
        self.delivered: list[tuple[str, int]] = []
        self.fail = fail or set()
        self.delay = delay

    async def deliver(self, messages: list[Message]) -> list[Outcome]:
        out, failed_keys = [], set()
        for m in messages:
            if m.key in failed_keys:
                out.append(Outcome.skipped())
            elif m.payload["name"] in self.fail:
                failed_keys.add(m.key)
                out.append(Outcome.failed("boom"))
            else:
                if self.delay:
                    await asyncio.sleep(self.delay)
                self.delivered.append((m.key, m.payload["n"]))
                out.append(Outcome.ok())
        return out


async def _db(url: str) -> Database:
    db = Database.from_url(url)
    await upgrade(db.engine)
    return db


async def _fill(db: Database, clock: Clock, keys: int, per_key: int) -> None:
    async with db.begin() as conn:
        for n in range(per_key):
            for k in range(keys):
                await enqueue(conn, topic="t", key=f"k{k}", idempotency_key=f"k{k}-{n}",
                              payload={"name": f"k{k}-{n}", "n": n}, now=clock())


async def _states(db: Database) -> dict[str, int]:
    async with db.read() as conn:
        rows = await conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
        return dict(rows.all())


async def test_messages_of_a_key_are_delivered_in_order_and_failures_block_their_key(database_url: str) -> None:
    """A failing message holds back later messages of its key (not others); after backoff it
    is retried and the key resumes in order."""
    clock = Clock()
    db = await _db(database_url)
    try:
        await _fill(db, clock, keys=3, per_key=4)
        handler = Recorder(fail={"k1-1"})
        worker = OutboxWorker(db, batch_size=5, clock=clock, backoff=Backoff(1, 10), rng=random.Random(1))
        worker.register("t", handler)
        while await worker.run_once():
            pass
        assert [n for k, n in handler.delivered if k == "k0"] == [0, 1, 2, 3]
        assert [n for k, n in handler.delivered if k == "k1"] == [0]
        handler.fail.clear()
        clock.advance(11)
        while await worker.run_once():
            pass
        assert [n for k, n in handler.delivered if k == "k1"] == [0, 1, 2, 3]
        assert await _states(db) == {"delivered": 12}
    finally:
        await db.close()


async def test_dead_letter_after_max_attempts_then_replay(database_url: str) -> None:
    """After max attempts a message is dead with its last error, blocks its key, and a replay
    delivers it and the rest in order."""
    clock = Clock()
    db = await _db(database_url)
    try:
        await _fill(db, clock, keys=1, per_key=3)
        handler = Recorder(fail={"k0-0"})
        worker = OutboxWorker(db, max_attempts=3, clock=clock, backoff=Backoff(1, 1))
        worker.register("t", handler)
        for _ in range(5):
            await worker.run_once()
            clock.advance(2)
        async with db.read() as conn:
            dead = (await conn.execute(select(outbox).where(outbox.c.state == "dead"))).one()
        assert dead.attempts == 3 and dead.last_error == "boom"
        assert handler.delivered == []
        from gateway.services.sync_admin import SyncAdmin

        admin = SyncAdmin(db, clock=clock, circuits=dict)
        assert (await admin.status())["dead_letters"] == 1
        handler.fail.clear()
        await admin.replay(dead.id)
        while await worker.run_once():
            pass
        assert handler.delivered == [("k0", 0), ("k0", 1), ("k0", 2)]
    finally:
        await db.close()


async def test_an_expired_lease_is_claimed_again_as_recovered(database_url: str) -> None:
    """A message claimed by a worker that died comes back, flagged `recovered`, after its lease."""
    clock = Clock()
    db = await _db(database_url)
    try:
        await _fill(db, clock, keys=1, per_key=1)
        seen: list[Message] = []

        class Dies:
            async def deliver(self, messages: list[Message]) -> list[Outcome]:
                raise asyncio.CancelledError  # the process "dies" mid-delivery

        class Records:
            async def deliver(self, messages: list[Message]) -> list[Outcome]:
                seen.extend(messages)
                return [Outcome.ok()] * len(messages)

        dying = OutboxWorker(db, lease_seconds=30, clock=clock, worker_id="dying")
        dying.register("t", Dies())
        try:
            await dying.run_once()
        except asyncio.CancelledError:
            pass
        survivor = OutboxWorker(db, lease_seconds=30, clock=clock, worker_id="survivor")
        survivor.register("t", Records())
        assert await survivor.run_once() == 0  # still leased
        clock.advance(31)
        assert await survivor.run_once() == 1
        assert seen[0].recovered
    finally:
        await db.close()


async def test_two_workers_on_postgres_deliver_everything_once_in_order(postgres_url: str) -> None:
    """Two workers with their own connections claim concurrently (SKIP LOCKED): every message
    is delivered exactly once and each key stays in order."""
    clock = Clock()
    setup = await _db(postgres_url)
    await _fill(setup, clock, keys=20, per_key=15)
    await setup.close()
    handler = Recorder(delay=0.0005)
    dbs = [Database.from_url(postgres_url) for _ in range(2)]
    workers = []
    for i, db in enumerate(dbs):
        worker = OutboxWorker(db, batch_size=17, clock=clock, worker_id=f"w{i}")
        worker.register("t", handler)
        workers.append(worker)

    async def drain(worker: OutboxWorker) -> None:
        idle = 0
        while idle < 3:
            idle = idle + 1 if await worker.run_once() == 0 else 0
            await asyncio.sleep(0)

    try:
        await asyncio.gather(*(drain(w) for w in workers))
        assert len(handler.delivered) == 300
        assert len(set(handler.delivered)) == 300
        for k in range(20):
            assert [n for key, n in handler.delivered if key == f"k{k}"] == list(range(15))
    finally:
        for db in dbs:
            await db.close()


async def test_a_late_acknowledgement_from_a_worker_that_lost_its_claim_changes_nothing(database_url: str) -> None:
    """A worker whose lease expired and whose messages were claimed again cannot mark them
    delivered: only the worker holding the claim acknowledges it."""
    from gateway.outbox.claims import acknowledge, claim_batch

    clock = Clock()
    db = await _db(database_url)
    postgres = db.is_postgres
    lease = timedelta(seconds=30)
    try:
        await _fill(db, clock, keys=2, per_key=1)
        slow = await db.write_sync(lambda c: claim_batch(c, worker_id="slow", limit=10, now=clock(), lease=lease, postgres=postgres))
        clock.advance(31)
        fresh = await db.write_sync(lambda c: claim_batch(c, worker_id="fresh", limit=10, now=clock(), lease=lease, postgres=postgres))
        assert [m.id for m in fresh] == [m.id for m in slow] and all(m.recovered for m in fresh)
        ids = [m.id for m in slow]
        await db.write_sync(lambda c: acknowledge(c, worker_id="slow", now=clock(), delivered=ids, skipped=[]))
        assert await _states(db) == {"inflight": 2}
        await db.write_sync(lambda c: acknowledge(c, worker_id="fresh", now=clock(), delivered=ids[:1], skipped=ids[1:]))
        assert await _states(db) == {"delivered": 1, "pending": 1}
    finally:
        await db.close()
