"""The HTTP client every exchange uses: timeouts always set, transport chosen by measurement.

``docs/performance.md`` ("HTTP transport") has the figures behind ``DEFAULT_TRANSPORT``.

``AiohttpSender`` is the lean alternative an adapter on a hot path may give its exchange
(``send=``): aiohttp directly, skipping httpx's client layer (URL merging, cookies, auth and
redirect flows, request models), which cost ~0.4 ms of CPU per call on this machine. The
reply is still an ``httpx.Response``, which is what the pipeline's hooks read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Literal

import httpx

if TYPE_CHECKING:
    import aiohttp

Send = Callable[[str, str, Mapping[str, str], bytes], Awaitable[httpx.Response]]
"""``send(method, url, headers, content)``: one HTTP exchange, the reply's body read."""

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


def httpx_sender(http: httpx.AsyncClient) -> Send:
    """Send through an httpx client (the default; tests inject ``MockTransport`` this way)."""

    async def send(method: str, url: str, headers: Mapping[str, str], content: bytes) -> httpx.Response:
        return await http.send(http.build_request(method, url, headers=headers, content=content))

    return send


class AiohttpSender:
    """``Send`` on an aiohttp session of its own, created on first use (it needs the running
    loop). As the httpx client it replaces: connect/read/pool timeouts, keep-alive pool,
    redirects never followed, bodies decoded by httpx (``Content-Encoding``), failures raised
    as httpx exceptions (so ``map_httpx_error`` applies). Unlike it, no cookie is kept: a
    national system's call carries only the credentials its auth profile adds."""

    def __init__(self, *, connect_timeout: float, read_timeout: float, max_connections: int = 100) -> None:
        from httpx_aiohttp.transport import map_aiohttp_exceptions

        self._mapped_errors = map_aiohttp_exceptions  # aiohttp's failures as httpx's
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        import aiohttp

        connector = aiohttp.TCPConnector(
            limit=self._max_connections, keepalive_timeout=5.0, ssl=httpx.create_ssl_context()
        )
        timeout = aiohttp.ClientTimeout(
            sock_connect=self._connect_timeout, sock_read=self._read_timeout, connect=self._connect_timeout
        )
        return aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
        )

    async def __call__(
        self, method: str, url: str, headers: Mapping[str, str], content: bytes
    ) -> httpx.Response:
        if self._session is None:
            self._session = self._open()
        with self._mapped_errors():
            async with self._session.request(
                method, url, headers=headers, data=content, allow_redirects=False
            ) as reply:
                body = await reply.read()
        return httpx.Response(reply.status, headers=reply.raw_headers, content=body)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
