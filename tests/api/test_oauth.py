"""POST /oauth/token, GET /.well-known/jwks.json and require_scope, through a small app."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI, Request

from gateway.api import problem
from gateway.api.auth import document_security, require_scope
from gateway.api.routes import oauth
from gateway.container import Container
from gateway.settings import Settings
from security.caller_auth import Caller, ClientRegistry, TokenService, hash_secret
from security.keys import CALLER_JWT, KeyStore

NOW = datetime(2026, 11, 22, 2, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def keys() -> KeyStore:
    return KeyStore.ephemeral([CALLER_JWT])


@pytest.fixture
def app(tmp_path: Path, keys: KeyStore) -> FastAPI:
    clients_file = tmp_path / "clients.json"
    clients_file.write_text(json.dumps([
        {"client_id": "h56-reader", "secret_hash": hash_secret("reader-secret"), "scopes": ["dossiers.read"]},
    ]))  # fmt: skip
    settings = Settings(var_dir=tmp_path, clients_file=clients_file)
    container = Container(settings=settings)
    container.keys = keys
    container.clients = ClientRegistry.from_settings(settings)
    container.tokens = TokenService(
        keys, issuer=settings.gateway_url, audience=settings.token_audience,
        ttl=settings.token_ttl_seconds, clock=lambda: NOW,
    )  # fmt: skip
    app = FastAPI()
    app.state.container = container
    problem.install(app)
    document_security(app)
    app.include_router(oauth.router)

    @app.get("/v1/probe")
    async def probe(request: Request, caller: Annotated[Caller, Depends(require_scope("citizens.read"))]) -> dict:
        return {"client_id": caller.client_id, "stored": request.state.caller is caller}

    return app


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


async def _token(http: httpx.AsyncClient, **form: str) -> httpx.Response:
    data = {"grant_type": "client_credentials", "client_id": "demo", "client_secret": "demo-secret", **form}
    return await http.post("/oauth/token", data=data)


async def test_client_credentials_in_the_form(http: httpx.AsyncClient, keys: KeyStore) -> None:
    """demo / demo-secret gets a Bearer ES256 token with every scope, not to be cached."""
    reply = await _token(http)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["scope"].split() == ["citizens.read", "dossiers.read", "dossiers.write",
                                     "payments.read", "payments.write", "audit.read", "admin"]  # fmt: skip
    assert reply.headers["cache-control"] == "no-store"
    assert jwt.get_unverified_header(body["access_token"])["kid"] == keys.active(CALLER_JWT).kid


async def test_client_credentials_as_http_basic(http: httpx.AsyncClient) -> None:
    """HTTP Basic client authentication works (RFC 6749 §2.3.1)."""
    reply = await http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=("h56-reader", "reader-secret")
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["scope"] == "dossiers.read"


async def test_requested_scopes_narrow_the_token(http: httpx.AsyncClient) -> None:
    """A requested subset of the client's scopes is what the token carries."""
    reply = await _token(http, scope="payments.read citizens.read")
    assert reply.json()["scope"] == "citizens.read payments.read"


async def test_scope_beyond_the_client_is_forbidden(http: httpx.AsyncClient) -> None:
    """Asking for a scope the client does not hold is 403 forbidden."""
    reply = await http.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": "h56-reader",
        "client_secret": "reader-secret", "scope": "dossiers.read admin"})  # fmt: skip
    assert reply.status_code == 403
    assert reply.json()["code"] == "forbidden" and "admin" in reply.json()["detail"]


async def test_unknown_scope_is_an_invalid_request(http: httpx.AsyncClient) -> None:
    """An unknown scope is 422 invalid_request naming it."""
    reply = await _token(http, scope="citizens.write")
    assert reply.status_code == 422 and "citizens.write" in reply.json()["detail"]


async def test_wrong_secret_is_401(http: httpx.AsyncClient) -> None:
    """A wrong secret is 401 unauthorized as problem+json, with a Basic challenge."""
    reply = await _token(http, client_secret="guess")
    assert reply.status_code == 401
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["code"] == "unauthorized"
    assert reply.headers["www-authenticate"].startswith("Basic")


async def test_missing_credentials_is_401(http: httpx.AsyncClient) -> None:
    """No client credentials at all is 401."""
    reply = await http.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert reply.status_code == 401


async def test_wrong_grant_type_is_an_invalid_request(http: httpx.AsyncClient) -> None:
    """A grant type other than client_credentials is 422 invalid_request saying which is supported."""
    reply = await _token(http, grant_type="password")
    assert reply.status_code == 422
    assert reply.json()["code"] == "invalid_request" and "client_credentials" in reply.json()["detail"]
    missing = await http.post("/oauth/token", json={"grant_type": "client_credentials"})
    assert missing.status_code == 422 and "form-urlencoded" in missing.json()["detail"]


async def test_basic_and_form_secret_together_are_refused(http: httpx.AsyncClient) -> None:
    """Using two client authentication methods at once is refused."""
    reply = await http.post("/oauth/token", auth=("demo", "demo-secret"), data={
        "grant_type": "client_credentials", "client_secret": "demo-secret"})  # fmt: skip
    assert reply.status_code == 422


async def test_protected_route_with_a_valid_token(http: httpx.AsyncClient) -> None:
    """A token with the route's scope passes, and the caller is on request.state for the audit log."""
    token = (await _token(http)).json()["access_token"]
    reply = await http.get("/v1/probe", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    assert reply.json() == {"client_id": "demo", "stored": True}


async def test_protected_route_without_a_token_is_401(http: httpx.AsyncClient) -> None:
    """No token is 401 unauthorized with WWW-Authenticate: Bearer."""
    reply = await http.get("/v1/probe")
    assert reply.status_code == 401 and reply.json()["code"] == "unauthorized"
    assert reply.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("authorization", ["Bearer not-a-jwt", "Basic ZGVtbzpkZW1vLXNlY3JldA==", "Bearer "])
async def test_protected_route_with_a_bad_token_is_401(http: httpx.AsyncClient, authorization: str) -> None:
    """A malformed or non-Bearer Authorization header is 401 with a Bearer challenge."""
    reply = await http.get("/v1/probe", headers={"Authorization": authorization})
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"].startswith("Bearer")


async def test_alg_none_token_is_401(http: httpx.AsyncClient, keys: KeyStore) -> None:
    """An unsigned token is refused by the route."""
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    token = (await _token(http)).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    header = {"alg": "none", "typ": "at+jwt", "kid": keys.active(CALLER_JWT).kid}
    reply = await http.get("/v1/probe", headers={"Authorization": f"Bearer {b64(header)}.{b64(claims)}."})
    assert reply.status_code == 401
    assert 'error="invalid_token"' in reply.headers["www-authenticate"]


async def test_missing_scope_is_403(http: httpx.AsyncClient) -> None:
    """A valid token without the route's scope is 403 forbidden naming the scope."""
    token = (await _token(http, scope="dossiers.read")).json()["access_token"]
    reply = await http.get("/v1/probe", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 403
    assert reply.json()["code"] == "forbidden" and "citizens.read" in reply.json()["detail"]
    assert 'error="insufficient_scope"' in reply.headers["www-authenticate"]


async def test_jwks_verifies_issued_tokens(http: httpx.AsyncClient) -> None:
    """A third party can verify an issued token with the published JWKS alone."""
    token = (await _token(http)).json()["access_token"]
    jwks = (await http.get("/.well-known/jwks.json")).json()
    kid = jwt.get_unverified_header(token)["kid"]
    (jwk,) = [key for key in jwks["keys"] if key["kid"] == kid]
    public_key = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, public_key, algorithms=["ES256"], audience="lienthong",
                        options={"verify_exp": False})  # fmt: skip
    assert claims["sub"] == "demo"


async def test_openapi_documents_the_client_credentials_flow(http: httpx.AsyncClient) -> None:
    """The OpenAPI document names the token URL and the scope each protected route needs."""
    spec = (await http.get("/openapi.json")).json()
    scheme = spec["components"]["securitySchemes"]["ClientCredentials"]
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == "/oauth/token"
    assert spec["paths"]["/v1/probe"]["get"]["security"] == [{"ClientCredentials": ["citizens.read"]}]
