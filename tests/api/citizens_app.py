"""A gateway app with only the citizen routes, wired to a scripted population upstream
(httpx.MockTransport) — for API tests that need no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from adapters._exchange import SystemClock
from adapters.population import build_population_client
from gateway.api import problem
from gateway.api.middleware.body_limit import BodyLimitMiddleware
from gateway.api.middleware.request_id import RequestIdMiddleware
from gateway.api.routes import citizens
from gateway.container import Container
from gateway.services.citizens import CitizenService
from gateway.settings import Settings
from security.audit import ListAuditSink
from security.caller_auth import TokenService
from security.keys import CALLER_JWT, KeyStore

TODAY = date(2026, 11, 22)


@dataclass
class CitizensApp:
    app: FastAPI
    audit: ListAuditSink
    tokens: TokenService

    def headers(self, *scopes: str) -> dict[str, str]:
        token = self.tokens.issue("demo", set(scopes or ("citizens.read",)))
        return {"Authorization": f"Bearer {token.access_token}"}


def citizens_app(population_settings, keys, codec, handler, *, max_body_bytes: int = 1_048_576) -> CitizensApp:
    audit = ListAuditSink()
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), timeout=2)
    client = build_population_client(
        population_settings, keys=keys, audit=audit, registry=CollectorRegistry(),
        http=http, clock=SystemClock(), codec=codec,
    )
    container = Container(settings=Settings(), registry=CollectorRegistry())
    container.tokens = TokenService(KeyStore.ephemeral([CALLER_JWT]), issuer="http://gateway", audience="lienthong")
    container.population = client
    container.audit = audit  # the middleware's refusals land in the same list
    container.services["citizens"] = CitizenService(
        client, audit=audit, today=lambda: TODAY, now=lambda: datetime.now(UTC)
    )
    app = FastAPI()
    app.state.container = container
    problem.install(app)
    app.include_router(citizens.router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    return CitizensApp(app=app, audit=audit, tokens=container.tokens)
