"""Drive the dossier API of a running gateway and read what the mock portal received."""

from __future__ import annotations

import asyncio

import httpx

from tests.api.dossier_samples import dossier, event

# Ten allowed moves in a row (see contracts/portal/transitions.json).
TEN_STEPS = ["accepted", "processing", "awaiting_supplement", "processing", "awaiting_supplement",
             "processing", "awaiting_payment", "processing", "resolved", "returned"]


async def token(api: httpx.AsyncClient) -> dict[str, str]:
    reply = await api.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "demo",
                                                 "client_secret": "demo-secret"})
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


async def post_dossiers(api: httpx.AsyncClient, codes: list[str], steps: list[str], concurrency: int = 16) -> None:
    auth = await token(api)
    gate = asyncio.Semaphore(concurrency)

    async def one(code: str) -> None:
        async with gate:
            (await api.put(f"/v1/dossiers/{code}", json=dossier(), headers=auth)).raise_for_status()
            for minute, status in enumerate(steps, start=1):
                reply = await api.post(f"/v1/dossiers/{code}/events", json=event(status, minute), headers=auth)
                assert reply.status_code == 202, reply.text

    await asyncio.gather(*(one(code) for code in codes))


async def wait_synced(api: httpx.AsyncClient, timeout: float) -> dict:
    auth = await token(api)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        status = (await api.get("/v1/sync/status", headers=auth)).json()
        if status["backlog"] == 0:
            return status
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"backlog not drained: {status}")
        await asyncio.sleep(0.2)


async def portal_steps(admin: httpx.AsyncClient, code: str) -> tuple[list[str], list[int], dict]:
    held = (await admin.get(f"/__admin/portal/dossiers/{code}")).json()
    steps = held.get("steps", [])
    return [s["step"]["NoiDungXuLy"] for s in steps], [s["receipts"] for s in steps], held
