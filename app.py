"""The composition root: ``create_app(settings)`` wires stores, adapters, services and workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from gateway.api import problem
from gateway.api.middleware.body_limit import BodyLimitMiddleware
from gateway.api.middleware.request_id import RequestIdMiddleware
from gateway.api.routes import health
from gateway.container import Container
from gateway.errors import ConfigurationError
from gateway.settings import Settings
from gateway.store import Database, upgrade

API_DESCRIPTION = """\
Liên thông: one normalized REST API in front of the national public service portal (DVCQG),
the national population database and the national payment platform.

Authenticate with `POST /oauth/token` (client credentials) and send `Authorization: Bearer <token>`.
Errors are `application/problem+json` with a stable `code`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.mode == "production" and (problems := settings.production_problems()):
        raise ConfigurationError("refusing to start in production mode: " + "; ".join(problems))
    container = Container(settings=settings, registry=CollectorRegistry())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await start(container)
        try:
            yield
        finally:
            await stop(container)

    app = FastAPI(
        title="Liên thông gateway",
        version="1.0.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.container = container
    problem.install(app)
    app.include_router(health.router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    return app


async def start(container: Container) -> None:
    settings = container.settings
    container.db = Database.from_url(settings.database_url)
    await upgrade(container.db.engine)


async def stop(container: Container) -> None:
    for worker in container.workers:
        await worker.stop()
    if container.db is not None:
        await container.db.close()
