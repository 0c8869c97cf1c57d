"""The mock platform's callbacks to the gateway (``POST {gateway_url}/national/payment/callback``).

A completion settles the payment (pending → paid | failed, once) and sends its callback —
optionally several times (``duplicates``, sequential or concurrent), late (``delay_ms``), out
of order (a stale failed callback of an earlier bank attempt arrives after the final one), or
not at all (``send: false``: a lost callback, for reconciliation tests). Faults registered
for target ``payment``, operation ``callback`` apply per callback: ``bad_signature`` sends a
wrong ``MaXacThuc``; ``latency`` delays it; ``error``/``timeout``/``reset`` lose it;
``malformed`` sends half of the JSON. The gateway's reply checksum is verified and reported.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import orjson

from mocks._core import FaultRegistry, MockConfig
from mocks.payment.settings import CALLBACK_PATH, PaymentMockSettings, date14
from mocks.payment.state import PAID, MockPayment, PaymentPlatformState
from security.checksums import ChecksumInputError, checksum_equal, maxacthuc_callback, maxacthuc_callback_reply

CALLBACK_TYPE = "CALLBACK"  # LoaiBanTin of our callbacks (the real value is not public)


class CallbackSender:
    def __init__(self, state: PaymentPlatformState, config: MockConfig, settings: PaymentMockSettings,
                 faults: FaultRegistry) -> None:
        self.state, self.config, self.settings, self.faults = state, config, settings, faults
        self.url = config.gateway_url.rstrip("/") + CALLBACK_PATH
        self._background: set[asyncio.Task[Any]] = set()

    def callback_body(self, payment: MockPayment, *, paid: bool, transaction_id: str, at: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "LoaiBanTin": CALLBACK_TYPE, "MaLoi": "00" if paid else "99", "MaDoiTac": payment.partner,
            "MaThamChieu": payment.reference, "SoTien": payment.amount, "MaTienTe": "VND",
            "MaGiaoDich": transaction_id, "MaNganHang": payment.bank_code or "VCB", "ThoiGianGD": at,
            "ThongTinGiaoDich": payment.info,
        }
        body["MaXacThuc"] = maxacthuc_callback(body, self.settings.secret)
        return body

    async def complete(self, payment: MockPayment, result: str, *, duplicates: int = 1, delay_ms: int = 0,
                       out_of_order: bool = False, concurrent: bool = False, send: bool = True) -> dict[str, Any]:
        """Settle ``payment`` and send its callback(s); returns what was sent and answered."""
        now = self.config.now()
        self.state.settle(payment, result == "success", date14(now))
        paid = result == "success"
        # A completion re-sent for a settled payment carries the requested result (replays,
        # contradictions); a settled payment's own transaction id is reused for its own result.
        own = (payment.status == PAID) == paid
        transaction_id = payment.transaction_id if own else self.state.next_transaction_id()
        at = payment.settled_at if own else date14(now)
        bodies = [self.callback_body(payment, paid=paid, transaction_id=transaction_id, at=at)
                  for _ in range(duplicates)]
        if out_of_order:  # an earlier failed bank attempt, delivered after the final result
            earlier = date14(now - timedelta(minutes=2))
            bodies.append(self.callback_body(payment, paid=False, transaction_id=self.state.next_transaction_id(),
                                             at=earlier))
        outcome: dict[str, Any] = {"reference": payment.reference, "status": payment.status, "url": self.url,
                                   "callbacks": []}
        if not send:
            outcome["lost"] = True
            return outcome
        if delay_ms:
            await self.config.sleep(delay_ms / 1000)
        if concurrent:
            results = await asyncio.gather(*(self._send(payment, b) for b in bodies))
        else:
            results = [await self._send(payment, b) for b in bodies]
        outcome["callbacks"] = list(results)
        return outcome

    def schedule(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def aclose(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    async def _send(self, payment: MockPayment, body: dict[str, Any]) -> dict[str, Any]:
        fault = self.faults.pick("payment", "callback")
        mode = fault.mode if fault is not None else None
        if mode == "bad_signature":
            body = dict(body, MaXacThuc=maxacthuc_callback(body, self.settings.secret + "-wrong"))
        record: dict[str, Any] = {"body": body, "fault": mode}
        payment.callbacks.append(record)
        if mode == "latency" and fault is not None and fault.latency_ms:
            await self.config.sleep(fault.latency_ms / 1000)
        if mode in ("error", "timeout", "reset"):
            record["lost"] = True
            return record
        content = orjson.dumps(body)
        if mode == "malformed":
            content = content[: len(content) // 2]
        try:
            async with httpx.AsyncClient(transport=self.config.gateway_transport,
                                         timeout=self.config.push_timeout_seconds) as client:
                reply = await client.post(self.url, content=content,
                                          headers={"content-type": "application/json; charset=utf-8"})
        except httpx.HTTPError as exc:
            record["error"] = repr(exc)
            return record
        record["status"] = reply.status_code
        try:
            record["reply"] = reply.json()
        except ValueError:
            record["reply"] = reply.text
        record["reply_checksum_ok"] = self._reply_ok(record["reply"])
        return record

    def _reply_ok(self, reply: Any) -> bool:
        if not isinstance(reply, dict):
            return False
        try:
            expected = maxacthuc_callback_reply(reply, self.settings.secret)
        except ChecksumInputError:
            return False
        return checksum_equal(reply.get("MaXacThuc"), expected)
