"""The national procedure catalogue (portal ``LayThuTuc``), cached."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path

from adapters._exchange import CallContext
from gateway.api.routing import PrefixRouter
from gateway.api.auth import require_scope
from gateway.api.deps import RequestIdDep, service
from gateway.services.procedures import ProcedureService
from security.caller_auth import Caller

router = PrefixRouter(prefix="/v1/procedures", tags=["dossiers"])


@router.get("/{code}", responses={404: {"description": "`procedure_not_found`"}},
            summary="A national procedure record (code, name, level, sectors, agencies, channels, documents…)")
async def get_procedure(
    code: Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$", examples=["1.001612"])],
    procedures: Annotated[ProcedureService, service("procedures")],
    caller: Annotated[Caller, Depends(require_scope("dossiers.read"))],
    request_id: RequestIdDep,
) -> dict[str, Any]:
    return await procedures.get(code, CallContext(request_id=request_id, caller=caller.client_id))
