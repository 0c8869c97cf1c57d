"""The request journal: filters, clearing and its bound."""

from __future__ import annotations

import httpx

from mocks._core import MockConfig
from mocks.app import create_mocks_app

LOGIN = {"username": "lienthong", "password": "dev-portal-password"}
DST = {"dstcode": "000.00.00.H56"}


async def test_journal_filters_by_target_and_operation(mocks_client: httpx.AsyncClient) -> None:
    """GET /__admin/requests filters on target and operation."""
    session = (await mocks_client.post("/portal/api/auth", json=LOGIN, headers=DST)).json()["session"]
    await mocks_client.post("/portal/api/share", json={"session": session, "madonvi": "x", "service": "LayDanhSachTTHC"}, headers=DST)
    everything = (await mocks_client.get("/__admin/requests")).json()
    assert [e["operation"] for e in everything["requests"]] == ["auth", "LayDanhSachTTHC"]
    only = (await mocks_client.get("/__admin/requests", params={"operation": "LayDanhSachTTHC"})).json()
    assert only["count"] == 1 and only["requests"][0]["target"] == "portal"
    assert (await mocks_client.get("/__admin/requests", params={"target": "payment"})).json()["count"] == 0


async def test_journal_can_be_cleared(mocks_client: httpx.AsyncClient) -> None:
    """DELETE /__admin/requests empties the journal."""
    await mocks_client.post("/portal/api/auth", json=LOGIN, headers=DST)
    await mocks_client.delete("/__admin/requests")
    assert (await mocks_client.get("/__admin/requests")).json() == {"total": 0, "count": 0, "requests": []}


async def test_journal_is_a_bounded_ring_buffer() -> None:
    """Only the latest journal_size entries are kept, while total counts every request."""
    app = create_mocks_app(MockConfig(journal_size=5))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as client:
        for _ in range(8):
            await client.post("/portal/api/auth", json=LOGIN, headers=DST)
        journal = (await client.get("/__admin/requests")).json()
        assert journal["total"] == 8 and journal["count"] == 5
        assert [e["seq"] for e in journal["requests"]] == [4, 5, 6, 7, 8]
        page = (await client.get("/__admin/requests", params={"after": 6, "limit": 1})).json()
        assert [e["seq"] for e in page["requests"]] == [8]
