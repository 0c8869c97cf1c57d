"""What the payment services need from the national payment platform (protocol 1.0.6): the
methods of ``adapters.payment.PaymentClient``, as a protocol so the services name only what
they use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from adapters._exchange import CallContext
from adapters.payment import PaymentOrder, PaymentStatus, VerifiedCallback


class PaymentPlatform(Protocol):
    partner_code: str

    async def init_payment(self, order: PaymentOrder, ctx: CallContext) -> str:
        """INIT one attempt; returns ``UrlThanhToan``, where the citizen pays."""
        ...

    async def query(self, ma_tham_chieu: str, ctx: CallContext) -> PaymentStatus:
        """QUERY: paid / pending / failed (``TrangThaiGD`` 1/3/4), or unknown."""
        ...

    async def get_bill(self, ma_tham_chieu: str, ctx: CallContext) -> bytes:
        """GET_BILL: the e-receipt as PDF bytes."""
        ...

    def verify_callback(self, body: Mapping[str, Any]) -> VerifiedCallback:
        """Schema (``ContractViolation``) then ``MaXacThuc`` on the exact values received,
        in constant time (``ChecksumInvalid``)."""
        ...

    def callback_reply(self, body: Mapping[str, Any] | None, code: str, message: str) -> dict[str, Any]:
        """The reply the platform expects, with its own ``MaXacThuc``."""
        ...
