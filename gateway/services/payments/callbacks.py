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

The hot path: callbacks that arrive while the previous batch is being written are applied
together, set-wise, in one function of ``Database.write_sync`` (``callback_batch``: a few
statements per batch, not five per callback), and their audit entries are written in the same
transaction (``StoreAuditSink.record_in``): one group commit per batch carries the ledger
change and its trace together. A batch that fails is retried one callback at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import orjson
import structlog
from sqlalchemy import Connection

from gateway.errors import ChecksumInvalid, ContractViolation
from gateway.services.payments import callback_batch
from gateway.services.payments.callback_batch import Item
from gateway.services.payments.platform import PaymentPlatform
from gateway.store import Database
from gateway.store.audit_sink import StoreAuditSink
from security.audit import ExchangeRecord

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


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class CallbackResult:
    code: str
    outcome: str  # applied | duplicate | unchanged | unknown_reference | amount_mismatch | ...
    reply: dict[str, Any]
    payment_id: str | None = None
    event: dict[str, Any] | None = None


@dataclass(frozen=True)
class _Queued:
    raw: bytes  # exactly as received: what the audit trail keeps
    item: Item
    fields: Mapping[str, Any] | None
    request_id: str
    future: asyncio.Future[CallbackResult]


class CallbackService:
    def __init__(self, db: Database, platform: PaymentPlatform, audit: StoreAuditSink, clock: Clock) -> None:
        self.db = db
        self.platform = platform
        self.audit = audit
        self.clock = clock
        self._waiting: list[_Queued] = []
        self._writer: asyncio.Task[None] | None = None

    async def handle(self, raw: bytes, *, request_id: str) -> CallbackResult:
        fields = _parse(raw)
        item = self._check(raw, fields, self.clock.now())
        future: asyncio.Future[CallbackResult] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Queued(raw, item, fields, request_id, future))
        if self._writer is None or self._writer.done():  # one batch is written at a time
            self._writer = asyncio.create_task(self._write_batches(), name="payment-callbacks")
        result = await future
        if result.outcome == "unchanged":
            log.warning("payments.callback.conflict", payment_id=result.payment_id, code=result.code)
        return result

    def _check(self, raw: bytes, fields: Mapping[str, Any] | None, received_at: datetime) -> Item:
        """Verify before touching the ledger: schema, ``MaXacThuc``, partner code."""
        text = raw.decode("utf-8", errors="replace")
        ref = str(fields.get("MaThamChieu"))[:64] if fields else None
        if fields is None:
            return Item(text, ref, received_at, False, refusal=("99", "malformed"))
        try:
            callback = self.platform.verify_callback(fields)
        except ChecksumInvalid:
            return Item(text, ref, received_at, False, refusal=("97", "checksum_invalid"))
        except ContractViolation:  # fails the schema: missing field, SoTien not an integer...
            return Item(text, ref, received_at, False, refusal=("99", "malformed"))
        if callback.partner_code != self.platform.partner_code:
            return Item(text, ref, received_at, True, callback, refusal=("99", "wrong_partner"))
        return Item(text, ref, received_at, True, callback)

    async def _write_batches(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            now = self.clock.now()
            try:
                results = await self.db.write_sync(lambda conn: self._settle(conn, batch, now))
            except Exception as exc:  # e.g. a race with another process: each alone, then
                log.info("payments.callback.batch_retried", size=len(batch), error=type(exc).__name__)
                for queued in batch:
                    await self._write_alone(queued, now)
                continue
            for queued, result in zip(batch, results, strict=True):
                if not queued.future.done():
                    queued.future.set_result(result)

    async def _write_alone(self, queued: _Queued, now: datetime) -> None:
        try:
            results = await self.db.write_sync(lambda conn: self._settle(conn, [queued], now))
        except Exception as exc:  # not stored: the route answers 503 and the platform retries
            if not queued.future.done():
                queued.future.set_exception(exc)
            return
        if not queued.future.done():
            queued.future.set_result(results[0])

    def _settle(self, conn: Connection, batch: list[_Queued], now: datetime) -> list[CallbackResult]:
        """Apply the batch, answer each callback and record the answers, in one transaction."""
        decisions = callback_batch.apply(conn, [queued.item for queued in batch], now)
        results = []
        for queued, decision in zip(batch, decisions, strict=True):
            reply = self.platform.callback_reply(queued.fields, decision.code, MESSAGES[decision.code])
            results.append(CallbackResult(decision.code, decision.outcome, reply, decision.payment_id, decision.event))
        self.audit.record_in(conn, [_audit_record(queued, result, now) for queued, result in zip(batch, results)])
        return results


def _audit_record(queued: _Queued, result: CallbackResult, now: datetime) -> ExchangeRecord:
    item, fields = queued.item, queued.fields
    return ExchangeRecord(
        at=now,
        direction="inbound",
        peer="payment",
        operation="callback",
        request_id=queued.request_id,
        caller=None,
        officer_id=None,
        purpose=None,
        outcome=AUDIT_OUTCOMES[result.code] if result.outcome != "duplicate" else "duplicate",
        http_status=200,
        duration_ms=(now - item.received_at).total_seconds() * 1000,
        request_bytes=queued.raw,
        response_bytes=orjson.dumps(result.reply),
        signature_scheme="maxacthuc-sha256",
        signature_verified=item.verified if fields is not None else None,
        upstream_ref=str(fields.get("MaThamChieu"))[:128] if fields else None,
    )


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
