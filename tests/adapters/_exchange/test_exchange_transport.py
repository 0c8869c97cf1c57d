import asyncio
import json
import socket
import time

import pytest

from adapters._exchange import (
    DEFAULT_TRANSPORT,
    CircuitBreaker,
    Exchange,
    ExchangeMetrics,
    NoAuth,
    OutboundRequest,
    RetryPolicy,
    SystemClock,
    build_http_client,
)
from adapters._exchange.pipeline import Operation
from contracts.errors import UpstreamTimeout, UpstreamUnavailable

pytestmark = pytest.mark.network


def exchange_over(transport: str, audit, registry, read_timeout: float = 0.3) -> Exchange:
    clock = SystemClock()
    return Exchange(
        name="slow",
        peer="portal",
        http=build_http_client(connect_timeout=0.5, read_timeout=read_timeout, transport=transport),
        auth=NoAuth(),
        audit=audit,
        breaker=CircuitBreaker(name="slow", failure_threshold=5, reset_seconds=10, clock=clock),
        retry=RetryPolicy(attempts=1),
        budget_seconds=10.0,
        clock=clock,
        metrics=ExchangeMetrics.for_registry(registry),
    )


async def silent_server() -> tuple[asyncio.Server, int]:
    """Accepts connections, reads the request, never answers."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await asyncio.sleep(30)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def test_the_chosen_transport_is_the_measured_one():
    """docs/performance.md chose aiohttp; the factory default must say the same."""
    assert DEFAULT_TRANSPORT == "aiohttp"


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_a_silent_upstream_times_out_within_the_read_timeout(transport, audit, registry, ctx):
    """Over real loopback sockets, a call to an upstream that never answers fails with UpstreamTimeout after about read_timeout, with either transport."""
    server, port = await silent_server()
    exchange = exchange_over(transport, audit, registry)
    request = OutboundRequest("POST", f"http://127.0.0.1:{port}/api", json={"q": 1})
    started = time.monotonic()
    try:
        with pytest.raises(UpstreamTimeout):
            await exchange.call(request, ctx, Operation("Op"), lambda r: json.loads(r.content))
    finally:
        elapsed = time.monotonic() - started
        await exchange.aclose()
        server.close()
    assert 0.25 <= elapsed < 3.0
    assert audit.entries[-1].outcome == "upstream_timeout"


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_a_refused_connection_is_unavailability(transport, audit, registry, ctx):
    """Nothing listening on the port is UpstreamUnavailable with either transport (not a timeout, not unmapped)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exchange = exchange_over(transport, audit, registry)
    request = OutboundRequest("POST", f"http://127.0.0.1:{port}/api", json={})
    try:
        with pytest.raises(UpstreamUnavailable) as info:
            await exchange.call(request, ctx, Operation("Op"), lambda r: None)
        assert type(info.value) is UpstreamUnavailable
    finally:
        await exchange.aclose()
