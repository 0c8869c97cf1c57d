"""Errors as ``application/problem+json`` (RFC 9457): one place turns every error into a reply.

``{"type", "title", "status", "detail", "code", "request_id"}``; validation errors add
``errors`` (the offending fields). Unknown exceptions become a bare 500 with the request id.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from gateway.errors import GatewayError

log = structlog.get_logger("api")
MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://lienthong.gov.vn/problems/"

_STARLETTE_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}


def _body(status: int, code: str, title: str, detail: str, request_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": request_id,
        **extra,
    }


def problem_response(error: GatewayError, request_id: str) -> JSONResponse:
    extra = {k: v for k, v in error.extra.items() if k != "headers"}
    response = JSONResponse(
        _body(error.http_status, error.code, error.title, error.detail, request_id, **extra),
        status_code=error.http_status,
        media_type=MEDIA_TYPE,
    )
    for name, value in error.extra.get("headers", {}).items():
        response.headers[name] = value
    return response


def _request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "")


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append({
            "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        })
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(GatewayError)
    async def _gateway_error(request: Request, exc: GatewayError) -> JSONResponse:
        if exc.http_status >= 500:
            log.warning("api.upstream_failure", code=exc.code, status=exc.http_status)
        return problem_response(exc, _request_id(request))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        detail = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors[:5])
        return JSONResponse(
            _body(422, "invalid_request", "Invalid request", detail, _request_id(request), errors=errors),
            status_code=422,
            media_type=MEDIA_TYPE,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STARLETTE_CODES.get(exc.status_code, "http_error")
        return JSONResponse(
            _body(exc.status_code, code, str(exc.detail), str(exc.detail), _request_id(request)),
            status_code=exc.status_code,
            media_type=MEDIA_TYPE,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unknown(request: Request, exc: Exception) -> JSONResponse:
        log.error("api.unhandled", error_type=type(exc).__name__, path=request.url.path)
        return JSONResponse(
            _body(500, "internal_error", "Internal error", "see the gateway's logs", _request_id(request)),
            status_code=500,
            media_type=MEDIA_TYPE,
        )
