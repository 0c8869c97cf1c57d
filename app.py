"""The composition root: ``create_app(settings)`` wires stores, adapters, services and workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from adapters._exchange import SystemClock
from adapters.payment import build_payment_client
from adapters.population import build_population_client
from adapters.portal import build_portal_client
from gateway.api import problem
from gateway.api.auth import document_security
from gateway.api.routing import FastLane
from gateway.api.middleware.body_limit import BodyLimitMiddleware
from gateway.api.middleware.request_id import RequestIdMiddleware
from gateway.api.routes import audit, citizens, console, dossiers, events, health, inbox, national_payment, oauth, payments, procedures, sync
from gateway.container import Container
from gateway.errors import ConfigurationError
from gateway.outbox.worker import Backoff, OutboxWorker
from gateway.services.audit import wiring as audit_wiring
from gateway.services.citizens import CitizenService
from gateway.services.dossiers import PORTAL_TOPIC, DossierService
from gateway.services.inbox import InboxService
from gateway.services.payments import ledger, wiring
from gateway.services.portal_sync import PortalSyncHandler
from gateway.services.procedures import ProcedureService
from gateway.services.sync_admin import SyncAdmin
from gateway.settings import Settings
from gateway.store import Database, upgrade
from security.caller_auth import ClientRegistry, TokenService
from security.keys import KeyStore

API_DESCRIPTION = """\
Liên thông: one normalized REST API in front of the national public service portal (DVCQG),
the national population database and the national payment platform.

Authenticate with `POST /oauth/token` (client credentials) and send `Authorization: Bearer <token>`.
Errors are `application/problem+json` with a stable `code`.
"""


def utcnow() -> datetime:
    return datetime.now(UTC)


def vietnam_today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def create_app(settings: Settings | None = None, *, upstream_transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """The gateway. ``upstream_transport`` replaces the network for every national system
    (tests pass ``httpx.ASGITransport(app=create_mocks_app())``)."""
    settings = settings or Settings()
    if settings.mode == "production" and (problems := settings.production_problems()):
        raise ConfigurationError("refusing to start in production mode: " + "; ".join(problems))
    container = Container(settings=settings, registry=CollectorRegistry())
    container.upstream_transport = upstream_transport
    _load_identity(container)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await start(container)
        try:
            yield
        finally:
            await stop(container)

    # FastAPI's OpenTelemetry bridge is off: the gateway's metrics are Prometheus (/metrics),
    # and the bridge otherwise checks for configured providers on every request.
    app = FastAPI(title="Liên thông gateway", version="1.0.0", description=API_DESCRIPTION, lifespan=lifespan,
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    app.state.container = container
    problem.install(app)
    document_security(app)
    # Routers are tried in this order and each one passed over costs ~70 function calls in
    # FastAPI's matching: the busiest paths come first (status events, payment callbacks,
    # citizen lookups, payments), then probes and the rest.
    for module in (dossiers, national_payment, citizens, payments, health, oauth, sync, procedures, inbox, events,
                   audit, console):
        app.include_router(module.router)
    # Innermost of our middleware: the payment callback (which answers every outcome itself,
    # in the platform's format) skips FastAPI's router and exception handlers.
    app.add_middleware(FastLane, routes=national_payment.router.routes)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    return app


def create_worker_container(settings: Settings) -> Container:
    """What ``lienthong worker`` runs: the adapters and the outbox, no HTTP server."""
    if settings.mode == "production" and (problems := settings.production_problems()):
        raise ConfigurationError("refusing to start in production mode: " + "; ".join(problems))
    container = Container(settings=settings.model_copy(update={"outbox_enabled": True}), registry=CollectorRegistry())
    _load_identity(container)
    return container


def _load_identity(container: Container) -> None:
    """Keys and callers, loaded once at start-up; production refuses development keys."""
    settings = container.settings
    assert settings.keys_dir is not None
    if settings.is_dev:
        container.keys = KeyStore.ensure_dev_keys(settings.keys_dir)
    else:
        container.keys = KeyStore.load(settings.keys_dir)
        if problems := container.keys.production_problems():
            raise ConfigurationError("refusing to start in production mode: " + "; ".join(problems))
    container.clients = ClientRegistry.from_settings(settings)
    container.tokens = TokenService(
        container.keys, issuer=settings.gateway_url, audience=settings.token_audience, ttl=settings.token_ttl_seconds
    )


async def start(container: Container) -> None:
    settings = container.settings
    db = container.db = Database.from_url(settings.database_url)
    await upgrade(db.engine)
    audit_wiring.install(container, clock=utcnow)  # container.audit: the sink; the sealer
    container.portal = build_portal_client(
        settings, audit=container.audit, registry=container.registry, http=_upstream_http(container)
    )
    container.exchanges["portal"] = container.portal.exchange
    container.payment = build_payment_client(
        settings, audit=container.audit, registry=container.registry, http=_upstream_http(container)
    )
    container.exchanges["payment"] = container.payment.exchange
    container.population = build_population_client(
        settings, keys=container.keys, audit=container.audit, registry=container.registry,
        http=_upstream_http(container),
    )
    container.exchanges["population"] = container.population.exchange

    worker = container.outbox = OutboxWorker(
        db,
        batch_size=settings.outbox_batch_size,
        max_attempts=settings.outbox_max_attempts,
        lease_seconds=settings.outbox_lease_seconds,
        poll_seconds=settings.outbox_poll_seconds,
        backoff=Backoff(settings.outbox_backoff_base_seconds, settings.outbox_backoff_max_seconds),
        concurrency=settings.outbox_concurrency,
    )
    worker.register(PORTAL_TOPIC, PortalSyncHandler(db, container.portal))
    clock = SystemClock()
    webhook_http = _upstream_http(container) or wiring.webhook_http_client()
    worker.register(ledger.WEBHOOK_TOPIC, wiring.webhook_handler(settings, clock, http=webhook_http))
    reconcile = wiring.reconcile_job(db, container.payment, settings, clock)

    def circuits() -> dict[str, str]:
        return {name: exchange.breaker_state for name, exchange in container.exchanges.items()}

    container.services.update(
        dossiers=DossierService(db, clock=utcnow, notify=worker.notify),
        sync_admin=SyncAdmin(db, clock=utcnow, circuits=circuits, notify=worker.notify),
        procedures=ProcedureService(
            db, container.portal, clock=utcnow, ttl=timedelta(hours=settings.procedure_cache_hours)
        ),
        inbox=InboxService(db, clock=utcnow),
        citizens=CitizenService(container.population, audit=container.audit, today=vietnam_today, now=utcnow),
        **wiring.payment_services(db, container.payment, container.audit, clock),
    )
    container.closers.append(webhook_http.aclose)
    if settings.outbox_enabled:
        await worker.start()
        container.workers.append(worker)
        reconcile.start()
        container.workers.append(reconcile)
    await audit_wiring.start(container)


def _upstream_http(container: Container) -> httpx.AsyncClient | None:
    """An injected transport's client (with the same timeouts); ``None``: the adapter's own."""
    if container.upstream_transport is None:
        return None
    settings = container.settings
    timeout = httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout)
    return httpx.AsyncClient(transport=container.upstream_transport, timeout=timeout)


async def stop(container: Container) -> None:
    for worker in container.workers:
        await worker.stop()
    container.workers.clear()
    for client in (container.portal, container.payment, container.population):
        if client is not None:
            await client.exchange.aclose()
    for close in container.closers:
        await close()
    container.closers.clear()
    if container.db is not None:
        await container.db.close()
