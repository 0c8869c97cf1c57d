"""A gateway wired to the mock national systems in-process (no sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from app import create_app
from gateway.settings import Settings
from mocks.app import create_mocks_app
from mocks._core import MockConfig

MOCKS = "http://mocks"


@dataclass
class Stack:
    app: Any
    mocks: Any
    api: httpx.AsyncClient  # the gateway's API
    admin: httpx.AsyncClient  # the mocks (incl. /__admin)

    @property
    def container(self) -> Any:
        return self.app.state.container

    async def token(self, scope: str | None = None) -> dict[str, str]:
        form = {"grant_type": "client_credentials", "client_id": "demo", "client_secret": "demo-secret"}
        if scope:
            form["scope"] = scope
        reply = await self.api.post("/oauth/token", data=form)
        reply.raise_for_status()
        return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@asynccontextmanager
async def in_process_stack(settings: Settings, **overrides: Any) -> AsyncIterator[Stack]:
    settings = settings.model_copy(
        update={"portal_url": f"{MOCKS}/portal", "population_url": f"{MOCKS}/population/",
                "payment_url": f"{MOCKS}/payment", **overrides}
    )
    holder: dict[str, Any] = {}

    async def to_gateway(request: httpx.Request) -> httpx.Response:
        return await httpx.ASGITransport(app=holder["app"]).handle_async_request(request)

    config = MockConfig(gateway_url="http://gateway", gateway_transport=httpx.MockTransport(to_gateway),
                        env={"LIENTHONG_KEYS_DIR": str(settings.keys_dir)})  # shares the dev keys
    mocks = create_mocks_app(config)
    app = holder["app"] = create_app(settings, upstream_transport=httpx.ASGITransport(app=mocks))
    async with mocks.lifespan_context(mocks):
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with (
                httpx.AsyncClient(transport=transport, base_url="http://gateway") as api,
                httpx.AsyncClient(transport=httpx.ASGITransport(app=mocks), base_url=MOCKS) as admin,
            ):
                yield Stack(app=app, mocks=mocks, api=api, admin=admin)
