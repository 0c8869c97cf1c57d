import asyncio
import gzip
import json
import socket
import time

import pytest

from adapters._exchange import (
    DEFAULT_TRANSPORT,
    AiohttpSender,
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
from contracts.errors import ContractViolation, UpstreamTimeout, UpstreamUnavailable

pytestmark = pytest.mark.network


TRANSPORTS = ["aiohttp", "httpx", "lean"]  # "lean": the exchange sends with AiohttpSender


def exchange_over(transport: str, audit, registry, read_timeout: float = 0.3) -> Exchange:
    clock = SystemClock()
    lean = transport == "lean"
    return Exchange(
        name="slow",
        peer="portal",
        http=build_http_client(connect_timeout=0.5, read_timeout=read_timeout,
                               transport="aiohttp" if lean else transport),
        send=AiohttpSender(connect_timeout=0.5, read_timeout=read_timeout) if lean else None,
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


@pytest.mark.parametrize("transport", TRANSPORTS)
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


@pytest.mark.parametrize("transport", TRANSPORTS)
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


async def answering_server(reply: bytes) -> tuple[asyncio.Server, int, list[bytes]]:
    """Answers every request on a connection with ``reply``; keeps what it received."""
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await reader.readuntil(b"\r\n\r\n"):
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            received.append(head + await reader.readexactly(length))
            writer.write(reply)
            await writer.drain()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], received


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_replies_are_decoded_and_cookies_not_kept(transport, audit, registry, ctx):
    """Each transport sends our headers and body as given and decodes a gzip reply; the lean
    sender keeps no cookie an upstream sets."""
    body = gzip.compress(b'{"ok": true}')
    reply = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
             b"Set-Cookie: sticky=1\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    server, port, received = await answering_server(reply)
    exchange = exchange_over(transport, audit, registry)
    request = OutboundRequest("POST", f"http://localhost:{port}/api", headers={"X-Call": "1"}, content=b"<q/>")
    try:
        for _ in range(2):
            assert await exchange.call(request, ctx, Operation("Op"), lambda r: json.loads(r.content)) == {"ok": True}
    finally:
        await exchange.aclose()
        server.close()
    first, second = (raw.lower() for raw in received)
    assert b"x-call: 1" in first and first.endswith(b"<q/>")
    if transport == "lean":  # httpx's client keeps cookies; the lean sender never does
        assert b"cookie" not in second.split(b"\r\n\r\n")[0]
    assert audit.entries[-1].response_bytes == b'{"ok": true}'


async def test_the_lean_sender_does_not_follow_redirects(audit, registry, ctx):
    """A 302 reaches the pipeline as the upstream's answer (a contract violation), not a second call."""
    reply = b"HTTP/1.1 302 Found\r\nLocation: http://elsewhere.invalid/\r\nContent-Length: 0\r\n\r\n"
    server, port, received = await answering_server(reply)
    exchange = exchange_over("lean", audit, registry)
    try:
        with pytest.raises(ContractViolation):
            await exchange.call(OutboundRequest("GET", f"http://127.0.0.1:{port}/a"), ctx, Operation("Op"), lambda r: None)
    finally:
        await exchange.aclose()
        server.close()
    assert len(received) == 1 and audit.entries[-1].http_status == 302
