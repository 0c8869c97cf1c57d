"""The mock population database answers both operations from its seed, checks WS-Security
like a strict server, validates requests against the contract and signs its replies."""

from __future__ import annotations

import pytest
from lxml import etree

import contracts.population as contract
from contracts.errors import SignatureInvalid, UpstreamFault
from mocks.population.seed import population
from tests.mocks.population.support import (
    BCA,
    DC,
    NOW,
    SOAP,
    reply_payload,
    request_envelope,
    xml_headers,
)

GOLDEN_ID = "001203012345"


async def post(client, body: bytes, **headers):  # noqa: ANN001, ANN003, ANN201
    return await client.post("/population/", content=body, headers=xml_headers(headers))


async def test_lookup_of_the_golden_citizen_returns_the_golden_reply(client, signer, reply_verifier):
    """A signed lookup of the golden id returns, signed, exactly the golden CongDan."""
    response = await post(client, signer.sign(contract.golden("TraCuuThongTinCongDan.request.xml")))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    payload = reply_payload(response.content, reply_verifier)
    assert payload.tag == f"{{{DC}}}CongdanCollection"
    assert contract.schema().validate(payload)
    golden = etree.fromstring(contract.golden("TraCuuThongTinCongDan.reply.xml"),
                              etree.XMLParser(remove_blank_text=True))
    expected = golden.find(f"{{{SOAP}}}Body/{{{DC}}}CongdanCollection/{{{DC}}}CongDan")
    (citizen,) = payload
    assert etree.tostring(citizen, method="c14n", exclusive=True) == etree.tostring(
        expected, method="c14n", exclusive=True)


async def test_golden_verify_request_by_legacy_id_and_year_is_true(client, signer, reply_verifier):
    """The golden verify request (SoCMND + year only) is answered TonTai true."""
    response = await post(client, signer.sign(contract.golden("XacThucThongTinCongDan.request.xml")))
    payload = reply_payload(response.content, reply_verifier)
    assert payload.tag == f"{{{BCA}}}XacThucThongTinCongDanResponse"
    assert payload.findtext(f"{{{BCA}}}TonTai") == "true"


@pytest.mark.parametrize(
    ("fields", "exists"),
    [
        ({"id_number": GOLDEN_ID, "name": "nguyễn  văn a"}, True),  # case and spaces ignored
        ({"id_number": GOLDEN_ID, "name": "NGUYỄN VĂN B"}, False),
        ({"id_number": GOLDEN_ID, "name": "NGUYỄN VĂN A", "date": "20030518"}, False),
        ({"id_number": GOLDEN_ID, "name": "NGUYỄN VĂN A", "year": "2004"}, False),
        ({"id_number": "001203099999", "name": "NGUYỄN VĂN A"}, False),
        ({"legacy_id": "012345678", "name": "NGUYỄN VĂN A", "date": "20030517"}, True),
    ],
)
async def test_verify_true_and_false(client, signer, reply_verifier, fields, exists):
    """XacThucThongTinCongDan is true only when id, name and (if given) birth date agree."""
    body = request_envelope(contract.VERIFY, **fields)
    payload = reply_payload((await post(client, signer.sign(body))).content, reply_verifier)
    assert payload.findtext(f"{{{BCA}}}TonTai") == ("true" if exists else "false")


async def test_lookup_not_found_is_an_empty_collection(client, signer, reply_verifier):
    """An unknown id gets HTTP 200 with an empty CongdanCollection, not a fault."""
    body = request_envelope(contract.LOOKUP, id_number="001203099999")
    response = await post(client, signer.sign(body))
    assert response.status_code == 200
    payload = reply_payload(response.content, reply_verifier)
    assert payload.tag == f"{{{DC}}}CongdanCollection" and len(payload) == 0


async def test_lookup_by_legacy_id_of_a_seeded_citizen(client, signer, reply_verifier):
    """A seeded citizen with a 9-digit legacy id is found by it, with their 12-digit id."""
    citizen = next(c for c in population().citizens[1:] if c.legacy_id)
    body = request_envelope(contract.LOOKUP, legacy_id=citizen.legacy_id)
    payload = reply_payload((await post(client, signer.sign(body))).content, reply_verifier)
    assert payload[0].findtext(f"{{{DC}}}SoDinhDanh") == citizen.id_number
    assert payload[0].findtext(f"{{{DC}}}HoVaTen/{{{DC}}}Ten") == citizen.given


async def test_year_only_citizen_is_found_with_a_year(client, signer, reply_verifier):
    """A citizen known by birth year only is found with ``Nam`` and has no NgayThangNam."""
    citizen = next(c for c in population().citizens if c.birth_date is None)
    body = request_envelope(contract.LOOKUP, id_number=citizen.id_number, year=str(citizen.birth_year))
    payload = reply_payload((await post(client, signer.sign(body))).content, reply_verifier)
    birth = payload[0].find(f"{{{DC}}}NgayThangNamSinh")
    assert birth.findtext(f"{{{DC}}}Nam") == str(citizen.birth_year)
    assert birth.find(f"{{{DC}}}NgayThangNam") is None


async def test_unsigned_request_refused_when_signature_required(make_client):
    """Without a signature the mock answers a wsse:InvalidSecurity Fault and journals it."""
    async with make_client(require_signature=True) as (client, app):
        response = await post(client, contract.golden("TraCuuThongTinCongDan.request.xml"))
        assert response.status_code == 500
        fault = etree.fromstring(response.content).find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault")
        assert fault.findtext("faultcode") == "wsse:InvalidSecurity"
        (entry,) = app.mocks.journal.query(target="population")
        assert entry.signature_ok is False and entry.operation == contract.LOOKUP


async def test_request_signed_by_a_stranger_is_refused(client, stranger_party):
    """A request signed with a certificate the mock does not trust is refused."""
    from security import wsse

    stranger = wsse.Signer(wsse.SigningIdentity.load(stranger_party.key, stranger_party.cert),
                           clock=lambda: NOW)
    response = await post(client, stranger.sign(request_envelope(contract.LOOKUP, id_number=GOLDEN_ID)))
    assert response.status_code == 500
    assert b"wsse:FailedCheck" in response.content and b"certificate not trusted" in response.content


async def test_tampered_request_is_refused(client, signer):
    """A signed request whose officer was changed after signing fails its digest check."""
    signed = signer.sign(request_envelope(contract.LOOKUP, id_number=GOLDEN_ID))
    response = await post(client, signed.replace(b"cb.0012", b"cb.9999"))
    assert response.status_code == 500 and b"digest mismatch" in response.content


async def test_unsigned_request_accepted_when_not_required(make_client, reply_verifier):
    """With signatures optional, an unsigned request is answered (signature_ok null)."""
    async with make_client(require_signature=False) as (client, app):
        response = await post(client, contract.golden("TraCuuThongTinCongDan.request.xml"))
        assert response.status_code == 200
        assert len(reply_payload(response.content, reply_verifier)) == 1
        (entry,) = app.mocks.journal.query(target="population")
        assert entry.signature_ok is None and entry.valid is True


async def test_signed_request_journals_signature_ok(make_client, signer):
    """A good signature is journalled as signature_ok, with auth and validity."""
    async with make_client() as (client, app):
        await post(client, signer.sign(contract.golden("TraCuuThongTinCongDan.request.xml")))
        (entry,) = app.mocks.journal.query(target="population")
        assert (entry.signature_ok, entry.valid, entry.auth_ok) == (True, True, None)


@pytest.mark.parametrize(
    "fields",
    [
        {"id_number": "00120301234"},  # 11 digits
        {"legacy_id": "01234567X"},
        {"id_number": GOLDEN_ID, "name": "NGUYỄN\u0085VĂN A"},  # a C1 control character: legal XML, no name
        {"id_number": GOLDEN_ID, "officer": ""},
    ],
    ids=["short-id", "non-digit-legacy", "control-char", "empty-officer"],
)
async def test_invalid_request_is_a_client_fault(make_client, signer, fields):
    """A request violating the XSD gets a soapenv:Client Fault; the journal says invalid."""
    async with make_client() as (client, app):
        response = await post(client, signer.sign(request_envelope(contract.LOOKUP, **fields)))
        assert response.status_code == 500
        assert etree.fromstring(response.content).findtext(f".//faultcode") == "soapenv:Client"
        (entry,) = app.mocks.journal.query(target="population")
        assert entry.valid is False and entry.errors


@pytest.mark.parametrize("name", ["reply.xml-bomb.xml", "reply.external-entity.xml"])
async def test_hostile_xml_is_refused_without_expansion(client, name):
    """An XML bomb or external entity sent to the mock is refused with a Client fault."""
    response = await post(client, contract.golden(name))
    assert response.status_code == 500
    assert b"DOCTYPE not allowed" in response.content
    assert b"root:" not in response.content


async def test_unknown_operation_is_a_client_fault(client, signer):
    """A Body whose element is not one of the two operations is refused."""
    body = request_envelope(contract.LOOKUP, id_number=GOLDEN_ID).replace(
        b"TraCuuThongTinCongDan", b"XacMinhThongTinChuHo")
    response = await post(client, signer.sign(body))
    assert response.status_code == 500 and b"unknown operation" in response.content


async def test_reply_to_a_fault_is_a_fault_not_a_crash(client):
    """A client sending a SOAP Fault as a request gets a Client fault back."""
    response = await post(client, contract.golden("fault.xml"))
    assert response.status_code == 500 and b"soapenv:Client" in response.content


async def test_replies_verify_only_with_the_mock_certificate(client, signer, gateway_party):
    """The reply is signed by the mock's own key: the gateway's certificate does not verify it."""
    from security import wsse

    response = await post(client, signer.sign(contract.golden("TraCuuThongTinCongDan.request.xml")))
    wrong = wsse.Verifier(trusted_certs=[gateway_party.cert], clock=lambda: NOW)
    with pytest.raises(SignatureInvalid, match="certificate not trusted"):
        wrong.verify(response.content)


async def test_get_is_not_soap(client):
    """Only POST carries SOAP."""
    assert (await client.get("/population/")).status_code == 405


async def test_soap_fault_golden_is_what_clients_see_as_upstream_fault(client, signer):
    """The mock's faults parse as SOAP 1.1 faults (UpstreamFault in security.wsse)."""
    from security import wsse

    response = await post(client, contract.golden("TraCuuThongTinCongDan.request.xml"))  # unsigned
    with pytest.raises(UpstreamFault) as caught:
        wsse.verify_envelope(response.content, trusted_certs=[], clock=lambda: NOW)
    assert caught.value.extra["faultcode"] == "wsse:InvalidSecurity"
