"""Operators: synchronisation backlog, dead letters and their replay (scope ``admin``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query

from gateway.api.routing import PrefixRouter
from gateway.api.auth import require_scope
from gateway.api.deps import service
from gateway.services.sync_admin import SyncAdmin
from security.caller_auth import Caller

router = PrefixRouter(prefix="/v1/sync", tags=["sync"])
Admin = Annotated[Caller, Depends(require_scope("admin"))]
Sync = Annotated[SyncAdmin, service("sync_admin")]


@router.get("/status", summary="Backlog, oldest pending age, dead letters, delivered total, circuits")
async def status(sync: Sync, _caller: Admin) -> dict[str, Any]:
    return await sync.status()


@router.get("/dead-letters", summary="Messages given up after the maximum number of attempts")
async def dead_letters(
    sync: Sync, _caller: Admin,
    after: Annotated[int, Query(ge=0, description="cursor: the last id seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    return await sync.dead_letters(after=after, limit=limit)


@router.post("/dead-letters/{message_id}/replay", status_code=202, summary="Send a dead letter again")
async def replay(message_id: int, sync: Sync, _caller: Admin) -> dict[str, Any]:
    return await sync.replay(message_id)
