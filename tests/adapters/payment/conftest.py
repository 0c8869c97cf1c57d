"""Fixtures: the payment client wired to the mock payment platform over ASGITransport, and a
stand-in gateway callback endpoint that verifies callbacks with the adapter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client import CollectorRegistry
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, Router
from tests.adapters.conftest import FakeClock, RecordedSleep

import mocks.payment
from adapters.payment import Fee, Payer, PaymentClient, PaymentOrder, build_payment_client
from contracts.errors import GatewayError
from mocks._core import MockConfig
from mocks.app import create_mocks_app
from security.audit import ListAuditSink

SECRET = "test-payment-secret"
PARTNER = "TINHHG"
TOKEN = "test-payment-token"


@dataclass
class PaymentSettingsForTests:
    connect_timeout: float = 1.0
    read_timeout: float = 2.0
    call_budget_seconds: float = 20.0
    retry_attempts: int = 3
    breaker_failure_threshold: int = 3
    breaker_reset_seconds: float = 10.0
    payment_url: str = "http://mocks.test/payment"
    payment_partner_code: str = PARTNER
    payment_secret: str = SECRET
    payment_token: str = TOKEN
    payment_token_url: str = ""
    payment_client_key: str = ""
    payment_client_secret: str = ""


class CallbackReceiver:
    """The gateway's callback endpoint, reduced to what the adapter decides: 00 or 97/99."""

    def __init__(self) -> None:
        self.client: PaymentClient | None = None
        self.received: list[dict[str, object]] = []
        self.app = Router(routes=[Route("/national/payment/callback", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> JSONResponse:
        assert self.client is not None
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse(self.client.callback_reply(None, "99", "Các lỗi khác"))
        self.received.append(body)
        try:
            self.client.verify_callback(body)
        except GatewayError as exc:
            code = "97" if exc.code == "checksum_invalid" else "99"
            return JSONResponse(self.client.callback_reply(body, code, exc.code))
        return JSONResponse(self.client.callback_reply(body, "00", "Thành công"))


@pytest.fixture
def receiver() -> CallbackReceiver:
    return CallbackReceiver()


@pytest.fixture
def payment_mocks(receiver: CallbackReceiver):  # noqa: ANN201 - a Starlette Router
    config = MockConfig(
        gateway_url="http://gateway.test",
        gateway_transport=httpx.ASGITransport(app=receiver.app),
        now=lambda: datetime(2026, 11, 22, 6, 5, 2, tzinfo=UTC),
        env={"LIENTHONG_PAYMENT_SECRET": SECRET, "LIENTHONG_PAYMENT_PARTNER_CODE": PARTNER,
             "LIENTHONG_PAYMENT_TOKEN": TOKEN, "LIENTHONG_MOCKS_PUBLIC_URL": "http://mocks.test"},
    )
    return create_mocks_app(config, systems=[mocks.payment.create_system])


@pytest.fixture
def payment_settings() -> PaymentSettingsForTests:
    return PaymentSettingsForTests()


@pytest.fixture
def payment_http(payment_mocks) -> httpx.AsyncClient:  # noqa: ANN001
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=payment_mocks), base_url="http://mocks.test",
                             timeout=httpx.Timeout(2.0, connect=1.0))


@pytest.fixture
async def payment_client(payment_settings, payment_http, clock: FakeClock, sleep: RecordedSleep,  # noqa: ANN001
                         audit: ListAuditSink, receiver: CallbackReceiver) -> PaymentClient:
    clock.start = datetime(2026, 11, 22, 6, 5, 2, tzinfo=UTC)  # 13:05:02 in Vietnam
    client = build_payment_client(payment_settings, audit=audit, registry=CollectorRegistry(),
                                  http=payment_http, clock=clock, sleep=sleep)
    receiver.client = client
    return client


def make_order(reference: str = "PAY-0001", attempt: int = 1, amount: int = 150000) -> PaymentOrder:
    return PaymentOrder(
        reference=reference, attempt=attempt, amount=amount,
        description="Thanh toán phí hồ sơ 000.00.12.H56-261122-0001",
        dossier_code="000.00.12.H56-261122-0001", procedure_code="1.001612",
        procedure_name="Đăng ký thành lập hộ kinh doanh", agency_code="000.00.12.H56",
        agency_name="UBND huyện Châu Thành",
        payer=Payer(full_name="Nguyễn Thị Ánh", id_number="093185000123", address="Ấp Phú Thạnh"),
        fees=[Fee(name="Lệ phí đăng ký", amount=amount - 50000, code="LP001", kind="le_phi"),
              Fee(name="Phí cung cấp thông tin", amount=50000, code="P002", kind="phi")],
        client_ip="203.0.113.7",
    )
