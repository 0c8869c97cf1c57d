"""Login, sessions and their expiry on the mock DVCQG portal."""

from __future__ import annotations

import httpx
from tests.mocks.portal.mock_portal_wire import DSTCODE, Portal

from contracts.portal import validator


async def test_login_returns_a_session_key(mocks_client: httpx.AsyncClient) -> None:
    """Right credentials and a dstcode give error_code 0 and a session that satisfies the schema."""
    body = await Portal(mocks_client).login()
    assert body["error_code"] == 0 and body["session"]
    assert list(validator("auth.reply").iter_errors(body)) == []


async def test_wrong_password_is_refused(mocks_client: httpx.AsyncClient) -> None:
    """A wrong password gets a non-zero error_code and no session; the journal says auth failed."""
    body = await Portal(mocks_client).login(password="wrong")
    assert body["error_code"] == 403 and "session" not in body
    journal = (await mocks_client.get("/__admin/requests", params={"operation": "auth"})).json()
    assert journal["requests"][-1]["auth_ok"] is False


async def test_login_without_dstcode_is_refused(mocks_client: httpx.AsyncClient) -> None:
    """The dstcode header is required on login."""
    reply = await mocks_client.post("/portal/api/auth", json={"username": "lienthong", "password": "dev-portal-password"})
    assert reply.json()["error_code"] == 400


async def test_unknown_session_is_refused(portal: Portal) -> None:
    """A call with a session the portal never issued gets error_code 401 and the documented message."""
    portal.session = "not-a-session"
    body = await portal.read("LayDanhSachTTHC")
    assert body["error_code"] == 401
    assert "Phiên đăng nhập không hợp lệ" in body["message"]


async def test_session_expires_after_its_ttl(portal: Portal, clock) -> None:  # noqa: ANN001
    """A session works until its TTL (600 s here) passes, then a new login is needed."""
    clock.advance(599)
    assert (await portal.read("LayDanhSachTTHC"))["error_code"] == 0
    clock.advance(2)
    assert (await portal.read("LayDanhSachTTHC"))["error_code"] == 401
    await portal.login()
    assert (await portal.read("LayDanhSachTTHC"))["error_code"] == 0


async def test_admin_can_expire_every_session(portal: Portal, mocks_client: httpx.AsyncClient) -> None:
    """POST /__admin/portal/expire-sessions invalidates live sessions so re-login can be tested."""
    reply = await mocks_client.post("/__admin/portal/expire-sessions")
    assert reply.json() == {"expired": 1}
    assert (await portal.read("LayDanhSachTTHC"))["error_code"] == 401


async def test_session_ttl_is_configurable(portal: Portal, mocks_client: httpx.AsyncClient, clock) -> None:  # noqa: ANN001
    """session_ttl_seconds set through the admin config applies to sessions opened afterwards."""
    reply = await mocks_client.post("/__admin/portal/config", json={"session_ttl_seconds": 5})
    assert reply.json()["session_ttl_seconds"] == 5
    await portal.login()
    clock.advance(6)
    assert (await portal.read("LayDanhSachTTHC"))["error_code"] == 401


async def test_call_without_dstcode_is_refused(portal: Portal, mocks_client: httpx.AsyncClient) -> None:
    """Integration and share calls need the dstcode header too."""
    body = {"session": portal.session, "madonvi": "x", "service": "LayDanhSachTTHC"}
    reply = await mocks_client.post("/portal/api/share", json=body)
    assert reply.json()["error_code"] == 400
    assert (await mocks_client.post("/portal/api/share", json=body, headers=DSTCODE)).json()["error_code"] == 0
