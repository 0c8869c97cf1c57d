"""The HTTP client every exchange uses: timeouts always set, transport chosen by measurement.

``docs/performance.md`` ("HTTP transport") has the figures behind ``DEFAULT_TRANSPORT``.
"""

from __future__ import annotations

from typing import Literal

import httpx

TransportName = Literal["aiohttp", "httpx"]
DEFAULT_TRANSPORT: TransportName = "aiohttp"


def build_http_client(
    *,
    connect_timeout: float,
    read_timeout: float,
    transport: TransportName = DEFAULT_TRANSPORT,
    max_connections: int = 100,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` with connect/read/write/pool timeouts set.

    With the aiohttp transport, httpx's per-request timeouts become aiohttp's
    ``sock_connect``/``sock_read``/``connect`` (pool) timeouts; the pipeline adds a total
    budget per call on top of either.
    """
    timeout = httpx.Timeout(
        connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
    )
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=20)
    if transport == "aiohttp":
        from httpx_aiohttp import AiohttpTransport

        return httpx.AsyncClient(
            transport=AiohttpTransport(limits=limits), timeout=timeout, follow_redirects=False
        )
    return httpx.AsyncClient(timeout=timeout, limits=limits, follow_redirects=False)
