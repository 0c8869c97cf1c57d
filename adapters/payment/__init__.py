"""Adapter for the DVCQG national payment platform, protocol 1.0.6 (INIT, QUERY, GET_BILL,
callbacks). Wire format: contracts/payment/; checksums: security.checksums."""

from adapters.payment.client import MaXacThucSigner, PaymentClient, QueryReplyVerifier
from adapters.payment.errors import PlatformRejected
from adapters.payment.factory import PaymentSettings, StaticBearer, build_payment_client
from adapters.payment.mapping import (
    Fee,
    Payer,
    PaymentOrder,
    PaymentState,
    PaymentStatus,
    VerifiedCallback,
    ma_tham_chieu,
)
from adapters.payment.wire import from_date14, to_date14

__all__ = [
    "Fee",
    "MaXacThucSigner",
    "Payer",
    "PaymentClient",
    "PaymentOrder",
    "PaymentSettings",
    "PaymentState",
    "PaymentStatus",
    "PlatformRejected",
    "QueryReplyVerifier",
    "StaticBearer",
    "VerifiedCallback",
    "build_payment_client",
    "from_date14",
    "ma_tham_chieu",
    "to_date14",
]
