"""Build an ``Exchange`` from settings (any object with the exchange settings' names)."""

from __future__ import annotations

from typing import Any, Protocol

import httpx
from prometheus_client import CollectorRegistry

from adapters._exchange.auth import AuthProfile
from adapters._exchange.breaker import CircuitBreaker
from adapters._exchange.context import Clock, SystemClock
from adapters._exchange.hooks import Classify, Signer, Verifier
from adapters._exchange.metrics import ExchangeMetrics
from adapters._exchange.pipeline import Exchange, Sleep
from adapters._exchange.retry import RetryPolicy
from adapters._exchange.transport import Send, build_http_client
from security.audit import AuditSink


class ExchangeSettings(Protocol):
    connect_timeout: float
    read_timeout: float
    call_budget_seconds: float
    retry_attempts: int
    breaker_failure_threshold: int
    breaker_reset_seconds: float


def build_exchange(
    settings: ExchangeSettings,
    *,
    name: str,
    peer: str,
    auth: AuthProfile,
    audit: AuditSink,
    registry: CollectorRegistry,
    http: httpx.AsyncClient | None = None,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
    signer: Signer | None = None,
    verifier: Verifier | None = None,
    classify: Classify | None = None,
    retry: RetryPolicy | None = None,
    send: Send | None = None,
) -> Exchange:
    """An exchange with the measured default transport (see ``transport.py``), unless a
    client is injected (tests pass one over ``MockTransport``/``ASGITransport``; it must
    still set timeouts)."""
    clock = clock or SystemClock()
    extra: dict[str, Any] = {}
    if sleep is not None:
        extra["sleep"] = sleep
    return Exchange(
        name=name,
        peer=peer,
        http=http
        or build_http_client(
            connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout
        ),
        auth=auth,
        audit=audit,
        breaker=CircuitBreaker(
            name=name,
            failure_threshold=settings.breaker_failure_threshold,
            reset_seconds=settings.breaker_reset_seconds,
            clock=clock,
        ),
        retry=retry or RetryPolicy(attempts=settings.retry_attempts),
        budget_seconds=settings.call_budget_seconds,
        clock=clock,
        metrics=ExchangeMetrics.for_registry(registry),
        signer=signer,
        verifier=verifier,
        classify=classify,
        send=send,
        **extra,
    )
