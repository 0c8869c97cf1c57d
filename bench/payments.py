"""Benchmark: payment creations/s and callbacks handled/s through the gateway, against the mock
payment platform's own rate measured in the same run.

    .venv/bin/python -m bench.payments [--payments 2000] [--concurrency 32]

Real processes on loopback: `lienthong mocks` and the gateway (`lienthong serve`, or — while
`app.create_app` does not wire payments yet — this module's `--serve-gateway`, which adds
the same pieces, `gateway.services.payments.wiring`). SQLite, group commit, durable
(synchronous=NORMAL in WAL). Figures: docs/performance.md, "Payments".

1. mock INIT/s: INITs sent straight to the mock with the payment adapter (the ceiling for
   creations, since each creation is one INIT);
2. gateway creations/s: `POST /v1/payments`, one key each;
3. mock QUERY/s: a checksummed request/reply the mock answers with no storage (the
   ceiling of one HTTP exchange with checksum work on this machine);
4. gateway callbacks/s: signed callbacks posted to `/national/payment/callback`, each
   verified, stored, applied (state change + event + outbox message) and audited.
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
from prometheus_client import CollectorRegistry

from adapters._exchange import CallContext, SystemClock, build_http_client
from adapters.payment import Fee, Payer, PaymentOrder, build_payment_client
from security.audit import ListAuditSink
from security.checksums import maxacthuc_callback
from tests.support.processes import Proc, base_env, free_port, running

DEV_SECRET = "dev-payment-secret"
DEV_TOKEN = "dev-payment-token"
PARTNER = "LIENTHONG"


def _client(base_url: str, concurrency: int) -> httpx.AsyncClient:
    client = build_http_client(connect_timeout=5, read_timeout=60)
    client.base_url = httpx.URL(base_url)
    return client


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


async def mock_init_rate(mocks_url: str, n: int, concurrency: int) -> tuple[float, list[float]]:
    settings = SimpleNamespace(payment_url=f"{mocks_url}/payment", payment_partner_code=PARTNER,
                               payment_secret=DEV_SECRET, payment_token=DEV_TOKEN, connect_timeout=5,
                               read_timeout=60, call_budget_seconds=120, retry_attempts=1,
                               breaker_failure_threshold=1000, breaker_reset_seconds=1)
    client = build_payment_client(settings, audit=ListAuditSink(), registry=CollectorRegistry())
    ctx = CallContext(request_id="bench")
    fees = [Fee(name="Lệ phí", amount=150000, kind="le_phi")]

    async def one(i: int) -> None:
        order = PaymentOrder(reference=f"BENCHMOCK{i:06d}", attempt=1, amount=150000, description="Lệ phí",
                             dossier_code="BENCH", procedure_code="1.001612", procedure_name="Thủ tục",
                             agency_code="000.00.12.H56", agency_name="UBND", payer=Payer("NGUYỄN VĂN A"),
                             fees=fees)
        await client.init_payment(order, ctx)

    try:
        return await _run(n, concurrency, one)
    finally:
        await client.exchange.aclose()


async def mock_query_rate(mocks_url: str, refs: list[str], concurrency: int) -> tuple[float, list[float]]:
    settings = SimpleNamespace(payment_url=f"{mocks_url}/payment", payment_partner_code=PARTNER,
                               payment_secret=DEV_SECRET, payment_token=DEV_TOKEN, connect_timeout=5,
                               read_timeout=60, call_budget_seconds=120, retry_attempts=1,
                               breaker_failure_threshold=1000, breaker_reset_seconds=1)
    client = build_payment_client(settings, audit=ListAuditSink(), registry=CollectorRegistry())
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


async def gateway_rates(api_url: str, n: int, concurrency: int) -> dict[str, Any]:
    async with _client(api_url, concurrency) as api:
        form = {"grant_type": "client_credentials", "client_id": "demo", "client_secret": "demo-secret"}
        token = (await api.post("/oauth/token", data=form)).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        references: list[str] = [""] * n

        async def create(i: int) -> None:
            reply = await api.post("/v1/payments", json=_body(i), headers={**auth, "Idempotency-Key": f"bench-{i}"})
            assert reply.status_code == 201, reply.text
            references[i] = reply.json()["payment"]["reference"] + "-1"

        created, created_lat = await _run(n, concurrency, create)
        bodies = []
        for i, ref in enumerate(references):
            body = {"LoaiBanTin": "CALLBACK", "MaLoi": "00", "MaDoiTac": PARTNER, "MaThamChieu": ref,
                    "SoTien": 150000, "MaTienTe": "VND", "MaGiaoDich": f"GD{i:08d}", "MaNganHang": "VCB",
                    "ThoiGianGD": "20261122093000", "ThongTinGiaoDich": "Le phi"}
            body["MaXacThuc"] = maxacthuc_callback(body, DEV_SECRET)
            bodies.append(body)

        async def callback(i: int) -> None:
            reply = await api.post("/national/payment/callback", json=bodies[i])
            assert reply.json()["MaLoi"] == "00", reply.text

        callbacks, callback_lat = await _run(n, concurrency, callback)
        paid = await api.get("/v1/payments", params={"dossier_code": "BENCH-0000"}, headers=auth)
        assert all(p["status"] == "paid" for p in paid.json()["payments"])
    return {"created": created, "created_lat": created_lat, "callbacks": callbacks,
            "callback_lat": callback_lat, "references": references}


def _gateway_proc(env: dict[str, str], tmp: Path) -> Proc:
    """`lienthong serve` if it serves payments, else this module's wired gateway."""
    from app import create_app  # noqa: PLC0415 - only to ask what the app wires
    from gateway.settings import Settings  # noqa: PLC0415

    app = create_app(Settings(var_dir=tmp / "probe"))
    wired = any(getattr(r, "path", "") == "/v1/payments" for r in app.router.routes)
    port = env["LIENTHONG_PORT"]
    ready = f"http://127.0.0.1:{port}/healthz"
    if wired:
        return Proc(["serve"], env, tmp / "gateway.log", ready)
    proc = Proc(["serve"], env, tmp / "gateway.log", ready)
    proc.start = _python_start(proc, "--serve-gateway")  # type: ignore[method-assign]
    return proc


def _mocks_proc(env: dict[str, str], tmp: Path) -> Proc:
    """The mock payment platform alone (this module's `--serve-mocks`)."""
    proc = Proc(["mocks"], env, tmp / "mocks.log", f"http://127.0.0.1:{env['LIENTHONG_MOCKS_PORT']}/__admin/requests")
    proc.start = _python_start(proc, "--serve-mocks")  # type: ignore[method-assign]
    return proc


def serve_mocks() -> None:
    import uvicorn  # noqa: PLC0415

    import mocks.payment  # noqa: PLC0415
    from mocks._core import MockConfig  # noqa: PLC0415
    from mocks.app import create_mocks_app  # noqa: PLC0415

    config = MockConfig.from_env()
    app = create_mocks_app(config, systems=[mocks.payment.create_system])
    uvicorn.run(app, host="127.0.0.1", port=config.port, log_config=None, access_log=False)


def _python_start(proc: Proc, flag: str) -> Any:
    import subprocess  # noqa: PLC0415

    from tests.support.processes import wait_until_up  # noqa: PLC0415

    def start(timeout: float = 60.0) -> Proc:
        log = open(proc.log_path, "wb")  # noqa: SIM115 - closed with the process
        proc.popen = subprocess.Popen([sys.executable, "-m", "bench.payments", flag],
                                      env=proc.env, stdout=log, stderr=subprocess.STDOUT)
        wait_until_up(proc.ready_url, timeout, proc)
        return proc

    return start


def serve_gateway() -> None:
    """The gateway with payments wired in (until `app.create_app` does it)."""
    import uvicorn  # noqa: PLC0415

    from app import create_app  # noqa: PLC0415
    from gateway.logging import configure_logging  # noqa: PLC0415
    from gateway.settings import Settings  # noqa: PLC0415

    settings = Settings()
    configure_logging(settings.log_level)
    app = create_app(settings)
    inner = app.router.lifespan_context

    from contextlib import asynccontextmanager  # noqa: PLC0415

    @asynccontextmanager
    async def lifespan(a: Any) -> Any:
        async with inner(a):
            from gateway.api.routes import events, national_payment, payments  # noqa: PLC0415
            from gateway.services.payments import wiring  # noqa: PLC0415

            container = a.state.container
            for module in (payments, events, national_payment):
                a.include_router(module.router)
            ps = SimpleNamespace(**{k: getattr(settings, k) for k in (
                "payment_url", "payment_partner_code", "payment_secret", "connect_timeout", "read_timeout",
                "call_budget_seconds", "retry_attempts", "breaker_failure_threshold", "breaker_reset_seconds")},
                payment_token=DEV_TOKEN)
            container.payment = build_payment_client(ps, audit=container.audit, registry=container.registry)
            container.services.update(wiring.payment_services(container.db, container.payment,
                                                              container.audit, SystemClock()))
            yield

    app.router.lifespan_context = lifespan
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False)


async def main(n: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port, mocks_port = free_port(), free_port()
        env = base_env(tmp, port=str(port), mocks_port=str(mocks_port), outbox_enabled="false")
        env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
        mocks = _mocks_proc(env, tmp)
        gateway = _gateway_proc(env, tmp)
        mocks_url, api_url = f"http://127.0.0.1:{mocks_port}", f"http://127.0.0.1:{port}"
        with running(mocks, gateway):
            init_rate, init_lat = await mock_init_rate(mocks_url, n, concurrency)
            g = await gateway_rates(api_url, n, concurrency)
            query_rate, query_lat = await mock_query_rate(mocks_url, g["references"], concurrency)
    rows = [
        ("mock platform: INIT (direct, via the adapter)", init_rate, init_lat),
        ("gateway: POST /v1/payments (INIT to the mock)", g["created"], g["created_lat"]),
        ("mock platform: QUERY (direct, via the adapter)", query_rate, query_lat),
        ("gateway: callbacks handled (verify, store, settle, audit)", g["callbacks"], g["callback_lat"]),
    ]
    print(f"payments={n} concurrency={concurrency} cores={os.cpu_count()} python={sys.version.split()[0]}")
    print("| what | per s | p50 ms | p99 ms |\n|---|---|---|---|")
    for name, rate, lat in rows:
        print(f"| {name} | {rate:,.0f} | {_p(lat, 50):.1f} | {_p(lat, 99):.1f} |")
    print(f"creations / mock INIT: {g['created'] / init_rate:.2f}; callbacks / mock QUERY: {g['callbacks'] / query_rate:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--serve-gateway", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-mocks", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_gateway:
        serve_gateway()
    elif args.serve_mocks:
        serve_mocks()
    else:
        asyncio.run(main(args.payments, args.concurrency))
