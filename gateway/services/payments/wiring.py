"""How ``app.create_app`` (and ``lienthong payments ...``) assemble the payments feature, one
call per piece."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import httpx
from prometheus_client import CollectorRegistry

from adapters.payment import build_payment_client
from gateway.services.payments.callbacks import CallbackService
from gateway.services.payments.platform import PaymentPlatform
from gateway.services.payments.reconciliation import ReconcileJob, ReconcileSettings, Report, reconcile_day
from gateway.services.payments.service import PaymentService
from gateway.services.payments.webhooks import WebhookHandler
from gateway.store import Database
from gateway.store.audit_sink import StoreAuditSink
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


async def day_report(settings: Any, day: date, *, http: httpx.AsyncClient | None = None) -> Report:
    """``lienthong payments reconcile --date D``: the ledger in ``settings.database_url``
    against the platform at ``settings.payment_url`` for one day. Read-only on the ledger;
    the QUERYs are audited like any other exchange."""
    db = Database.from_url(settings.database_url)
    platform = build_payment_client(settings, audit=StoreAuditSink(db), registry=CollectorRegistry(), http=http)
    try:
        return await reconcile_day(SimpleNamespace(db=db, payment=platform), day)
    finally:
        await platform.exchange.aclose()
        await db.close()
