"""Benchmark: payment creations/s and callbacks handled/s through the gateway, against the mock
payment platform's own rate measured in the same run.

    .venv/bin/python -m bench.payments [--payments 2000] [--concurrency 32] [--rounds 3] [--setting NAME=VALUE]

Real processes on loopback: the mock payment platform alone (this module's `--serve-mocks`)
and the gateway (`lienthong serve`, the real `app.create_app`), on SQLite in WAL with
synchronous=NORMAL and group commit: every callback is durable before it is answered. The
outbox worker is off, so webhook deliveries (a separate, asynchronous flow) don't share the
two cores with the measured path; the webhook messages are still written with each change.
Callbacks and /healthz are sent by the lean load generator (`bench/loadgen.py`: keep-alive
HTTP/1.1 on raw asyncio streams, ~0.1 ms of CPU per request), so on two shared cores the
client does not take the CPU the gateway needs; creations, which need each reply's
reference, by httpx on httpx-aiohttp's `AiohttpTransport`. Figures: docs/performance.md, "Payments".

Each round measures, in this order:
1. mock INIT/s: INITs sent straight to the mock with the payment adapter (the ceiling for
   creations, since each creation is one INIT);
2. gateway creations/s: `POST /v1/payments`, one key each;
3. mock QUERY/s: a checksummed request/reply the mock answers with no storage (the
   ceiling of one HTTP exchange with checksum work on this machine);
4. gateway callbacks/s: signed callbacks posted to `/national/payment/callback`, each
   verified, stored raw, applied (state change + event + outbox message) and audited;
5. gateway GET /healthz/s: the HTTP floor of the gateway process with this load generator
   (no work at all), to read row 4 against;
6. in-process callbacks/s: `CallbackService.handle` on a SQLite file, no HTTP (the durable
   callback capacity itself: verify, store, settle, event, outbox, audit).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from httpx_aiohttp import AiohttpTransport
from prometheus_client import CollectorRegistry

from adapters._exchange import CallContext
from adapters.payment import Fee, Payer, PaymentOrder, build_payment_client
from security.audit import ListAuditSink
from security.checksums import maxacthuc_callback
from bench import loadgen
from gateway.logging import configure_logging
from tests.support.processes import Proc, base_env, free_port, running, wait_until_up

DEV_SECRET = "dev-payment-secret"
DEV_TOKEN = "dev-payment-token"
PARTNER = "LIENTHONG"


def _load_client(base_url: str, concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=base_url, transport=AiohttpTransport(limits=limits),
                             timeout=httpx.Timeout(60, connect=5))


def _platform(mocks_url: str) -> Any:
    settings = SimpleNamespace(payment_url=f"{mocks_url}/payment", payment_partner_code=PARTNER,
                               payment_secret=DEV_SECRET, payment_token=DEV_TOKEN, connect_timeout=5,
                               read_timeout=60, call_budget_seconds=120, retry_attempts=1,
                               breaker_failure_threshold=1000, breaker_reset_seconds=1)
    return build_payment_client(settings, audit=ListAuditSink(), registry=CollectorRegistry())


async def _run(n: int, concurrency: int, one: Any) -> tuple[float, list[float]]:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def timed(i: int) -> None:
        async with gate:
            started = time.perf_counter()
            await one(i)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(timed(i) for i in range(n)))
    return n / (time.perf_counter() - started), latencies


def _p(latencies: list[float], q: float) -> float:
    return statistics.quantiles(latencies, n=100)[int(q) - 1] if len(latencies) > 1 else 0.0


async def mock_init_rate(mocks_url: str, n: int, concurrency: int, tag: str) -> tuple[float, list[float]]:
    client = _platform(mocks_url)
    ctx = CallContext(request_id="bench")
    fees = [Fee(name="Lệ phí", amount=150000, kind="le_phi")]

    async def one(i: int) -> None:
        order = PaymentOrder(reference=f"BENCHMOCK{tag}{i:06d}", attempt=1, amount=150000, description="Lệ phí",
                             dossier_code="BENCH", procedure_code="1.001612", procedure_name="Thủ tục",
                             agency_code="000.00.12.H56", agency_name="UBND", payer=Payer("NGUYỄN VĂN A"),
                             fees=fees)
        await client.init_payment(order, ctx)

    try:
        return await _run(n, concurrency, one)
    finally:
        await client.exchange.aclose()


async def mock_query_rate(mocks_url: str, refs: list[str], concurrency: int) -> tuple[float, list[float]]:
    client = _platform(mocks_url)
    ctx = CallContext(request_id="bench")
    try:
        return await _run(len(refs), concurrency, lambda i: client.query(refs[i], ctx))
    finally:
        await client.exchange.aclose()


def _body(i: int) -> dict[str, Any]:
    return {
        "dossier_code": f"BENCH-{i % 500:04d}", "procedure_code": "1.001612", "procedure_name": "Thủ tục",
        "agency_code": "000.00.12.H56", "agency_name": "UBND huyện A", "amount": 150000,
        "description": "Lệ phí", "payer": {"full_name": "NGUYỄN VĂN A"},
        "fees": [{"name": "Lệ phí", "amount": 150000, "kind": "le_phi"}],
    }


async def gateway_creations(api_url: str, n: int, concurrency: int, tag: str) -> dict[str, Any]:
    async with _load_client(api_url, concurrency) as api:
        form = {"grant_type": "client_credentials", "client_id": "demo", "client_secret": "demo-secret"}
        token = (await api.post("/oauth/token", data=form)).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        references: list[str] = [""] * n

        async def create(i: int) -> None:
            reply = await api.post("/v1/payments", json=_body(i),
                                   headers={**auth, "Idempotency-Key": f"bench-{tag}-{i}"})
            assert reply.status_code == 201, reply.text
            references[i] = reply.json()["payment"]["reference"] + "-1"

        rate, latencies = await _run(n, concurrency, create)
    return {"rate": rate, "latencies": latencies, "references": references, "auth": auth}


async def gateway_callbacks(api_url: str, references: list[str], concurrency: int, tag: str,
                            auth: dict[str, str]) -> tuple[float, list[float]]:
    bodies = []
    for i, ref in enumerate(references):
        body = {"LoaiBanTin": "CALLBACK", "MaLoi": "00", "MaDoiTac": PARTNER, "MaThamChieu": ref,
                "SoTien": 150000, "MaTienTe": "VND", "MaGiaoDich": f"GD{tag}{i:08d}", "MaNganHang": "VCB",
                "ThoiGianGD": "20261122093000", "ThongTinGiaoDich": "Le phi"}
        body["MaXacThuc"] = maxacthuc_callback(body, DEV_SECRET)
        bodies.append(body)
    result = await _lean(api_url, [loadgen.request("POST", "/national/payment/callback", json=b) for b in bodies],
                         concurrency)
    async with _load_client(api_url, concurrency) as api:
        paid = await api.get("/v1/payments", params={"dossier_code": "BENCH-0000"}, headers=auth)
        mine = [p for p in paid.json()["payments"] if p["reference"] + "-1" in set(references)]
        assert mine and all(p["status"] == "paid" for p in mine)
    return result


async def health_rate(api_url: str, n: int, concurrency: int) -> tuple[float, list[float]]:
    return await _lean(api_url, [loadgen.request("GET", "/healthz")] * n, concurrency)


async def _lean(api_url: str, requests: list[bytes], concurrency: int) -> tuple[float, list[float]]:
    """Requests spread over ``concurrency`` keep-alive connections of the lean load generator;
    every reply must be a 200 (a callback refused by checksum or ledger is still a 200 in the
    platform's format, so the caller checks the ledger afterwards)."""
    url = httpx.URL(api_url)
    result = await loadgen.run(url.host, url.port or 80, [requests[k::concurrency] for k in range(concurrency)],
                               expect={200})
    assert result.statuses == {200: len(requests)}, (result.statuses, result.failures)
    return result.rate, [latency * 1000 for latency in result.latencies]


async def in_process_callbacks(tmp: Path, n: int, concurrency: int, tag: str) -> tuple[float, list[float]]:
    """``CallbackService.handle`` × n on its own SQLite file (WAL, NORMAL), audit entries included."""
    from datetime import UTC, datetime  # noqa: PLC0415

    import orjson  # noqa: PLC0415

    from adapters._exchange import SystemClock  # noqa: PLC0415
    from gateway.services.payments import CallbackService, ledger  # noqa: PLC0415
    from gateway.store import Database, upgrade  # noqa: PLC0415
    from gateway.store.audit_sink import StoreAuditSink  # noqa: PLC0415

    db = Database.from_url(f"sqlite+aiosqlite:///{tmp / f'inproc-{tag}.db'}")
    await upgrade(db.engine)
    platform = _platform("http://platform.invalid")
    now = datetime.now(UTC)
    refs = [f"LTBENCH{tag}{i:08d}-1" for i in range(n)]

    def seed(conn: Any) -> None:
        for i, ref in enumerate(refs):
            row = {"id": f"pay_{tag}{i:020d}"[:28], "reference": ref[:-2], "client_id": "bench",
                   "dossier_code": "BENCH", "procedure_code": "1.001612", "procedure_name": "Thủ tục",
                   "agency_code": "000.00.12.H56", "agency_name": "UBND", "amount": 150000, "description": "Lệ phí",
                   "fees": [{"name": "Lệ phí", "amount": 150000}], "payer": {"full_name": "NGUYỄN VĂN A"},
                   "return_url": None, "status": "pending", "pay_url": "http://pay", "created_at": now,
                   "updated_at": now}
            ledger.insert_payment(conn, row, ma_tham_chieu=ref, attempt=1)

    await db.write_sync(seed)
    service = CallbackService(db, platform, StoreAuditSink(db), SystemClock())
    bodies = []
    for i, ref in enumerate(refs):
        body = {"LoaiBanTin": "CALLBACK", "MaLoi": "00", "MaDoiTac": PARTNER, "MaThamChieu": ref, "SoTien": 150000,
                "MaTienTe": "VND", "MaGiaoDich": f"GD{i:08d}", "MaNganHang": "VCB", "ThoiGianGD": "20261122093000",
                "ThongTinGiaoDich": "Le phi"}
        body["MaXacThuc"] = maxacthuc_callback(body, DEV_SECRET)
        bodies.append(orjson.dumps(body))

    async def one(i: int) -> None:
        result = await service.handle(bodies[i], request_id="bench")
        assert result.code == "00", result

    try:
        return await _run(n, concurrency, one)
    finally:
        await platform.exchange.aclose()
        await db.close()


def _mocks_proc(env: dict[str, str], tmp: Path) -> Proc:
    """The mock payment platform alone (this module's `--serve-mocks`)."""
    proc = Proc(["mocks"], env, tmp / "mocks.log", f"http://127.0.0.1:{env['LIENTHONG_MOCKS_PORT']}/__admin/requests")

    def start(timeout: float = 60.0) -> Proc:
        import subprocess  # noqa: PLC0415

        log = open(proc.log_path, "wb")  # noqa: SIM115 - closed with the process
        proc.popen = subprocess.Popen([sys.executable, "-m", "bench.payments", "--serve-mocks"],
                                      env=proc.env, stdout=log, stderr=subprocess.STDOUT)
        assert proc.ready_url is not None
        wait_until_up(proc.ready_url, timeout, proc)
        return proc

    proc.start = start  # type: ignore[method-assign]
    return proc


def serve_mocks() -> None:
    import uvicorn  # noqa: PLC0415

    import mocks.payment  # noqa: PLC0415
    from mocks._core import MockConfig  # noqa: PLC0415
    from mocks.app import create_mocks_app  # noqa: PLC0415

    config = MockConfig.from_env()
    app = create_mocks_app(config, systems=[mocks.payment.create_system])
    uvicorn.run(app, host="127.0.0.1", port=config.port, log_config=None, access_log=False)


async def main(n: int, concurrency: int, rounds: int, settings: dict[str, str]) -> None:
    rows: dict[str, list[tuple[float, list[float]]]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port, mocks_port = free_port(), free_port()
        env = base_env(tmp, port=str(port), mocks_port=str(mocks_port), outbox_enabled="false", **settings)
        env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
        mocks = _mocks_proc(env, tmp)
        gateway = Proc(["serve"], env, tmp / "gateway.log", f"http://127.0.0.1:{port}/healthz")
        mocks_url, api_url = f"http://127.0.0.1:{mocks_port}", f"http://127.0.0.1:{port}"
        with running(mocks, gateway):
            for r in range(rounds):
                tag = f"R{r}"
                rows.setdefault("mock platform: INIT (direct, via the adapter)", []).append(
                    await mock_init_rate(mocks_url, n, concurrency, tag))
                created = await gateway_creations(api_url, n, concurrency, tag)
                rows.setdefault("gateway: POST /v1/payments (INIT to the mock)", []).append(
                    (created["rate"], created["latencies"]))
                rows.setdefault("mock platform: QUERY (direct, via the adapter)", []).append(
                    await mock_query_rate(mocks_url, created["references"], concurrency))
                rows.setdefault("gateway: callbacks handled (verify, store, settle, audit)", []).append(
                    await gateway_callbacks(api_url, created["references"], concurrency, tag, created["auth"]))
                rows.setdefault("gateway: GET /healthz (the HTTP floor, no work)", []).append(
                    await health_rate(api_url, n, concurrency))
                rows.setdefault("in-process: CallbackService.handle (no HTTP)", []).append(
                    await in_process_callbacks(tmp, n, concurrency, tag))
                print(f"round {r + 1}: " + ", ".join(f"{v[-1][0]:,.0f}" for v in rows.values()), file=sys.stderr)
    print(f"payments={n} concurrency={concurrency} rounds={rounds} settings={settings} cores={os.cpu_count()} "
          f"python={sys.version.split()[0]} load={os.getloadavg()[0]:.1f}")
    print("| what | per s (median of rounds) | per s (each round) | p50 ms | p99 ms |\n|---|---|---|---|---|")
    medians = {}
    for name, results in rows.items():
        rates = [rate for rate, _ in results]
        best = max(results, key=lambda r: r[0])[1]
        medians[name] = statistics.median(rates)
        each = " / ".join(f"{rate:,.0f}" for rate in rates)
        print(f"| {name} | {medians[name]:,.0f} | {each} | {_p(best, 50):.1f} | {_p(best, 99):.1f} |")
    names = list(medians)
    print(f"creations / mock INIT: {medians[names[1]] / medians[names[0]]:.2f}; "
          f"callbacks / mock QUERY: {medians[names[3]] / medians[names[2]]:.2f}; "
          f"callbacks / gateway healthz: {medians[names[3]] / medians[names[4]]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="a gateway setting for this run, e.g. audit_sealer_enabled=false (repeatable)")
    parser.add_argument("--serve-mocks", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_mocks:
        serve_mocks()
    else:
        configure_logging("WARNING")
        extra = dict(item.split("=", 1) for item in args.setting)
        asyncio.run(main(args.payments, args.concurrency, args.rounds, extra))
