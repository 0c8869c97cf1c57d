"""Helpers to talk to the mock portal on its wire format (imported by its tests)."""

from __future__ import annotations

import copy
from typing import Any

import httpx
from contracts import load_json

DSTCODE = {"dstcode": "000.00.00.H56"}
MA_HO_SO = "000.00.12.H56-261122-0001"


class Portal:
    """A thin wire client for tests (deliberately not the gateway's adapter)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.session = ""

    async def login(self, username: str = "lienthong", password: str = "dev-portal-password") -> dict[str, Any]:
        reply = await self.client.post("/portal/api/auth", json={"username": username, "password": password}, headers=DSTCODE)
        body = reply.json()
        self.session = body.get("session", "")
        return body

    async def call(self, path: str, service: str, **fields: Any) -> httpx.Response:
        body = {"session": self.session, "madonvi": "000.00.12.H56", "service": service, **fields}
        return await self.client.post(f"/portal/api/{path}", json=body, headers=DSTCODE)

    async def write(self, service: str, data: list[dict[str, Any]]) -> dict[str, Any]:
        return (await self.call("integration", service, data=data)).json()

    async def read(self, service: str, **fields: Any) -> dict[str, Any]:
        return (await self.call("share", service, **fields)).json()


def dossier(code: str = MA_HO_SO, *, updating: bool = False, **fields: Any) -> dict[str, Any]:
    """The golden DongBoHoSoMC element, re-coded and tweaked."""
    element = copy.deepcopy(load_json("portal", "golden", "DongBoHoSoMC.request.json")["data"][0])
    element.update(MaHoSo=code, isUpdating="True" if updating else "False", **fields)
    return element


def steps(code: str = MA_HO_SO) -> list[dict[str, Any]]:
    """The golden progress steps, re-coded."""
    data = copy.deepcopy(load_json("portal", "golden", "CapNhatTienDoHoSoMC.request.json")["data"])
    return [{**step, "MaHoSo": code} for step in data]

