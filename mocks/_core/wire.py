"""The pure-ASGI request cycle shared by every mock system's wire endpoints.

For each request: read the body → journal it → ask the system for the operation → pick a
fault → apply it (or not) around the system's handler → send the reply. Kept lean: a
benchmark pushes thousands of requests per second through this.

Fault semantics (``mode``):
- ``latency``: wait ``latency_ms``, then serve normally.
- ``error``: HTTP ``status`` (default 500) with a short text body.
- ``timeout``: hang for ``latency_ms`` (default and upper bound:
  ``MockConfig.fault_timeout_seconds``), then answer 504.
- ``reset``: start the response and drop the connection: under uvicorn the client sees the
  connection close mid-response; under ``httpx.ASGITransport`` it gets
  :class:`InjectedConnectionReset`, an ``httpx.RemoteProtocolError``. Either way no reply.
- ``malformed``: serve normally, then send only the first half of the reply body.
- ``bad_signature``: passed to the system's handler, which decides (the portal ignores it).
``error``/``timeout``/``reset`` act ``before`` the request is processed (default) or
``after`` (``phase``): then the system did the work and only the reply is lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import orjson

from mocks._core.faults import Fault
from mocks._core.journal import JournalEntry
from mocks._core.system import ASGIApp, MockContext, Receive, Scope, Send

_UNSET: Any = object()


class InjectedConnectionReset(httpx.RemoteProtocolError):
    """Raised by a mock to drop the connection (fault mode ``reset``)."""


class _DropInjectedResets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, InjectedConnectionReset)


def quiet_injected_resets() -> None:
    """Keep uvicorn from logging a traceback for every injected ``reset`` (idempotent)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropInjectedResets) for f in logger.filters):
        logger.addFilter(_DropInjectedResets())


@dataclass
class MockRequest:
    method: str
    path: str  # relative to the system's mount point, e.g. "/api/auth"
    query_string: bytes
    headers: dict[str, str]  # lower-case names
    body: bytes
    _json: Any = field(default=_UNSET, repr=False)

    def json(self) -> Any:
        """The body parsed as JSON (once); raises ValueError if it is not JSON."""
        if self._json is _UNSET:
            self._json = orjson.loads(self.body)
        return self._json


@dataclass
class MockReply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, obj: Any, status: int = 200) -> MockReply:
        return cls(status=status, body=orjson.dumps(obj))

    @classmethod
    def text(cls, text: str, status: int) -> MockReply:
        return cls(status=status, body=text.encode(), content_type="text/plain; charset=utf-8")


class WireHandler(Protocol):
    """What a mock system implements to serve its wire format through :func:`wire_app`."""

    def operation(self, request: MockRequest) -> str | None:
        """The operation a request asks for (cheap; used to match faults and in the journal)."""
        ...

    async def handle(self, request: MockRequest, entry: JournalEntry, fault: Fault | None) -> MockReply:
        """Serve the request; set ``entry.auth_ok/signature_ok/valid/errors`` on the way."""
        ...


def route_path(scope: Scope) -> str:
    """The path below the mount point (Starlette's convention: ``root_path`` is the mount)."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root):] or "/"
    return path


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def send_reply(send: Send, reply: MockReply) -> None:
    headers = [
        (b"content-type", reply.content_type.encode()),
        (b"content-length", str(len(reply.body)).encode()),
        *((k.encode(), v.encode()) for k, v in reply.headers),
    ]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


def wire_app(ctx: MockContext, target: str, handler: WireHandler) -> ASGIApp:
    """An ASGI app serving ``handler`` as mock system ``target`` with journal and faults."""
    config, journal, faults = ctx.config, ctx.journal, ctx.faults

    async def fail(fault: Fault) -> MockReply | None:
        if fault.mode == "error":
            status = fault.status or 500
            return MockReply.text(f"Injected fault: HTTP {status}", status)
        if fault.mode == "timeout":
            limit = config.fault_timeout_seconds
            hang = min(fault.latency_ms / 1000, limit) if fault.latency_ms else limit
            await config.sleep(hang)
            return MockReply.text("Injected fault: upstream timed out", 504)
        return None  # reset

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = config.clock()
        request = MockRequest(
            method=scope["method"],
            path=route_path(scope),
            query_string=scope.get("query_string", b""),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            body=await read_body(receive),
        )
        entry = journal.record(JournalEntry(
            target=target, method=request.method, path=scope["path"], headers=request.headers,
            body=request.body, received_at=config.now(),
        ))
        try:
            entry.operation = handler.operation(request)
        except Exception:  # an unparseable request has no operation; handle() will say why
            entry.operation = None
        fault = faults.pick(target, entry.operation)
        reply: MockReply | None
        if fault is not None:
            entry.fault = fault.mode
            if fault.mode == "latency" and fault.latency_ms:
                await config.sleep(fault.latency_ms / 1000)
        if fault is not None and fault.phase == "before" and fault.mode in ("error", "timeout", "reset"):
            reply = await fail(fault)
        else:
            try:
                reply = await handler.handle(request, entry, fault)
            except Exception as exc:  # a bug in the mock: say so loudly, in the reply too
                entry.errors.append(f"mock error: {exc!r}")
                reply = MockReply.text(f"Mock error: {exc!r}", 500)
            if fault is not None and fault.mode == "malformed":
                reply = MockReply(reply.status, reply.body[: len(reply.body) // 2], reply.content_type)
            elif fault is not None and fault.mode in ("error", "timeout", "reset"):
                reply = await fail(fault)
        entry.duration_ms = round((config.clock() - started) * 1000, 3)
        if reply is None:
            # Start a response that promises a body, then fail: uvicorn closes the connection
            # (it would turn an exception before the start into a clean 500).
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")]})
            raise InjectedConnectionReset(f"Injected fault: connection reset ({target})")
        entry.status = reply.status
        await send_reply(send, reply)

    return app
