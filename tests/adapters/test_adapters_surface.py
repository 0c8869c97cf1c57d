import ast
import pathlib

import httpx
import pytest
from prometheus_client import CollectorRegistry

import adapters._exchange
import adapters.portal
from adapters.portal import build_portal_client
from gateway.settings import Settings
from security.audit import ListAuditSink

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("package", [adapters._exchange, adapters.portal])
def test_public_surface_is_what_init_exports(package):
    """Every name in __all__ exists, so the documented surface is importable."""
    for name in package.__all__:
        assert getattr(package, name) is not None


def test_adapters_never_import_gateway_or_mocks():
    """Adapters depend on _exchange, security and contracts only; mocks must never share code with them."""
    offenders = []
    for path in (ROOT / "adapters").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("gateway", "mocks", "app")]
    assert offenders == []


async def test_factory_accepts_the_gateway_settings_and_sets_timeouts(tmp_path):
    """build_portal_client takes gateway Settings and builds a client on the measured transport with the configured timeouts."""
    from httpx_aiohttp import AiohttpTransport

    settings = Settings(var_dir=tmp_path, connect_timeout=1.5, read_timeout=4.0, breaker_failure_threshold=7)
    client = build_portal_client(settings, audit=ListAuditSink(), registry=CollectorRegistry())
    try:
        http = client.exchange.http
        assert isinstance(http._transport, AiohttpTransport)
        assert (http.timeout.connect, http.timeout.read) == (1.5, 4.0)
        assert client.breaker_state == "closed"
        assert client.exchange.budget_seconds == settings.call_budget_seconds
    finally:
        await client.aclose()


async def test_two_clients_can_share_one_registry(tmp_path):
    """Several apps or upstreams in one process register their metrics once per registry."""
    settings = Settings(var_dir=tmp_path)
    registry = CollectorRegistry()
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)), timeout=5)
    first = build_portal_client(settings, audit=ListAuditSink(), registry=registry, http=http)
    second = build_portal_client(settings, audit=ListAuditSink(), registry=registry, http=http)
    assert first.exchange.metrics is second.exchange.metrics
    await http.aclose()
