"""Pure ASGI middleware: refuse request bodies over a limit with 413 ``payload_too_large``,
by ``Content-Length`` up front and by counting streamed chunks otherwise.

Every refusal is a rejected inbound call, so it is recorded in the audit trail
(``refused_call_record``) through ``app.state.container.audit`` when the app has one: the
route's operation (``citizens.lookup``…), outcome ``payload_too_large``, HTTP 413 and *no
body*: the refused bytes are neither kept nor hashed (the record's request digest is that of
the empty body). Only the refusal path does this work; accepted requests pay nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.problem import problem_response
from gateway.errors import PayloadTooLarge
from security.audit import ExchangeRecord

log = structlog.get_logger("gateway.api.body_limit")

# Routes whose refusals already have an audited operation name of their own.
OPERATIONS = {"/v1/citizens/lookup": "citizens.lookup", "/v1/citizens/verify": "citizens.verify"}
# Inbound calls from national systems (everything else comes from the province).
PEERS = {"/national/payment/callback": "payment", "/national/portal/dossiers": "portal"}


class _TooLarge(BaseException):
    """Raised from ``receive``; a BaseException so that no body parser on the way (FastAPI
    turns any Exception while reading the body into a 400) can swallow it before us."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def refused_call_record(scope: Scope, error: PayloadTooLarge, at: datetime) -> ExchangeRecord:
    """The audit record of an inbound call refused before routing."""
    # Refused before routing: the path as sent (the API carries personal ids in bodies only).
    path = scope.get("path", "")
    operation = OPERATIONS.get(path) or f"{scope.get('method', '')} {path}"[:200]
    return ExchangeRecord(
        at=at,
        direction="inbound",
        peer=PEERS.get(path, "province"),  # type: ignore[arg-type]  # the table's values are peers
        operation=operation,
        request_id=scope.get("state", {}).get("request_id", ""),
        caller=None,  # refused before authentication: the token was not looked at
        officer_id=None,
        purpose=None,
        outcome=error.code,
        http_status=error.http_status,
        duration_ms=0.0,
        request_bytes=b"",  # never stored, never read: the digest is that of b""
        response_bytes=None,
    )


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, now: Callable[[], datetime] = _utcnow) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.now = now

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if declared is not None and declared.isdigit():
            if int(declared) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            # The server holds the body to its declared length: nothing to count (the common
            # case, so it pays for no wrappers). Only bodies of unstated length are counted.
            await self.app(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = scope.get("state", {}).get("request_id", "")
        error = PayloadTooLarge(f"request body exceeds {self.max_bytes} bytes")
        await self._record(scope, error)
        await problem_response(error, request_id)(scope, receive, send)

    async def _record(self, scope: Scope, error: PayloadTooLarge) -> None:
        container: Any = getattr(getattr(scope.get("app"), "state", None), "container", None)
        audit = getattr(container, "audit", None)
        if audit is None:  # an app without an audit trail (or not started yet)
            return
        try:
            await audit.record(refused_call_record(scope, error, self.now()))
        except Exception:  # the refusal stands even if the audit write failed; say so loudly
            log.exception("audit.refusal.failed", code=error.code)
