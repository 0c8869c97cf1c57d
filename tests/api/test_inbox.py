"""Dossiers pushed by the national portal: authenticated, validated, stored, deduplicated,
audited, and listed to the province after a cursor."""

from __future__ import annotations

from sqlalchemy import select

from gateway.settings import Settings
from gateway.store.tables import audit_entries
from tests.support.gateway import in_process_stack


async def test_mock_portal_push_lands_in_the_inbox_once(settings: Settings) -> None:
    """The mock portal's push is accepted, stored and listed; a repeat is acknowledged but not stored twice."""
    async with in_process_stack(settings) as stack:
        auth = await stack.token()
        first = (await stack.admin.post("/__admin/portal/push-dossier", json={"MaHoSo": "QG-1"})).json()
        assert first["status"] == 200 and first["reply"]["error_code"] == 0
        again = (await stack.admin.post("/__admin/portal/push-dossier", json={"MaHoSo": "QG-1"})).json()
        assert again["reply"]["error_code"] == 0
        feed = (await stack.api.get("/v1/inbox/dossiers", headers=auth)).json()
        assert [item["ma_ho_so"] for item in feed["items"]] == ["QG-1"]
        assert feed["items"][0]["dossier"]["MaTTHC"] == first["sent"]["MaTTHC"]
        later = (await stack.api.get("/v1/inbox/dossiers", params={"after": feed["next"]}, headers=auth)).json()
        assert later["items"] == []


async def test_push_without_token_or_with_bad_body_is_refused_and_audited(settings: Settings) -> None:
    """A push without the shared token, or not matching the contract, is refused in the portal's format and audited."""
    async with in_process_stack(settings) as stack:
        reply = await stack.api.post("/national/portal/dossiers", json={"MaHoSo": "X"})
        assert reply.status_code == 401 and reply.json()["error_code"] == -1
        token = {"Authorization": f"Bearer {settings.portal_push_token}"}
        reply = await stack.api.post("/national/portal/dossiers", content=b"{oops", headers=token)
        assert reply.status_code == 400 and reply.json()["error_code"] == -1
        reply = await stack.api.post("/national/portal/dossiers", json={"MaHoSo": 5}, headers=token)
        assert reply.status_code == 400
        async with stack.container.db.read() as conn:
            outcomes = (await conn.execute(select(audit_entries.c.outcome).where(
                audit_entries.c.operation == "push-dossier"))).scalars().all()
        assert outcomes == ["unauthorized", "invalid_request", "invalid_request"]
