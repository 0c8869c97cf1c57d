"""Fee payments through the national payment platform (protocol 1.0.6): the ledger,
idempotent creation, the result callback, reconciliation and the province's webhooks."""

from gateway.services.payments.callbacks import CallbackResult, CallbackService
from gateway.services.payments.platform import PaymentPlatform
from gateway.services.payments.reconciliation import (
    ReconcileJob,
    ReconcileSettings,
    Report,
    reconcile_day,
)
from gateway.services.payments.service import Created, PaymentService
from gateway.services.payments.webhooks import SIGNATURE_HEADER, WebhookHandler, sign, verify

__all__ = [
    "SIGNATURE_HEADER",
    "CallbackResult",
    "CallbackService",
    "Created",
    "PaymentPlatform",
    "PaymentService",
    "ReconcileJob",
    "ReconcileSettings",
    "Report",
    "WebhookHandler",
    "reconcile_day",
    "sign",
    "verify",
]
