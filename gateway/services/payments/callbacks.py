"""The payment platform's result callback (protocol 1.0.6): verify → store → act → reply.

Every callback, refused ones included, is stored with its raw body and what we answered
(``payment_callbacks``) and recorded in the audit log *before* the reply leaves, so an
acknowledgement always has a durable trace. Reply codes (``MaLoi``, VNPay-style, since the
platform publishes no table):

====  =============================================  =======================================
code  when                                           effect
====  =============================================  =======================================
00    applied, or a duplicate of an applied one      the payment settles (once)
      (or the payment already has this very result,
      e.g. reconciliation settled it first)
01    unknown ``MaThamChieu``                        none
02    the payment was already paid/failed/expired    none (logged: a human should look)
04    ``SoTien`` differs from the ledger's amount    none
97    ``MaXacThuc`` does not match                   none
99    malformed body, wrong partner, anything else   none
====  =============================================  =======================================

Duplicates are recognised by ``MaThamChieu|MaGiaoDich|MaLoi`` (a unique column set only on
verified callbacks whose reference and amount checked out) and answered with the code the
first one got; the forward-only UPDATE is a second guard.

The hot path: one ``Database.write_sync`` per callback (a plain function on a synchronous
connection, statements built once; on SQLite a whole group-commit batch runs in one hop to the
writer thread) plus the audit entry, which ``StoreAuditSink`` writes the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import orjson
import structlog
from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.payment import VerifiedCallback
from gateway.errors import ChecksumInvalid, ContractViolation
from gateway.services.payments import ledger
from gateway.services.payments.platform import PaymentPlatform
from gateway.store import Database
from gateway.store.tables import payment_callbacks
from security.audit import AuditSink, ExchangeRecord

log = structlog.get_logger("payments.callbacks")

MESSAGES = {
    "00": "Thành công",
    "01": "Không tìm thấy giao dịch",
    "02": "Giao dịch đã được xác nhận trước đó",
    "04": "Số tiền không hợp lệ",
    "97": "Sai mã xác thực",
    "99": "Các lỗi khác",
}
# The audit outcome of each reply code ("ok" or a stable error code).
AUDIT_OUTCOMES = {
    "00": "ok",
    "01": "payment_not_found",
    "02": "already_settled",
    "04": "amount_mismatch",
    "97": "checksum_invalid",
    "99": "invalid_request",
}

_STORE = payment_callbacks.insert()
# With a dedup key: INSERT … ON CONFLICT (dedup_key) DO NOTHING RETURNING id, per dialect.
_STORE_ONCE = {
    name: module.insert(payment_callbacks)
    .on_conflict_do_nothing(index_elements=["dedup_key"])
    .returning(payment_callbacks.c.id)
    for name, module in (("sqlite", sqlite), ("postgresql", postgresql))
}
_FIRST_REPLY = select(payment_callbacks.c.reply_code).where(payment_callbacks.c.dedup_key == bindparam("key"))
_MARK_UNCHANGED = (
    update(payment_callbacks)
    .where(payment_callbacks.c.dedup_key == bindparam("b_key"))
    .values(outcome="unchanged", reply_code="02")
)


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class CallbackResult:
    code: str
    outcome: str  # applied | duplicate | unchanged | unknown_reference | amount_mismatch | ...
    reply: dict[str, Any]
    payment_id: str | None = None
    event: dict[str, Any] | None = None


class CallbackService:
    def __init__(self, db: Database, platform: PaymentPlatform, audit: AuditSink, clock: Clock) -> None:
        self.db = db
        self.platform = platform
        self.audit = audit
        self.clock = clock

    async def handle(self, raw: bytes, *, request_id: str) -> CallbackResult:
        started = self.clock.now()
        fields = _parse(raw)
        verified = False
        callback: VerifiedCallback | None = None
        refusal: tuple[str, str] | None = None
        if fields is None:
            refusal = ("99", "malformed")
        else:
            try:
                callback = self.platform.verify_callback(fields)
            except ChecksumInvalid:
                refusal = ("97", "checksum_invalid")
            except ContractViolation:  # fails the schema: missing field, SoTien not an integer...
                refusal = ("99", "malformed")
            else:
                verified = True
                if callback.partner_code != self.platform.partner_code:
                    refusal = ("99", "wrong_partner")
        stored_raw = raw.decode("utf-8", errors="replace")
        received_at = self.clock.now()

        def write(conn: Connection) -> CallbackResult:
            if callback is None or refusal is not None:
                code, outcome = refusal or ("99", "malformed")
                self._insert(conn, stored_raw, fields, received_at, verified, code, outcome, None, None)
                return CallbackResult(code, outcome, {})
            return self._apply(conn, stored_raw, callback, received_at)

        result = await self.db.write_sync(write)
        reply = self.platform.callback_reply(fields, result.code, MESSAGES[result.code])
        result = CallbackResult(result.code, result.outcome, reply, result.payment_id, result.event)
        await self._audit(raw, fields, verified, result, request_id, started)
        if result.outcome == "unchanged":
            log.warning("payments.callback.conflict", payment_id=result.payment_id, code=result.code)
        return result

    def _insert(
        self,
        conn: Connection,
        raw: str,
        fields: Mapping[str, Any] | None,
        received_at: datetime,
        verified: bool,
        code: str,
        outcome: str,
        payment_id: str | None,
        dedup_key: str | None,
    ) -> bool:
        """Store one callback. With a ``dedup_key``, False when that key is already stored."""
        values = {
            "received_at": received_at,
            "raw": raw,
            "ma_tham_chieu": str(fields.get("MaThamChieu"))[:64] if fields else None,
            "dedup_key": dedup_key,
            "verified": verified,
            "outcome": outcome,
            "reply_code": code,
            "payment_id": payment_id,
        }
        if dedup_key is None:
            conn.execute(_STORE, values)
            return True
        return conn.execute(_STORE_ONCE[conn.dialect.name], values).first() is not None

    def _apply(self, conn: Connection, raw: str, callback: VerifiedCallback, received_at: datetime) -> CallbackResult:
        """A verified callback: check it against the ledger and settle the payment once."""
        fields = callback.raw
        payment = ledger.callback_target(conn, callback.ma_tham_chieu)
        if payment is None:
            self._insert(conn, raw, fields, received_at, True, "01", "unknown_reference", None, None)
            return CallbackResult("01", "unknown_reference", {})
        payment_id, amount, status = payment
        if callback.amount != int(amount):
            self._insert(conn, raw, fields, received_at, True, "04", "amount_mismatch", payment_id, None)
            return CallbackResult("04", "amount_mismatch", {}, payment_id)

        dedup_key = "|".join((callback.ma_tham_chieu, callback.transaction_id, callback.result_code))
        result_status = "paid" if callback.paid else "failed"
        if status == "pending":
            code, outcome = "00", "applied"
        elif status == result_status:  # already has this result (reconciliation came first)
            code, outcome = "00", "duplicate"
        else:
            code, outcome = "02", "unchanged"
        if not self._insert(conn, raw, fields, received_at, True, code, outcome, payment_id, dedup_key):
            first = conn.execute(_FIRST_REPLY, {"key": dedup_key}).scalar()
            self._insert(conn, raw, fields, received_at, True, first or "00", "duplicate", payment_id, None)
            return CallbackResult(first or "00", "duplicate", {}, payment_id)
        if outcome != "applied":
            return CallbackResult(code, outcome, {}, payment_id)
        now = self.clock.now()
        event = ledger.settle(
            conn,
            payment_id=payment_id,
            status=result_status,  # type: ignore[arg-type]
            now=now,
            settled_by="callback",
            transaction_id=callback.transaction_id or None,
            bank_code=callback.bank_code or None,
            paid_at=callback.at or now,
        )
        # `status` was read in this transaction; on PostgreSQL a concurrent transaction may
        # have settled it meanwhile: the forward-only UPDATE then changed nothing.
        if event is None:
            conn.execute(_MARK_UNCHANGED, {"b_key": dedup_key})
            return CallbackResult("02", "unchanged", {}, payment_id)
        return CallbackResult("00", "applied", {}, payment_id, event)

    async def _audit(
        self,
        raw: bytes,
        fields: Mapping[str, Any] | None,
        verified: bool,
        result: CallbackResult,
        request_id: str,
        started: datetime,
    ) -> None:
        now = self.clock.now()
        await self.audit.record(
            ExchangeRecord(
                at=now,
                direction="inbound",
                peer="payment",
                operation="callback",
                request_id=request_id,
                caller=None,
                officer_id=None,
                purpose=None,
                outcome=AUDIT_OUTCOMES[result.code] if result.outcome != "duplicate" else "duplicate",
                http_status=200,
                duration_ms=(now - started).total_seconds() * 1000,
                request_bytes=raw,
                response_bytes=orjson.dumps(result.reply),
                signature_scheme="maxacthuc-sha256",
                signature_verified=verified if fields is not None else None,
                upstream_ref=str(fields.get("MaThamChieu"))[:128] if fields else None,
            )
        )


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
