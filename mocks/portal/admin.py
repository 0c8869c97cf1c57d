"""Admin routes of the mock portal, under ``/__admin/portal`` (see docs/mocks.md)."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from contracts import load_json
from mocks._core import MockConfig
from mocks.portal.state import REPLY_STYLES, PortalState

VIETNAM = timezone(timedelta(hours=7))
PUSH_PATH = "/national/portal/dossiers"


def national_dossier(state: PortalState, config: MockConfig, overrides: dict[str, Any]) -> dict[str, Any]:
    """A dossier as a citizen submitted it on the national portal (push-dossier schema)."""
    n = state.pushed + 1
    now = config.now().astimezone(VIETNAM)
    procedure = next(iter(state.procedures.values()))
    golden = load_json("portal", "golden", "push-dossier.request.json")
    dossier = {
        **golden,
        "MaHoSo": f"000.00.00.H56-{now:%y%m%d}-{n:04d}",
        "MaHoSoQG": f"G22.99-{now:%y%m%d}-{n:06d}",
        "MaTTHC": procedure["MATTHC"],
        "TenTTHC": procedure["TENTTHC"],
        "NgayNopHoSo": f"{now:%Y%m%d%H%M%S}",
    }
    dossier.update(overrides)
    return dossier


def create_portal_admin(state: PortalState, config: MockConfig) -> Router:
    async def get_dossier(request: Request) -> Response:
        dossier = state.dossiers.get(request.path_params["code"])
        if dossier is None:
            return JSONResponse({"error": "the portal holds no such dossier"}, status_code=404)
        return JSONResponse(dossier.to_json())

    async def list_dossiers(request: Request) -> Response:
        return JSONResponse({"dossiers": sorted(state.dossiers)})

    async def stats(request: Request) -> Response:
        return JSONResponse(state.stats())

    def current_config() -> dict[str, Any]:
        return {"reply_style": state.reply_style, "session_ttl_seconds": state.session_ttl_seconds}

    async def get_config(request: Request) -> Response:
        return JSONResponse(current_config())

    async def set_config(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or set(body) - {"reply_style", "session_ttl_seconds"}:
            return JSONResponse({"error": "expected {reply_style?, session_ttl_seconds?}"}, status_code=422)
        style, ttl = body.get("reply_style"), body.get("session_ttl_seconds")
        if style is not None and style not in REPLY_STYLES:
            return JSONResponse({"error": f"reply_style must be one of {list(REPLY_STYLES)}"}, status_code=422)
        if ttl is not None and (not isinstance(ttl, int | float) or isinstance(ttl, bool) or ttl <= 0):
            return JSONResponse({"error": "session_ttl_seconds must be a positive number"}, status_code=422)
        if style is not None:
            state.reply_style = style
        if ttl is not None:  # applies to sessions opened from now on
            state.session_ttl_seconds = float(ttl)
        return JSONResponse(current_config())

    async def expire_sessions(request: Request) -> Response:
        return JSONResponse({"expired": state.expire_sessions()})

    async def push_dossier(request: Request) -> Response:
        raw = await request.body()
        try:
            overrides = (await request.json()) if raw.strip() else {}
        except ValueError:
            overrides = None
        if not isinstance(overrides, dict):
            return JSONResponse({"error": "body must be a JSON object of fields to override"}, status_code=422)
        dossier = national_dossier(state, config, overrides)
        state.pushed += 1
        url = config.gateway_url.rstrip("/") + PUSH_PATH
        try:
            async with httpx.AsyncClient(
                transport=config.gateway_transport, timeout=config.push_timeout_seconds
            ) as client:
                headers = {"dstcode": "000.00.00.H56", "Authorization": f"Bearer {config.portal_push_token}"}
                reply = await client.post(url, json=dossier, headers=headers)
        except httpx.HTTPError as exc:
            return JSONResponse({"sent": dossier, "url": url, "error": repr(exc)}, status_code=502)
        try:
            answer: Any = reply.json()
        except ValueError:
            answer = reply.text
        return JSONResponse({"sent": dossier, "url": url, "status": reply.status_code, "reply": answer})

    return Router(routes=[
        Route("/dossiers", list_dossiers, methods=["GET"]),
        Route("/dossiers/{code:path}", get_dossier, methods=["GET"]),
        Route("/stats", stats, methods=["GET"]),
        Route("/config", get_config, methods=["GET"]),
        Route("/config", set_config, methods=["POST"]),
        Route("/expire-sessions", expire_sessions, methods=["POST"]),
        Route("/push-dossier", push_dossier, methods=["POST"]),
    ])
