"""The population client over a scripted upstream (httpx.MockTransport): wire fields, the
field mapping, audit records, signatures, faults and hostile replies."""

from __future__ import annotations

import uuid

import httpx
import pytest
from lxml import etree
from prometheus_client import CollectorRegistry

from adapters._exchange import CallContext, SystemClock
from adapters.population import CitizenQuery, build_population_client
from contracts import population as contract
from contracts.errors import (
    ContractViolation,
    SecurityError,
    SignatureInvalid,
    UpstreamFault,
)
from security.audit import ListAuditSink
from security import wsse
from security.keys import MOCK_POPULATION, WSSE, KeyStore
from tests.adapters.population.upstream import ScriptedPopulation

CTX = CallContext(request_id="req-7", caller="demo", officer_id="cb.0012", purpose="Xác minh chủ hồ sơ")
QUERY = CitizenQuery(
    id_number="001203012345", officer_id="cb.0012", purpose="Xác minh chủ hồ sơ",
    full_name="Nguyễn Văn A", birth_date="2003-05-17",
)

EXPECTED_CITIZEN = {
    "id_number": "001203012345",
    "legacy_id_number": "012345678",
    "full_name": "NGUYỄN VĂN A",
    "family_name": "NGUYỄN",
    "middle_name": "VĂN",
    "given_name": "A",
    "birth_date": "2003-05-17",
    "gender": "male",
    "ethnicity": "01",
    "religion": "00",
    "nationality": "VN",
    "marital_status": "married",
    "blood_type": "O",
    "birth_registration_place": {"province_code": "01", "district_code": "001", "ward_code": "00004",
                                 "detail": "UBND phường Trúc Bạch, quận Ba Đình, Hà Nội", "country": "VN"},
    "hometown": {"province_code": "38", "district_code": "380", "ward_code": "14755",
                 "detail": "Phường Điện Biên, thành phố Thanh Hóa, Thanh Hóa", "country": "VN"},
    "permanent_address": {"province_code": "01", "district_code": "001", "ward_code": "00004",
                          "detail": "Số 12 ngõ 5 phố Trúc Bạch", "country": "VN"},
    "current_address": {"province_code": "79", "district_code": "760", "ward_code": "26740",
                        "detail": "45 Lê Lợi", "country": "VN"},
    "father": {"full_name": "NGUYỄN VĂN BÌNH", "id_number": "038075001234",
               "legacy_id_number": "171234567", "nationality": "VN"},
    "mother": {"full_name": "TRẦN THỊ HOA", "id_number": "001178005678",
               "legacy_id_number": "011234567", "nationality": "VN"},
    "spouse": {"full_name": "LÊ THỊ MAI", "id_number": "079304009876",
               "legacy_id_number": None, "nationality": "VN"},
    "representative": {"full_name": "NGUYỄN VĂN BÌNH", "id_number": "038075001234",
                       "legacy_id_number": "171234567", "nationality": "VN"},
    "household_head": {"relation": "04", "id_number": "038075001234",
                       "legacy_id_number": "171234567", "full_name": "NGUYỄN VĂN BÌNH"},
    "household_book_number": "010012345",
}


@pytest.fixture
def upstream(peer_signer, our_verifier) -> ScriptedPopulation:
    return ScriptedPopulation(peer_signer=peer_signer, our_verifier=our_verifier)


@pytest.fixture
def make_client(population_settings, keys, codec):
    made = []

    def make(upstream: ScriptedPopulation, audit: ListAuditSink, **overrides):
        for name, value in overrides.items():
            setattr(population_settings, name, value)
        http = httpx.AsyncClient(transport=httpx.MockTransport(upstream.handler), timeout=2)
        client = build_population_client(
            population_settings, keys=keys, audit=audit, registry=CollectorRegistry(),
            http=http, clock=SystemClock(), codec=codec,
        )
        made.append(client)
        return client

    yield make


async def test_lookup_maps_every_field_of_the_golden_reply(upstream, make_client):
    """A signed golden reply becomes the normalized citizen of API.md, field by field."""
    client = make_client(upstream, ListAuditSink())
    assert await client.lookup(QUERY, CTX) == EXPECTED_CITIZEN


async def test_request_carries_the_wire_fields_in_contract_order(upstream, make_client):
    """MaYeuCau is a fresh UUID, MaCanBo the officer, a 12-digit id goes as SoDinhDanh, the name upper case."""
    client = make_client(upstream, ListAuditSink())
    await client.lookup(QUERY, CTX)
    fields = upstream.last_fields()
    uuid.UUID(fields["MaYeuCau"])
    assert fields == {
        "MaYeuCau": fields["MaYeuCau"], "MaDVC": "VPCP", "MaTichHop": "037", "MaCanBo": "cb.0012",
        "SoDinhDanh": "001203012345", "HoVaTen": "NGUYỄN VĂN A", "NgayThangNam": "20030517",
    }
    request = upstream.received[-1]
    assert request.headers["SOAPAction"] == '""'
    assert request.headers["Content-Type"].startswith("text/xml")
    body = etree.fromstring(request.content).find(f"{{{contract.NS_SOAP11}}}Body")[0]
    contract.schema().assertValid(body)


async def test_legacy_nine_digit_id_goes_as_so_cmnd_and_year_only_as_nam(upstream, make_client):
    """A 9-digit id is sent as SoCMND; a birth year alone as Nam."""
    client = make_client(upstream, ListAuditSink())
    query = CitizenQuery(id_number="012345678", officer_id="cb.1", purpose="p", birth_date="2003")
    await client.lookup(query, CTX)
    fields = upstream.last_fields()
    assert fields["SoCMND"] == "012345678" and "SoDinhDanh" not in fields
    assert fields["Nam"] == "2003"


async def test_the_signed_request_is_audited_exactly_as_sent(upstream, make_client, keys, our_verifier):
    """The audit record holds the sent bytes (which re-verify), the MaYeuCau, the officer, purpose, caller and the reply's verification."""
    audit = ListAuditSink()
    client = make_client(upstream, audit)
    await client.lookup(QUERY, CTX)
    [record] = audit.entries
    assert record.request_bytes == upstream.received[-1].content
    assert our_verifier.verify(record.request_bytes).verified
    assert record.upstream_ref == upstream.last_fields()["MaYeuCau"]
    assert (record.officer_id, record.purpose, record.caller) == ("cb.0012", "Xác minh chủ hồ sơ", "demo")
    assert record.signature_scheme == "wsse-rsa-sha256"
    assert record.signature_key_id == keys.active(WSSE).kid
    assert record.signature_verified is True
    assert (record.peer, record.operation, record.outcome) == ("population", "TraCuuThongTinCongDan", "ok")


async def test_each_call_gets_a_fresh_request_id(upstream, make_client):
    """Two lookups carry two different MaYeuCau."""
    audit = ListAuditSink()
    client = make_client(upstream, audit)
    await client.lookup(QUERY, CTX)
    await client.lookup(QUERY, CTX)
    assert audit.entries[0].upstream_ref != audit.entries[1].upstream_ref


async def test_an_empty_collection_is_none(upstream, make_client):
    """"Not found" arrives as an empty CongdanCollection and becomes None."""
    upstream.reply_name = "TraCuuThongTinCongDan.reply.not-found.xml"
    assert await make_client(upstream, ListAuditSink()).lookup(QUERY, CTX) is None


async def test_verify_reads_ton_tai(upstream, make_client):
    """XacThucThongTinCongDan's TonTai true/false is the answer."""
    upstream.reply_name = "XacThucThongTinCongDan.reply.xml"
    client = make_client(upstream, ListAuditSink())
    assert await client.verify(QUERY, CTX) is True
    assert upstream.last_fields()["HoVaTen"] == "NGUYỄN VĂN A"


async def test_verify_false(peer_signer, our_verifier, make_client):
    """TonTai false is a clean False, not an error."""
    class FalseReply(ScriptedPopulation):
        def handler(self, request):
            response = super().handler(request)
            unsigned = contract.golden("XacThucThongTinCongDan.reply.xml").replace(b"true", b"false")
            return httpx.Response(200, content=self.peer_signer.sign(unsigned), headers=response.headers)

    upstream = FalseReply(peer_signer=peer_signer, our_verifier=our_verifier)
    assert await make_client(upstream, ListAuditSink()).verify(QUERY, CTX) is False


@pytest.mark.parametrize("status", [200, 500])
async def test_a_soap_fault_is_the_upstreams_error_before_any_signature_check(upstream, make_client, status):
    """An unsigned Fault (HTTP 200 or 500) is UpstreamFault, not signature_invalid, not retried, recorded with its bytes and status."""
    upstream.reply_name, upstream.sign_reply, upstream.status = "fault.xml", False, status
    audit = ListAuditSink()
    client = make_client(upstream, audit)
    with pytest.raises(UpstreamFault) as caught:
        await client.lookup(QUERY, CTX)
    assert "bảo trì" in caught.value.detail
    assert caught.value.extra["upstream_error_code"] == "503"
    assert len(upstream.received) == 1
    [record] = audit.entries
    assert (record.outcome, record.http_status) == ("upstream_fault", status)
    assert record.response_bytes == contract.golden("fault.xml")
    assert client.breaker_state == "closed"


@pytest.mark.parametrize("name", ["reply.xml-bomb.xml", "reply.external-entity.xml"])
async def test_hostile_replies_are_refused_and_audited(upstream, make_client, name):
    """An XML bomb or external entity is refused as security_error, never expanded, and recorded."""
    upstream.reply_name, upstream.sign_reply = name, False
    audit = ListAuditSink()
    with pytest.raises(SecurityError) as caught:
        await make_client(upstream, audit).lookup(QUERY, CTX)
    assert caught.value.code == "security_error"
    assert [r.outcome for r in audit.entries] == ["security_error"]
    assert audit.entries[0].response_bytes == contract.golden(name)


async def test_a_reply_signed_by_another_key_is_refused(upstream, make_client):
    """A reply signed with a key that is not the peer's is signature_invalid."""
    stranger = KeyStore.ephemeral([MOCK_POPULATION]).active(MOCK_POPULATION)
    upstream.peer_signer = wsse.Signer(wsse.SigningIdentity.load(stranger.private_key, stranger.certificate))
    audit = ListAuditSink()
    with pytest.raises(SignatureInvalid):
        await make_client(upstream, audit).lookup(QUERY, CTX)
    assert audit.entries[0].outcome == "signature_invalid"
    assert audit.entries[0].signature_verified is False


async def test_a_tampered_reply_is_refused(upstream, make_client):
    """Changing one signed character of the Body breaks the signature."""
    upstream.tamper = lambda body: body.replace("NGUYỄN VĂN BÌNH".encode(), "NGUYỄN VĂN BÍNH".encode(), 1)
    with pytest.raises(SignatureInvalid):
        await make_client(upstream, ListAuditSink()).lookup(QUERY, CTX)


async def test_an_unsigned_reply_is_refused_when_signatures_are_required(upstream, make_client):
    """require_reply_signature: an unsigned reply is signature_invalid."""
    upstream.sign_reply = False
    with pytest.raises(SignatureInvalid):
        await make_client(upstream, ListAuditSink()).lookup(QUERY, CTX)


async def test_an_unsigned_reply_is_accepted_when_not_required(upstream, make_client):
    """Without the requirement an unsigned reply is read, and the record says nothing was verified."""
    upstream.sign_reply = False
    audit = ListAuditSink()
    client = make_client(upstream, audit, population_wsse_require_reply_signature=False)
    assert (await client.lookup(QUERY, CTX))["id_number"] == "001203012345"
    assert audit.entries[0].signature_verified is None


async def test_signing_can_be_switched_off(upstream, make_client):
    """population_wsse_sign=False sends the plain envelope (no wsse:Security header)."""
    upstream.our_verifier = None
    audit = ListAuditSink()
    client = make_client(upstream, audit, population_wsse_sign=False)
    await client.lookup(QUERY, CTX)
    assert b"Security" not in upstream.received[-1].content
    assert audit.entries[0].signature_scheme == "wsse-rsa-sha256"  # the reply's check


async def test_a_reply_that_breaks_the_contract_is_contract_violation(upstream, make_client):
    """A body element the WSDL does not describe is contract_violation, not a 500."""
    upstream.sign_reply = False
    upstream.reply_name = "XacThucThongTinCongDan.reply.xml"
    client = make_client(upstream, ListAuditSink(), population_wsse_require_reply_signature=False)
    with pytest.raises(ContractViolation):
        await client.lookup(QUERY, CTX)  # a verify reply to a lookup


async def test_a_reply_the_xsd_refuses_is_contract_violation_without_its_content(upstream, make_client):
    """A CongDan with an element the XSD does not allow is contract_violation; the error names no reply content."""
    upstream.sign_reply = False
    upstream.tamper = lambda body: body.replace(b"</SoSoHoKhau>", b"</SoSoHoKhau><BiMat>NGUYEN</BiMat>", 1)
    client = make_client(upstream, ListAuditSink(), population_wsse_require_reply_signature=False)
    with pytest.raises(ContractViolation) as caught:
        await client.lookup(QUERY, CTX)
    assert "NGUYEN" not in str(caught.value.detail) and "BiMat" not in str(caught.value.detail)
