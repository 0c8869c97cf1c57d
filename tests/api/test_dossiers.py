"""The dossier API end to end in-process: API → outbox → portal adapter → mock portal."""

from __future__ import annotations

import pytest

from gateway.settings import Settings
from tests.api.dossier_samples import STEPS, dossier, event
from tests.support.gateway import in_process_stack

CODE = "000.00.12.H56-261122-0001"


async def drain(stack) -> None:
    while await stack.container.outbox.run_once():
        pass


async def test_put_and_five_events_reach_the_portal_once_in_order(settings: Settings) -> None:
    """After PUT + five events and a drain, the mock portal holds the final status and all
    five steps, each received once, in order; the dossier reads back as synced."""
    async with in_process_stack(settings) as stack:
        auth = await stack.token()
        reply = await stack.api.put(f"/v1/dossiers/{CODE}", json=dossier(), headers=auth)
        assert reply.status_code == 202, reply.text
        assert reply.json()["sync"]["state"] == "pending"
        for minute, status in enumerate(STEPS, start=1):
            reply = await stack.api.post(f"/v1/dossiers/{CODE}/events", json=event(status, minute), headers=auth)
            assert reply.status_code == 202, reply.text
        await drain(stack)

        held = (await stack.admin.get(f"/__admin/portal/dossiers/{CODE}")).json()
        assert held["record"]["TrangThaiHoSo"] in ("9", 9)
        steps = [s["step"] for s in held["steps"]]
        assert [s["NoiDungXuLy"] for s in steps] == [f"Bước {m}" for m in range(1, 6)]
        assert [str(s["TrangThai"]) for s in steps] == ["2", "4", "5", "4", "9"]
        assert [s["receipts"] for s in held["steps"]] == [1, 1, 1, 1, 1]
        assert held["duplicate_step_receipts"] == 0

        view = (await stack.api.get(f"/v1/dossiers/{CODE}", headers=auth)).json()
        assert view["dossier"]["status"] == "resolved"
        assert [e["status"] for e in view["events"]] == STEPS
        assert view["sync"]["state"] == "synced"
        assert view["sync"]["pending_events"] == 0


async def test_invalid_transition_is_409_and_writes_nothing(settings: Settings) -> None:
    """A move the table does not allow, or any move from a terminal status, is refused."""
    async with in_process_stack(settings) as stack:
        auth = await stack.token()
        await stack.api.put(f"/v1/dossiers/{CODE}", json=dossier(), headers=auth)
        reply = await stack.api.post(f"/v1/dossiers/{CODE}/events", json=event("resolved", 1), headers=auth)
        assert reply.status_code == 409
        assert reply.json()["code"] == "invalid_transition"
        await stack.api.post(f"/v1/dossiers/{CODE}/events", json=event("rejected", 2), headers=auth)
        reply = await stack.api.post(f"/v1/dossiers/{CODE}/events", json=event("accepted", 3), headers=auth)
        assert reply.json()["code"] == "invalid_transition"
        view = (await stack.api.get(f"/v1/dossiers/{CODE}", headers=auth)).json()
        assert [e["status"] for e in view["events"]] == ["rejected"]


async def test_event_for_unknown_dossier_is_404(settings: Settings) -> None:
    async with in_process_stack(settings) as stack:
        auth = await stack.token()
        reply = await stack.api.post("/v1/dossiers/NOPE-1/events", json=event("accepted", 1), headers=auth)
        assert reply.status_code == 404
        assert reply.json()["code"] == "dossier_not_found"


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        (f"/v1/dossiers/{'A' * 300}", dossier(), "invalid_request"),
        ("/v1/dossiers/..%2F..%2Fetc", dossier(), "invalid_request"),
        (f"/v1/dossiers/{CODE}", dossier(status="flying"), "invalid_request"),
        (f"/v1/dossiers/{CODE}", dossier(received_at="22/11/2026"), "invalid_request"),
        (f"/v1/dossiers/{CODE}", dossier(received_at="2026-11-22T09:30:00"), "invalid_request"),
        (f"/v1/dossiers/{CODE}", dossier(fees="many"), "invalid_request"),
        (f"/v1/dossiers/{CODE}", {**dossier(), "unknown_field": 1}, "invalid_request"),
        (f"/v1/dossiers/{CODE}", dossier(summary="bad\x00text"), "invalid_request"),
    ],
)
async def test_bad_input_is_a_clear_4xx_and_writes_nothing(settings: Settings, path: str, body: dict, code: str) -> None:
    """Each malformed request gets problem+json with a stable code, never a 500, no write."""
    async with in_process_stack(settings) as stack:
        auth = await stack.token()
        reply = await stack.api.put(path, json=body, headers=auth)
        assert 400 <= reply.status_code < 500, reply.text
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.json()["code"] in (code, "not_found")
        assert await stack.container.services["dossiers"].count() == 0


async def test_malformed_json_and_missing_token(settings: Settings) -> None:
    """Malformed JSON is 422 invalid_request; no token is 401; a forged token is 401."""
    async with in_process_stack(settings) as stack:
        auth = await stack.token()
        reply = await stack.api.put(f"/v1/dossiers/{CODE}", content=b"{not json", headers={**auth, "content-type": "application/json"})
        assert reply.status_code == 422 and reply.json()["code"] == "invalid_request"
        assert (await stack.api.put(f"/v1/dossiers/{CODE}", json=dossier())).status_code == 401
        forged = {"Authorization": auth["Authorization"][:-4] + "AAAA"}
        assert (await stack.api.put(f"/v1/dossiers/{CODE}", json=dossier(), headers=forged)).status_code == 401
        assert await stack.container.services["dossiers"].count() == 0
