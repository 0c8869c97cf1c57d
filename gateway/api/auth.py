"""Authentication of provincial callers on every ``/v1`` route (RFC 6750 bearer tokens).

Use::

    @router.post("/v1/citizens/lookup")
    async def lookup(caller: Annotated[Caller, Depends(require_scope("citizens.read"))]): ...

The dependency verifies the access token (``container.tokens``), checks the scope, and puts
the :class:`Caller` on ``request.state.caller`` so the audit log can name who called.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Security
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

    async def caller_with_scope(
        request: Request,
        authorization: str | None = Security(oauth2_scheme, scopes=[scope]),
    ) -> Caller:
        token = bearer_token(authorization)
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
    return caller_with_scope


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
