"""Auth profiles of the routes to the population database (pipeline step 2), chosen by config.

Each adds its credentials to one outgoing request (the exchange's ``AuthProfile`` protocol),
never to the HTTP client's default headers:

- ``NdxpDigestAuth``: NDXP (national data exchange platform, on X-Road), direct route.
- WSO2-style LGSP: the exchange's ``OAuth2ClientCredentials`` as is.
- ``VnptLgspAuth``: VNPT-style LGSP, ``lgspaccesstoken`` header plus a Bearer token.
"""

from __future__ import annotations

import base64
import hashlib
import json

import httpx

from adapters._exchange import Clock, OAuth2ClientCredentials, OutboundRequest


def ndxp_digest(auth_url: str, username: str, timestamp: str, secret: str) -> str:
    """``sha256_hex(auth_url + username + timestamp + secret)``: the NDXP password digest."""
    return hashlib.sha256(f"{auth_url}{username}{timestamp}{secret}".encode()).hexdigest()


class NdxpDigestAuth:
    """NDXP direct: headers ``X-Road-Client: <member id>``, ``ApiKey``, ``Timestamp: <epoch
    ms>``, ``Authorization: Basic base64(username + ":" + ndxp_digest(...))`` and
    ``SOAPAction: ""``, computed afresh for every request (the timestamp moves)."""

    def __init__(
        self, *, client_id: str, api_key: str, username: str, secret: str, auth_url: str, clock: Clock
    ) -> None:
        self._client_id = client_id
        self._api_key = api_key
        self._username = username
        self._secret = secret
        self._auth_url = auth_url
        self._clock = clock

    async def authenticate(
        self, request: OutboundRequest, http: httpx.AsyncClient
    ) -> OutboundRequest:
        timestamp = str(int(self._clock.now().timestamp() * 1000))
        digest = ndxp_digest(self._auth_url, self._username, timestamp, self._secret)
        basic = base64.b64encode(f"{self._username}:{digest}".encode()).decode("ascii")
        return request.with_headers(
            **{
                "X-Road-Client": self._client_id,
                "ApiKey": self._api_key,
                "Timestamp": timestamp,
                "Authorization": f"Basic {basic}",
                "SOAPAction": '""',
            }
        )

    def invalidate(self, request: OutboundRequest) -> bool:
        return False  # nothing cached: a refusal means wrong credentials, not stale ones


def lgsp_access_token(
    *, access_key: str, secret_key: str, app_name: str, partner_code: str, partner_code_cus: str
) -> str:
    """VNPT LGSP ``lgspaccesstoken``: base64 of the JSON of the partner's credentials."""
    document = {
        "AccessKey": access_key,
        "SecretKey": secret_key,
        "AppName": app_name,
        "PartnerCode": partner_code,
        "PartnerCodeCus": partner_code_cus,
    }
    raw = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


class VnptLgspAuth(OAuth2ClientCredentials):
    """VNPT-style LGSP: the ``lgspaccesstoken`` header on the token call and on every call,
    plus ``Authorization: Bearer <access_token>`` from ``POST {token_url}``
    (form ``grant_type=client_credentials``), cached and refreshed before it expires."""

    def __init__(
        self,
        *,
        token_url: str,
        access_token_header: str,
        clock: Clock,
        upstream: str = "population",
        refresh_margin_seconds: float = 180.0,
    ) -> None:
        header = {"lgspaccesstoken": access_token_header}
        super().__init__(
            token_url=token_url, clock=clock, upstream=upstream, refresh_margin_seconds=refresh_margin_seconds,
            token_headers=header, call_headers=header,
        )

