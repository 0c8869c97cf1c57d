"""Fault injection through /__admin/faults, on the mock portal's wire endpoints."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from mocks._core import InjectedConnectionReset, MockConfig
from mocks.app import create_mocks_app

LOGIN = {"username": "lienthong", "password": "dev-portal-password"}
DST = {"dstcode": "000.00.00.H56"}


async def _login(client: httpx.AsyncClient) -> httpx.Response:
    return await client.post("/portal/api/auth", json=LOGIN, headers=DST)


async def _fault(client: httpx.AsyncClient, **spec: object) -> dict:
    reply = await client.post("/__admin/faults", json={"target": "portal", **spec})
    assert reply.status_code == 201, reply.text
    return reply.json()


async def _last_entry(client: httpx.AsyncClient) -> dict:
    return (await client.get("/__admin/requests")).json()["requests"][-1]


async def test_error_fault_answers_the_http_status(mocks_client: httpx.AsyncClient) -> None:
    """mode error answers 500 by default, or the given status, and is journalled."""
    await _fault(mocks_client, mode="error", count=1)
    assert (await _login(mocks_client)).status_code == 500
    await _fault(mocks_client, mode="error", status=503, count=1)
    assert (await _login(mocks_client)).status_code == 503
    entry = await _last_entry(mocks_client)
    assert (entry["fault"], entry["status"]) == ("error", 503)
    assert (await _login(mocks_client)).json()["error_code"] == 0


async def test_fault_applies_only_to_its_operation(mocks_client: httpx.AsyncClient) -> None:
    """A fault with an operation leaves the target's other operations alone."""
    await _fault(mocks_client, mode="error", operation="LayDanhSachTTHC")
    session = (await _login(mocks_client)).json()["session"]
    body = {"session": session, "madonvi": "x", "service": "LayDanhSachTTHC"}
    assert (await mocks_client.post("/portal/api/share", json=body, headers=DST)).status_code == 500


async def test_fault_for_another_target_leaves_the_portal_alone(mocks_client: httpx.AsyncClient) -> None:
    """A fault targeted at another system does not touch the portal."""
    reply = await mocks_client.post("/__admin/faults", json={"target": "payment", "mode": "error"})
    assert reply.status_code == 201
    assert (await _login(mocks_client)).status_code == 200


async def test_count_applies_the_fault_that_many_times_then_removes_it(mocks_client: httpx.AsyncClient) -> None:
    """count=2 fails exactly two requests, then the fault is gone from the registry."""
    await _fault(mocks_client, mode="error", count=2)
    statuses = [(await _login(mocks_client)).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert (await mocks_client.get("/__admin/faults")).json()["faults"] == []


async def _pattern(client: httpx.AsyncClient, n: int = 40) -> list[int]:
    await _fault(client, mode="error", rate=0.5)
    return [(await _login(client)).status_code for _ in range(n)]


async def test_rate_is_a_seeded_probability(mocks_client: httpx.AsyncClient) -> None:
    """rate=0.5 fails about half the requests, and the same seed gives the same pattern after reset."""
    first = await _pattern(mocks_client)
    assert 8 <= first.count(500) <= 32 and 200 in first
    await mocks_client.post("/__admin/reset")
    assert await _pattern(mocks_client) == first


async def test_rate_zero_never_applies(mocks_client: httpx.AsyncClient) -> None:
    """rate=0 registers a fault that never fires."""
    await _fault(mocks_client, mode="error", rate=0)
    assert {(await _login(mocks_client)).status_code for _ in range(10)} == {200}


async def test_latency_delays_then_serves(mocks_client: httpx.AsyncClient, sleep) -> None:  # noqa: ANN001
    """mode latency waits latency_ms and then answers normally."""
    await _fault(mocks_client, mode="latency", latency_ms=250)
    reply = await _login(mocks_client)
    assert reply.json()["error_code"] == 0 and sleep.calls == [0.25]
    assert (await _last_entry(mocks_client))["duration_ms"] >= 250


async def test_timeout_hangs_for_the_bounded_time(mocks_client: httpx.AsyncClient, sleep) -> None:  # noqa: ANN001
    """mode timeout hangs (latency_ms, capped by fault_timeout_seconds) and then answers 504."""
    await _fault(mocks_client, mode="timeout", count=2)
    assert (await _login(mocks_client)).status_code == 504
    await _fault(mocks_client, mode="timeout", latency_ms=3_600_000, count=1)
    await _login(mocks_client)
    assert sleep.calls == [30.0, 30.0]


async def test_timeout_really_hangs() -> None:
    """With the real sleep, a timeout fault keeps the client waiting past its deadline."""
    app = create_mocks_app(MockConfig(fault_timeout_seconds=2))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m") as client:
        await _fault(client, mode="timeout")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(_login(client), timeout=0.2)


async def test_reset_drops_the_connection_before_processing(mocks_client: httpx.AsyncClient) -> None:
    """mode reset gives the client a transport error, no reply, and no session was opened."""
    await _fault(mocks_client, mode="reset", count=1)
    with pytest.raises(httpx.RemoteProtocolError) as info:
        await _login(mocks_client)
    assert isinstance(info.value, InjectedConnectionReset)
    entry = await _last_entry(mocks_client)
    assert (entry["fault"], entry["status"]) == ("reset", None)
    assert (await mocks_client.get("/__admin/portal/stats")).json()["sessions"] == 0


async def test_reset_after_processing_loses_only_the_reply(mocks_client: httpx.AsyncClient) -> None:
    """phase after: the portal did the work (a session exists) but the client sees a reset."""
    await _fault(mocks_client, mode="reset", phase="after", count=1)
    with pytest.raises(httpx.TransportError):
        await _login(mocks_client)
    assert (await mocks_client.get("/__admin/portal/stats")).json()["sessions"] == 1


async def test_malformed_reply_is_not_json_but_the_work_is_done(mocks_client: httpx.AsyncClient) -> None:
    """mode malformed sends a truncated JSON reply (after processing the request)."""
    await _fault(mocks_client, mode="malformed", count=1)
    reply = await _login(mocks_client)
    assert reply.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.text)
    assert (await mocks_client.get("/__admin/portal/stats")).json()["sessions"] == 1


async def test_bad_signature_is_ignored_by_the_portal(mocks_client: httpx.AsyncClient) -> None:
    """The portal signs nothing, so a bad_signature fault changes nothing but is journalled."""
    await _fault(mocks_client, mode="bad_signature")
    assert (await _login(mocks_client)).json()["error_code"] == 0
    assert (await _last_entry(mocks_client))["fault"] == "bad_signature"


@pytest.mark.parametrize(
    "spec",
    [
        {"target": "portal", "mode": "explode"},
        {"target": "nowhere", "mode": "error"},
        {"target": "portal", "mode": "error", "rate": 1.5},
        {"target": "portal", "mode": "error", "count": 0},
        {"target": "portal", "mode": "error", "status": 99},
        {"target": "portal", "mode": "error", "phase": "during"},
        {"target": "portal", "mode": "error", "colour": "red"},
        ["not", "an", "object"],
    ],
)
async def test_invalid_fault_is_refused(mocks_client: httpx.AsyncClient, spec: object) -> None:
    """A fault description the registry cannot honour is a 422, and nothing is registered."""
    assert (await mocks_client.post("/__admin/faults", json=spec)).status_code == 422
    assert (await mocks_client.get("/__admin/faults")).json()["faults"] == []


async def test_delete_clears_faults(mocks_client: httpx.AsyncClient) -> None:
    """DELETE /__admin/faults removes every fault; DELETE /__admin/faults/{id} removes one."""
    one = await _fault(mocks_client, mode="error")
    await _fault(mocks_client, mode="latency", latency_ms=1)
    assert (await mocks_client.delete(f"/__admin/faults/{one['id']}")).json() == {"removed": 1}
    assert [f["mode"] for f in (await mocks_client.get("/__admin/faults")).json()["faults"]] == ["latency"]
    assert (await mocks_client.delete("/__admin/faults")).json() == {"removed": 1}
    assert (await _login(mocks_client)).status_code == 200
