"""The province's feed of payment events (the same bodies its webhooks carry)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from gateway.api.auth import require_scope
from gateway.api.deps import service
from gateway.api.models.payments import EventPage
from gateway.services.payments import PaymentService
from security.caller_auth import Caller

router = APIRouter(tags=["payments"])


@router.get("/v1/events", response_model=EventPage, summary="Payment events after a cursor, oldest first")
async def events(
    payments: Annotated[PaymentService, service("payments")],
    _caller: Annotated[Caller, Depends(require_scope("payments.read"))],
    after: Annotated[str, Query(pattern=r"^[0-9]{0,18}$", description="`next_cursor` of the previous page")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    cursor = int(after or 0)
    page = await payments.events_after(cursor, limit)
    return {
        "events": [event for _seq, event in page],
        "next_cursor": str(page[-1][0] if page else cursor),
    }
