"""Authentication of provincial callers on every ``/v1`` route (RFC 6750 bearer tokens).

Use::

    @router.post("/v1/citizens/lookup")
    async def lookup(caller: Annotated[Caller, Depends(require_scope("citizens.read"))]): ...

The dependency verifies the access token (``container.tokens``), checks the scope, and puts
the :class:`Caller` on ``request.state.caller`` so the audit log can name who called.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Security
from fastapi.routing import APIRoute
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2

from gateway.api.deps import container_of
from gateway.errors import Forbidden, Unauthorized
from security.caller_auth import ALL_SCOPES, SCOPE_DESCRIPTIONS, Caller

TOKEN_URL = "/oauth/token"
REALM = "lienthong"

# Documents the client-credentials flow and each route's scope in the OpenAPI document; it
# only reads the Authorization header (auto_error=False): the checks are ours.
oauth2_scheme = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_URL, scopes=SCOPE_DESCRIPTIONS)
    ),
    scheme_name="ClientCredentials",
    description="Access token from POST /oauth/token, sent as `Authorization: Bearer <token>`.",
    auto_error=False,
)


def require_scope(scope: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency returning the verified caller, who must hold ``scope``.

    Missing or invalid token → ``Unauthorized`` (401, ``WWW-Authenticate: Bearer``);
    valid token without the scope → ``Forbidden`` (403)."""
    if scope not in ALL_SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    # The header is read directly rather than through ``Security(oauth2_scheme)``: a
    # sub-dependency per request costs measurable time on the hot path. ``document_security``
    # puts the scheme and this route's scope into the OpenAPI document instead.
    async def caller_with_scope(request: Request) -> Caller:
        token = bearer_token(request.headers.get("authorization"))
        try:
            caller: Caller = container_of(request).tokens.verify(token)
        except Unauthorized as exc:
            raise Unauthorized(
                exc.detail, headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_token"'}
            ) from exc
        request.state.caller = caller
        if scope not in caller.scopes:
            raise Forbidden(
                f"this route needs the scope {scope!r}, which the access token does not grant",
                headers={
                    "WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"'
                },
            )
        return caller

    caller_with_scope.__name__ = f"require_scope_{scope.replace('.', '_')}"
    caller_with_scope.required_scope = scope  # type: ignore[attr-defined]  # read by document_security
    return caller_with_scope


def _scopes_of(dependant: Any) -> list[str]:
    found = []
    for sub in dependant.dependencies:
        scope = getattr(sub.call, "required_scope", None)
        if scope:
            found.append(scope)
        found.extend(_scopes_of(sub))
    return found


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (kept whole by FastAPI; our routers carry
    their prefix themselves, so the paths are complete)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (inner := getattr(route, "original_router", None)) is not None:
            found.extend(_api_routes(inner.routes))
    return found


def document_security(app: FastAPI) -> None:
    """Describe the client-credentials scheme, and each route's required scope, in the
    OpenAPI document (what ``Security(...)`` would have done, without its per-request cost)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        components["ClientCredentials"] = {
            "type": "oauth2",
            "description": "Access token from POST /oauth/token, sent as `Authorization: Bearer <token>`.",
            "flows": {"clientCredentials": {"tokenUrl": TOKEN_URL, "scopes": dict(SCOPE_DESCRIPTIONS)}},
        }
        for route in _api_routes(app.router.routes):
            scopes = _scopes_of(route.dependant)
            if not scopes:
                continue
            for method in route.methods or ():
                operation = schema["paths"].get(route.path_format, {}).get(method.lower())
                if operation is not None:
                    operation["security"] = [{"ClientCredentials": sorted(set(scopes))}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; ``Unauthorized`` otherwise."""
    if not authorization:
        raise Unauthorized(
            "an access token is required: Authorization: Bearer <token> (from POST /oauth/token)",
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'},
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "the Authorization header must be 'Bearer <token>'",
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_request"'},
        )
    return token.strip()
