"""Admin routes of the mock payment platform, under ``/__admin/payment`` (docs/mocks.md).

``POST /{MaThamChieu}/complete`` ``{"result": "success|failed", "duplicates"?, "delay_ms"?,
"out_of_order"?, "concurrent"?, "send"?, "wait"?}`` settles the payment and sends its
callback(s) to the gateway, answering what the gateway replied (``wait: false``: send in the
background, answer 202 at once). ``GET /{MaThamChieu}``: the payment and the callbacks sent.
``GET /``: all payments.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from mocks.payment.callbacks import CallbackSender
from mocks.payment.state import PaymentPlatformState

_FIELDS = {"result", "duplicates", "delay_ms", "out_of_order", "concurrent", "send", "wait"}


def _options(body: Any) -> dict[str, Any] | str:
    """Validated completion options, or why they are refused."""
    if not isinstance(body, dict) or set(body) - _FIELDS:
        return f"expected a JSON object with fields among {sorted(_FIELDS)}"
    if body.get("result") not in ("success", "failed"):
        return "result must be 'success' or 'failed'"
    duplicates, delay = body.get("duplicates", 1), body.get("delay_ms", 0)
    if not isinstance(duplicates, int) or isinstance(duplicates, bool) or not 1 <= duplicates <= 100:
        return "duplicates must be an integer from 1 to 100"
    if not isinstance(delay, int) or isinstance(delay, bool) or not 0 <= delay <= 600_000:
        return "delay_ms must be an integer from 0 to 600000"
    flags = {name: body.get(name, default) for name, default in
             (("out_of_order", False), ("concurrent", False), ("send", True), ("wait", True))}
    if not all(isinstance(v, bool) for v in flags.values()):
        return "out_of_order, concurrent, send and wait must be booleans"
    return {"result": body["result"], "duplicates": duplicates, "delay_ms": delay, **flags}


def create_payment_admin(state: PaymentPlatformState, sender: CallbackSender) -> Router:
    async def complete(request: Request) -> Response:
        payment = state.payments.get(request.path_params["reference"])
        if payment is None:
            return JSONResponse({"error": "the platform holds no such MaThamChieu"}, status_code=404)
        try:
            options = _options(await request.json())
        except ValueError:
            options = "body must be JSON"
        if isinstance(options, str):
            return JSONResponse({"error": options}, status_code=422)
        wait = options.pop("wait")
        if not wait:
            sender.schedule(sender.complete(payment, **options))
            return JSONResponse({"reference": payment.reference, "scheduled": True}, status_code=202)
        return JSONResponse(await sender.complete(payment, **options))

    async def get_payment(request: Request) -> Response:
        payment = state.payments.get(request.path_params["reference"])
        if payment is None:
            return JSONResponse({"error": "the platform holds no such MaThamChieu"}, status_code=404)
        return JSONResponse(payment.to_json())

    async def list_payments(request: Request) -> Response:
        return JSONResponse({"payments": [
            {"reference": p.reference, "status": p.status, "amount": p.amount, "callbacks": len(p.callbacks)}
            for p in state.payments.values()
        ]})

    return Router(routes=[
        Route("/", list_payments, methods=["GET"]),
        Route("/{reference}/complete", complete, methods=["POST"]),
        Route("/{reference}", get_payment, methods=["GET"]),
    ])
