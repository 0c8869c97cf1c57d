"""Each auth profile of the mock population database accepts the right credentials and
refuses wrong ones with HTTP 401, journalling ``auth_ok``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import pytest

import contracts.population as contract
from mocks.population import settings as dev
from tests.mocks.population.support import (
    NOW,
    basic,
    lgsp_header,
    ndxp_headers,
    reply_payload,
    xml_headers,
)

NDXP = {"client": dev.DEV_NDXP_CLIENT, "api_key": dev.DEV_NDXP_API_KEY,
        "username": dev.DEV_NDXP_USERNAME, "secret": dev.DEV_NDXP_SECRET}
VNPT = {"access_key": dev.DEV_VNPT_ACCESS_KEY, "secret_key": dev.DEV_VNPT_SECRET_KEY,
        "app_name": dev.DEV_VNPT_APP_NAME, "partner_code": dev.DEV_VNPT_PARTNER_CODE,
        "partner_code_cus": dev.DEV_VNPT_PARTNER_CODE_CUS}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def soap(client, signer, headers):  # noqa: ANN001, ANN201
    body = signer.sign(contract.golden("TraCuuThongTinCongDan.request.xml"))
    return await client.post("/population/", content=body, headers=xml_headers(headers))


def last_entry(app):  # noqa: ANN001, ANN201
    return app.mocks.journal.query(target="population")[-1]


async def test_ndxp_accepted(make_client, signer, reply_verifier):
    """NDXP digest headers computed from the spec are accepted; auth_ok is journalled."""
    async with make_client(auth_profile="ndxp") as (client, app):
        response = await soap(client, signer, ndxp_headers(**NDXP))
        assert response.status_code == 200, response.text
        assert len(reply_payload(response.content, reply_verifier)) == 1
        assert last_entry(app).auth_ok is True


async def test_ndxp_auth_url_without_trailing_slash_accepted(make_client, signer):
    """The digest over the service URL without its trailing slash is accepted too."""
    async with make_client(auth_profile="ndxp") as (client, _app):
        headers = ndxp_headers(**NDXP, auth_url="http://mocks.test/population")
        assert (await soap(client, signer, headers)).status_code == 200


async def test_ndxp_configured_auth_url_is_enforced(make_client, signer):
    """With an auth URL configured, only a digest over that URL passes."""
    async with make_client(auth_profile="ndxp", ndxp_auth_url="https://ndxp.gov.vn/auth") as (client, _):
        assert (await soap(client, signer, ndxp_headers(**NDXP))).status_code == 401
        good = ndxp_headers(**NDXP, auth_url="https://ndxp.gov.vn/auth")
        assert (await soap(client, signer, good)).status_code == 200


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"secret": "wrong"}, "digest"),
        ({"api_key": "wrong"}, "ApiKey"),
        ({"client": "VN/GOV/other"}, "X-Road-Client"),
        ({"username": "someone"}, "username"),
        ({"at": NOW - timedelta(minutes=10)}, "window"),
        ({"at": NOW + timedelta(minutes=10)}, "window"),
    ],
    ids=["secret", "api-key", "client", "username", "stale", "future"],
)
async def test_ndxp_refused(make_client, signer, change, reason):
    """Wrong secret, key, member, username or a timestamp out of the window gives 401."""
    async with make_client(auth_profile="ndxp") as (client, app):
        response = await soap(client, signer, ndxp_headers(**{**NDXP, **change}))
        assert response.status_code == 401
        assert reason in response.json()["error_description"]
        assert last_entry(app).auth_ok is False


async def test_ndxp_missing_headers_refused(make_client, signer):
    """No headers at all is a 401, not a crash."""
    async with make_client(auth_profile="ndxp") as (client, _app):
        assert (await soap(client, signer, {})).status_code == 401


async def wso2_token(client, key=dev.DEV_LGSP_CLIENT_KEY, secret=dev.DEV_LGSP_CLIENT_SECRET):  # noqa: ANN001, ANN201
    return await client.post("/population/token", content="grant_type=client_credentials",
                             headers={**FORM, "Authorization": basic(key, secret)})


async def test_wso2_token_then_bearer_accepted(make_client, signer):
    """A client-credentials token from /population/token opens the SOAP service."""
    async with make_client(auth_profile="wso2") as (client, app):
        token = await wso2_token(client)
        assert token.status_code == 200
        body = token.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
        response = await soap(client, signer, {"Authorization": f"Bearer {body['access_token']}"})
        assert response.status_code == 200
        assert [e.auth_ok for e in app.mocks.journal.query(target="population")] == [True, True]


async def test_wso2_refusals(make_client, signer, clock):
    """Wrong client secret, wrong grant, unknown or expired bearer tokens are refused."""
    async with make_client(auth_profile="wso2", token_ttl_seconds=60) as (client, _app):
        assert (await wso2_token(client, secret="wrong")).status_code == 401
        bad_grant = await client.post("/population/token", content="grant_type=password",
                                      headers={**FORM, "Authorization": basic("lienthong", dev.DEV_LGSP_CLIENT_SECRET)})
        assert bad_grant.status_code == 401
        assert (await soap(client, signer, {"Authorization": "Bearer made-up"})).status_code == 401
        assert (await soap(client, signer, {})).status_code == 401
        token = (await wso2_token(client)).json()["access_token"]
        clock.advance(61)
        expired = await soap(client, signer, {"Authorization": f"Bearer {token}"})
        assert expired.status_code == 401 and "expired" in expired.json()["error_description"]


async def test_vnpt_token_and_calls_need_the_lgsp_header(make_client, signer):
    """VNPT: lgspaccesstoken on the token call and on every call, plus the Bearer token."""
    async with make_client(auth_profile="vnpt") as (client, _app):
        header = lgsp_header(**VNPT)
        token = await client.post("/population/vnpt/token", content="grant_type=client_credentials",
                                  headers={**FORM, "lgspaccesstoken": header})
        assert token.status_code == 200
        bearer = f"Bearer {token.json()['access_token']}"
        ok = await soap(client, signer, {"lgspaccesstoken": header, "Authorization": bearer})
        assert ok.status_code == 200
        without_header = await soap(client, signer, {"Authorization": bearer})
        assert without_header.status_code == 401
        without_bearer = await soap(client, signer, {"lgspaccesstoken": header})
        assert without_bearer.status_code == 401


@pytest.mark.parametrize("field", list(VNPT))
async def test_vnpt_wrong_credentials_refused(make_client, field):
    """Any wrong field of the lgspaccesstoken JSON is refused at the token endpoint."""
    async with make_client(auth_profile="vnpt") as (client, _app):
        header = lgsp_header(**{**VNPT, field: "wrong"})
        token = await client.post("/population/vnpt/token", content="grant_type=client_credentials",
                                  headers={**FORM, "lgspaccesstoken": header})
        assert token.status_code == 401


async def test_vnpt_garbage_header_refused(make_client):
    """A lgspaccesstoken that is not base64 JSON is a 401."""
    async with make_client(auth_profile="vnpt") as (client, _app):
        token = await client.post("/population/vnpt/token", content="grant_type=client_credentials",
                                  headers={**FORM, "lgspaccesstoken": "%%%"})
        assert token.status_code == 401


async def test_token_endpoint_of_another_profile_is_closed(make_client):
    """Under ndxp, the LGSP token endpoints refuse to issue tokens."""
    async with make_client(auth_profile="ndxp") as (client, _app):
        assert (await wso2_token(client)).status_code == 401


async def test_none_profile_needs_no_credentials(make_client, signer):
    """With profile none, a signed request without any auth header is answered."""
    async with make_client(auth_profile="none") as (client, app):
        assert (await soap(client, signer, {})).status_code == 200
        assert last_entry(app).auth_ok is None


def test_settings_from_env_use_the_gateway_variable_names():
    """LIENTHONG_POPULATION_* configure the mock; unknown profiles are refused."""
    from mocks.population import PopulationMockSettings

    settings = PopulationMockSettings.from_env({
        "LIENTHONG_POPULATION_AUTH": "vnpt", "LIENTHONG_POPULATION_VNPT_APP_NAME": "x",
        "LIENTHONG_POPULATION_WSSE_SIGN": "false", "LIENTHONG_VAR_DIR": "/tmp/v",
    })
    assert asdict(settings)["auth_profile"] == "vnpt"
    assert settings.vnpt_app_name == "x" and settings.require_signature is False
    assert str(settings.keys_dir) == "/tmp/v/keys"
    with pytest.raises(ValueError):
        PopulationMockSettings(auth_profile="kerberos")
