"""``POST /oauth/token`` (OAuth 2.0 client credentials grant, RFC 6749 §4.4) and
``GET /.well-known/jwks.json`` (the public keys that verify the gateway's access tokens)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import unquote_plus

import structlog
from fastapi import APIRouter, Form, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from gateway.api.deps import container_of
from gateway.errors import Forbidden, InvalidRequest, Unauthorized
from security.caller_auth import ALL_SCOPES, Client, parse_scope

log = structlog.get_logger("api.oauth")
router = APIRouter(tags=["authentication"])

GRANT_TYPE = "client_credentials"
_CLIENT_AUTH_CHALLENGE = {"WWW-Authenticate": 'Basic realm="lienthong"'}


class TokenResponse(BaseModel):
    access_token: str = Field(description="An ES256 JWT; send it as `Authorization: Bearer ...`.")
    token_type: str = Field("Bearer", examples=["Bearer"])
    expires_in: int = Field(description="Seconds until the token expires.", examples=[900])
    scope: str = Field(
        description="The granted scopes, space-separated.", examples=["citizens.read dossiers.read"]
    )


@router.post(
    "/oauth/token",
    response_model=TokenResponse,
    summary="Get an access token (client credentials)",
    description=(
        "Form-encoded `grant_type=client_credentials`, with `client_id` and `client_secret` in "
        "the form or as HTTP Basic. `scope` (space-separated) must be a subset of the client's "
        "scopes; by default the token carries all of them."
    ),
    responses={401: {"description": "Client authentication failed"},
               403: {"description": "A requested scope is not granted to the client"},
               422: {"description": "Missing or unsupported parameter"}},  # fmt: skip
)
async def issue_token(
    request: Request,
    response: Response,
    grant_type: Annotated[str | None, Form(examples=["client_credentials"])] = None,
    client_id: Annotated[str | None, Form(examples=["demo"])] = None,
    client_secret: Annotated[str | None, Form(examples=["demo-secret"])] = None,
    scope: Annotated[str | None, Form(examples=["citizens.read dossiers.read"])] = None,
) -> TokenResponse:
    if grant_type is None:
        raise InvalidRequest(
            "grant_type is required (send application/x-www-form-urlencoded with "
            "grant_type=client_credentials)"
        )
    if grant_type != GRANT_TYPE:
        raise InvalidRequest(f"unsupported grant_type {grant_type!r}: only client_credentials is supported")
    client_id, client_secret = _client_credentials(request, client_id, client_secret)
    container = container_of(request)
    # scrypt costs ~70 ms: keep it off the event loop.
    try:
        client: Client = await run_in_threadpool(container.clients.authenticate, client_id, client_secret)
    except Unauthorized as exc:
        raise Unauthorized(exc.detail, headers=_CLIENT_AUTH_CHALLENGE) from exc
    scopes = _granted_scopes(client, scope)
    issued = container.tokens.issue(client.client_id, scopes)
    log.info("oauth.token_issued", client_id=client.client_id, scope=issued.scope, token_id=issued.token_id)
    response.headers["Cache-Control"] = "no-store"  # RFC 6749 §5.1
    response.headers["Pragma"] = "no-cache"
    return TokenResponse(access_token=issued.access_token, expires_in=issued.expires_in, scope=issued.scope)


@router.get(
    "/.well-known/jwks.json",
    summary="Public keys of the gateway's access tokens (JWK Set)",
    description="Current and retired ES256 keys; a token's `kid` header names its key.",
)
async def jwks(request: Request, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = "public, max-age=300"
    keys: dict[str, Any] = container_of(request).keys.jwks()
    return keys


def _client_credentials(
    request: Request, form_id: str | None, form_secret: str | None
) -> tuple[str, str]:
    """Client id and secret from HTTP Basic (RFC 6749 §2.3.1: form-urlencoded, then Basic) or
    from the form; a client must not use both."""
    authorization = request.headers.get("authorization", "")
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() == "basic":
        if form_secret is not None:
            raise InvalidRequest("send the client secret either as HTTP Basic or in the form, not both")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise Unauthorized("malformed HTTP Basic credentials", headers=_CLIENT_AUTH_CHALLENGE) from exc
        basic_id, colon, basic_secret = decoded.partition(":")
        if not colon:
            raise Unauthorized("malformed HTTP Basic credentials", headers=_CLIENT_AUTH_CHALLENGE)
        basic_id, basic_secret = unquote_plus(basic_id), unquote_plus(basic_secret)
        if form_id is not None and form_id != basic_id:
            raise InvalidRequest("client_id in the form differs from the HTTP Basic client id")
        return basic_id, basic_secret
    if authorization:
        raise Unauthorized(
            "client authentication must use HTTP Basic or the form", headers=_CLIENT_AUTH_CHALLENGE
        )
    if not form_id or form_secret is None:
        raise Unauthorized(
            "client authentication required: client_id and client_secret (form or HTTP Basic)",
            headers=_CLIENT_AUTH_CHALLENGE,
        )
    return form_id, form_secret


def _granted_scopes(client: Client, requested: str | None) -> frozenset[str]:
    wanted = parse_scope(requested)
    if not wanted:
        return client.scopes
    unknown = sorted(wanted - set(ALL_SCOPES))
    if unknown:
        raise InvalidRequest(f"unknown scope {', '.join(unknown)} (known: {' '.join(ALL_SCOPES)})")
    refused = sorted(wanted - client.scopes)
    if refused:
        raise Forbidden(f"scope {', '.join(refused)} is not granted to client {client.client_id!r}")
    return wanted
