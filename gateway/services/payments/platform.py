"""What the payment services need from the national payment platform (protocol 1.0.6), as a
protocol: ``adapters.payment.PaymentClient`` provides it (see ``AdapterPlatform``).

Keeping the port this narrow lets the ledger, callbacks and reconciliation read in the
gateway's terms (paid / pending / failed) while the wire stays in the adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from adapters._exchange import CallContext

PlatformStatus = Literal["paid", "pending", "failed", "unknown"]


@dataclass(frozen=True)
class InitOrder:
    """One INIT: the payment's fields plus the attempt's ``MaThamChieu``."""

    ma_tham_chieu: str
    amount: int
    description: str
    dossier_code: str
    procedure_code: str
    procedure_name: str
    agency_code: str
    agency_name: str
    payer: Mapping[str, Any]
    fees: list[Mapping[str, Any]]
    return_url: str | None = None


@dataclass(frozen=True)
class PlatformState:
    """QUERY's answer: ``TrangThaiGD`` 1 → paid, 3 → pending, 4 → failed; ``unknown`` when
    the platform has no transaction with that ``MaThamChieu``."""

    status: PlatformStatus
    amount: int | None = None
    transaction_id: str | None = None
    bank_code: str | None = None
    paid_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


class PaymentPlatform(Protocol):
    partner_code: str

    async def init(self, order: InitOrder, ctx: CallContext) -> str:
        """INIT; returns ``UrlThanhToan``, where the citizen pays."""
        ...

    async def query(self, ma_tham_chieu: str, ctx: CallContext) -> PlatformState: ...

    async def bill(self, ma_tham_chieu: str, ctx: CallContext) -> bytes:
        """GET_BILL: the e-receipt as PDF bytes."""
        ...

    def verify_callback(self, fields: Mapping[str, Any]) -> bool:
        """Whether ``MaXacThuc`` matches the values exactly as received (constant time)."""
        ...

    def callback_reply(self, fields: Mapping[str, Any], code: str, message: str) -> dict[str, Any]:
        """The reply the platform expects, with its own ``MaXacThuc``."""
        ...


def ma_tham_chieu(reference: str, attempt: int) -> str:
    """The ``MaThamChieu`` of one INIT attempt, ``<reference>-<attempt>`` (contracts/payment
    README): unique per attempt, and every attempt names its payment."""
    return f"{reference}-{attempt}"
