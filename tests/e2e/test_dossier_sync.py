"""Dossier sync over real sockets: separate gateway, worker and mock processes; crashes by
SIGKILL; a failing and recovering portal."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.e2e.dossier_load import TEN_STEPS, portal_steps, post_dossiers, token, wait_synced
from tests.support.processes import Proc, gateway_stack, running

pytestmark = [pytest.mark.network, pytest.mark.slow]
EXPECTED = [f"Bước {m}" for m in range(1, 11)]


def _urls(env: dict[str, str]) -> tuple[str, str]:
    return f"http://127.0.0.1:{env['LIENTHONG_PORT']}", f"http://127.0.0.1:{env['LIENTHONG_MOCKS_PORT']}"


async def _assert_each_step_once(admin: httpx.AsyncClient, codes: list[str]) -> None:
    for code in codes:
        notes, receipts, held = await portal_steps(admin, code)
        assert notes == EXPECTED, (code, notes)
        assert receipts == [1] * 10, (code, receipts)
        assert str(held["record"]["TrangThaiHoSo"]) == "10"


async def test_put_and_five_events_over_real_sockets(tmp_path) -> None:
    """The mock portal, in its own process, holds the final status and five steps, once each."""
    mocks, gateway, env = gateway_stack(tmp_path)
    api_url, mocks_url = _urls(env)
    with running(mocks, gateway):
        async with httpx.AsyncClient(base_url=api_url, timeout=10) as api, \
                httpx.AsyncClient(base_url=mocks_url, timeout=10) as admin:
            await post_dossiers(api, ["E2E-1"], TEN_STEPS[:5])
            await wait_synced(api, 30)
            notes, receipts, held = await portal_steps(admin, "E2E-1")
            assert notes == EXPECTED[:5] and receipts == [1] * 5
            assert str(held["record"]["TrangThaiHoSo"]) == "5"


async def _crash_during_delivery(api: httpx.AsyncClient, admin: httpx.AsyncClient, victim: Proc) -> None:
    """Kill ``victim`` with SIGKILL once the portal has some, but not all, of the steps."""
    for _ in range(600):
        received = (await admin.get("/__admin/requests", params={"operation": "CapNhatTienDoHoSoMC"})).json()
        if received["count"] >= 3:
            break
        await asyncio.sleep(0.05)
    victim.kill()


@pytest.mark.parametrize("phase", ["before", "after"])
async def test_sigkill_during_delivery_on_sqlite_loses_and_duplicates_nothing(tmp_path, phase: str) -> None:
    """2,000 pending events; the gateway is SIGKILLed while delivering (replies slowed, some
    lost after the portal acted); after a restart every step reaches the portal exactly once."""
    mocks, gateway, env = gateway_stack(tmp_path, outbox_enabled="false")
    api_url, mocks_url = _urls(env)
    codes = [f"CRASH-{i:03d}" for i in range(200)]
    with running(mocks, gateway):
        async with httpx.AsyncClient(base_url=api_url, timeout=30) as api, \
                httpx.AsyncClient(base_url=mocks_url, timeout=10) as admin:
            await post_dossiers(api, codes, TEN_STEPS)
            gateway.stop()
            await admin.post("/__admin/faults", json={"target": "portal", "mode": "latency", "latency_ms": 40})
            await admin.post("/__admin/faults", json={"target": "portal", "operation": "CapNhatTienDoHoSoMC",
                                                      "mode": "reset", "phase": phase, "rate": 0.2})
            delivering = Proc(gateway.args, {**env, "LIENTHONG_OUTBOX_ENABLED": "true",
                                             "LIENTHONG_OUTBOX_BATCH_SIZE": "40",
                                             "LIENTHONG_OUTBOX_LEASE_SECONDS": "3",
                                             "LIENTHONG_OUTBOX_BACKOFF_BASE_SECONDS": "0.05",
                                             "LIENTHONG_OUTBOX_BACKOFF_MAX_SECONDS": "0.5"},
                              gateway.log_path, gateway.ready_url).start()
            await _crash_during_delivery(api, admin, delivering)
            await admin.delete("/__admin/faults")
            restarted = Proc(delivering.args, delivering.env, gateway.log_path, gateway.ready_url).start()
            try:
                status = await wait_synced(api, 120)
                assert status["dead_letters"] == 0
                await _assert_each_step_once(admin, codes)
            finally:
                restarted.stop()


@pytest.mark.postgres
async def test_sigkill_of_one_of_two_workers_on_postgres(tmp_path, postgres_url: str) -> None:
    """Two `lienthong worker` processes share a PostgreSQL backlog of 2,000 events; one is
    SIGKILLed mid-delivery and restarted; every step arrives once, in order."""
    mocks, gateway, env = gateway_stack(tmp_path, outbox_enabled="false", database_url=postgres_url,
                                        outbox_batch_size="40", outbox_lease_seconds="3")
    api_url, mocks_url = _urls(env)
    codes = [f"PG-{i:03d}" for i in range(200)]
    with running(mocks, gateway):
        async with httpx.AsyncClient(base_url=api_url, timeout=30) as api, \
                httpx.AsyncClient(base_url=mocks_url, timeout=10) as admin:
            await post_dossiers(api, codes, TEN_STEPS)
            await admin.post("/__admin/faults", json={"target": "portal", "mode": "latency", "latency_ms": 40})
            workers = [Proc(["worker"], env, tmp_path / f"worker{i}.log", None).start() for i in range(2)]
            try:
                await _crash_during_delivery(api, admin, workers[0])
                await admin.delete("/__admin/faults")
                workers[0] = Proc(["worker"], env, tmp_path / "worker0b.log", None).start()
                status = await wait_synced(api, 120)
                assert status["dead_letters"] == 0
                await _assert_each_step_once(admin, codes)
            finally:
                for worker in workers:
                    worker.stop()


async def test_flaky_portal_then_outage_then_recovery(tmp_path) -> None:
    """30% failures with latency: all delivered in order. 100% failures: the circuit opens and
    /readyz says so. Faults cleared: delivery resumes by itself."""
    mocks, gateway, env = gateway_stack(tmp_path, breaker_reset_seconds="1", breaker_failure_threshold="3",
                                        outbox_backoff_base_seconds="0.05", outbox_backoff_max_seconds="0.5",
                                        outbox_max_attempts="1000", retry_attempts="2")
    api_url, mocks_url = _urls(env)
    with running(mocks, gateway):
        async with httpx.AsyncClient(base_url=api_url, timeout=30) as api, \
                httpx.AsyncClient(base_url=mocks_url, timeout=10) as admin:
            await admin.post("/__admin/faults", json={"target": "portal", "mode": "error", "status": 503, "rate": 0.3})
            await admin.post("/__admin/faults", json={"target": "portal", "mode": "latency", "latency_ms": 20})
            codes = [f"FLAKY-{i:02d}" for i in range(20)]
            await post_dossiers(api, codes, TEN_STEPS)
            await wait_synced(api, 120)
            await _assert_each_step_once(admin, codes)

            await admin.delete("/__admin/faults")
            await admin.post("/__admin/faults", json={"target": "portal", "mode": "error", "status": 503})
            await post_dossiers(api, ["OUTAGE-1"], TEN_STEPS[:2])
            for _ in range(100):
                ready = await api.get("/readyz")
                if ready.status_code == 503:
                    break
                await asyncio.sleep(0.1)
            assert ready.status_code == 503
            assert ready.json()["checks"]["upstream.portal"] == "failing: circuit open"
            auth = await token(api)
            assert (await api.get("/v1/sync/status", headers=auth)).json()["circuits"]["portal"] == "open"

            await admin.delete("/__admin/faults")
            await wait_synced(api, 60)
            notes, receipts, _ = await portal_steps(admin, "OUTAGE-1")
            assert notes == ["Bước 1", "Bước 2"] and receipts == [1, 1]
            assert (await api.get("/readyz")).status_code == 200
