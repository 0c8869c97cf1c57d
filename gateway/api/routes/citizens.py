"""Citizen lookup and verification (API.md "Citizens"), scope ``citizens.read``.

The body is validated here rather than by FastAPI's signature, so that a refused query
(invalid body, wrong id, future birth date) is recorded in the audit log before the 422 is
returned; the OpenAPI document still shows the models (``openapi_extra``).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from adapters._exchange import CallContext
from adapters.population import CitizenQuery
from gateway.api.auth import require_scope
from gateway.api.deps import container_of
from gateway.api.models.citizens import (
    CitizenLookupRequest,
    CitizenLookupResponse,
    CitizenVerifyRequest,
    CitizenVerifyResponse,
)
from gateway.api.routing import PrefixRouter, RequestOnlyRoute
from gateway.errors import InvalidRequest
from gateway.services.citizens import CitizenService

# Hot paths: the endpoints take the request alone (no dependency for FastAPI to solve on each
# request, ~0.1 ms) and check the caller themselves; the scope is documented in openapi_extra.
router = PrefixRouter(prefix="/v1/citizens", tags=["citizens"], route_class=RequestOnlyRoute)
caller_of = require_scope("citizens.read")
SECURITY = {"security": [{"ClientCredentials": ["citizens.read"]}]}


def citizen_service(request: Request) -> CitizenService:
    service: CitizenService = container_of(request).services["citizens"]
    return service


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"description": "`invalid_request` or `invalid_id_number`"},
    502: {"description": "`upstream_fault`, `signature_invalid`, `security_error`, `contract_violation`…"},
    503: {"description": "`upstream_unavailable`, `circuit_open`"},
    504: {"description": "`upstream_timeout`"},
}


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        },
        **SECURITY,
    }


async def _query(
    request: Request, model: type[CitizenLookupRequest], operation: str
) -> tuple[CitizenService, CitizenQuery, CallContext]:
    """The caller checked first, then the body read, validated and checked; every refusal of
    the body audited. The service, the query and the call's context for the upstream call."""
    caller = await caller_of(request)
    citizens = citizen_service(request)
    ctx = CallContext(request_id=request_id_of(request), caller=caller.client_id)
    body = await request.body()
    try:
        payload = model.model_validate_json(body)
    except ValidationError as exc:
        await citizens.refused(operation, body, ctx, InvalidRequest())
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc
    query = CitizenQuery(
        id_number=payload.id_number,
        officer_id=payload.officer_id,
        purpose=payload.purpose,
        full_name=payload.full_name,
        birth_date=payload.birth_date,
        dossier_code=payload.dossier_code,
    )
    ctx = CallContext(ctx.request_id, ctx.caller, payload.officer_id, payload.purpose)
    try:
        citizens.check(query)
    except InvalidRequest as exc:
        await citizens.refused(operation, body, ctx, exc)
        raise
    return citizens, query, ctx


@router.post(
    "/lookup",
    response_model=CitizenLookupResponse,
    responses={404: {"description": "`citizen_not_found`"}, **ERRORS},
    openapi_extra=_body_schema(CitizenLookupRequest),
    summary="Look up a citizen in the national population database (TraCuuThongTinCongDan)",
)
async def lookup(request: Request) -> Response:
    citizens, query, ctx = await _query(request, CitizenLookupRequest, "citizens.lookup")
    citizen = await citizens.lookup(query, ctx)
    reply = CitizenLookupResponse.model_validate({"citizen": citizen, "request_id": ctx.request_id})
    return Response(reply.model_dump_json(), media_type="application/json")


@router.post(
    "/verify",
    response_model=CitizenVerifyResponse,
    responses=ERRORS,
    openapi_extra=_body_schema(CitizenVerifyRequest),
    summary="Does a citizen with this id and name exist? (XacThucThongTinCongDan)",
)
async def verify(request: Request) -> Response:
    citizens, query, ctx = await _query(request, CitizenVerifyRequest, "citizens.verify")
    reply = CitizenVerifyResponse(match=await citizens.verify(query, ctx))
    return Response(reply.model_dump_json(), media_type="application/json")
