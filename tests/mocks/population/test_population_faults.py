"""Faults of the mock population database (``/__admin/faults`` with target population,
including the SOAP-only modes ``soap_fault`` and ``hostile_xml``, and the older
``/__admin/population/soap-fault`` spelling) and its admin routes."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

import contracts.population as contract
from contracts.errors import ContractViolation, SecurityError, SignatureInvalid, UpstreamFault
from security import wsse
from tests.mocks.population.support import NOW, SOAP, basic, xml_headers


async def lookup(client, signer):  # noqa: ANN001, ANN201
    body = signer.sign(contract.golden("TraCuuThongTinCongDan.request.xml"))
    return await client.post("/population/", content=body, headers=xml_headers())


async def add_fault(client, **spec):  # noqa: ANN001, ANN003, ANN201
    response = await client.post("/__admin/faults", json={"target": "population", **spec})
    assert response.status_code == 201, response.text
    return response.json()


async def test_bad_signature_alternates_foreign_key_and_tampering(client, signer, reply_verifier):
    """bad_signature: first reply signed by an impostor key, second tampered after signing,
    then (count exhausted) a good reply again."""
    await add_fault(client, mode="bad_signature", count=2)
    first = await lookup(client, signer)
    with pytest.raises(SignatureInvalid, match="certificate not trusted"):
        reply_verifier.verify(first.content)
    second = await lookup(client, signer)
    with pytest.raises(SignatureInvalid, match="digest mismatch"):
        reply_verifier.verify(second.content)
    assert reply_verifier.verify((await lookup(client, signer)).content).verified


async def test_soap_fault_mode_of_the_registry(client, signer):
    """mode soap_fault: a SOAP 1.1 Fault with the given faultcode/faultstring, HTTP 500 unless status says otherwise."""
    fault = await add_fault(client, mode="soap_fault", faultcode="soapenv:Client", faultstring="Sai mã", count=1)
    assert (fault["faultcode"], fault["faultstring"]) == ("soapenv:Client", "Sai mã")
    await add_fault(client, mode="soap_fault", status=200, count=1)
    first = await lookup(client, signer)
    assert first.status_code == 500
    with pytest.raises(UpstreamFault) as caught:
        wsse.verify_envelope(first.content, trusted_certs=[], clock=lambda: NOW)
    assert (caught.value.extra["faultcode"], caught.value.extra["faultstring"]) == ("soapenv:Client", "Sai mã")
    second = await lookup(client, signer)
    assert second.status_code == 200
    with pytest.raises(UpstreamFault) as caught:
        wsse.verify_envelope(second.content, trusted_certs=[], clock=lambda: NOW)
    assert caught.value.extra["faultcode"] == "soapenv:Server"  # the default
    assert (await lookup(client, signer)).status_code == 200
    assert "Fault" not in (await lookup(client, signer)).text


async def test_hostile_xml_alternates_bomb_and_external_entity(client, signer):
    """mode hostile_xml answers the contract's XML bomb, then its external entity, byte for byte; a hardened parser refuses both."""
    await add_fault(client, mode="hostile_xml", count=2)
    bomb, entity = await lookup(client, signer), await lookup(client, signer)
    assert (bomb.status_code, entity.status_code) == (200, 200)
    assert bomb.content == contract.golden("reply.xml-bomb.xml")
    assert entity.content == contract.golden("reply.external-entity.xml")
    for reply in (bomb, entity):
        with pytest.raises(SecurityError):
            wsse.parse_envelope(reply.content)
    assert (await lookup(client, signer)).content.startswith(b"<?xml")
    journal = (await client.get("/__admin/requests", params={"target": "population"})).json()["requests"]
    assert [e["fault"] for e in journal] == ["hostile_xml", "hostile_xml", None]


async def test_soap_only_faults_wait_for_a_soap_call(make_client, signer):
    """A soap_fault without an operation is not used up by the WSO2 token call: the SOAP call after it gets it."""
    async with make_client(auth_profile="wso2") as (client, _app):
        await add_fault(client, mode="soap_fault", count=1)
        token = await client.post("/population/token", content="grant_type=client_credentials", headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": basic("lienthong", "dev-lgsp-client-secret")})
        assert token.status_code == 200
        body = signer.sign(contract.golden("TraCuuThongTinCongDan.request.xml"))
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        response = await client.post("/population/", content=body, headers=xml_headers(bearer))
        assert response.status_code == 500 and b"Fault" in response.content
        assert (await client.get("/__admin/faults")).json()["faults"] == []


async def test_queued_soap_fault(client, signer):
    """POST /__admin/population/soap-fault (the older spelling) registers a soap_fault: the next call is a SOAP 1.1 Fault (HTTP 500)."""
    queued = await client.post("/__admin/population/soap-fault",
                               json={"faultstring": "Lỗi hệ thống", "count": 1})
    assert queued.status_code == 201
    assert (queued.json()["target"], queued.json()["mode"]) == ("population", "soap_fault")
    assert [f["mode"] for f in (await client.get("/__admin/faults")).json()["faults"]] == ["soap_fault"]
    response = await lookup(client, signer)
    assert response.status_code == 500
    with pytest.raises(UpstreamFault) as caught:
        wsse.verify_envelope(response.content, trusted_certs=[], clock=lambda: NOW)
    assert caught.value.extra["faultstring"] == "Lỗi hệ thống"
    assert caught.value.extra["faultcode"] == "soapenv:Server"
    assert (await lookup(client, signer)).status_code == 200  # count used up


async def test_queued_soap_fault_per_operation_and_clear(client, signer):
    """A fault queued for one operation leaves the other alone; DELETE clears the SOAP Faults only."""
    await client.post("/__admin/population/soap-fault", json={"operation": contract.VERIFY})
    await add_fault(client, mode="latency", latency_ms=1, operation="none-such")
    assert (await lookup(client, signer)).status_code == 200
    verify = signer.sign(contract.golden("XacThucThongTinCongDan.request.xml"))
    response = await client.post("/population/", content=verify, headers=xml_headers())
    assert response.status_code == 500
    assert (await client.delete("/__admin/population/soap-fault")).json() == {"removed": 1}
    assert [f["mode"] for f in (await client.get("/__admin/faults")).json()["faults"]] == ["latency"]
    response = await client.post("/population/", content=signer.sign(
        contract.golden("XacThucThongTinCongDan.request.xml")), headers=xml_headers())
    assert response.status_code == 200


async def test_soap_fault_spec_is_checked(client):
    """Unknown fields or a bad count are a 422."""
    bad = await client.post("/__admin/population/soap-fault", json={"mode": "x"})
    assert bad.status_code == 422
    bad = await client.post("/__admin/population/soap-fault", json={"count": 0})
    assert bad.status_code == 422
    bad = await client.post("/__admin/population/soap-fault", json={"faultstring": 7})
    assert bad.status_code == 422


async def test_error_fault_gives_the_http_status(client, signer):
    """mode error with a status answers that status without a SOAP body."""
    await add_fault(client, mode="error", status=503, count=1)
    assert (await lookup(client, signer)).status_code == 503


async def test_malformed_fault_truncates_the_reply(client, signer, reply_verifier):
    """mode malformed sends half of the signed reply: unparseable XML."""
    await add_fault(client, mode="malformed", count=1)
    response = await lookup(client, signer)
    with pytest.raises(ContractViolation):
        reply_verifier.verify(response.content)


async def test_reset_fault_drops_the_connection(client, signer):
    """mode reset drops the connection (httpx RemoteProtocolError under ASGITransport)."""
    await add_fault(client, mode="reset", count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        await lookup(client, signer)


async def test_timeout_and_latency_faults_use_the_injected_sleep(client, signer, sleep):
    """timeout answers 504 after hanging; latency delays a normal reply."""
    await add_fault(client, mode="timeout", latency_ms=2000, count=1)
    assert (await lookup(client, signer)).status_code == 504
    await add_fault(client, mode="latency", latency_ms=300, count=1)
    assert (await lookup(client, signer)).status_code == 200
    assert sleep.calls == [2.0, 0.3]


async def test_fault_for_one_operation_only(client, signer):
    """A fault with operation XacThucThongTinCongDan leaves lookups alone."""
    await add_fault(client, mode="error", operation=contract.VERIFY)
    assert (await lookup(client, signer)).status_code == 200


async def test_admin_lists_the_seed(client):
    """GET /__admin/population/citizens?limit= lists normalized citizens, golden first."""
    response = await client.get("/__admin/population/citizens", params={"limit": 5})
    body = response.json()
    assert body["total"] == 3000 and len(body["citizens"]) == 5
    assert body["citizens"][0] == {
        "id_number": "001203012345", "legacy_id_number": "012345678",
        "full_name": "NGUYỄN VĂN A", "birth_date": "2003-05-17", "gender": "male",
        "household_book_number": "010012345", "household_relation": "04",
    }
    assert (await client.get("/__admin/population/citizens?limit=x")).status_code == 422
    one = await client.get("/__admin/population/citizens/012345678")
    assert one.json()["id_number"] == "001203012345"
    assert (await client.get("/__admin/population/citizens/000000000000")).status_code == 404


async def test_reset_clears_queued_faults_and_tokens(make_client, signer):
    """POST /__admin/reset empties the SOAP fault queue and counters."""
    async with make_client() as (client, _app):
        await client.post("/__admin/population/soap-fault", json={})
        await client.post("/__admin/reset")
        assert (await lookup(client, signer)).status_code == 200
        stats = (await client.get("/__admin/population/stats")).json()
        assert stats == {"citizens": 3000, "lookups": 1, "verifications": 0, "queued_soap_faults": 0}


async def test_replies_are_signed_without_whitespace(client, signer):
    """Replies carry no whitespace between elements (digests survive remove_blank_text)."""
    response = await lookup(client, signer)
    body = etree.fromstring(response.content).find(f"{{{SOAP}}}Body")
    assert all(element.tail is None for element in body.iter() if element is not body)
