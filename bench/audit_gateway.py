"""Benchmark: the audit trail inside the gateway — sealing throughput from the database, the
latency sealing adds to requests, and inclusion proofs served from ``audit_subtrees``.

1. **Sealing**: ``--entries`` exchange records inserted through ``StoreAuditSink`` (bodies
   encrypted, one INSERT each, group-committed), then sealed by ``AuditSealer.run_once``
   (read unsealed rows → canonical form → leaf hash → accumulator → one transaction writing
   ``log_seq``, the finished subtrees and a signed checkpoint every 1000 entries). Reported
   as entries sealed per second, against raw SHA-256 of the same canonical bytes.
2. **Requests, sealer off vs on** (same process, same database, alternating short rounds):
   the whole gateway with the mock national systems in-process, ``--concurrency`` clients
   (default 1: latency without queueing) doing citizen lookups (API → signed SOAP to the mock
   population database → audit row) and inbound portal pushes (one audit row with bodies
   each, a cheap request: the worst case). With the sealer on it seals while the load runs,
   in the same event loop and on the same SQLite writer. Reported per round: the median
   latency and the process's CPU time per request (which then includes the sealer's work; a
   steadier figure than latency on a shared machine).
3. **Proofs**: ``GET /v1/audit/entries/{seq}/proof`` work (``AuditReader.inclusion``) at the
   log's size, for random entries; and the subtree lookups of an inclusion proof in an
   ``audit_subtrees`` table of ``--proof-tree`` (1,000,000) synthetic leaves.

    .venv/bin/python -m bench.audit_gateway [--entries 20000] [--requests 200] [--rounds 8] [--postgres] [--proof-tree 1000000]

Figures: docs/performance.md, "Audit trail in the gateway".
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from gateway.services.audit import AuditSealer, BodyProtection, SealerConfig  # noqa: E402
from gateway.services.audit import log as audit_log  # noqa: E402
from gateway.services.audit.reader import AuditReader  # noqa: E402
from gateway.settings import DEV_PORTAL_PUSH_TOKEN, Settings  # noqa: E402
from gateway.store import Database, upgrade  # noqa: E402
from gateway.store.audit_sink import StoreAuditSink  # noqa: E402
from security.audit import canonical  # noqa: E402
from security.keys import KeyStore  # noqa: E402
from tests.gateway.services.audit.helpers import record  # noqa: E402
from tests.support.gateway import in_process_stack  # noqa: E402

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/"


def utcnow() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def bench_sealing(url: str, entries: int) -> dict[str, float]:
    db = Database.from_url(url)
    await upgrade(db.engine)
    keys = KeyStore.ephemeral(("audit", "at-rest"))
    sink = StoreAuditSink(db, BodyProtection("encrypt", keys))
    start = time.perf_counter()
    for chunk in range(0, entries, 500):  # 500 concurrent inserts: group commit at work
        await asyncio.gather(*(sink.record(record(i)) for i in range(chunk, min(chunk + 500, entries))))
    inserted = time.perf_counter() - start
    sealer = AuditSealer(db, keys, clock=utcnow, config=SealerConfig(batch=2000, checkpoint_every=1000))
    cpu, start = time.process_time(), time.perf_counter()
    sealed = 0
    while n := await sealer.run_once():
        sealed += n
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    # raw SHA-256 over the same canonical bytes, for scale
    rows = await db.read_sync(lambda c: list(c.execute(select(*audit_log.ENTRY_COLUMNS).limit(2000))))
    data = [b"\x00" + canonical(audit_log.entry_of(r)) for r in rows]
    t = time.perf_counter()
    for _ in range(10):
        for d in data:
            hashlib.sha256(d).digest()
    sha = 10 * len(data) / (time.perf_counter() - t)
    # proofs through the reader, at this size
    reader = AuditReader(db, keys, BodyProtection("encrypt", keys), clock=utcnow)
    times = []
    for seq in random.sample(range(1, entries + 1), 200):
        t = time.perf_counter()
        await reader.inclusion(seq, None)
        times.append((time.perf_counter() - t) * 1000)
    await sealer.stop()
    await db.close()
    return {"inserted_per_s": entries / inserted, "sealed_per_s": sealed / wall, "sealed_per_cpu_s": sealed / cpu,
            "sha256_per_s": sha, "proof_p50_ms": statistics.median(times),
            "proof_p99_ms": sorted(times)[int(len(times) * 0.99) - 1]}


async def bench_proofs_at(size: int, url: str) -> dict[str, float]:
    """Inclusion proofs read from an ``audit_subtrees`` table of ``size`` leaves (synthetic
    leaf hashes, filled as the sealer would), through ``Database.read_sync`` as the API does."""
    from security.audit import MerkleAccumulator, assemble, inclusion_plan, plan_nodes, verify_inclusion

    db = Database.from_url(url)
    await upgrade(db.engine)
    acc = MerkleAccumulator()
    leaves: list[bytes] = []
    rows: list[tuple[int, int, bytes]] = []
    for i in range(size):
        leaf = hashlib.sha256(i.to_bytes(8, "big")).digest()
        leaves.append(leaf)
        rows.extend((level, idx, h) for (level, idx), h in acc.append(leaf))
    for start in range(0, len(rows), 50_000):
        chunk = [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in rows[start : start + 50_000]]
        await db.write_sync(lambda c, chunk=chunk: c.execute(audit_log.insert(audit_log.audit_subtrees), chunk))
    root, times, ok = acc.root(), [], True
    for seq in random.sample(range(1, size + 1), 300):
        t = time.perf_counter()
        plan = inclusion_plan(seq - 1, size)
        hashes = await db.read_sync(lambda c, plan=plan: audit_log.node_map(c, plan_nodes(plan)))
        proof = assemble(plan, hashes)
        times.append((time.perf_counter() - t) * 1000)
        ok = ok and verify_inclusion(seq - 1, size, leaves[seq - 1], proof, root)
    await db.close()
    times.sort()
    return {"p50": statistics.median(times), "p99": times[int(len(times) * 0.99) - 1], "ok": float(ok)}


async def load_round(stack: Any, kind: str, requests: int, concurrency: int, auth: dict[str, str],
                     ids: list[str]) -> list[float]:  # fmt: skip
    latencies: list[float] = []
    queue = list(range(requests))

    async def one(i: int) -> None:
        t = time.perf_counter()
        if kind == "lookup":
            body = {"id_number": ids[i % len(ids)], "purpose": "bench", "officer_id": "cb.01"}
            reply = await stack.api.post("/v1/citizens/lookup", json=body, headers=auth)
            assert reply.status_code == 200, reply.text
        else:
            reply = await stack.api.post("/national/portal/dossiers", json={"MaHoSo": i},
                                         headers={"Authorization": f"Bearer {DEV_PORTAL_PUSH_TOKEN}"})
            assert reply.status_code == 400
        latencies.append((time.perf_counter() - t) * 1000)

    async def worker() -> None:
        while queue:
            await one(queue.pop())

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def bench_latency(tmp: Path, url: str, requests: int, rounds: int, concurrency: int) -> dict[str, Any]:
    """Alternating short rounds, sealer off then on, per kind of request: per round the median
    latency and the process's CPU time per request (which includes the sealer's work)."""
    settings = Settings(var_dir=tmp / "var", database_url=url, outbox_enabled=False, log_level="WARNING",
                        audit_seal_interval_seconds=0.5)
    sizes = {"lookup": max(requests // 4, 10), "push": requests}  # a lookup costs ~4 pushes
    results: dict[str, dict[str, dict[str, list[float]]]] = {
        kind: {state: {"p50": [], "cpu": []} for state in ("off", "on")} for kind in sizes}
    sealed_during: list[int] = []
    async with in_process_stack(settings) as stack:
        sealer = stack.container.services["audit_sealer"]
        seed = (await stack.admin.get("/__admin/population/citizens", params={"limit": 100})).json()
        ids = [c["id_number"] for c in seed["citizens"]]
        auth = await stack.token("citizens.read")
        for kind, n in sizes.items():  # warm-up
            await load_round(stack, kind, n, concurrency, auth, ids)
        for _ in range(rounds):
            for state in ("off", "on"):
                await sealer.stop()
                while await sealer.run_once():  # both kinds of round start with no backlog
                    pass
                before = await stack.container.db.read_sync(audit_log.sealed_size)
                if state == "on":
                    await sealer.start()
                for kind, n in sizes.items():
                    cpu = time.process_time()
                    latencies = await load_round(stack, kind, n, concurrency, auth, ids)
                    results[kind][state]["cpu"].append((time.process_time() - cpu) / n * 1000)
                    results[kind][state]["p50"].append(statistics.median(latencies))
                if state == "on":
                    await asyncio.sleep(0.6)  # let the sealer catch up inside the round
                    sealed_during.append(await stack.container.db.read_sync(audit_log.sealed_size) - before)
        await sealer.stop()
    return {"results": results, "sealed_during": sealed_during, "sizes": sizes}


async def main(args: argparse.Namespace) -> None:
    import logging

    from gateway.logging import configure_logging

    configure_logging("WARNING")
    logging.getLogger().setLevel(logging.WARNING)
    print(f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite+aiosqlite:///{tmp}/seal.db")]
        if args.postgres:
            import asyncpg

            admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
            name = f"bench_audit_{os.getpid()}"
            await admin.execute(f'CREATE DATABASE "{name}"')
            targets.append(("PostgreSQL", PG + name))
        try:
            for label, url in targets:
                s = await bench_sealing(url, args.entries)
                print(f"{label}: {args.entries} records inserted at {s['inserted_per_s']:,.0f}/s; sealed at "
                      f"{s['sealed_per_s']:,.0f} entries/s wall ({s['sealed_per_cpu_s']:,.0f}/CPU-s); raw SHA-256 of "
                      f"the same bytes {s['sha256_per_s']:,.0f}/s; inclusion proof at {args.entries} entries "
                      f"p50 {s['proof_p50_ms']:.2f} ms, p99 {s['proof_p99_ms']:.2f} ms")
        finally:
            if args.postgres:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()
        if args.proof_tree:
            for label, url in [("SQLite", f"sqlite+aiosqlite:///{tmp}/proofs.db")]:
                p = await bench_proofs_at(args.proof_tree, url)
                print(f"{label}: inclusion proof from audit_subtrees at {args.proof_tree:,} leaves: p50 {p['p50']:.2f} ms, "
                      f"p99 {p['p99']:.2f} ms (all verified: {bool(p['ok'])})")
        latency = await bench_latency(Path(tmp), f"sqlite+aiosqlite:///{tmp}/gateway.db", args.requests,
                                      args.rounds, args.concurrency)
    sizes = latency["sizes"]
    print(f"requests with the sealer off vs on: {args.rounds} alternating rounds of {sizes['lookup']} lookups and "
          f"{sizes['push']} pushes each, concurrency {args.concurrency}, SQLite, one process (medians over rounds):")
    for kind, by_state in latency["results"].items():
        off, on = by_state["off"], by_state["on"]
        p50_off, p50_on = statistics.median(off["p50"]), statistics.median(on["p50"])
        cpu_off, cpu_on = statistics.median(off["cpu"]), statistics.median(on["cpu"])
        print(f"  {kind:<7} p50 latency off {p50_off:6.2f} ms  on {p50_on:6.2f} ms  ({100 * (p50_on - p50_off) / p50_off:+5.1f}%)"
              f"   CPU/request off {cpu_off:6.2f} ms  on {cpu_on:6.2f} ms  ({100 * (cpu_on - cpu_off) / cpu_off:+5.1f}%)")
    print(f"  entries sealed during the 'on' rounds: {latency['sealed_during']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--proof-tree", type=int, default=1_000_000, help="0 to skip")
    asyncio.run(main(parser.parse_args()))
