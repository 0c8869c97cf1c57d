"""Payments use cases: create (idempotent INIT), read, list by dossier, receipt, events feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import Connection

from adapters._exchange import CallContext
from adapters.payment import Fee, Payer, PaymentOrder, ma_tham_chieu
from gateway.errors import AmountMismatch, Conflict, IdempotencyKeyInUse, PaymentNotFound
from gateway.services.payments import idempotency, ledger
from gateway.services.payments.platform import PaymentPlatform
from gateway.store import Database, refuse

log = structlog.get_logger("payments")
# An in-flight claim outlives the longest INIT (the exchange's call budget is 20 s by default).
DEFAULT_CLAIM_LEASE = timedelta(seconds=120)


class Clock(Protocol):
    def now(self) -> Any: ...


@dataclass(frozen=True)
class Created:
    """The answer to ``POST /v1/payments``: status, body, and whether it is a replay."""

    status: int
    body: dict[str, Any]
    replayed: bool


class PaymentService:
    def __init__(
        self,
        db: Database,
        platform: PaymentPlatform,
        clock: Clock,
        *,
        claim_lease: timedelta = DEFAULT_CLAIM_LEASE,
    ) -> None:
        self.db = db
        self.platform = platform
        self.clock = clock
        self.claim_lease = claim_lease

    async def create(self, *, client_id: str, key: str, request: dict[str, Any], ctx: CallContext) -> Created:
        """Create a payment and INIT it on the platform, once per (caller, idempotency key).

        ``request`` is the validated body (JSON-ready). Fees must add up to ``amount``.
        If the INIT fails, nothing is stored and the key is released, so the caller may
        retry with the same key (a new attempt: a new ``MaThamChieu``)."""
        fees_total = sum(int(fee["amount"]) for fee in request["fees"])
        if fees_total != request["amount"]:
            raise AmountMismatch(f"fees add up to {fees_total} VND, but amount is {request['amount']} VND")
        now = self.clock.now()
        fp = idempotency.fingerprint(request)

        def claim(conn: Connection) -> idempotency.Claim | idempotency.Replay:
            return idempotency.claim(conn, client_id=client_id, key=key, fp=fp, now=now, lease=self.claim_lease)

        held = await self.db.write_sync(claim)
        if isinstance(held, idempotency.Replay):
            return Created(held.status, held.body, replayed=True)

        payment_id = ledger.new_payment_id()
        reference = ledger.new_reference(now)
        attempt_ref = ma_tham_chieu(reference, 1)
        try:
            pay_url = await self.platform.init_payment(_order(reference, 1, request), ctx)
        except BaseException:
            await self.db.write_sync(lambda conn: idempotency.release(conn, held))
            raise

        now = self.clock.now()
        row = _payment_row(payment_id, reference, client_id, request, pay_url, now)
        body = {"payment": _created_view(row)}

        def store(conn: Connection) -> None:
            if not idempotency.complete(conn, held, status=201, body=body, payment_id=payment_id):
                raise refuse(IdempotencyKeyInUse("another request took over this idempotency key"))
            ledger.insert_payment(conn, row, ma_tham_chieu=attempt_ref, attempt=1)

        await self.db.write_sync(store)
        log.info("payments.created", payment_id=payment_id, reference=reference, amount=request["amount"])
        return Created(201, body, replayed=False)

    async def get(self, payment_id: str) -> dict[str, Any]:
        row = await self.db.read_sync(lambda conn: ledger.get_payment(conn, payment_id))
        if row is None:
            raise PaymentNotFound(f"no payment {payment_id!r}")
        return ledger.payment_view(row)

    async def list_for_dossier(self, dossier_code: str) -> list[dict[str, Any]]:
        rows = await self.db.read_sync(lambda conn: ledger.list_by_dossier(conn, dossier_code))
        return [ledger.payment_view(row) for row in rows]

    async def receipt(self, payment_id: str, ctx: CallContext) -> bytes:
        """GET_BILL: the platform's e-receipt (PDF) of a paid payment."""

        def read(conn: Connection) -> tuple[dict[str, Any] | None, str | None]:
            row = ledger.get_payment(conn, payment_id)
            return row, ledger.latest_attempt(conn, payment_id) if row else None

        row, attempt_ref = await self.db.read_sync(read)
        if row is None or attempt_ref is None:
            raise PaymentNotFound(f"no payment {payment_id!r}")
        if row["status"] != "paid":
            raise Conflict(f"payment {payment_id!r} is {row['status']}: a receipt exists once it is paid")
        return await self.platform.get_bill(attempt_ref, ctx)

    async def events_after(self, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        return await self.db.read_sync(lambda conn: ledger.events_after(conn, after, limit))


def _order(reference: str, attempt: int, request: dict[str, Any]) -> PaymentOrder:
    payer = request["payer"]
    return PaymentOrder(
        reference=reference,
        attempt=attempt,
        amount=request["amount"],
        description=request["description"],
        dossier_code=request["dossier_code"],
        procedure_code=request["procedure_code"],
        procedure_name=request["procedure_name"],
        agency_code=request["agency_code"],
        agency_name=request["agency_name"],
        payer=Payer(full_name=payer["full_name"], id_number=payer.get("id_number"), address=payer.get("address")),
        fees=[Fee(name=f["name"], amount=f["amount"], code=f.get("code"), kind=f.get("kind")) for f in request["fees"]],
    )


def _payment_row(
    payment_id: str, reference: str, client_id: str, request: dict[str, Any], pay_url: str, now: Any
) -> dict[str, Any]:
    return {
        "id": payment_id,
        "reference": reference,
        "client_id": client_id,
        "dossier_code": request["dossier_code"],
        "procedure_code": request["procedure_code"],
        "procedure_name": request["procedure_name"],
        "agency_code": request["agency_code"],
        "agency_name": request["agency_name"],
        "amount": request["amount"],
        "description": request["description"],
        "fees": request["fees"],
        "payer": request["payer"],
        "return_url": request.get("return_url"),
        "status": "pending",
        "pay_url": pay_url,
        "created_at": now,
        "updated_at": now,
    }


def _created_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "reference": row["reference"],
        "status": "pending",
        "amount": row["amount"],
        "pay_url": row["pay_url"],
        "created_at": ledger.iso(row["created_at"]),
    }
