"""The mock national public service portal (DVCQG), wire format only.

Mounted by ``mocks.app.create_mocks_app`` at ``/portal`` (wire) and ``/__admin/portal``.
"""

from __future__ import annotations

from mocks._core import MockContext, MockSystem, wire_app
from mocks.portal.admin import create_portal_admin
from mocks.portal.service import PortalWire
from mocks.portal.state import PortalState

NAME = "portal"


def create_system(ctx: MockContext) -> MockSystem:
    config = ctx.config
    state = PortalState(
        clock=config.clock,
        session_ttl_seconds=config.portal_session_ttl_seconds,
        reply_style=config.portal_reply_style,
    )
    return MockSystem(
        name=NAME,
        app=wire_app(ctx, NAME, PortalWire(state, config)),
        reset=state.reset,
        admin_app=create_portal_admin(state, config),
    )


__all__ = ["NAME", "PortalState", "create_system"]
