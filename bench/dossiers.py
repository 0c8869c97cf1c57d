"""Benchmark: dossier status events accepted by the API, and delivered to the portal from a
100,000-event backlog, on SQLite and PostgreSQL — each against the mock portal's own rate,
measured in the same run.

    .venv/bin/python -m bench.dossiers [--backends sqlite,postgres] [--events 10000] [--backlog 100000]

Real processes on loopback: `lienthong mocks` and `lienthong serve` (on PostgreSQL also
`lienthong serve --workers 2`, the multi-process set-up PostgreSQL is for); the load generator
is bench/loadgen.py. Targets (2 cores): ≥ 1,000 events/s accepted at concurrency 16;
≥ 2,000 events/s delivered.
Figures: docs/performance.md, "Dossier sync".
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from httpx_aiohttp import AiohttpTransport
from sqlalchemy import func, insert, select, text

from bench import loadgen
from gateway.store import Database, upgrade
from gateway.store.tables import dossier_events, dossiers, outbox
from tests.api.dossier_samples import dossier, event
from tests.support.processes import Proc, gateway_stack

CONCURRENCY = 16
DOSSIERS = 1000
CHUNK = 100  # progress steps per CapNhatTienDoHoSoMC call (the portal takes data[])
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_PROCESSES = 2  # `lienthong serve --workers 2`: PostgreSQL supports several gateway processes
CYCLE = ["processing", "awaiting_supplement"]  # an allowed loop, so events never run out


def codes(prefix: str) -> list[str]:
    return [f"{prefix}-{i:05d}" for i in range(DOSSIERS)]


async def portal_baseline(mocks_url: str, steps: int) -> float:
    """Steps/s the mock portal itself takes: direct CapNhatTienDoHoSoMC calls, chunks of CHUNK,
    concurrency 16, to dossiers it already holds."""
    async with httpx.AsyncClient(base_url=mocks_url, timeout=30, transport=AiohttpTransport()) as http:
        session = (await http.post("/portal/api/auth", json={"username": "lienthong", "password": "dev-portal-password"},
                                   headers={"dstcode": "BENCH"})).json()["session"]
        base = {"session": session, "madonvi": "000.00.00.H56", "dstcode": "BENCH"}
        targets = codes("BASE")
        await _create_at_portal(http, base, targets)
        await _create_at_portal(http, base, codes("BL"))  # the backlog's dossiers, known to the portal
        calls = steps // CHUNK
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(i: int) -> None:
            data = [_step(targets[(i * CHUNK + j) % DOSSIERS], i * CHUNK + j) for j in range(CHUNK)]
            async with gate:
                reply = await http.post("/portal/api/integration", headers={"dstcode": "BENCH"},
                                        json={"session": session, "madonvi": base["madonvi"],
                                              "service": "CapNhatTienDoHoSoMC", "data": data})
                assert reply.json()["error_code"] == 0, reply.text

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(calls)))
        return calls * CHUNK / (time.perf_counter() - started)


async def _create_at_portal(http: httpx.AsyncClient, base: dict, targets: list[str]) -> None:
    for start in range(0, len(targets), 100):
        data = [_record(code) for code in targets[start:start + 100]]
        reply = await http.post("/portal/api/integration", headers={"dstcode": "BENCH"},
                                json={"session": base["session"], "madonvi": base["madonvi"],
                                      "service": "DongBoHoSoMC", "data": data})
        assert reply.json()["error_code"] == 0, reply.text


def _record(code: str) -> dict:
    return {"MaHoSo": code, "MaTTHC": "1.001612", "TenTTHC": "Đăng ký hộ kinh doanh", "MaLinhVuc": "G09",
            "TenLinhVuc": "Hộ kinh doanh", "KenhThucHien": "2", "ChuHoSo": "NGUYỄN VĂN A", "LoaiDoiTuong": "1",
            "MaDoiTuong": "", "ThongTinKhac": "", "Email": "", "Fax": "", "SoDienThoai": "",
            "TrichYeuHoSo": "bench", "NgayTiepNhan": "20261122093000", "NgayHenTra": "20261127170000",
            "TrangThaiHoSo": "1", "NgayTra": "", "ThongTinTra": "", "HinhThuc": "0", "NgayKetThucXuLy": "",
            "DonViXuLy": "", "GhiChu": "", "SoGiayToChuHoSo": "", "isUpdating": "False",
            "TaiLieuNop": [], "DanhSachLePhi": [], "DanhSachTepDinhKemKhac": [], "DanhSachHoSoBoSung": [],
            "DanhSachGiayToKetQua": []}


def _step(code: str, n: int) -> dict:
    at = (datetime(2026, 11, 22, 8, 0) + timedelta(seconds=n)).strftime("%Y%m%d%H%M%S")
    return {"MaHoSo": code, "NguoiXuLy": "Cán bộ", "ChucDanh": "Chuyên viên", "ThoiDiemXuLy": at,
            "PhongBanXuLy": "Một cửa", "NoiDungXuLy": f"bước {n}", "TrangThai": "4", "NgayBatDau": at,
            "NgayKetThucTheoQuyDinh": ""}


async def accepted_rate(api_url: str, events: int, prefix: str = "API") -> tuple[float, float, float]:
    """Events/s accepted by POST /v1/dossiers/{code}/events at concurrency 16 (after the PUTs):
    16 keep-alive connections of the lean load generator (bench/loadgen.py), each owning its
    dossiers so one dossier's events stay sequential."""
    url = httpx.URL(api_url)
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as api:
        token = (await api.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "demo",
                                                      "client_secret": "demo-secret"})).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    targets = codes(prefix)
    puts = [[loadgen.request("PUT", f"/v1/dossiers/{code}", json=dossier(status="accepted"), headers=auth)
             for code in targets[w::CONCURRENCY]] for w in range(CONCURRENCY)]
    created = await loadgen.run(url.host, url.port or 80, puts)
    assert created.statuses == {202: len(targets)}, (created.statuses, created.failures)
    per_worker = events // CONCURRENCY
    connections = []
    for w in range(CONCURRENCY):
        mine = targets[w::CONCURRENCY]
        connections.append([
            loadgen.request("POST", f"/v1/dossiers/{mine[i % len(mine)]}/events", headers=auth,
                            json=event(CYCLE[(i // len(mine)) % 2], 0, at=f"2026-11-22T13:00:{i % 60:02d}+07:00"))
            for i in range(per_worker)])
    result = await loadgen.run(url.host, url.port or 80, connections)
    assert result.statuses == {202: per_worker * CONCURRENCY}, (result.statuses, result.failures)
    return result.rate, result.percentile_ms(0.5), result.percentile_ms(0.99)


async def fill_backlog(db_url: str, backlog: int) -> None:
    """Write a backlog straight into the database (as if the API had accepted it while the
    portal was down): dossiers the portal knows, their events, one outbox message each."""
    db = Database.from_url(db_url)
    await upgrade(db.engine)
    now = datetime.now(UTC)
    targets = codes("BL")
    per = backlog // DOSSIERS
    async with db.begin() as conn:
        await conn.execute(insert(dossiers), [
            {"code": c, "status": "processing", "record": dossier(status="processing"), "event_count": per,
             "portal_known": True, "created_at": now, "updated_at": now} for c in targets])
    for seq in range(1, per + 1):
        rows_e, rows_o = [], []
        for c in targets:
            ev = event(CYCLE[seq % 2], 0, at=(datetime(2026, 11, 22, 8, tzinfo=UTC) + timedelta(seconds=seq)).isoformat(),
                       note=f"bước {seq}")
            eid = f"evt_{uuid.uuid4().hex}"
            rows_e.append({"event_id": eid, "dossier_code": c, "seq": seq, "status": ev["status"], "event": ev, "created_at": now})
            rows_o.append({"topic": "portal", "key": c, "idempotency_key": eid, "state": "pending", "attempts": 0,
                           "payload": {"kind": "progress", "code": c, "seq": seq, "event": ev},
                           "available_at": now, "created_at": now})
        async with db.begin() as conn:
            await conn.execute(insert(dossier_events), rows_e)
            await conn.execute(insert(outbox), rows_o)
    if db.is_postgres:
        # A backlog built up over an outage has been analysed by autovacuum; one written in
        # seconds has not, and the planner would take the outbox for a few rows.
        async with db.engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("ANALYZE"))
    await db.close()


async def delivered_rate(db_url: str, gateway: Proc, backlog: int, timeout: float = 600) -> float:
    db = Database.from_url(db_url)
    started = time.perf_counter()
    gateway.start()
    try:
        while True:
            async with db.read() as conn:
                left = (await conn.execute(select(func.count()).select_from(outbox)
                                           .where(outbox.c.state.in_(("pending", "inflight"))))).scalar_one()
            if left == 0:
                return backlog / (time.perf_counter() - started)
            if time.perf_counter() - started > timeout:
                raise TimeoutError(f"{left} messages still pending after {timeout}s")
            await asyncio.sleep(0.2)
    finally:
        gateway.stop()
        await db.close()


async def run_backend(backend: str, events: int, backlog: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-{backend}-"))
    pg_name = None
    if backend == "postgres":
        pg_name = f"bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'CREATE DATABASE "{pg_name}"')
        await admin.close()
        db_url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{pg_name}"
    else:
        db_url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    mocks, gateway, env = gateway_stack(tmp, database_url=db_url, outbox_enabled="false", log_level="WARNING")
    api_url = f"http://127.0.0.1:{env['LIENTHONG_PORT']}"
    mocks_url = f"http://127.0.0.1:{env['LIENTHONG_MOCKS_PORT']}"
    mocks.start()
    try:
        print(f"[{backend}] mock portal's own rate …", flush=True)
        baseline = await portal_baseline(mocks_url, backlog // 2)
        print(f"[{backend}] events accepted through the API (concurrency {CONCURRENCY}) …", flush=True)
        gateway.start()
        accepted, p50, p99 = await accepted_rate(api_url, events)
        gateway.stop()
        accepted2 = None
        if backend == "postgres":  # the production set-up: several gateway processes on one database
            print(f"[{backend}] … and with {PG_PROCESSES} gateway processes …", flush=True)
            several = Proc(["serve"], {**env, "LIENTHONG_WORKERS": str(PG_PROCESSES)}, tmp / "several.log",
                           f"{api_url}/healthz").start()
            try:
                accepted2 = await accepted_rate(api_url, events, prefix="APIW")
            finally:
                several.stop()
        print(f"[{backend}] filling a {backlog:,}-event backlog …", flush=True)
        await fill_backlog(db_url, backlog)
        print(f"[{backend}] draining it …", flush=True)
        drainer = Proc(["serve"], {**env, "LIENTHONG_OUTBOX_ENABLED": "true", "LIENTHONG_OUTBOX_BATCH_SIZE": "1000",
                                   "LIENTHONG_PORTAL_PROGRESS_CHUNK": str(CHUNK)},
                       tmp / "drain.log", f"{api_url}/healthz")
        delivered = await delivered_rate(db_url, drainer, backlog)
    finally:
        gateway.stop()
        mocks.stop()
        if pg_name:
            admin = await asyncpg.connect(PG_ADMIN)
            await admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await admin.close()
    return {"backend": backend, "portal_steps_per_s": baseline, "accepted_per_s": accepted, "accepted_several": accepted2,
            "accept_p50_ms": p50, "accept_p99_ms": p99, "delivered_per_s": delivered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--backlog", type=int, default=100_000)
    args = parser.parse_args()
    results = [asyncio.run(run_backend(b, args.events, args.backlog)) for b in args.backends.split(",")]
    print(f"\n| backend | mock portal steps/s (baseline) | events accepted/s | p50 ms | p99 ms | accepted ÷ baseline "
          f"| accepted/s, {PG_PROCESSES} processes (p50, p99 ms) | events delivered/s | delivered ÷ baseline |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        several = "—"
        if r["accepted_several"]:
            rate, p50, p99 = r["accepted_several"]
            several = f"{rate:,.0f} ({p50:.1f}, {p99:.1f})"
        print(f"| {r['backend']} | {r['portal_steps_per_s']:,.0f} | {r['accepted_per_s']:,.0f} | {r['accept_p50_ms']:.1f} | "
              f"{r['accept_p99_ms']:.1f} | {r['accepted_per_s'] / r['portal_steps_per_s']:.2f} | {several} | "
              f"{r['delivered_per_s']:,.0f} | {r['delivered_per_s'] / r['portal_steps_per_s']:.2f} |")

if __name__ == "__main__":
    main()
