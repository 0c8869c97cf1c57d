"""Build a ``PortalClient`` the way the app does, over an injected transport."""

from __future__ import annotations

import httpx
import pytest

from adapters.portal import build_portal_client


@pytest.fixture
def make_portal(exchange_settings, audit, registry, clock, sleep):
    def build(transport: httpx.AsyncBaseTransport, **settings_changes):
        for name, value in settings_changes.items():
            setattr(exchange_settings, name, value)
        http = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(2.0, connect=1.0))
        return build_portal_client(
            exchange_settings, audit=audit, registry=registry, http=http, clock=clock, sleep=sleep
        )

    return build
