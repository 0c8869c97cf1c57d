"""Reply styles, reset and the push of nationally submitted dossiers."""

from __future__ import annotations

import json

import httpx
from tests.mocks.portal.mock_portal_wire import MA_HO_SO, Portal, dossier

from contracts.portal import validator
from mocks._core import MockConfig
from mocks.app import create_mocks_app


async def test_wrapped_reply_carries_the_plain_reply_as_json_text(portal: Portal, mocks_client: httpx.AsyncClient) -> None:
    """In wrapped style, message is the JSON string of exactly the plain reply."""
    await portal.write("DongBoHoSoMC", [dossier()])
    plain = await portal.read("TraCuuHoSo", MaHoSo=MA_HO_SO)
    assert (await mocks_client.post("/__admin/portal/config", json={"reply_style": "wrapped"})).status_code == 200
    wrapped = await portal.read("TraCuuHoSo", MaHoSo=MA_HO_SO)
    assert set(wrapped) == {"error_code", "message"}
    assert list(validator("reply.wrapped").iter_errors(wrapped)) == []
    assert json.loads(wrapped["message"]) == plain


async def test_errors_are_wrapped_too(portal: Portal, mocks_client: httpx.AsyncClient) -> None:
    """A refusal in wrapped style keeps its error_code outside and the plain reply inside."""
    await mocks_client.post("/__admin/portal/config", json={"reply_style": "wrapped"})
    reply = await portal.write("DongBoHoSoMC", [dossier(updating=True)])
    assert reply["error_code"] == 404
    assert "không tồn tại" in json.loads(reply["message"])["message"]


async def test_bad_config_is_refused(mocks_client: httpx.AsyncClient) -> None:
    """An unknown reply style or a non-positive TTL is a 422 and changes nothing."""
    assert (await mocks_client.post("/__admin/portal/config", json={"reply_style": "xml"})).status_code == 422
    assert (await mocks_client.post("/__admin/portal/config", json={"session_ttl_seconds": 0})).status_code == 422
    assert (await mocks_client.get("/__admin/portal/config")).json() == {"reply_style": "plain", "session_ttl_seconds": 600}


async def test_reset_returns_to_the_seeded_state(portal: Portal, mocks_client: httpx.AsyncClient) -> None:
    """POST /__admin/reset forgets dossiers, sessions, config changes, faults and the journal."""
    await portal.write("DongBoHoSoMC", [dossier()])
    await mocks_client.post("/__admin/portal/config", json={"reply_style": "wrapped"})
    await mocks_client.post("/__admin/faults", json={"target": "portal", "mode": "error"})
    assert "portal" in (await mocks_client.post("/__admin/reset")).json()["reset"]
    assert (await mocks_client.get(f"/__admin/portal/dossiers/{MA_HO_SO}")).status_code == 404
    assert (await mocks_client.get("/__admin/faults")).json()["faults"] == []
    assert (await mocks_client.get("/__admin/requests")).json()["count"] == 0
    assert (await portal.read("LayDanhSachTTHC"))["error_code"] == 401  # session forgotten
    body = await portal.login()
    assert body["error_code"] == 0 and "result" in await portal.read("LayDanhSachTTHC")  # plain again


async def test_push_dossier_posts_a_valid_national_dossier_to_the_gateway(mock_config: MockConfig) -> None:
    """push-dossier POSTs a schema-valid dossier to {gateway_url}/national/portal/dossiers and relays the answer."""
    seen: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"error_code": 0, "message": "Tiếp nhận thành công"})

    mock_config.gateway_url = "http://gateway.test:8080"
    mock_config.gateway_transport = httpx.MockTransport(gateway)
    app = create_mocks_app(mock_config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mocks.test") as client:
        reply = await client.post("/__admin/portal/push-dossier", json={"ChuHoSo": "Lê Thị Hoa"})
        second = await client.post("/__admin/portal/push-dossier")
    assert reply.status_code == 200
    assert reply.json()["status"] == 200 and reply.json()["reply"]["error_code"] == 0
    assert str(seen[0].url) == "http://gateway.test:8080/national/portal/dossiers"
    sent = json.loads(seen[0].content)
    assert list(validator("push-dossier.request").iter_errors(sent)) == []
    assert sent["ChuHoSo"] == "Lê Thị Hoa" and sent["NgayNopHoSo"] == "20261122093000"
    assert json.loads(seen[1].content)["MaHoSoQG"] != sent["MaHoSoQG"]


async def test_push_dossier_reports_an_unreachable_gateway(mock_config: MockConfig) -> None:
    """When the gateway cannot be reached, push-dossier answers 502 with the error."""

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    mock_config.gateway_transport = httpx.MockTransport(down)
    app = create_mocks_app(mock_config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mocks.test") as client:
        reply = await client.post("/__admin/portal/push-dossier")
    assert reply.status_code == 502 and "ConnectError" in reply.json()["error"]
