"""The platform's result callback: verified, checked against the ledger, stored, applied once."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from sqlalchemy import func, select

from gateway.services.payments import CallbackService, ledger
from gateway.store import Database
from gateway.store.audit_sink import StoreAuditSink
from gateway.store.tables import audit_entries, outbox, payment_callbacks, province_events
from security.checksums import checksum_equal, maxacthuc_callback_reply
from tests.gateway.services.payments.helpers import SECRET, payment_row, signed_callback

REF = "LT261122ABCDEFGHJK-1"


@pytest.fixture
async def service(db: Database, offline_platform, clock) -> CallbackService:
    row = payment_row(clock)
    await db.write_sync(lambda c: ledger.insert_payment(c, row, ma_tham_chieu=REF, attempt=1))
    return CallbackService(db, offline_platform, StoreAuditSink(db), clock)


async def _count(db: Database, table, *where) -> int:
    async with db.read() as conn:
        query = select(func.count()).select_from(table)
        for clause in where:
            query = query.where(clause)
        return int((await conn.execute(query)).scalar() or 0)


async def _status(db: Database) -> str:
    row = await db.read_sync(lambda conn: ledger.get_payment(conn, "pay_" + "0" * 24))
    assert row is not None
    return str(row["status"])


async def _send(service: CallbackService, body) -> str:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    result = await service.handle(raw, request_id="r")
    return result.code


async def test_success_callback_settles_paid_and_replies_signed(db: Database, service: CallbackService) -> None:
    """A genuine success settles the payment once, with its event, webhook, raw row and audit entry."""
    result = await service.handle(orjson.dumps(signed_callback(REF)), request_id="r1")
    assert result.code == "00" and result.outcome == "applied"
    assert await _status(db) == "paid"
    assert await _count(db, province_events) == 1
    assert await _count(db, outbox) == 1
    assert await _count(db, payment_callbacks, payment_callbacks.c.verified.is_(True)) == 1
    assert await _count(db, audit_entries, audit_entries.c.operation == "callback",
                        audit_entries.c.outcome == "ok") == 1
    reply = result.reply
    assert reply["MaLoi"] == "00" and reply["MaThamChieu"] == REF
    assert checksum_equal(reply["MaXacThuc"], maxacthuc_callback_reply(reply, SECRET))


async def test_five_concurrent_duplicates_make_one_change(db: Database, service: CallbackService) -> None:
    """Five copies at once: all answered 00, one state change, one event, one webhook, five rows."""
    body = orjson.dumps(signed_callback(REF))
    results = await asyncio.gather(*(service.handle(body, request_id=f"r{i}") for i in range(5)))
    assert [r.code for r in results] == ["00"] * 5
    assert sorted(r.outcome for r in results) == ["applied"] + ["duplicate"] * 4
    assert await _count(db, province_events) == 1
    assert await _count(db, outbox) == 1
    assert await _count(db, payment_callbacks) == 5
    assert await _count(db, audit_entries, audit_entries.c.operation == "callback") == 5


@pytest.mark.parametrize(
    ("make", "code"),
    [
        pytest.param(lambda: signed_callback(REF, secret="forged"), "97", id="forged"),
        pytest.param(lambda: {**signed_callback(REF, amount=150000), "SoTien": 1000}, "97", id="tampered"),
        pytest.param(lambda: signed_callback(REF, amount=999), "04", id="amount-changed"),
        pytest.param(lambda: signed_callback("LT-UNKNOWN-1"), "01", id="unknown-reference"),
        pytest.param(lambda: signed_callback(REF, MaDoiTac="OTHER"), "99", id="other-partner"),
        pytest.param(lambda: signed_callback(REF, amount=-150000), "99", id="negative-amount"),
        pytest.param(lambda: signed_callback(REF, amount="150000.0"), "99", id="non-integer-amount"),
        pytest.param(lambda: b'{"MaLoi": "00", ', "99", id="malformed-json"),
        pytest.param(lambda: b"[1, 2]", "99", id="not-an-object"),
    ],
)
async def test_bad_callbacks_leave_the_ledger_unchanged(db: Database, service: CallbackService, make, code) -> None:
    """Refused callbacks are answered with the platform's code, stored and audited; nothing changes."""
    assert await _send(service, make()) == code
    assert await _status(db) == "pending"
    assert await _count(db, province_events) == 0
    assert await _count(db, payment_callbacks, payment_callbacks.c.reply_code == code) == 1
    assert await _count(db, audit_entries, audit_entries.c.operation == "callback",
                        audit_entries.c.outcome != "ok") == 1


async def test_forged_callback_cannot_shadow_the_genuine_one(db: Database, service: CallbackService) -> None:
    """A forgery carrying the genuine callback's identifiers does not make the genuine one a duplicate."""
    assert await _send(service, signed_callback(REF, secret="forged")) == "97"
    assert await _send(service, signed_callback(REF)) == "00"
    assert await _status(db) == "paid"


async def test_contradicting_result_after_settlement_changes_nothing(db: Database, service: CallbackService) -> None:
    """A success after a failure is answered 02 and the payment stays failed (forward only)."""
    assert await _send(service, signed_callback(REF, code="24", transaction_id="GD1")) == "00"
    assert await _status(db) == "failed"
    assert await _send(service, signed_callback(REF, code="00", transaction_id="GD2")) == "02"
    assert await _status(db) == "failed"
    assert await _count(db, province_events) == 1
    # ...and its replay is answered as the first copy was.
    assert await _send(service, signed_callback(REF, code="00", transaction_id="GD2")) == "02"


async def test_old_callback_replayed_after_settlement_is_a_no_op(db: Database, service: CallbackService) -> None:
    """Replaying a callback already applied answers 00 and emits nothing more."""
    body = signed_callback(REF)
    assert await _send(service, body) == "00"
    assert await _send(service, body) == "00"
    assert await _count(db, province_events) == 1
    assert await _count(db, outbox) == 1


async def test_a_mixed_batch_decides_each_callback_as_if_alone(db: Database, service: CallbackService, clock) -> None:
    """Callbacks applied together (one batch) get the answers they would get one by one."""
    other = payment_row(clock, payment_id="pay_" + "1" * 24, reference="LT261122OTHER00001")
    await db.write_sync(lambda c: ledger.insert_payment(c, other, ma_tham_chieu="LT261122OTHER00001-1", attempt=1))
    bodies = [
        signed_callback(REF),  # applied
        signed_callback(REF),  # duplicate of the first, in the same batch
        signed_callback(REF, secret="forged"),  # 97
        signed_callback("LT-NOWHERE-1"),  # 01
        signed_callback("LT261122OTHER00001-1", code="24", transaction_id="GD9"),  # other payment fails
        signed_callback("LT261122OTHER00001-1", transaction_id="GD10"),  # then contradicts: 02
        signed_callback(REF, amount=1),  # 04
    ]
    results = await asyncio.gather(*(service.handle(orjson.dumps(b), request_id=f"m{i}") for i, b in enumerate(bodies)))
    assert [(r.code, r.outcome) for r in results] == [
        ("00", "applied"), ("00", "duplicate"), ("97", "checksum_invalid"), ("01", "unknown_reference"),
        ("00", "applied"), ("02", "unchanged"), ("04", "amount_mismatch"),
    ]
    assert results[0].event is not None and results[0].event["type"] == "payment.paid"
    assert results[4].event is not None and results[4].event["type"] == "payment.failed"
    assert await _status(db) == "paid"
    assert await _count(db, province_events) == 2
    assert await _count(db, outbox) == 2
    assert await _count(db, payment_callbacks) == len(bodies)


async def test_a_callback_after_reconciliation_with_the_same_result_is_a_success(db: Database, service: CallbackService, clock) -> None:
    """Reconciliation settled it paid first: the genuine paid callback is answered 00 and changes nothing."""
    await db.write_sync(lambda c: ledger.settle(c, payment_id="pay_" + "0" * 24, status="paid", now=clock.now(),
                                                settled_by="reconcile", transaction_id="GD0001"))
    result = await service.handle(orjson.dumps(signed_callback(REF)), request_id="late")
    assert (result.code, result.outcome) == ("00", "duplicate")
    assert await _count(db, province_events) == 1
