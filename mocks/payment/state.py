"""What the mock payment platform remembers: payments by ``MaThamChieu`` and issued tokens."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any

PENDING, PAID, FAILED = "pending", "paid", "failed"
TRANG_THAI_GD = {PAID: "1", PENDING: "3", FAILED: "4"}


@dataclass
class MockPayment:
    reference: str  # MaThamChieu
    partner: str
    amount: int
    info: str  # ThongTinGiaoDich
    created_at: str  # ThoiGianGD of the INIT
    init_body: dict[str, Any]
    status: str = PENDING
    transaction_id: str = ""
    bank_code: str = ""
    settled_at: str = ""
    inits: int = 1  # INITs received for this reference (idempotent replays included)
    callbacks: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class PaymentPlatformState:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.payments: dict[str, MockPayment] = {}
        self.tokens: set[str] = set()
        self._transactions = itertools.count(1)

    def next_transaction_id(self) -> str:
        return f"GD{next(self._transactions):010d}"

    def settle(self, payment: MockPayment, paid: bool, at: str, bank_code: str = "VCB") -> None:
        """pending → paid | failed, once; a settled payment keeps its result."""
        if payment.status != PENDING:
            return
        payment.status = PAID if paid else FAILED
        payment.transaction_id = self.next_transaction_id()
        payment.bank_code = bank_code
        payment.settled_at = at
