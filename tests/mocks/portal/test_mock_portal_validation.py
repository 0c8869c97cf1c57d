"""Schema validation of every payload the mock portal receives, visible in the journal."""

from __future__ import annotations

import httpx
from tests.mocks.portal.mock_portal_wire import DSTCODE, Portal, dossier


async def test_invalid_payload_gets_error_reply_and_journal_shows_why(
    portal: Portal, mocks_client: httpx.AsyncClient
) -> None:
    """A dossier with a 12-hour-clock-looking bad date is refused (-1) and journalled valid: false."""
    bad = dossier(NgayTiepNhan="20261122253000")
    reply = await portal.write("DongBoHoSoMC", [bad])
    assert reply["error_code"] == -1
    entry = (await mocks_client.get("/__admin/requests", params={"operation": "DongBoHoSoMC"})).json()["requests"][-1]
    assert entry["valid"] is False
    assert any("NgayTiepNhan" in e for e in entry["errors"])
    assert (await mocks_client.get(f"/__admin/portal/dossiers/{bad['MaHoSo']}")).status_code == 404


async def test_isupdating_at_envelope_level_is_refused(portal: Portal, mocks_client: httpx.AsyncClient) -> None:
    """isUpdating must sit in each data element; a payload carrying it only on the envelope fails."""
    element = dossier()
    del element["isUpdating"]
    reply = await portal.call("integration", "DongBoHoSoMC", data=[element], isUpdating="False")
    assert reply.json()["error_code"] == -1


async def test_body_that_is_not_json_is_refused(portal: Portal, mocks_client: httpx.AsyncClient) -> None:
    """A body that is not JSON gets error_code -1 and is journalled as invalid."""
    reply = await mocks_client.post("/portal/api/integration", content=b"{not json", headers=DSTCODE)
    assert reply.json()["error_code"] == -1
    entry = (await mocks_client.get("/__admin/requests")).json()["requests"][-1]
    assert entry["valid"] is False and entry["operation"] is None


async def test_valid_payload_is_journalled_as_valid_with_headers_and_body(
    portal: Portal, mocks_client: httpx.AsyncClient
) -> None:
    """The journal keeps method, path, headers, body text, operation and the auth verdict."""
    await portal.write("DongBoHoSoMC", [dossier()])
    entry = (await mocks_client.get("/__admin/requests", params={"target": "portal", "operation": "DongBoHoSoMC"})).json()["requests"][-1]
    assert entry["method"] == "POST" and entry["path"] == "/portal/api/integration"
    assert entry["headers"]["dstcode"] == DSTCODE["dstcode"]
    assert "Nguyễn Văn An" in entry["body"]
    assert (entry["valid"], entry["auth_ok"], entry["errors"], entry["status"]) == (True, True, [], 200)
