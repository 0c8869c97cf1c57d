"""Fixture: a wire client logged in to the mock portal."""

from __future__ import annotations

import httpx
import pytest
from tests.mocks.portal.mock_portal_wire import Portal


@pytest.fixture
async def portal(mocks_client: httpx.AsyncClient) -> Portal:
    p = Portal(mocks_client)
    assert (await p.login())["error_code"] == 0
    return p
