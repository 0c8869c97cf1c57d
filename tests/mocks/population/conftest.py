"""Fixtures of the mock population tests: identities for the gateway, the mock and a
stranger; the mocks app with population settings chosen per test; signer and verifier."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import httpx
import pytest

from mocks._core import MockConfig
from mocks.app import create_mocks_app
from mocks.population import PopulationMockSettings, population_system
from security import wsse
from tests.mocks.population.support import BASE, NOW
from tests.security.wsse.helpers import Party, make_party


@pytest.fixture(scope="session")
def gateway_party() -> Party:
    return make_party("gateway (wsse)")


@pytest.fixture(scope="session")
def mock_party() -> Party:
    return make_party("mock population database")


@pytest.fixture(scope="session")
def stranger_party() -> Party:
    return make_party("stranger")


@pytest.fixture
def base_settings(gateway_party: Party, mock_party: Party) -> PopulationMockSettings:
    return PopulationMockSettings(
        auth_profile="none",
        trusted_certs=[gateway_party.cert],
        signing_key=mock_party.key,
        signing_cert=mock_party.cert,
    )


@pytest.fixture
def signer(gateway_party: Party) -> wsse.Signer:
    return wsse.Signer(wsse.SigningIdentity.load(gateway_party.key, gateway_party.cert), clock=lambda: NOW)


@pytest.fixture
def reply_verifier(mock_party: Party) -> wsse.Verifier:
    return wsse.Verifier(trusted_certs=[mock_party.cert], clock=lambda: NOW)


@pytest.fixture
def make_client(mock_config: MockConfig, base_settings: PopulationMockSettings):
    """``async with make_client(**overrides) as (client, app)``: the mocks with population
    settings ``base_settings`` updated by ``overrides``."""
    import contextlib

    @contextlib.asynccontextmanager
    async def build(**overrides) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:  # noqa: ANN003
        settings = replace(base_settings, **overrides)
        app = create_mocks_app(replace(mock_config, now=lambda: NOW), systems=[population_system(settings)])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            yield client, app

    return build


@pytest.fixture
async def client(make_client) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    async with make_client() as (http, _app):
        yield http


SignFn = Callable[[bytes], bytes]
