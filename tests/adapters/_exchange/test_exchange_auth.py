import asyncio
import base64
import json

import httpx
import pytest

from adapters._exchange import DvcqgSessionAuth, OAuth2ClientCredentials, OutboundRequest
from adapters._exchange.pipeline import Operation
from contracts.errors import UpstreamAuthFailed, UpstreamRejected

LOGIN_URL = "http://portal.test/portal/api/auth"


class SessionPortal:
    """Minimal DVCQG-style upstream: issues session keys, and can forget them."""

    def __init__(self) -> None:
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.calls: list[httpx.Request] = []
        self.refuse_login = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path.endswith("/api/auth"):
            if self.refuse_login or body != {"username": "u", "password": "p"}:
                return httpx.Response(200, json={"error_code": 1, "message": "Sai mật khẩu"})
            session = f"s{len(self.issued) + 1}"
            self.issued.append(session)
            self.valid.add(session)
            return httpx.Response(200, json={"session": session, "error_code": 0})
        self.calls.append(request)
        if body.get("session") not in self.valid:
            return httpx.Response(200, json={"error_code": 401, "message": "Phiên hết hạn"})
        return httpx.Response(200, json={"error_code": 0, "result": []})


def parse_portal(response: httpx.Response):
    reply = json.loads(response.content)
    if reply["error_code"] == 401:
        raise UpstreamAuthFailed("session invalid")
    if reply["error_code"] != 0:
        raise UpstreamRejected("rejected")
    return reply


def session_auth() -> DvcqgSessionAuth:
    return DvcqgSessionAuth(login_url=LOGIN_URL, username="u", password="p", dstcode="000.00.00.H56")


def portal_request() -> OutboundRequest:
    return OutboundRequest(
        "POST", "http://portal.test/portal/api/share", json={"madonvi": "X", "service": "TraCuuHoSo"}
    )


async def test_session_is_obtained_once_and_sent_in_body_and_header(make_exchange, ctx):
    """The session key from one login goes in the JSON body of every call, with the dstcode header."""
    portal = SessionPortal()
    auth = session_auth()
    exchange = make_exchange(portal, auth=auth)
    for _ in range(3):
        await exchange.call(portal_request(), ctx, Operation("TraCuuHoSo"), parse_portal)
    assert auth.logins == 1
    for call in portal.calls:
        assert json.loads(call.content)["session"] == "s1"
        assert call.headers["dstcode"] == "000.00.00.H56"


async def test_expired_session_triggers_one_login_and_one_retry(make_exchange, ctx, audit):
    """When the portal forgets the session, the pipeline logs in again once and resends (even a non-idempotent call)."""
    portal = SessionPortal()
    auth = session_auth()
    exchange = make_exchange(portal, auth=auth)
    await exchange.call(portal_request(), ctx, Operation("DongBoHoSoMC"), parse_portal)
    portal.valid.clear()
    await exchange.call(portal_request(), ctx, Operation("DongBoHoSoMC"), parse_portal)
    assert auth.logins == 2
    assert [json.loads(c.content)["session"] for c in portal.calls] == ["s1", "s1", "s2"]
    assert [e.outcome for e in audit.entries] == ["ok", "upstream_auth_failed", "ok"]


async def test_relogin_happens_only_once(make_exchange, ctx):
    """If the fresh session is refused too, the auth failure is raised instead of looping."""
    portal = SessionPortal()
    portal.valid = _NeverValid()
    auth = session_auth()
    exchange = make_exchange(portal, auth=auth)
    with pytest.raises(UpstreamAuthFailed):
        await exchange.call(portal_request(), ctx, Operation("TraCuuHoSo", idempotent=True), parse_portal)
    assert auth.logins == 2 and len(portal.calls) == 2


class _NeverValid(set):
    def __contains__(self, item) -> bool:
        return False


async def test_refused_login_is_an_auth_failure(make_exchange, ctx):
    """A login answered with a non-zero error_code raises UpstreamAuthFailed and sends no call."""
    portal = SessionPortal()
    portal.refuse_login = True
    exchange = make_exchange(portal, auth=session_auth())
    with pytest.raises(UpstreamAuthFailed):
        await exchange.call(portal_request(), ctx, Operation("TraCuuHoSo"), parse_portal)
    assert portal.calls == []


async def test_concurrent_calls_share_one_login(make_exchange, ctx):
    """Many calls starting together log in once."""
    auth = session_auth()
    exchange = make_exchange(SessionPortal(), auth=auth)
    await asyncio.gather(*[
        exchange.call(portal_request(), ctx, Operation("TraCuuHoSo"), parse_portal) for _ in range(5)
    ])
    assert auth.logins == 1


class TokenServer:
    """WSO2-style LGSP: /token with Basic client credentials, then Bearer on calls."""

    def __init__(self) -> None:
        self.tokens = 0
        self.token_requests: list[httpx.Request] = []
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            self.token_requests.append(request)
            self.tokens += 1
            return httpx.Response(200, json={"access_token": f"t{self.tokens}", "expires_in": 3600,
                                             "token_type": "Bearer"})
        self.calls.append(request)
        return httpx.Response(200, json={})


def oauth(clock) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(
        token_url="http://lgsp.test/token", client_key="key", client_secret="secret",
        clock=clock, upstream="population", refresh_margin_seconds=300,
    )


async def test_oauth2_token_is_requested_with_basic_credentials_and_cached(make_exchange, clock, ctx):
    """The token call carries Basic base64(key:secret) and grant_type; calls carry the cached Bearer token."""
    server = TokenServer()
    auth = oauth(clock)
    exchange = make_exchange(server, auth=auth)
    request = OutboundRequest("POST", "http://lgsp.test/api", json={})
    for _ in range(2):
        await exchange.call(request, ctx, Operation("Op"), lambda r: None)
    [token_request] = server.token_requests
    assert token_request.headers["Authorization"] == "Basic " + base64.b64encode(b"key:secret").decode()
    assert token_request.content == b"grant_type=client_credentials"
    assert [c.headers["Authorization"] for c in server.calls] == ["Bearer t1", "Bearer t1"]


async def test_oauth2_token_is_refreshed_before_it_expires(make_exchange, clock, ctx):
    """Within the refresh margin before expiry a new token is fetched (injected clock)."""
    server = TokenServer()
    exchange = make_exchange(server, auth=oauth(clock))
    request = OutboundRequest("POST", "http://lgsp.test/api", json={})
    await exchange.call(request, ctx, Operation("Op"), lambda r: None)
    clock.advance(3600 - 301)
    await exchange.call(request, ctx, Operation("Op"), lambda r: None)
    clock.advance(2)
    await exchange.call(request, ctx, Operation("Op"), lambda r: None)
    assert [c.headers["Authorization"] for c in server.calls] == ["Bearer t1", "Bearer t1", "Bearer t2"]


async def test_oauth2_token_is_dropped_when_the_upstream_refuses_it(make_exchange, clock, ctx):
    """A 401 with a cached token fetches a new token and retries once."""
    server = TokenServer()
    refused = {"Bearer t1"}

    def handler(request):
        if request.url.path != "/token" and request.headers.get("Authorization") in refused:
            server.calls.append(request)
            return httpx.Response(401)
        return server(request)

    exchange = make_exchange(handler, auth=oauth(clock))
    await exchange.call(OutboundRequest("POST", "http://lgsp.test/api", json={}), ctx, Operation("Op"), lambda r: None)
    assert server.tokens == 2
    assert [c.headers["Authorization"] for c in server.calls] == ["Bearer t1", "Bearer t2"]
