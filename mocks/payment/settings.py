"""The mock payment platform's own settings, read from ``MockConfig.env`` (``LIENTHONG_*``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from mocks._core import MockConfig

DEV_PAYMENT_SECRET = "dev-payment-secret"
DEV_PAYMENT_TOKEN = "dev-payment-token"
DEV_PAYMENT_CLIENT_KEY = "lienthong"
DEV_PAYMENT_CLIENT_SECRET = "dev-payment-client-secret"
VIETNAM = timezone(timedelta(hours=7))
CALLBACK_PATH = "/national/payment/callback"


@dataclass(frozen=True)
class PaymentMockSettings:
    secret: str
    partner_code: str
    token: str
    client_key: str
    client_secret: str
    public_url: str  # where a browser reaches the mocks (UrlThanhToan points there)

    @classmethod
    def from_config(cls, config: MockConfig) -> PaymentMockSettings:
        env = config.env
        return cls(
            secret=env.get("LIENTHONG_PAYMENT_SECRET") or DEV_PAYMENT_SECRET,
            partner_code=env.get("LIENTHONG_PAYMENT_PARTNER_CODE") or "LIENTHONG",
            token=env.get("LIENTHONG_PAYMENT_TOKEN") or DEV_PAYMENT_TOKEN,
            client_key=env.get("LIENTHONG_PAYMENT_CLIENT_KEY") or DEV_PAYMENT_CLIENT_KEY,
            client_secret=env.get("LIENTHONG_PAYMENT_CLIENT_SECRET") or DEV_PAYMENT_CLIENT_SECRET,
            public_url=(env.get("LIENTHONG_MOCKS_PUBLIC_URL") or f"http://127.0.0.1:{config.port}").rstrip("/"),
        )


def date14(moment: datetime) -> str:
    """yyyyMMddHHmmss, 24-hour, Vietnam time (the mock's own formatter: no adapter code)."""
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")
