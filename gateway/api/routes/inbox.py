"""Dossiers submitted on the national portal: the portal's push, and the province's feed."""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

import contracts.portal
from gateway.api.auth import require_scope
from gateway.api.deps import ContainerDep, service
from gateway.services.inbox import InboxService
from security.audit.record import ExchangeRecord
from security.caller_auth import Caller

router = APIRouter(tags=["dossiers"])
Inbox = Annotated[InboxService, service("inbox")]


def _portal_reply(error_code: int, message: str, status: int = 200) -> JSONResponse:
    return JSONResponse({"error_code": error_code, "message": message}, status_code=status)


@router.post("/national/portal/dossiers", summary="The national portal pushes a dossier submitted there",
             tags=["national systems"])
async def portal_push(request: Request, container: ContainerDep, inbox: Inbox) -> JSONResponse:
    """Authenticated by the shared push token (``Authorization: Bearer``); answered in the
    portal's format ``{"error_code": 0|-1, "message"}``; stored before it is acknowledged."""
    raw = await request.body()
    started = datetime.now(UTC)
    expected = container.settings.portal_push_token
    sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        reply = _portal_reply(-1, "Xác thực không thành công", 401)
        await _audit(container, request, raw, reply, "unauthorized", started)
        return reply
    try:
        record = json.loads(raw)
    except ValueError:
        record = None
    errors = [] if record is None else [e.message for e in contracts.portal.validator("push-dossier.request").iter_errors(record)]
    if record is None or errors:
        reply = _portal_reply(-1, "Dữ liệu không hợp lệ: " + ("; ".join(errors[:3]) or "JSON không hợp lệ"), 400)
        await _audit(container, request, raw, reply, "invalid_request", started)
        return reply
    created = await inbox.receive(record, raw.decode("utf-8"))
    reply = _portal_reply(0, "Tiếp nhận thành công" if created else "Hồ sơ đã được tiếp nhận trước đó")
    await _audit(container, request, raw, reply, "ok", started, upstream_ref=record.get("MaHoSo"))
    return reply


async def _audit(container: Any, request: Request, raw: bytes, reply: JSONResponse, outcome: str,
                 started: datetime, upstream_ref: str | None = None) -> None:
    await container.audit.record(
        ExchangeRecord(
            at=started, direction="inbound", peer="portal", operation="push-dossier",
            request_id=str(getattr(request.state, "request_id", "")), caller=None, officer_id=None, purpose=None,
            outcome=outcome, http_status=reply.status_code,
            duration_ms=(datetime.now(UTC) - started).total_seconds() * 1000,
            request_bytes=raw, response_bytes=bytes(reply.body), upstream_ref=upstream_ref,
        )
    )


@router.get("/v1/inbox/dossiers", summary="Dossiers the national portal pushed, after a cursor")
async def inbox_feed(
    inbox: Inbox,
    _caller: Annotated[Caller, Depends(require_scope("dossiers.read"))],
    after: Annotated[str, Query(pattern=r"^[0-9]{0,18}$", description="the `next` of the previous page")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    return await inbox.list(after=int(after or 0), limit=limit)
