"""Dossiers (→ national public service portal): records and status changes, synced async."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Depends, Path, Request, Response

from gateway.api.routing import PrefixRouter
from gateway.api.auth import require_scope
from gateway.api.deps import container_of, service
from gateway.api.models.dossiers import (
    DOSSIER_CODE_PATTERN,
    DossierAccepted,
    DossierIn,
    DossierView,
    EventAccepted,
    EventIn,
)
from gateway.services.dossiers import DossierService
from security.caller_auth import Caller

router = PrefixRouter(prefix="/v1/dossiers", tags=["dossiers"])
DossierCode = Annotated[
    str,
    Path(pattern=DOSSIER_CODE_PATTERN, max_length=64, description="The dossier's code (MaHoSo)",
         examples=["000.00.12.H56-261122-0001"]),
]
Dossiers = Annotated[DossierService, service("dossiers")]
Writer = Annotated[Caller, Depends(require_scope("dossiers.write"))]
Reader = Annotated[Caller, Depends(require_scope("dossiers.read"))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "`dossier_not_found`"}}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "`invalid_transition`"}}


@router.put("/{code}", status_code=202, response_model=DossierAccepted, responses=CONFLICT,
            summary="Create or replace a dossier record; the portal is updated asynchronously")
async def put_dossier(code: DossierCode, body: DossierIn, dossiers: Dossiers, _caller: Writer) -> dict[str, Any]:
    return await dossiers.put(code, body.model_dump(mode="json"))


@router.post("/{code}/events", status_code=202, response_model=None,
             responses={202: {"model": EventAccepted, "description": "Recorded; the portal is updated asynchronously"},
                        **NOT_FOUND, **CONFLICT}, summary="Record one status change")
async def post_event(code: DossierCode, body: EventIn, request: Request, _caller: Writer) -> Response:
    # The hot path of the API. The service is taken from the container rather than through a
    # dependency (FastAPI spends ~80 function calls solving each one, per request), and its
    # dict, already the documented shape, is serialized directly, not validated again.
    dossiers: DossierService = container_of(request).services["dossiers"]
    accepted = await dossiers.add_event(code, body.model_dump(mode="json", exclude_none=True))
    return Response(orjson.dumps(accepted), status_code=202, media_type="application/json")


@router.get("/{code}", response_model=DossierView, responses=NOT_FOUND,
            summary="A dossier, its events and its synchronisation state")
async def get_dossier(code: DossierCode, dossiers: Dossiers, _caller: Reader) -> dict[str, Any]:
    return await dossiers.get(code)
