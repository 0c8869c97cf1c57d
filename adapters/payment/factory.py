"""Build the payment client from settings (any object with these attribute names).

Required: ``payment_url``, ``payment_partner_code``, ``payment_secret`` and the exchange
settings (``connect_timeout``, ``read_timeout``, ``call_budget_seconds``, ``retry_attempts``,
``breaker_failure_threshold``, ``breaker_reset_seconds``). Bearer token, one of:
``payment_token`` (static) or ``payment_token_url`` + ``payment_client_key`` +
``payment_client_secret`` (OAuth2 client credentials). Optional: ``payment_dvc_code``,
``payment_dvc_name`` (``MaDVC``/``TenDVC`` of the receipt).
"""

from __future__ import annotations

from typing import Protocol

import httpx
from prometheus_client import CollectorRegistry

from adapters._exchange import (
    AuthProfile,
    Clock,
    ExchangeSettings,
    OAuth2ClientCredentials,
    OutboundRequest,
    SystemClock,
    build_exchange,
)
from adapters._exchange.pipeline import Sleep
from adapters.payment.client import MaXacThucSigner, PaymentClient, QueryReplyVerifier
from contracts.errors import ConfigurationError
from security.audit import AuditSink


class PaymentSettings(ExchangeSettings, Protocol):
    payment_url: str
    payment_partner_code: str
    payment_secret: str


class StaticBearer:
    """A Bearer token given by configuration (the platform issues it to the partner)."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    async def authenticate(self, request: OutboundRequest, http: httpx.AsyncClient) -> OutboundRequest:
        return request.with_header("Authorization", self._header)

    def invalidate(self, request: OutboundRequest) -> bool:
        return False  # nothing to refresh: a refused static token is a configuration error


def payment_auth(settings: object, clock: Clock) -> AuthProfile:
    token_url = getattr(settings, "payment_token_url", "") or ""
    if token_url:
        return OAuth2ClientCredentials(
            token_url=token_url,
            client_key=getattr(settings, "payment_client_key", ""),
            client_secret=getattr(settings, "payment_client_secret", ""),
            clock=clock,
            upstream="payment",
        )
    token = getattr(settings, "payment_token", "") or ""
    if not token:
        raise ConfigurationError("payment: set payment_token or payment_token_url")
    return StaticBearer(token)


def build_payment_client(
    settings: PaymentSettings,
    *,
    audit: AuditSink,
    registry: CollectorRegistry,
    http: httpx.AsyncClient | None = None,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
) -> PaymentClient:
    """The payment client the app uses: Bearer auth, ``MaXacThuc`` signer and QUERY-reply
    verifier, breaker and retries from settings, audit into ``audit``."""
    if not settings.payment_url or not settings.payment_secret:
        raise ConfigurationError("payment: payment_url and payment_secret are required")
    clock = clock or SystemClock()
    exchange = build_exchange(
        settings,
        name="payment",
        peer="payment",
        auth=payment_auth(settings, clock),
        audit=audit,
        registry=registry,
        http=http,
        clock=clock,
        sleep=sleep,
        signer=MaXacThucSigner(settings.payment_secret),
        verifier=QueryReplyVerifier(settings.payment_secret),
    )
    return PaymentClient(
        exchange=exchange,
        base_url=settings.payment_url,
        partner_code=settings.payment_partner_code,
        secret=settings.payment_secret,
        clock=clock,
        dvc_code=getattr(settings, "payment_dvc_code", "") or "",
        dvc_name=getattr(settings, "payment_dvc_name", "") or "",
    )
