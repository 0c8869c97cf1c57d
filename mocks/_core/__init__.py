"""Shared machinery of the mock national systems: config, faults, journal, wire cycle.

A mock system is a :class:`MockSystem` built by a factory ``create_system(ctx)`` from a
:class:`MockContext`; ``mocks.app.create_mocks_app`` mounts it. See docs/mocks.md.
"""

from mocks._core.config import DEV_PORTAL_PASSWORD, DEV_PORTAL_USERNAME, MockConfig
from mocks._core.faults import MODES, Fault, FaultRegistry, FaultSpecError
from mocks._core.journal import Journal, JournalEntry
from mocks._core.system import KNOWN_TARGETS, ASGIApp, MockContext, MockSystem, SystemFactory
from mocks._core.wire import (
    InjectedConnectionReset,
    MockReply,
    MockRequest,
    WireHandler,
    route_path,
    wire_app,
)

__all__ = [
    "DEV_PORTAL_PASSWORD",
    "DEV_PORTAL_USERNAME",
    "KNOWN_TARGETS",
    "MODES",
    "ASGIApp",
    "Fault",
    "FaultRegistry",
    "FaultSpecError",
    "InjectedConnectionReset",
    "Journal",
    "JournalEntry",
    "MockConfig",
    "MockContext",
    "MockReply",
    "MockRequest",
    "MockSystem",
    "SystemFactory",
    "WireHandler",
    "route_path",
    "wire_app",
]
