"""The shared admin API of the mocks, under ``/__admin`` (see docs/mocks.md).

``/faults``, ``/requests``, ``/reset``, ``/systems``; each system's own admin routes are
mounted at ``/__admin/<name>``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, Router

from mocks._core.faults import FaultSpecError
from mocks._core.system import KNOWN_TARGETS, MockContext, MockSystem


def create_admin_app(ctx: MockContext, systems: Sequence[MockSystem]) -> Router:
    targets = tuple(dict.fromkeys([*KNOWN_TARGETS, *(s.name for s in systems)]))

    async def add_fault(request: Request) -> Response:
        try:
            spec = await request.json()
            fault = ctx.faults.add(spec, targets=targets)
        except (ValueError, FaultSpecError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return JSONResponse(fault.to_json(), status_code=201)

    async def list_faults(request: Request) -> Response:
        return JSONResponse({"faults": [f.to_json() for f in ctx.faults.list()]})

    async def clear_faults(request: Request) -> Response:
        return JSONResponse({"removed": ctx.faults.clear(request.query_params.get("target"))})

    async def delete_fault(request: Request) -> Response:
        if not ctx.faults.remove(request.path_params["fault_id"]):
            return JSONResponse({"error": "no such fault"}, status_code=404)
        return JSONResponse({"removed": 1})

    async def list_requests(request: Request) -> Response:
        params = request.query_params
        try:
            after = int(params.get("after", "0"))
            limit = int(params["limit"]) if "limit" in params else None
        except ValueError:
            return JSONResponse({"error": "after and limit must be integers"}, status_code=422)
        entries = ctx.journal.query(
            target=params.get("target") or None,
            operation=params.get("operation") or None,
            after=after,
            limit=limit,
        )
        return JSONResponse({
            "total": ctx.journal.total,
            "count": len(entries),
            "requests": [e.to_json() for e in entries],
        })

    async def clear_requests(request: Request) -> Response:
        ctx.journal.clear()
        return JSONResponse({"cleared": True})

    async def reset(request: Request) -> Response:
        for system in systems:
            system.reset()
        ctx.faults.reset()
        ctx.journal.clear()
        return JSONResponse({"reset": [s.name for s in systems]})

    # A stand-in for the province's webhook receiver (the gateway's dev default target), so a
    # tester can see the payment events the gateway sends, with their signature headers.
    webhooks: deque[dict[str, Any]] = deque(maxlen=ctx.config.journal_size)

    async def receive_webhook(request: Request) -> Response:
        body = await request.body()
        webhooks.append({"received_at": ctx.config.now().isoformat(), "headers": dict(request.headers),
                         "body": body.decode("utf-8", "replace")})
        return JSONResponse({"received": True})

    async def list_webhooks(request: Request) -> Response:
        return JSONResponse({"webhooks": list(webhooks)})

    async def list_systems(request: Request) -> Response:
        return JSONResponse({"systems": [s.name for s in systems], "fault_targets": list(targets)})

    routes: list[Route | Mount] = [
        Route("/faults", add_fault, methods=["POST"]),
        Route("/faults", list_faults, methods=["GET"]),
        Route("/faults", clear_faults, methods=["DELETE"]),
        Route("/faults/{fault_id:int}", delete_fault, methods=["DELETE"]),
        Route("/requests", list_requests, methods=["GET"]),
        Route("/requests", clear_requests, methods=["DELETE"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/systems", list_systems, methods=["GET"]),
        Route("/webhooks", receive_webhook, methods=["POST"]),
        Route("/webhooks", list_webhooks, methods=["GET"]),
    ]
    routes += [Mount(f"/{s.name}", app=s.admin_app) for s in systems if s.admin_app is not None]
    # API.md names the payment admin routes in the plural: /__admin/payments/{reference}/complete
    routes += [Mount("/payments", app=s.admin_app) for s in systems if s.name == "payment" and s.admin_app]
    return Router(routes=routes)
