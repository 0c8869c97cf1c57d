"""Helpers of the payments tests: a hand-driven clock, ledger rows, the platform's side of
callbacks (signed as the platform signs them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from security.checksums import maxacthuc_callback


class FakeClock:
    """Time that moves only when a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 22, 2, 30, tzinfo=UTC)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self._mono

    def advance(self, delta: timedelta) -> None:
        self.current += delta
        self._mono += delta.total_seconds()


SECRET = "test-payment-secret"
PARTNER = "LIENTHONG"


def platform_settings(url: str = "http://payment.invalid") -> Any:
    return SimpleNamespace(
        payment_url=url, payment_partner_code=PARTNER, payment_secret=SECRET,
        payment_token="dev-payment-token", connect_timeout=1.0, read_timeout=2.0,
        call_budget_seconds=5.0, retry_attempts=1, breaker_failure_threshold=5,
        breaker_reset_seconds=10.0,
    )


def payment_row(clock: FakeClock, *, payment_id: str = "pay_" + "0" * 24, amount: int = 150000,
                reference: str = "LT261122ABCDEFGHJK") -> dict[str, Any]:
    now = clock.now()
    return {
        "id": payment_id, "reference": reference, "client_id": "demo",
        "dossier_code": "000.00.12.H56-261122-0001", "procedure_code": "1.001612",
        "procedure_name": "Đăng ký hộ kinh doanh", "agency_code": "000.00.12.H56",
        "agency_name": "UBND huyện A", "amount": amount, "description": "Lệ phí",
        "fees": [{"name": "Lệ phí", "amount": amount}],
        "payer": {"full_name": "NGUYỄN VĂN A", "id_number": "001203012345"},
        "return_url": None, "status": "pending", "pay_url": "http://pay/1",
        "created_at": now, "updated_at": now,
    }


def signed_callback(ma_tham_chieu: str, *, amount: Any = 150000, code: str = "00",
                    transaction_id: str = "GD0001", secret: str = SECRET, **overrides: Any) -> dict[str, Any]:
    """A callback as the platform would send it (the platform's side of the test)."""
    body: dict[str, Any] = {
        "LoaiBanTin": "CALLBACK", "MaLoi": code, "MaDoiTac": PARTNER, "MaThamChieu": ma_tham_chieu,
        "SoTien": amount, "MaTienTe": "VND", "MaGiaoDich": transaction_id, "MaNganHang": "VCB",
        "ThoiGianGD": "20261122093000", "ThongTinGiaoDich": "Le phi ho so",
    }
    body.update(overrides)
    body["MaXacThuc"] = maxacthuc_callback(body, secret)
    return body
