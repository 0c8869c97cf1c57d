"""The sealer: entries become leaves in order, subtrees and signed checkpoints are stored."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from gateway.services.audit import AuditSealer, BodyProtection, SealerConfig
from gateway.services.audit import log as audit_log
from gateway.store import Database, upgrade
from gateway.store.audit_sink import StoreAuditSink
from gateway.store.tables.audit import audit_entries, audit_subtrees
from security.audit import AuditKeyring, canonical, verify_checkpoint
from tests.gateway.services.audit.helpers import record, rfc_leaf, rfc_mth


async def test_sealed_entries_form_the_rfc6962_tree_and_checkpoints_sign_its_root(db, sink, make_sealer, keys) -> None:
    """25 records sealed in rounds get log_seq 1..25; every 10 entries a checkpoint whose root
    is the RFC 6962 MTH of the entries' canonical bytes, signed by the audit key."""
    sealer = make_sealer(batch=7)
    for i in range(25):
        await sink.record(record(i))
    while await sealer.run_once():
        pass
    rows = await db.read_sync(lambda c: list(c.execute(select(*audit_log.ENTRY_COLUMNS).order_by(audit_entries.c.seq))))
    assert [r.log_seq for r in rows] == list(range(1, 26))
    leaves = [rfc_leaf(canonical(audit_log.entry_of(r))) for r in rows]
    cps = await db.read_sync(lambda c: audit_log.checkpoints(c))
    assert [cp.size for cp in cps] == [10, 20]  # 25 is not due yet
    keyring = AuditKeyring.from_public_records(keys.public_records("audit"))
    for cp in cps:
        assert cp.root == rfc_mth(leaves[: cp.size])
        verify_checkpoint(cp, keyring)
    stored = await db.read_sync(lambda c: audit_log.node_hashes(c, [(0, i) for i in range(25)]))
    assert [stored[(0, i)] for i in range(25)] == leaves


async def test_time_triggers_a_checkpoint_and_nothing_new_makes_none(db, sink, make_sealer, clock) -> None:
    """Below N entries, a checkpoint comes once T seconds passed; without new entries, none."""
    sealer = make_sealer(checkpoint_every=1000, checkpoint_seconds=30)
    for i in range(3):
        await sink.record(record(i))
    await sealer.run_once()
    assert await db.read_sync(audit_log.latest_checkpoint) is None
    clock.advance(31)
    await sealer.run_once()
    latest = await db.read_sync(audit_log.latest_checkpoint)
    assert latest is not None and latest.size == 3
    clock.advance(100)
    assert await sealer.run_once() == 0
    assert (await db.read_sync(audit_log.latest_checkpoint)).size == 3


async def test_a_restarted_sealer_resumes_from_stored_subtrees(db, sink, make_sealer) -> None:
    """A new sealer (another process, a restart) continues the same tree from the database."""
    for i in range(13):
        await sink.record(record(i))
    first = make_sealer()
    await first.run_once()
    await first.stop()  # on PostgreSQL, frees the lease for the next one
    for i in range(13, 30):
        await sink.record(record(i))
    second = make_sealer()
    while await second.run_once():
        pass
    await second.run_once(force_checkpoint=True)
    rows = await db.read_sync(lambda c: list(c.execute(select(*audit_log.ENTRY_COLUMNS).order_by(audit_entries.c.log_seq))))
    leaves = [rfc_leaf(canonical(audit_log.entry_of(r))) for r in rows]
    latest = await db.read_sync(audit_log.latest_checkpoint)
    assert latest.size == 30 and latest.root == rfc_mth(leaves)


async def test_bodies_are_encrypted_at_rest_and_the_row_says_so(db, sink) -> None:
    """The stored bodies do not contain the id number; the row records "encrypted"."""
    await sink.record(record(7))
    row = await db.read_sync(lambda c: c.execute(select(audit_entries)).one())
    assert row.body_protection == "encrypted"
    assert b"000000000007" not in row.request_body and b"000000000007" not in row.response_body
    assert row.request_body.startswith(b"LTB")


async def test_concurrent_sealers_never_seal_an_entry_twice(db, sink, make_sealer) -> None:
    """Several sealers racing on one database leave log_seq 1..n, each once, and one tree
    (on PostgreSQL one holds the lease and the others idle; on SQLite the size check)."""
    sealers = [make_sealer(batch=5) for _ in range(3)]
    for i in range(40):
        await sink.record(record(i))
    for _ in range(20):
        await asyncio.gather(*(s.run_once() for s in sealers))
    rows = await db.read_sync(lambda c: list(c.execute(select(*audit_log.ENTRY_COLUMNS).order_by(audit_entries.c.log_seq))))
    assert [r.log_seq for r in rows] == list(range(1, 41))
    count = await db.read_sync(lambda c: c.execute(select(audit_subtrees.c.idx).where(audit_subtrees.c.level == 0)).all())
    assert len(count) == 40


@pytest.mark.postgres
async def test_two_gateways_on_one_postgres_seal_each_entry_once(postgres_url, keys, clock) -> None:
    """Two gateway processes (two engines) running sealer loops while both record: one holds
    the lease, the log is 1..n without a duplicate, and its checkpoints verify."""
    dbs = [Database.from_url(postgres_url) for _ in range(2)]
    await upgrade(dbs[0].engine)
    sinks = [StoreAuditSink(db, BodyProtection("encrypt", keys)) for db in dbs]
    sealers = [AuditSealer(db, keys, clock=clock, config=SealerConfig(interval=0.02, batch=7, checkpoint_every=5))
               for db in dbs]
    try:
        for sealer in sealers:
            await sealer.start()
        for i in range(60):
            await sinks[i % 2].record(record(i))
            if i % 10 == 0:
                await asyncio.sleep(0.03)
        for _ in range(200):
            if await dbs[0].read_sync(audit_log.sealed_size) == 60:
                break
            await asyncio.sleep(0.05)
        assert sum(s.lease.held and s.lease._conn is not None for s in sealers) == 1
        rows = await dbs[0].read_sync(lambda c: list(c.execute(select(*audit_log.ENTRY_COLUMNS).order_by(audit_entries.c.log_seq))))
        assert [r.log_seq for r in rows] == list(range(1, 61))
        keyring = AuditKeyring.from_public_records(keys.public_records("audit"))
        leaves = [rfc_leaf(canonical(audit_log.entry_of(r))) for r in rows]
        for cp in await dbs[0].read_sync(lambda c: audit_log.checkpoints(c)):
            verify_checkpoint(cp, keyring)
            assert cp.root == rfc_mth(leaves[: cp.size])
    finally:
        for sealer in sealers:
            await sealer.stop()
        for db in dbs:
            await db.close()


async def test_a_row_committed_late_gets_the_next_leaf(db, keys, make_sealer) -> None:
    """Row ids are not commit order (PostgreSQL sequences): a row with a lower id committed
    after higher ones were sealed is sealed next, and the log stays 1..n without a gap."""
    from sqlalchemy import insert

    from gateway.store.audit_sink import entry_values

    protection = BodyProtection("encrypt", keys)

    async def insert_row(row_id: int) -> None:
        values = entry_values(record(row_id), protection)
        await db.write_sync(lambda c: c.execute(insert(audit_entries).values(seq=row_id, **values)))

    for row_id in (1, 2, 3, 5, 6, 9):
        await insert_row(row_id)
    sealer = make_sealer()
    await sealer.run_once()
    for row_id in (4, 7, 10, 11):
        await insert_row(row_id)
    await sealer.run_once(force_checkpoint=True)
    rows = await db.read_sync(lambda c: list(c.execute(select(*audit_log.ENTRY_COLUMNS).order_by(audit_entries.c.log_seq))))
    assert [(r.log_seq, r.seq) for r in rows] == [
        (1, 1), (2, 2), (3, 3), (4, 5), (5, 6), (6, 9), (7, 4), (8, 7), (9, 10), (10, 11)]
    leaves = [rfc_leaf(canonical(audit_log.entry_of(r))) for r in rows]
    assert (await db.read_sync(audit_log.latest_checkpoint)).root == rfc_mth(leaves)


async def test_an_http_witness_gets_each_checkpoint_and_a_failed_one_is_retried(db, sink, keys, clock) -> None:
    """Each checkpoint is POSTed to the witness URL; while the witness fails the checkpoint is
    still stored (sealing never waits on it) and it is sent again once the witness is back."""
    import httpx

    received: list[dict] = []
    up = {"ok": False}

    def witness(request: httpx.Request) -> httpx.Response:
        if not up["ok"]:
            return httpx.Response(503)
        received.append(__import__("json").loads(request.content))
        return httpx.Response(201)

    sealer = AuditSealer(db, keys, clock=clock, witness_transport=httpx.MockTransport(witness),
                         config=SealerConfig(checkpoint_every=5, witness="https://witness.example/cp"))
    try:
        for i in range(5):
            await sink.record(record(i))
        await sealer.run_once()
        latest = await db.read_sync(audit_log.latest_checkpoint)
        assert latest is not None and latest.size == 5 and received == []
        up["ok"] = True
        await sealer.run_once()  # nothing new to seal: pending witness copies go out
        assert [c["size"] for c in received] == [5]
        for i in range(5, 10):
            await sink.record(record(i))
        await sealer.run_once()
        assert [c["size"] for c in received] == [5, 10]
        assert received[1]["root"] == (await db.read_sync(audit_log.latest_checkpoint)).root.hex()
    finally:
        await sealer.stop()


async def test_redaction_and_at_rest_key_rotation(db, keys) -> None:
    """Redact mode stores no personal field and says so; encrypted bodies stay readable after
    the at-rest key is rotated (the envelope names its key)."""
    from gateway.services.audit.reader import AuditReader

    encrypting = BodyProtection("encrypt", keys)
    await StoreAuditSink(db, encrypting).record(record(1))
    keys.rotate("at-rest")
    await StoreAuditSink(db, encrypting).record(record(2))
    await StoreAuditSink(db, BodyProtection("redact", keys)).record(record(3))
    rows = await db.read_sync(lambda c: list(c.execute(select(audit_entries).order_by(audit_entries.c.seq))))
    assert [r.body_protection for r in rows] == ["encrypted", "encrypted", "redacted"]
    assert b"000000000003" not in rows[2].request_body and b"[redacted]" in rows[2].request_body
    assert rows[0].request_body[5:5 + rows[0].request_body[4]] != rows[1].request_body[5:5 + rows[1].request_body[4]]
    sealer = AuditSealer(db, keys, clock=lambda: rows[0].at, config=SealerConfig())
    await sealer.run_once()
    await sealer.stop()
    reader = AuditReader(db, keys, encrypting, clock=lambda: rows[0].at)
    first, second, third = [await reader.entry(seq) for seq in (1, 2, 3)]
    assert first["request_body"]["digest_matches"] and second["request_body"]["digest_matches"]
    assert "000000000001" in first["request_body"]["content"]
    assert third["request_body"]["state"] == "redacted" and "[redacted]" in third["request_body"]["content"]


async def test_the_running_sealer_keeps_up_with_a_backlog_larger_than_a_batch(db, sink, keys, clock) -> None:
    """Started with 2,500 rows waiting, batches of 300 and a checkpoint every 200, the loop
    goes on at once after full batches instead of waiting its interval each time."""
    for start in range(0, 2500, 250):
        await asyncio.gather(*(sink.record(record(i)) for i in range(start, start + 250)))
    sealer = AuditSealer(db, keys, clock=clock, config=SealerConfig(batch=300, checkpoint_every=200, interval=5.0))
    await sealer.start()
    try:
        for _ in range(200):
            if await db.read_sync(audit_log.sealed_size) == 2500:
                break
            await asyncio.sleep(0.05)
        assert await db.read_sync(audit_log.sealed_size) == 2500  # well before one 5 s interval
        assert (await db.read_sync(audit_log.latest_checkpoint)).size == 2400
    finally:
        await sealer.stop()
