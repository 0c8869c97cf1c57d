"""What a mock national system is, to the shared machinery (``mocks.app``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from mocks._core.config import MockConfig
from mocks._core.faults import FaultRegistry
from mocks._core.journal import Journal

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Fault targets the admin API accepts even before the system is registered.
KNOWN_TARGETS = ("portal", "population", "payment")


@dataclass
class MockContext:
    """The shared services every mock system is built with (one per ``create_mocks_app``)."""

    config: MockConfig
    faults: FaultRegistry
    journal: Journal


@dataclass
class MockSystem:
    """One mock national system.

    ``app`` serves the wire format under ``/<name>``; ``admin_app`` (optional) serves
    system-specific admin routes under ``/__admin/<name>``; ``reset`` puts the system back in
    its seeded state (``POST /__admin/reset``); ``aclose`` runs at shutdown.
    """

    name: str
    app: ASGIApp
    reset: Callable[[], None]
    admin_app: ASGIApp | None = None
    aclose: Callable[[], Awaitable[None]] | None = None


SystemFactory = Callable[[MockContext], MockSystem]
