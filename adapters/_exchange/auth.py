"""Auth profiles: how each upstream wants to be authenticated (pipeline step 2).

Auth is applied to each outgoing request (``authenticate`` returns a modified copy), never to
the client's default headers, because some profiles put credentials in the body (the DVCQG
session key) and some compute them per request (NDXP digest headers, added later).
``invalidate`` is called when the upstream rejected our credentials: the profile drops what it
cached and says whether one retry with fresh credentials makes sense.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Mapping
from typing import Any, Protocol

import httpx
import structlog

from adapters._exchange.context import Clock
from adapters._exchange.errors import error_for_status, map_httpx_error
from adapters._exchange.request import OutboundRequest
from contracts.errors import ContractViolation, UpstreamAuthFailed

log = structlog.get_logger("adapters.exchange.auth")


class AuthProfile(Protocol):
    async def authenticate(
        self, request: OutboundRequest, http: httpx.AsyncClient
    ) -> OutboundRequest: ...

    def invalidate(self, request: OutboundRequest) -> bool: ...


class NoAuth:
    """For upstreams authenticated by other means (mutual TLS, a signature on the body)."""

    async def authenticate(
        self, request: OutboundRequest, http: httpx.AsyncClient
    ) -> OutboundRequest:
        return request

    def invalidate(self, request: OutboundRequest) -> bool:
        return False


async def post_credentials(
    http: httpx.AsyncClient, upstream: str, operation: str, **kwargs: Any
) -> Any:
    """POST to a login/token endpoint, mapping failures like the pipeline does."""
    try:
        response = await http.post(**kwargs)
    except Exception as exc:
        mapped = map_httpx_error(exc, upstream, operation)
        if mapped is None:
            raise
        raise mapped from exc
    status_error = error_for_status(response.status_code, upstream, operation)
    if status_error is not None:
        raise status_error
    try:
        return response.json()
    except ValueError as exc:
        raise ContractViolation(f"{upstream} {operation}: reply is not JSON") from exc


class DvcqgSessionAuth:
    """DVCQG integration guide v1.4, "Xác thực": a session key, not OAuth.

    ``POST {base}{auth_path}`` with JSON ``{"username", "password"}`` and header ``dstcode``
    → ``{"session": "<key>", "error_code": 0}``. The key is cached and sent as ``"session"``
    in the JSON body of every call, with the ``dstcode`` header.
    """

    def __init__(
        self,
        *,
        login_url: str,
        username: str,
        password: str,
        dstcode: str,
        upstream: str = "portal",
        ok_codes: tuple[str, ...] = ("0",),
    ) -> None:
        self._login_url = login_url
        self._username = username
        self._password = password
        self._dstcode = dstcode
        self._upstream = upstream
        self._ok_codes = ok_codes
        self._session: str | None = None
        self._lock = asyncio.Lock()
        self.logins = 0  # how many times we logged in (for tests and diagnostics)

    async def authenticate(
        self, request: OutboundRequest, http: httpx.AsyncClient
    ) -> OutboundRequest:
        session = await self._current_session(http)
        body = {"session": session, **(request.json or {})}
        return request.with_json(body).with_header("dstcode", self._dstcode)

    def invalidate(self, request: OutboundRequest) -> bool:
        used = (request.json or {}).get("session") if isinstance(request.json, dict) else None
        if used is None or used == self._session:
            self._session = None  # otherwise another call already logged in again
        return True

    async def _current_session(self, http: httpx.AsyncClient) -> str:
        if self._session is not None:
            return self._session
        async with self._lock:  # concurrent calls log in once
            if self._session is None:
                self._session = await self._login(http)
            return self._session

    async def _login(self, http: httpx.AsyncClient) -> str:
        reply = await post_credentials(
            http,
            self._upstream,
            "login",
            url=self._login_url,
            json={"username": self._username, "password": self._password},
            headers={"dstcode": self._dstcode},
        )
        self.logins += 1
        if isinstance(reply, dict) and "session" not in reply:
            reply = _unwrap_message(reply)
        if not isinstance(reply, dict):
            raise ContractViolation(f"{self._upstream} login: reply is not an object")
        code = str(reply.get("error_code", ""))
        session = reply.get("session")
        if code not in self._ok_codes or not isinstance(session, str) or not session:
            log.warning("adapter.auth.failed", upstream=self._upstream, error_code=code)
            raise UpstreamAuthFailed(f"{self._upstream} login refused (error_code {code})")
        log.info("adapter.auth.login", upstream=self._upstream)
        return session


def _unwrap_message(reply: dict[str, Any]) -> Any:
    """Some provincial proxies wrap the reply: ``{"error_code", "message": "<JSON string>"}``."""
    message = reply.get("message")
    if isinstance(message, str) and message.lstrip().startswith("{"):
        try:
            inner = json.loads(message)
        except ValueError:
            return reply
        if isinstance(inner, dict):
            return {"error_code": reply.get("error_code"), **inner}
    return reply


class OAuth2ClientCredentials:
    """WSO2-style LGSP token endpoint (RFC 6749 §4.4, client credentials).

    ``POST {token_url}`` with ``Authorization: Basic base64(key:secret)`` and form
    ``grant_type=client_credentials`` → ``access_token`` (+ ``expires_in``), cached and
    refreshed ``refresh_margin_seconds`` before it expires; then ``Authorization: Bearer``.
    """

    def __init__(
        self,
        *,
        token_url: str,
        client_key: str = "",
        client_secret: str = "",
        clock: Clock,
        upstream: str,
        scope: str | None = None,
        refresh_margin_seconds: float = 180.0,
        token_headers: Mapping[str, str] | None = None,
        call_headers: Mapping[str, str] | None = None,
    ) -> None:
        """``token_headers`` replace the Basic client authentication of the token call;
        ``call_headers`` go on every call besides the bearer token (VNPT's LGSP wants both)."""
        self._token_url = token_url
        if token_headers is None:
            basic = base64.b64encode(f"{client_key}:{client_secret}".encode()).decode("ascii")
            token_headers = {"Authorization": f"Basic {basic}"}
        self._token_headers = dict(token_headers)
        self._call_headers = dict(call_headers or {})
        self._clock = clock
        self._upstream = upstream
        self._scope = scope
        self._margin = refresh_margin_seconds
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def authenticate(
        self, request: OutboundRequest, http: httpx.AsyncClient
    ) -> OutboundRequest:
        token = await self._current_token(http)
        return request.with_headers(**self._call_headers, Authorization=f"Bearer {token}")

    def invalidate(self, request: OutboundRequest) -> bool:
        used = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if used == self._token:
            self._token = None
        return True

    def _fresh(self) -> bool:
        return self._token is not None and self._clock.monotonic() < self._refresh_at

    async def _current_token(self, http: httpx.AsyncClient) -> str:
        if self._fresh():
            return self._token  # type: ignore[return-value]  # _fresh() checked it is set
        async with self._lock:
            if not self._fresh():
                await self._fetch(http)
            return self._token  # type: ignore[return-value]

    async def _fetch(self, http: httpx.AsyncClient) -> None:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        reply = await post_credentials(
            http,
            self._upstream,
            "token",
            url=self._token_url,
            data=form,
            headers=self._token_headers,
        )
        self.fetches += 1
        token = reply.get("access_token") if isinstance(reply, dict) else None
        if not isinstance(token, str) or not token:
            raise UpstreamAuthFailed(f"{self._upstream} token endpoint gave no access_token")
        try:
            expires_in = float(reply.get("expires_in", 3600))
        except (TypeError, ValueError) as exc:
            raise ContractViolation(f"{self._upstream} token: bad expires_in") from exc
        # Short-lived tokens: never refresh earlier than half their life.
        margin = min(self._margin, expires_in / 2)
        self._token = token
        self._refresh_at = self._clock.monotonic() + expires_in - margin
        log.info("adapter.auth.token", upstream=self._upstream)


__all__ = [
    "AuthProfile",
    "DvcqgSessionAuth",
    "NoAuth",
    "OAuth2ClientCredentials",
]
