"""How ``app.create_app`` assembles the payments feature (one call per piece, settings read
with defaults until ``Settings`` declares them)."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.services.payments.callbacks import CallbackService
from gateway.services.payments.platform import PaymentPlatform
from gateway.services.payments.reconciliation import ReconcileJob, ReconcileSettings
from gateway.services.payments.service import PaymentService
from gateway.services.payments.webhooks import WebhookHandler
from gateway.store import Database
from security.audit import AuditSink

WEBHOOK_CONNECT_TIMEOUT = 3.0
WEBHOOK_READ_TIMEOUT = 5.0


def payment_services(db: Database, platform: PaymentPlatform, audit: AuditSink, clock: Any) -> dict[str, Any]:
    """The use cases by the names the routes look up in ``container.services``."""
    return {
        "payments": PaymentService(db, platform, clock),
        "payment_callbacks": CallbackService(db, platform, audit, clock),
    }


def webhook_secrets(settings: Any) -> list[str]:
    """Active secrets, newest first: ``province_webhook_secrets`` (rotation) if set, else
    ``province_webhook_secret``."""
    many = getattr(settings, "province_webhook_secrets", None) or []
    if isinstance(many, str):
        many = [s.strip() for s in many.split(",")]
    secrets = [s for s in many if s]
    single = getattr(settings, "province_webhook_secret", "")
    return secrets or ([single] if single else [])


def webhook_http_client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The client webhooks are posted with: timeouts always set (the outbox lease outlasts them)."""
    timeout = httpx.Timeout(WEBHOOK_READ_TIMEOUT, connect=WEBHOOK_CONNECT_TIMEOUT)
    return httpx.AsyncClient(transport=transport, timeout=timeout)


def webhook_handler(settings: Any, clock: Any, http: httpx.AsyncClient | None = None) -> WebhookHandler:
    """The ``province.webhook`` handler for ``worker.register(WEBHOOK_TOPIC, ...)``."""
    return WebhookHandler(http or webhook_http_client(), settings.province_webhook_url,
                          webhook_secrets(settings), clock)


def reconcile_job(db: Database, platform: PaymentPlatform, settings: Any, clock: Any) -> ReconcileJob:
    return ReconcileJob(db, platform, clock, ReconcileSettings.from_settings(settings))
