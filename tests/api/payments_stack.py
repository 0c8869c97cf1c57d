"""The in-process gateway + mocks stack with the payments feature wired in.

Until ``app.create_app`` wires payments itself, this adds the routers, the payment client and
the services to the app that ``in_process_stack`` built (the same pieces the app will use:
``gateway.services.payments.wiring``). Once the app wires them, it changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import httpx

from adapters._exchange import SystemClock
from adapters.payment import build_payment_client
from gateway.api.routes import events, national_payment, payments
from gateway.services.payments import wiring
from gateway.settings import Settings
from tests.support.gateway import Stack, in_process_stack

DEV_PAYMENT_TOKEN = "dev-payment-token"


def _payment_settings(settings: Settings) -> Any:
    names = ("payment_url", "payment_partner_code", "payment_secret", "connect_timeout", "read_timeout",
             "call_budget_seconds", "retry_attempts", "breaker_failure_threshold", "breaker_reset_seconds")
    values = {name: getattr(settings, name) for name in names}
    values["payment_token"] = getattr(settings, "payment_token", "") or DEV_PAYMENT_TOKEN
    return SimpleNamespace(**values)


def wire_payments(stack: Stack, mocks_transport: httpx.AsyncBaseTransport) -> None:
    app, container = stack.app, stack.container
    if "payments" in container.services:
        return
    paths = {getattr(route, "path", "") for route in app.router.routes}
    for module in (payments, events, national_payment):
        if not any(getattr(r, "path", "") in paths for r in module.router.routes):
            app.include_router(module.router)
    http = httpx.AsyncClient(transport=mocks_transport, timeout=httpx.Timeout(5.0, connect=3.0))
    container.payment = build_payment_client(
        _payment_settings(container.settings), audit=container.audit, registry=container.registry,
        http=http, clock=SystemClock(),
    )
    container.exchanges["payment"] = container.payment.exchange
    container.services.update(
        wiring.payment_services(container.db, container.payment, container.audit, SystemClock())
    )


@asynccontextmanager
async def payment_stack(settings: Settings, **overrides: Any) -> AsyncIterator[Stack]:
    async with in_process_stack(settings, **overrides) as stack:
        wire_payments(stack, httpx.ASGITransport(app=stack.mocks))
        yield stack


def payment_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dossier_code": "000.00.12.H56-261122-0001",
        "procedure_code": "1.001612",
        "procedure_name": "Đăng ký thành lập hộ kinh doanh",
        "agency_code": "000.00.12.H56",
        "agency_name": "UBND huyện A",
        "amount": 150000,
        "description": "Lệ phí đăng ký hộ kinh doanh",
        "payer": {"full_name": "NGUYỄN VĂN A", "id_number": "001203012345", "address": "Số 1, phường B"},
        "fees": [
            {"code": "LP01", "name": "Lệ phí đăng ký", "amount": 100000, "kind": "le_phi"},
            {"code": "P01", "name": "Phí thẩm định", "amount": 50000, "kind": "phi"},
        ],
        "return_url": "https://motcua.example.gov.vn/payments/done",
    }
    body.update(overrides)
    return body
