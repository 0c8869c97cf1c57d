"""The auth profiles the mock population database enforces, like a strict server
(national-systems.md §2): NDXP digest headers, WSO2-style OAuth2 client credentials,
VNPT-style ``lgspaccesstoken`` + Bearer, or none. Written from the spec, not from the adapter.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from urllib.parse import parse_qs

from mocks._core import MockReply, MockRequest
from mocks.population.settings import PopulationMockSettings

TOKEN_PATH, VNPT_TOKEN_PATH = "/token", "/vnpt/token"


class AuthRefused(Exception):
    """A request without valid credentials (HTTP 401, reason in the journal)."""


class PopulationAuth:
    def __init__(
        self, settings: PopulationMockSettings, *, clock: Callable[[], float],
        epoch_ms: Callable[[], int],
    ) -> None:
        self.settings = settings
        self._clock = clock  # monotonic seconds: token expiry
        self._epoch_ms = epoch_ms  # wall clock: the NDXP Timestamp window
        self._tokens: dict[str, float] = {}  # bearer token -> expiry (monotonic)

    def reset(self) -> None:
        self._tokens.clear()

    # -- token endpoints -------------------------------------------------------------------
    def issue_token(self, request: MockRequest) -> MockReply:
        """``POST /token`` (wso2) or ``POST /vnpt/token`` (vnpt): client credentials."""
        s = self.settings
        form = parse_qs(request.body.decode("utf-8", "replace"))
        if form.get("grant_type") != ["client_credentials"]:
            raise AuthRefused("grant_type must be client_credentials")
        if request.path == TOKEN_PATH:
            if s.auth_profile != "wso2":
                raise AuthRefused("the wso2 token endpoint is not enabled")
            self._check_basic_client(request)
        else:
            if s.auth_profile != "vnpt":
                raise AuthRefused("the vnpt token endpoint is not enabled")
            self._check_lgsp_header(request)
        token = secrets.token_urlsafe(24)
        self._tokens[token] = self._clock() + s.token_ttl_seconds
        if len(self._tokens) > 10_000:  # forget expired ones now and then
            now = self._clock()
            self._tokens = {t: e for t, e in self._tokens.items() if e > now}
        return MockReply.json({
            "access_token": token, "token_type": "Bearer",
            "expires_in": int(s.token_ttl_seconds), "scope": "default",
        })

    # -- every SOAP call --------------------------------------------------------------------
    def check(self, request: MockRequest, service_url: str) -> None:
        """Raise AuthRefused unless the request carries the configured profile's credentials."""
        profile = self.settings.auth_profile
        if profile == "ndxp":
            self._check_ndxp(request, service_url)
        elif profile == "wso2":
            self._check_bearer(request)
        elif profile == "vnpt":
            self._check_lgsp_header(request)
            self._check_bearer(request)

    def _check_ndxp(self, request: MockRequest, service_url: str) -> None:
        s, h = self.settings, request.headers
        if h.get("x-road-client") != s.ndxp_client:
            raise AuthRefused("X-Road-Client missing or not the registered member")
        if not _equal(h.get("apikey", ""), s.ndxp_api_key):
            raise AuthRefused("ApiKey wrong")
        timestamp = h.get("timestamp", "")
        if not timestamp.isdigit():
            raise AuthRefused("Timestamp missing or not epoch milliseconds")
        if abs(self._epoch_ms() - int(timestamp)) > s.ndxp_window_seconds * 1000:
            raise AuthRefused("Timestamp outside the allowed window")
        username, password = _basic(h.get("authorization", ""))
        if username != s.ndxp_username:
            raise AuthRefused("unknown username")
        auth_url = s.ndxp_auth_url or service_url
        candidates = {auth_url, auth_url.rstrip("/"), auth_url.rstrip("/") + "/"}
        if not any(
            _equal(password, hashlib.sha256(f"{url}{username}{timestamp}{s.ndxp_secret}".encode()).hexdigest())
            for url in candidates
        ):
            raise AuthRefused("digest of the Authorization header wrong")

    def _check_basic_client(self, request: MockRequest) -> None:
        key, secret = _basic(request.headers.get("authorization", ""))
        s = self.settings
        if not (_equal(key, s.lgsp_client_key) and _equal(secret, s.lgsp_client_secret)):
            raise AuthRefused("client key or secret wrong")

    def _check_lgsp_header(self, request: MockRequest) -> None:
        raw = request.headers.get("lgspaccesstoken", "")
        try:
            document = json.loads(base64.b64decode(raw, validate=True))
        except (binascii.Error, ValueError) as exc:
            raise AuthRefused("lgspaccesstoken is not base64 JSON") from exc
        s = self.settings
        expected = {
            "AccessKey": s.vnpt_access_key, "SecretKey": s.vnpt_secret_key,
            "AppName": s.vnpt_app_name, "PartnerCode": s.vnpt_partner_code,
            "PartnerCodeCus": s.vnpt_partner_code_cus,
        }
        if not isinstance(document, dict) or any(
            not _equal(str(document.get(k, "")), v) for k, v in expected.items()
        ):
            raise AuthRefused("lgspaccesstoken credentials wrong")

    def _check_bearer(self, request: MockRequest) -> None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            raise AuthRefused("Bearer token missing")
        expiry = self._tokens.get(header[7:].strip())
        if expiry is None:
            raise AuthRefused("Bearer token unknown")
        if expiry <= self._clock():
            raise AuthRefused("Bearer token expired")


def _basic(header: str) -> tuple[str, str]:
    if not header.startswith("Basic "):
        raise AuthRefused("Basic authorization missing")
    try:
        user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
    except (binascii.Error, ValueError) as exc:
        raise AuthRefused("Basic authorization unreadable") from exc
    return user, password


def _equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def refusal(reason: str) -> MockReply:
    reply = MockReply.json({"error": "unauthorized", "error_description": reason}, status=401)
    reply.headers.append(("www-authenticate", "Bearer"))
    return reply
