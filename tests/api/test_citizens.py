"""POST /v1/citizens/lookup and /verify (API.md "Citizens") over a scripted population
upstream: responses, validation with stable codes, refusals recorded in the audit log."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from adapters.population import PopulationCodec
from contracts import population as contract
from security import wsse
from security.keys import MOCK_POPULATION, WSSE, KeyStore
from tests.adapters.population.conftest import PopulationSettingsForTests
from tests.adapters.population.test_population_client import EXPECTED_CITIZEN
from tests.adapters.population.upstream import ScriptedPopulation
from tests.api.citizens_app import citizens_app

BODY = {
    "id_number": "001203012345", "full_name": "NGUYỄN VĂN A", "birth_date": "2003-05-17",
    "purpose": "Xác minh chủ hồ sơ đăng ký kinh doanh", "officer_id": "cb.0012",
    "dossier_code": "000.00.12.H56-261122-0001",
}


@pytest.fixture(scope="module")
def keys() -> KeyStore:
    return KeyStore.ephemeral([WSSE, MOCK_POPULATION])


@pytest.fixture(scope="module")
def codec() -> PopulationCodec:
    return PopulationCodec()


@pytest.fixture
def upstream(keys) -> ScriptedPopulation:
    entry = keys.active(MOCK_POPULATION)
    signer = wsse.Signer(wsse.SigningIdentity.load(entry.private_key, entry.certificate))
    verifier = wsse.Verifier(trusted_certs=[keys.active(WSSE).certificate])
    return ScriptedPopulation(peer_signer=signer, our_verifier=verifier)


@pytest.fixture
async def stack(keys, codec, upstream):
    built = citizens_app(PopulationSettingsForTests(), keys, codec, upstream.handler, max_body_bytes=1_048_576)
    transport = httpx.ASGITransport(app=built.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as api:
        built.api = api
        yield built


async def test_lookup_returns_the_normalized_citizen(stack):
    """200 with every field mapped, source "population" and the request id."""
    reply = await stack.api.post("/v1/citizens/lookup", json=BODY, headers=stack.headers())
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data == {"citizen": EXPECTED_CITIZEN, "source": "population", "request_id": reply.headers["X-Request-ID"]}
    [record] = stack.audit.entries
    assert (record.officer_id, record.purpose, record.caller) == ("cb.0012", BODY["purpose"], "demo")
    assert record.request_id == data["request_id"]


async def test_verify_reveals_only_the_match(stack, upstream):
    """200 {"match": true} and nothing else."""
    upstream.reply_name = "XacThucThongTinCongDan.reply.xml"
    reply = await stack.api.post("/v1/citizens/verify", json=BODY, headers=stack.headers())
    assert reply.json() == {"match": True}


async def test_verify_requires_the_full_name(stack, upstream):
    """Without full_name a verify is invalid_request, and the database is not asked."""
    body = {k: v for k, v in BODY.items() if k != "full_name"}
    reply = await stack.api.post("/v1/citizens/verify", json=body, headers=stack.headers())
    assert (reply.status_code, reply.json()["code"]) == (422, "invalid_request")
    assert upstream.received == []


async def test_an_empty_collection_is_citizen_not_found(stack, upstream):
    """404 citizen_not_found from an empty CongdanCollection."""
    upstream.reply_name = "TraCuuThongTinCongDan.reply.not-found.xml"
    reply = await stack.api.post("/v1/citizens/lookup", json=BODY, headers=stack.headers())
    assert (reply.status_code, reply.json()["code"]) == (404, "citizen_not_found")


@pytest.mark.parametrize("id_number", [
    "12345", "0012030123456", "00120301234a", "００１２０３０１２３４５", "001903012345",
    "001703012345", "", " 001203012345", "0012-3012345",
])
async def test_wrong_ids_are_invalid_id_number_and_audited(stack, upstream, id_number):
    """Wrong length, non-digits, an impossible gender/century digit: 422 invalid_id_number, recorded, never sent."""
    body = {**BODY, "id_number": id_number, "birth_date": None}
    reply = await stack.api.post("/v1/citizens/lookup", json=body, headers=stack.headers())
    assert (reply.status_code, reply.json()["code"]) == (422, "invalid_id_number"), reply.text
    assert upstream.received == []
    [record] = stack.audit.entries
    assert (record.direction, record.outcome, record.officer_id) == ("inbound", "invalid_id_number", "cb.0012")


async def test_an_id_contradicting_the_birth_year_is_invalid(stack):
    """The id's century digit and year must match the given birth date's year."""
    body = {**BODY, "birth_date": "1990-05-17"}
    reply = await stack.api.post("/v1/citizens/lookup", json=body, headers=stack.headers())
    assert reply.json()["code"] == "invalid_id_number"


async def test_a_legacy_nine_digit_id_is_accepted(stack, upstream):
    """9 digits is a legacy id: accepted and sent as SoCMND."""
    body = {**BODY, "id_number": "012345678"}
    reply = await stack.api.post("/v1/citizens/lookup", json=body, headers=stack.headers())
    assert reply.status_code == 200
    assert upstream.last_fields()["SoCMND"] == "012345678"


@pytest.mark.parametrize("change", [
    {"full_name": "NGUYỄN\x00VĂN A"}, {"full_name": "NGUYỄN\nVĂN A"}, {"full_name": "A\x1b[31m"},
    {"officer_id": "cb\x07"}, {"purpose": "x\x7f"},
    {"birth_date": "2030-01-01"}, {"birth_date": "2027"}, {"birth_date": "2003-02-30"},
    {"birth_date": "17/05/2003"}, {"purpose": None}, {"officer_id": None}, {"purpose": "  "},
    {"unexpected": 1},
])
async def test_bad_fields_are_invalid_request_and_audited(stack, upstream, change):
    """Control characters, future or malformed dates, missing purpose/officer, unknown fields: 422 invalid_request, recorded."""
    body = {k: v for k, v in {**BODY, **change}.items() if v is not None}
    reply = await stack.api.post("/v1/citizens/lookup", json=body, headers=stack.headers())
    assert (reply.status_code, reply.json()["code"]) == (422, "invalid_request"), reply.text
    assert upstream.received == []
    assert [r.outcome for r in stack.audit.entries] == ["invalid_request"]


async def test_a_body_that_is_not_json_is_invalid_request(stack):
    """Garbage bodies are 422, never 500."""
    reply = await stack.api.post("/v1/citizens/lookup", content=b"\xff{", headers=stack.headers())
    assert (reply.status_code, reply.json()["code"]) == (422, "invalid_request")


async def test_a_ten_megabyte_body_is_refused_with_413_and_audited(stack, upstream):
    """The app's body limit refuses a 10 MB body before it is read, and records the refusal without the body."""
    big = b'{"id_number": "' + b"1" * 10_000_000 + b'"}'
    reply = await stack.api.post("/v1/citizens/lookup", content=big, headers=stack.headers())
    assert (reply.status_code, reply.json()["code"]) == (413, "payload_too_large")
    assert upstream.received == []
    [record] = stack.audit.entries
    assert (record.direction, record.peer, record.operation) == ("inbound", "province", "citizens.lookup")
    assert (record.outcome, record.http_status) == ("payload_too_large", 413)
    assert record.request_id == reply.headers["X-Request-ID"]
    assert record.request_bytes == b"" and record.response_bytes is None
    assert record.request_digest == hashlib.sha256(b"").hexdigest()


async def test_a_streamed_oversized_body_is_refused_and_audited(stack):
    """Without Content-Length, the chunks are counted: the refusal of a verify is recorded under citizens.verify."""
    async def chunks():
        for _ in range(20):
            yield b"1" * 100_000

    reply = await stack.api.post("/v1/citizens/verify", content=chunks(), headers=stack.headers())
    assert (reply.status_code, reply.json()["code"]) == (413, "payload_too_large")
    assert [(r.operation, r.outcome, r.request_bytes) for r in stack.audit.entries] == [
        ("citizens.verify", "payload_too_large", b"")]


async def test_scope_and_token_are_required(stack):
    """No token: 401; a token without citizens.read: 403."""
    assert (await stack.api.post("/v1/citizens/lookup", json=BODY)).status_code == 401
    reply = await stack.api.post("/v1/citizens/lookup", json=BODY, headers=stack.headers("dossiers.read"))
    assert (reply.status_code, reply.json()["code"]) == (403, "forbidden")


@pytest.mark.parametrize(("name", "code"), [
    ("reply.xml-bomb.xml", "security_error"), ("reply.external-entity.xml", "security_error"),
    ("fault.xml", "upstream_fault")])
async def test_hostile_or_failing_upstream_replies_are_502_not_500(stack, upstream, name, code):
    """Upstream trouble is a problem+json 502 with a stable code, recorded in the audit log."""
    upstream.reply_name, upstream.sign_reply = name, False
    reply = await stack.api.post("/v1/citizens/lookup", json=BODY, headers=stack.headers())
    assert (reply.status_code, reply.json()["code"]) == (502, code)
    assert [r.outcome for r in stack.audit.entries] == [code]


async def test_a_tampered_reply_is_signature_invalid(stack, upstream):
    """A reply changed after signing is 502 signature_invalid."""
    upstream.tamper = lambda body: body.replace(b"010012345", b"010012346")
    reply = await stack.api.post("/v1/citizens/lookup", json=BODY, headers=stack.headers())
    assert (reply.status_code, reply.json()["code"]) == (502, "signature_invalid")


def test_the_openapi_document_describes_the_request_bodies(stack):
    """The manual body validation still publishes the request schema."""
    schema = stack.app.openapi()
    body = schema["paths"]["/v1/citizens/lookup"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"id_number", "purpose", "officer_id"} <= set(body["required"])
    assert contract.LOOKUP in schema["paths"]["/v1/citizens/lookup"]["post"]["summary"]


def test_refusals_of_other_routes_are_named_by_method_and_path():
    """The body limit's record names routes without an operation of their own by method and path, national callers by their system."""
    from datetime import UTC, datetime

    from gateway.api.middleware.body_limit import refused_call_record
    from gateway.errors import PayloadTooLarge

    at = datetime.now(UTC)
    scope = {"type": "http", "method": "POST", "path": "/v1/dossiers", "state": {"request_id": "r-1"}}
    record = refused_call_record(scope, PayloadTooLarge(), at)
    assert (record.peer, record.operation, record.request_id) == ("province", "POST /v1/dossiers", "r-1")
    callback = refused_call_record({**scope, "path": "/national/payment/callback"}, PayloadTooLarge(), at)
    assert callback.peer == "payment"
