"""Export → offline verify round trips, live verification naming tampering at the right seq,
key rotation, retention purge and the witness, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, update
from typer.testing import CliRunner

from gateway import cli_audit
from gateway.services.audit import AuditSealer, BodyProtection, SealerConfig
from gateway.services.audit.purge import purge_bodies
from gateway.settings import Settings
from gateway.store.audit_sink import StoreAuditSink
from gateway.store.tables.audit import audit_entries, audit_subtrees
from security.audit import verify_bundle
from security.keys import KeyStore
from tests.gateway.services.audit.helpers import T0, record


@pytest.fixture
def cli_settings(tmp_path, database_url) -> Settings:
    return Settings(var_dir=tmp_path / "var", database_url=database_url, audit_witness=str(tmp_path / "witness"))


@pytest.fixture
def dev_keys(cli_settings, clock) -> KeyStore:
    """The development keys the CLI will load from the same directory."""
    return KeyStore.ensure_dev_keys(cli_settings.keys_dir, clock=clock)


@pytest.fixture
async def log_of(db, dev_keys, clock, cli_settings):
    """Fill the log with n records, sealed with checkpoints every 10 and a last one at n."""
    sink = StoreAuditSink(db, BodyProtection("encrypt", dev_keys))
    sealer = AuditSealer(db, dev_keys, clock=clock,
                         config=SealerConfig(checkpoint_every=10, witness=cli_settings.audit_witness))

    async def fill(start: int, stop: int) -> AuditSealer:
        for i in range(start, stop):
            await sink.record(record(i, outcome="ok" if i % 7 else "upstream_timeout"))
        while await sealer.run_once():
            pass
        await sealer.run_once(force_checkpoint=True)
        return sealer

    yield fill
    await sealer.stop()


def live(settings: Settings, **kwargs):
    # The CLI's functions use asyncio.run: run them off this test's event loop.
    return asyncio.to_thread(cli_audit.run_live_verify, settings, **kwargs)


async def test_export_then_offline_verify_round_trips(log_of, cli_settings, tmp_path) -> None:
    """A full and a partial range export verify OK offline, bodies checked against digests."""
    await log_of(0, 37)
    whole, part = tmp_path / "all.jsonl", tmp_path / "part.jsonl"
    assert await asyncio.to_thread(cli_audit.run_export, cli_settings, 1, None, whole) == 37
    assert await asyncio.to_thread(cli_audit.run_export, cli_settings, 12, 25, part) == 14
    for path, count in ((whole, 37), (part, 14)):
        report = verify_bundle(path)
        assert report.ok, report.problems
        assert report.entries == count and report.body_states == {"exact": count}
    report, unsealed = await live(cli_settings)
    assert report.ok, report.problems
    assert (report.entries, unsealed) == (37, 0)


async def test_an_edited_row_is_named_by_live_verify(log_of, db, cli_settings) -> None:
    """Changing one sealed row's outcome in the database is found at exactly that seq."""
    await log_of(0, 25)
    await db.write_sync(lambda c: c.execute(update(audit_entries).where(audit_entries.c.log_seq == 14).values(outcome="tampered")))
    report, _ = await live(cli_settings)
    assert report.problems == ["entry 14: content does not hash to its sealed leaf (row altered after sealing)"]


async def test_a_deleted_row_and_a_rewritten_leaf_are_named(log_of, db, cli_settings) -> None:
    """A deleted entry is named as missing; a leaf rewritten to match an edit breaks the
    stored subtrees and the checkpoint roots above it."""
    await log_of(0, 25)
    await db.write_sync(lambda c: c.execute(delete(audit_entries).where(audit_entries.c.log_seq == 9)))
    report, _ = await live(cli_settings)
    assert "entry 9 missing (sequence jumps 8 → 10)" in report.problems
    await db.write_sync(lambda c: c.execute(
        update(audit_subtrees).where(audit_subtrees.c.level == 0, audit_subtrees.c.idx == 20).values(hash=b"\x00" * 32)))
    await db.write_sync(lambda c: c.execute(delete(audit_entries).where(audit_entries.c.log_seq > 8)))
    await log_of(100, 100)  # nothing new
    report, _ = await live(cli_settings)
    assert report.ok is False
    assert any("beyond the log's 8 entries (entries removed)" in p for p in report.problems)


async def test_a_tampered_leaf_breaks_subtrees_and_checkpoints(log_of, db, cli_settings) -> None:
    """Rewriting a stored leaf (to hide an edit) is caught by the subtrees and the checkpoint."""
    await log_of(0, 20)
    await db.write_sync(lambda c: c.execute(
        update(audit_subtrees).where(audit_subtrees.c.level == 0, audit_subtrees.c.idx == 4).values(hash=b"\x11" * 32)))
    report, _ = await live(cli_settings)
    assert "entry 5: content does not hash to its sealed leaf (row altered after sealing)" in report.problems
    assert any(p.startswith("stored subtree over entries 5..6 differs") for p in report.problems)
    assert any(p.startswith("checkpoint size 10: root does not match") for p in report.problems)


async def test_a_tampered_body_is_named(log_of, db, cli_settings) -> None:
    """Flipping a byte of a stored (encrypted) body: it no longer opens; named with its seq."""
    await log_of(0, 12)

    def flip(conn) -> None:
        body = conn.execute(audit_entries.select().where(audit_entries.c.log_seq == 3)).one().response_body
        changed = bytes(body[:-1]) + bytes([body[-1] ^ 1])
        conn.execute(update(audit_entries).where(audit_entries.c.log_seq == 3).values(response_body=changed))

    await db.write_sync(flip)
    report, _ = await live(cli_settings)
    assert len(report.problems) == 1
    assert report.problems[0].startswith("entry 3: response body cannot be opened")


async def test_key_rotation_keeps_old_checkpoints_verifiable(log_of, dev_keys, clock, cli_settings, tmp_path) -> None:
    """Checkpoints signed before a rotation of the audit key still verify, live and offline."""
    await log_of(0, 20)
    clock.advance(60)
    dev_keys.rotate("audit")
    await log_of(20, 35)
    kids = {r["kid"]: r["status"] for r in dev_keys.public_records("audit")}
    assert sorted(kids.values()) == ["active", "retired"]
    report, _ = await live(cli_settings)
    assert report.ok, report.problems
    bundle = tmp_path / "rotated.jsonl"
    await asyncio.to_thread(cli_audit.run_export, cli_settings, 1, None, bundle)
    report = verify_bundle(bundle)
    assert report.ok, report.problems and report.checkpoints == 5


async def test_purge_keeps_the_tree_verifiable(log_of, db, cli_settings, tmp_path) -> None:
    """Purged bodies are gone, yet live verification and an exported bundle still verify."""
    await log_of(0, 15)
    cutoff = datetime.fromtimestamp(T0.timestamp() + 8, UTC)
    assert await purge_bodies(db, cutoff, now=datetime.now(UTC)) == 8
    report, _ = await live(cli_settings)
    assert report.ok, report.problems
    bundle = tmp_path / "purged.jsonl"
    await asyncio.to_thread(cli_audit.run_export, cli_settings, 1, None, bundle)
    offline = verify_bundle(bundle)
    assert offline.ok and offline.body_states == {"purged": 8, "exact": 7}


async def test_the_witness_holds_each_checkpoint(log_of, cli_settings, tmp_path) -> None:
    """Each checkpoint lands in the witness directory; live verify compares them."""
    await log_of(0, 23)
    files = sorted(p.name for p in (tmp_path / "witness").iterdir())
    assert [f.split("-")[1] for f in files] == ["000000000010", "000000000020", "000000000023"]
    report, _ = await live(cli_settings)
    assert report.ok, report.problems


async def test_the_witness_exposes_a_wholesale_rewrite(log_of, db, cli_settings) -> None:
    """Someone with database access truncates the log to 12 entries and removes the later
    checkpoints: the database is self-consistent again, but the witness's checkpoints 20 and
    23 are named as removed history."""
    from gateway.store.tables.audit import audit_checkpoints

    await log_of(0, 23)

    def truncate(conn) -> None:
        conn.execute(delete(audit_entries).where(audit_entries.c.log_seq > 12))
        conn.execute(delete(audit_checkpoints).where(audit_checkpoints.c.size > 10))

    await db.write_sync(truncate)
    without_witness, _ = await live(cli_settings, witness="")
    assert without_witness.ok  # what is left is consistent…
    report, _ = await live(cli_settings)
    assert [p.split(":", 1)[0].split(" (")[0] for p in report.problems] == [
        "witnessed checkpoint size 20", "witnessed checkpoint size 23"]
    assert all("entries removed" in p for p in report.problems)


async def test_cli_verify_exit_status_and_messages(log_of, cli_settings, tmp_path, monkeypatch) -> None:
    """`audit export` then `audit verify --bundle` exit 0; a tampered bundle exits 1 naming the
    entry; live `audit verify` exits 0."""
    await log_of(0, 12)
    for key, value in {"LIENTHONG_VAR_DIR": str(cli_settings.var_dir),
                       "LIENTHONG_DATABASE_URL": cli_settings.database_url,
                       "LIENTHONG_AUDIT_WITNESS": cli_settings.audit_witness}.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    bundle = tmp_path / "b.jsonl"

    def invoke(*args: str):
        return runner.invoke(cli_audit.app, list(args))

    result = await asyncio.to_thread(invoke, "export", "--from", "1", "--out", str(bundle))
    assert result.exit_code == 0, result.output
    result = await asyncio.to_thread(invoke, "verify", "--bundle", str(bundle))
    assert result.exit_code == 0 and "OK: 12 entries" in result.output, result.output
    lines = bundle.read_bytes().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if b'"seq":5,' in line)
    lines[at] = lines[at].replace(b'"outcome":"ok"', b'"outcome":"upstream_timeout"')
    bundle.write_bytes(b"".join(lines))
    result = await asyncio.to_thread(invoke, "verify", "--bundle", str(bundle))
    assert result.exit_code == 1
    assert "entry 5: leaf hash not included" in result.output, result.output
    result = await asyncio.to_thread(invoke, "verify")
    assert result.exit_code == 0, result.output
    result = await asyncio.to_thread(invoke, "purge", "--before", "2026-11-23", "--yes")
    assert result.exit_code == 0 and "purged the bodies of 0 entries" in result.output
