"""The auth profiles of the routes to the population database: NDXP digest headers, WSO2
OAuth2 bearer, VNPT lgspaccesstoken — per request, chosen by configuration."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx
import pytest

from adapters._exchange import NoAuth, OAuth2ClientCredentials, OutboundRequest
from adapters.population import NdxpDigestAuth, VnptLgspAuth, lgsp_access_token
from adapters.population.factory import build_auth
from contracts.errors import ConfigurationError
from tests.adapters.conftest import FakeClock

REQUEST = OutboundRequest("POST", "http://population.test/population", content=b"<x/>")


async def test_ndxp_headers_and_digest():
    """Basic base64(username:sha256_hex(auth_url+username+timestamp+secret)) with the epoch-ms Timestamp it used."""
    clock = FakeClock()
    auth = NdxpDigestAuth(client_id="VN/GOV/1/LT", api_key="k", username="u", secret="s",
                          auth_url="http://ndxp.test/auth", clock=clock)
    async with httpx.AsyncClient() as http:
        sent = await auth.authenticate(REQUEST, http)
    timestamp = sent.headers["Timestamp"]
    assert timestamp == str(int(clock.now().timestamp() * 1000))
    digest = hashlib.sha256(f"http://ndxp.test/authu{timestamp}s".encode()).hexdigest()
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(f"u:{digest}".encode()).decode()
    assert (sent.headers["X-Road-Client"], sent.headers["ApiKey"], sent.headers["SOAPAction"]) == ("VN/GOV/1/LT", "k", '""')


async def test_ndxp_timestamp_moves_with_the_clock():
    """Each request is authenticated afresh: a later request has a later Timestamp and digest."""
    clock = FakeClock()
    auth = NdxpDigestAuth(client_id="c", api_key="k", username="u", secret="s", auth_url="a", clock=clock)
    async with httpx.AsyncClient() as http:
        first = await auth.authenticate(REQUEST, http)
        clock.advance(1.5)
        second = await auth.authenticate(REQUEST, http)
    assert int(second.headers["Timestamp"]) - int(first.headers["Timestamp"]) == 1500
    assert first.headers["Authorization"] != second.headers["Authorization"]


def test_lgsp_access_token_is_base64_json_of_the_partner_credentials():
    """VNPT's lgspaccesstoken decodes to {AccessKey, SecretKey, AppName, PartnerCode, PartnerCodeCus}."""
    token = lgsp_access_token(access_key="a", secret_key="s", app_name="Ứng dụng",
                              partner_code="p", partner_code_cus="pc")
    assert json.loads(base64.b64decode(token)) == {
        "AccessKey": "a", "SecretKey": "s", "AppName": "Ứng dụng", "PartnerCode": "p", "PartnerCodeCus": "pc"}


async def test_vnpt_sends_the_header_on_the_token_call_and_every_call_and_caches_the_token():
    """The token endpoint gets lgspaccesstoken; each call gets it plus the Bearer; one token fetch serves many calls."""
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "tok-1", "expires_in": 3600})

    auth = VnptLgspAuth(token_url="http://lgsp.test/token", access_token_header="HDR", clock=FakeClock())
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        first = await auth.authenticate(REQUEST, http)
        second = await auth.authenticate(REQUEST, http)
    assert [r.headers["lgspaccesstoken"] for r in seen] == ["HDR"]
    assert b"grant_type=client_credentials" in seen[0].content
    for sent in (first, second):
        assert sent.headers["lgspaccesstoken"] == "HDR"
        assert sent.headers["Authorization"] == "Bearer tok-1"
    assert auth.fetches == 1
    assert auth.invalidate(first) is True
    assert not auth._fresh()


@pytest.mark.parametrize(("profile", "kind"), [
    ("ndxp", NdxpDigestAuth), ("wso2", OAuth2ClientCredentials), ("vnpt", VnptLgspAuth), ("none", NoAuth)])
def test_the_profile_is_chosen_by_configuration(population_settings, profile, kind):
    """population_auth picks the profile; the WSO2 route reuses the exchange's OAuth2 client credentials."""
    population_settings.population_auth = profile
    assert isinstance(build_auth(population_settings, FakeClock()), kind)


def test_an_unknown_profile_is_a_configuration_error(population_settings):
    """A typo in population_auth fails at start-up, not on the first lookup."""
    population_settings.population_auth = "basic"
    with pytest.raises(ConfigurationError):
        build_auth(population_settings, FakeClock())
