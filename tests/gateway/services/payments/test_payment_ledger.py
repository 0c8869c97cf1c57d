"""The ledger's forward-only status change, with its event and webhook in one transaction."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from gateway.services.payments import ledger
from gateway.store import Database
from gateway.store.tables import outbox, province_events


def payment_values(clock, payment_id: str = "pay_" + "0" * 24) -> dict:
    now = clock.now()
    return {
        "id": payment_id, "reference": "LT261122ABCDEFGHJK", "client_id": "demo",
        "dossier_code": "D-1", "procedure_code": "1.001", "procedure_name": "P", "agency_code": "A",
        "agency_name": "Agency", "amount": 100000, "description": "fee",
        "fees": [{"name": "fee", "amount": 100000}],
        "payer": {"full_name": "NGUYỄN VĂN A", "id_number": "001203012345"},
        "return_url": None, "status": "pending", "pay_url": "http://pay/1",
        "created_at": now, "updated_at": now,
    }


async def _count(db: Database, table) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar() or 0)


async def test_settle_moves_forward_once_with_one_event_and_one_webhook(db: Database, clock) -> None:
    """pending → paid happens once; later settles change nothing and emit nothing."""
    values = payment_values(clock)
    await db.write_sync(lambda c: ledger.insert_payment(c, values, ma_tham_chieu="LT-1", attempt=1))

    def settle(status):
        return db.write_sync(lambda c: ledger.settle(
            c, payment_id=values["id"], status=status, now=clock.now(), settled_by="test",
            transaction_id="GD1", bank_code="VCB"))

    results = await asyncio.gather(settle("paid"), settle("paid"), settle("failed"), settle("expired"))
    events = [r for r in results if r is not None]
    assert len(events) == 1 and events[0]["type"] == "payment.paid"
    assert await _count(db, province_events) == 1
    assert await _count(db, outbox) == 1
    row = await db.read_sync(lambda conn: ledger.get_payment(conn, values["id"]))
    feed = await db.read_sync(lambda conn: ledger.events_after(conn, 0, 10))
    async with db.read() as conn:
        message = (await conn.execute(select(outbox))).mappings().one()
    assert row is not None and row["status"] == "paid" and row["transaction_id"] == "GD1"
    assert message["topic"] == "province.webhook" and message["key"] == values["id"]
    assert message["idempotency_key"] == events[0]["id"]
    assert feed[0][1]["id"] == events[0]["id"]


async def test_views_carry_no_personal_data_and_offset_times(db: Database, clock) -> None:
    """Events and API views leave the payer out and show times with the +07:00 offset."""
    values = payment_values(clock)
    await db.write_sync(lambda c: ledger.insert_payment(c, values, ma_tham_chieu="LT-1", attempt=1))
    event = await db.write_sync(lambda c: ledger.settle(
        c, payment_id=values["id"], status="expired", now=clock.now(), settled_by="test"))
    assert "payer" not in event["data"]["payment"]
    assert "001203012345" not in str(event)
    assert event["created_at"].endswith("+07:00")
    assert event["data"]["payment"]["status"] == "expired"


async def test_payment_found_by_any_attempt_reference(db: Database, clock) -> None:
    """Callbacks name an attempt (MaThamChieu); the ledger finds its payment from it."""
    values = payment_values(clock)
    await db.write_sync(lambda c: ledger.insert_payment(c, values, ma_tham_chieu="LT-1", attempt=1))
    found = await db.read_sync(lambda conn: ledger.payment_by_ma_tham_chieu(conn, "LT-1"))
    assert found is not None and found["id"] == values["id"]
    assert await db.read_sync(lambda conn: ledger.payment_by_ma_tham_chieu(conn, "LT-2")) is None
    assert await db.read_sync(lambda conn: ledger.latest_attempt(conn, values["id"])) == "LT-1"
