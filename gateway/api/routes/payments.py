"""Payments (→ national payment platform): idempotent creation, reads, the e-receipt."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from adapters._exchange import CallContext
from gateway.api.routing import PrefixRouter
from gateway.api.auth import require_scope
from gateway.api.deps import service
from gateway.api.models.payments import CreatedPaymentOut, PaymentIn, PaymentList, PaymentOut
from gateway.services.payments import PaymentService
from security.caller_auth import Caller

router = PrefixRouter(prefix="/v1/payments", tags=["payments"])
Payments = Annotated[PaymentService, service("payments")]
Writer = Annotated[Caller, Depends(require_scope("payments.write"))]
Reader = Annotated[Caller, Depends(require_scope("payments.read"))]
PaymentId = Annotated[str, Path(pattern=r"^pay_[0-9a-f]{24}$", examples=["pay_5f1c0e2d9a7b4c3e8f6a1b2c"])]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Required; at most 255 printable ASCII characters. Kept at least 30 days.",
    ),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "`payment_not_found`"}}


def _context(request: Request, caller: Caller, purpose: str) -> CallContext:
    return CallContext(
        request_id=str(getattr(request.state, "request_id", "")), caller=caller.client_id, purpose=purpose
    )


@router.post(
    "",
    status_code=201,
    response_model=CreatedPaymentOut,
    summary="Create a payment (idempotent with Idempotency-Key) and get the citizen's pay URL",
    responses={
        201: {"description": "Created; a replay carries `Idempotent-Replayed: true`"},
        409: {"description": "`idempotency_key_in_use`: the first request with this key is in flight"},
        422: {"description": "`invalid_request`, `amount_mismatch`, `idempotency_key_reused`"},
        502: {"description": "the payment platform refused or broke its contract"},
        503: {"description": "the payment platform is unavailable; retry with the same key"},
    },
)
async def create_payment(
    request: Request, body: PaymentIn, key: IdempotencyKey, payments: Payments, caller: Writer
) -> JSONResponse:
    created = await payments.create(
        client_id=caller.client_id,
        key=key,
        request=body.model_dump(mode="json"),
        ctx=_context(request, caller, "fee payment"),
    )
    headers = {"Idempotent-Replayed": "true"} if created.replayed else {}
    return JSONResponse(created.body, status_code=created.status, headers=headers)


@router.get("", response_model=PaymentList, summary="The payments of a dossier")
async def list_payments(
    payments: Payments,
    _caller: Reader,
    dossier_code: Annotated[str, Query(min_length=1, max_length=64, examples=["000.00.12.H56-261122-0001"])],
) -> dict[str, Any]:
    return {"payments": await payments.list_for_dossier(dossier_code)}


@router.get("/{payment_id}", response_model=PaymentOut, responses=NOT_FOUND, summary="One payment")
async def get_payment(payment_id: PaymentId, payments: Payments, _caller: Reader) -> dict[str, Any]:
    return {"payment": await payments.get(payment_id)}


@router.get(
    "/{payment_id}/receipt",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The platform's e-receipt (GET_BILL)"},
        404: {"description": "`payment_not_found`"},
        409: {"description": "`conflict`: the payment is not paid"},
    },
    summary="The e-receipt (PDF) of a paid payment, from the platform",
)
async def get_receipt(request: Request, payment_id: PaymentId, payments: Payments, caller: Reader) -> Response:
    pdf = await payments.receipt(payment_id, _context(request, caller, "payment receipt"))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{payment_id}.pdf"'},
    )
