"""Reconciliation against the mock platform: lost callbacks settled, stale payments expired,
and the day report of ledger vs platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select

from adapters._exchange import CallContext, SystemClock
from adapters.payment import build_payment_client
from gateway.services.payments import PaymentService, ReconcileJob, ReconcileSettings, ledger, reconcile_day
from gateway.settings import Settings
from gateway.store import Database
from gateway.store.tables import idempotency_keys
import mocks.payment as mock_payment
from mocks._core import MockConfig
from mocks.app import create_mocks_app
from security.audit import ListAuditSink
from tests.gateway.services.payments.helpers import PARTNER, SECRET, FakeClock, platform_settings

CTX = CallContext(request_id="test", caller="demo")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def parts(db: Database, clock: FakeClock) -> AsyncIterator[SimpleNamespace]:
    env = {"LIENTHONG_PAYMENT_SECRET": SECRET, "LIENTHONG_PAYMENT_PARTNER_CODE": PARTNER}
    mocks = create_mocks_app(MockConfig(env=env, gateway_url="http://gateway"), systems=[mock_payment.create_system])
    async with mocks.lifespan_context(mocks):
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=mocks), timeout=5)
        admin = httpx.AsyncClient(transport=httpx.ASGITransport(app=mocks), base_url="http://mocks")
        platform = build_payment_client(platform_settings("http://mocks/payment"), audit=ListAuditSink(),
                                        registry=CollectorRegistry(), http=http, clock=SystemClock())
        try:
            yield SimpleNamespace(db=db, payment=platform, admin=admin,
                                  service=PaymentService(db, platform, clock),
                                  job=ReconcileJob(db, platform, clock))
        finally:
            await http.aclose()
            await admin.aclose()


def _request(amount: int = 150000) -> dict:
    return {
        "dossier_code": "D-1", "procedure_code": "1.001612", "procedure_name": "Thủ tục",
        "agency_code": "000.00.12.H56", "agency_name": "UBND", "amount": amount, "description": "Lệ phí",
        "payer": {"full_name": "NGUYỄN VĂN A", "id_number": None, "address": None},
        "fees": [{"code": "LP", "name": "Lệ phí", "amount": amount, "kind": "le_phi"}], "return_url": None,
    }


async def _create(parts: SimpleNamespace, key: str) -> dict:
    created = await parts.service.create(client_id="demo", key=key, request=_request(), ctx=CTX)
    return created.body["payment"]


async def _status(parts: SimpleNamespace, payment_id: str) -> str:
    return (await parts.service.get(payment_id))["status"]


async def _settle_on_platform(parts: SimpleNamespace, payment: dict, result: str) -> None:
    reply = await parts.admin.post(f"/__admin/payment/{payment['reference']}-1/complete",
                                   json={"result": result, "send": False})  # the callback is lost
    assert reply.status_code == 200, reply.text


async def test_lost_callback_is_settled_after_the_minimum_age(parts: SimpleNamespace, clock: FakeClock) -> None:
    """A paid payment whose callback was lost stays pending until 30 minutes, then QUERY settles it."""
    paid, failed, waiting = [await _create(parts, k) for k in ("a", "b", "c")]
    await _settle_on_platform(parts, paid, "success")
    await _settle_on_platform(parts, failed, "failed")
    assert (await parts.job.run_once()).queried == 0  # too young to ask about
    clock.advance(timedelta(minutes=31))
    summary = await parts.job.run_once()
    assert (summary.paid, summary.failed, summary.still_pending) == (1, 1, 1)
    assert await _status(parts, paid["id"]) == "paid"
    assert await _status(parts, failed["id"]) == "failed"
    assert await _status(parts, waiting["id"]) == "pending"
    types = [event["type"] for _, event in await parts.db.read_sync(lambda conn: ledger.events_after(conn, 0, 10))]
    assert sorted(types) == ["payment.failed", "payment.paid"]
    assert (await parts.job.run_once()).queried == 1  # only the one still pending


async def test_stale_pending_payment_expires_unless_the_platform_says_paid(parts: SimpleNamespace, clock: FakeClock) -> None:
    """After 3 days a payment still pending on the platform expires; a late payment is settled paid instead."""
    stale, late = await _create(parts, "s"), await _create(parts, "l")
    await _settle_on_platform(parts, late, "success")
    clock.advance(timedelta(days=3, minutes=1))
    summary = await parts.job.run_once()
    assert (summary.expired, summary.paid) == (1, 1)
    assert await _status(parts, stale["id"]) == "expired"
    assert await _status(parts, late["id"]) == "paid"


async def test_day_report_names_matched_mismatched_and_missing(parts: SimpleNamespace, clock: FakeClock) -> None:
    """The day report compares each payment of the day with QUERY, changing nothing."""
    matched, mismatched = await _create(parts, "m"), await _create(parts, "x")
    await _settle_on_platform(parts, mismatched, "success")  # ledger still pending: mismatch
    # A payment the platform never saw (as if its INIT was lost after we stored it).
    row = await parts.service.get(matched["id"])
    values = {**row, "id": "pay_" + "e" * 24, "reference": "LTNEVERSENT", "client_id": "demo",
              "procedure_name": "x", "agency_name": "x", "payer": {}, "return_url": None,
              "created_at": clock.now(), "updated_at": clock.now(), "paid_at": None}
    await parts.db.write_sync(
        lambda conn: ledger.insert_payment(conn, values, ma_tham_chieu="LTNEVERSENT-1", attempt=1)
    )
    day = clock.now().astimezone(ledger.VN_TZ).date()
    report = await reconcile_day(parts, day)
    assert [line.payment_id for line in report.matched] == [matched["id"]]
    assert [line.payment_id for line in report.mismatched] == [mismatched["id"]]
    assert [line.payment_id for line in report.missing] == ["pay_" + "e" * 24]
    assert not report.ok
    assert await _status(parts, mismatched["id"]) == "pending"  # a report changes nothing
    from rich.console import Console

    console = Console(record=True, width=200)
    console.print(report)
    assert "mismatched 1" in console.export_text()


async def _key_count(db: Database) -> int:
    return int(await db.read_sync(lambda conn: conn.execute(select(func.count()).select_from(idempotency_keys)).scalar_one()))


async def test_each_run_purges_idempotency_keys_past_the_retention(parts: SimpleNamespace, clock: FakeClock) -> None:
    """The reconcile run deletes Idempotency-Key records older than the retention and keeps younger ones."""
    await _create(parts, "old")
    clock.advance(timedelta(days=20))
    await _create(parts, "young")
    clock.advance(timedelta(days=10, minutes=1))  # "old" is now 30 days and a minute old
    summary = await parts.job.run_once()
    assert summary.keys_purged == 1 and await _key_count(parts.db) == 1
    replay = await parts.service.create(client_id="demo", key="young", request=_request(), ctx=CTX)
    assert replay.replayed  # the young key still answers with its first response


async def test_retention_is_never_below_thirty_days(parts: SimpleNamespace, clock: FakeClock) -> None:
    """A configured retention under 30 days is raised to 30: the API promises at least that."""
    settings = ReconcileSettings.from_settings(SimpleNamespace(idempotency_retention_days=7))
    job = ReconcileJob(parts.db, parts.payment, clock, settings)
    await _create(parts, "k")
    clock.advance(timedelta(days=29))
    assert await job.purge_idempotency_keys() == 0
    clock.advance(timedelta(days=1, minutes=1))
    assert await job.purge_idempotency_keys() == 1


def test_reconcile_settings_come_from_gateway_settings() -> None:
    """payment_reconcile_* (seconds) and idempotency_retention_days are read from Settings."""
    settings = Settings(payment_reconcile_min_age=5, payment_reconcile_interval=2, idempotency_retention_days=45)
    read = ReconcileSettings.from_settings(settings)
    assert (read.min_age, read.interval) == (timedelta(seconds=5), timedelta(seconds=2))
    assert read.idempotency_retention_days == 45
