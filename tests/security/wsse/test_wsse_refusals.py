"""Every way a WS-Security message must be refused: tampering, foreign keys, weak algorithms,
signature wrapping, stale or future timestamps, missing signatures, hostile XML, faults."""

from __future__ import annotations

import copy
import time
from datetime import timedelta

import pytest
import xmlsec
from lxml import etree

import contracts.population as population
from contracts.errors import (
    ContractViolation,
    ReplayDetected,
    SecurityError,
    SignatureInvalid,
    UpstreamFault,
)
from security.wsse import Signer, SigningIdentity, Verifier
from security.wsse.constants import WSSE, WSU, WSU_ID
from tests.security.wsse.helpers import (
    DS,
    NOW,
    SOAP,
    clock_at,
    parse,
    resign,
    serialize,
    signer_for,
    verifier_for,
)

REPLY = population.golden("TraCuuThongTinCongDan.reply.xml")


def refused(verifier: Verifier, message: bytes, error=SignatureInvalid) -> str:
    with pytest.raises(error) as caught:
        verifier.verify(message)
    return caught.value.detail


def test_tampered_body_is_refused_with_digest_mismatch(peer):
    """Changing one character of the signed Body breaks its digest."""
    signed = signer_for(peer).sign(REPLY)
    tampered = signed.replace("NGUYỄN VĂN BÌNH".encode(), "NGUYỄN VĂN BÍNH".encode(), 1)
    assert tampered != signed
    detail = refused(verifier_for(peer), tampered)
    assert detail.startswith("digest mismatch") and "Body" in detail


def test_tampered_timestamp_is_refused(peer):
    """Extending Expires after signing breaks the Timestamp's digest."""
    signed = signer_for(peer).sign(REPLY)
    tampered = signed.replace(b"2025-06-01T08:35:00.000Z", b"2025-06-01T09:35:00.000Z")
    assert "digest mismatch" in refused(verifier_for(peer), tampered)


def test_tampered_signature_value_is_refused(peer):
    """A changed SignatureValue fails even though every digest matches."""
    root = parse(signer_for(peer).sign(REPLY))
    value = root.find(f".//{{{DS}}}SignatureValue")
    value.text = ("A" if value.text[0] != "A" else "B") + value.text[1:]
    assert refused(verifier_for(peer), serialize(root)) == "signature value mismatch"


def test_signed_by_a_foreign_key_is_refused(peer, stranger):
    """A reply signed by anyone but the trusted peer is refused (and not by our own cert)."""
    signed = signer_for(stranger).sign(REPLY)
    assert refused(verifier_for(peer), signed).startswith("certificate not trusted")


def test_own_certificate_is_not_a_peer(gateway, peer):
    """Trusting only the peer, a message signed with the gateway's own key is refused."""
    signed = signer_for(gateway).sign(REPLY)
    assert refused(verifier_for(peer), signed).startswith("certificate not trusted")


def test_trusted_certificate_with_a_foreign_signature_is_refused(peer, stranger):
    """The peer's certificate in the token but a stranger's key behind the signature fails."""
    signed = signer_for(peer).sign(REPLY)
    forged = resign(signed, stranger, method=xmlsec.Transform.RSA_SHA256,
                    digest=xmlsec.Transform.SHA256)
    assert refused(verifier_for(peer), forged) == "signature value mismatch"


def test_rsa_sha1_signature_is_refused(peer):
    """An RSA-SHA1 signature is refused by name even though it is cryptographically valid."""
    sha1 = resign(signer_for(peer).sign(REPLY), peer, method=xmlsec.Transform.RSA_SHA1,
                  digest=xmlsec.Transform.SHA256)
    assert refused(verifier_for(peer), sha1) == "signature algorithm rsa-sha1 not allowed"


def test_sha1_digest_is_refused(peer):
    """SHA-1 reference digests are refused."""
    sha1 = resign(signer_for(peer).sign(REPLY), peer, method=xmlsec.Transform.RSA_SHA256,
                  digest=xmlsec.Transform.SHA1)
    assert refused(verifier_for(peer), sha1) == "digest algorithm sha1 not allowed"


def test_resigned_with_allowed_algorithms_still_verifies(peer):
    """The resigning helper itself produces valid signatures (so the refusals above are about
    the algorithms, not a broken helper)."""
    same = resign(signer_for(peer).sign(REPLY), peer, method=xmlsec.Transform.RSA_SHA512,
                  digest=xmlsec.Transform.SHA512)
    assert verifier_for(peer).verify(same).verified


def test_a_second_body_is_refused(peer):
    """An Envelope with two Body elements is refused."""
    root = parse(signer_for(peer).sign(REPLY))
    extra = copy.deepcopy(root.find(f"{{{SOAP}}}Body"))
    del extra.attrib[WSU_ID]
    root.append(extra)
    assert "2 soap:Body elements" in refused(verifier_for(peer), serialize(root))


def _wrapping_attack(signed: bytes, *, keep_id: bool) -> bytes:
    """Move the signed Body into a header wrapper and put a forged Body in its place."""
    root = parse(signed)
    original = root.find(f"{{{SOAP}}}Body")
    forged = copy.deepcopy(original)
    forged.find(f".//{{{population.NS_REPLY}}}SoSoHoKhau").text = "999999999"
    if not keep_id:
        del forged.attrib[WSU_ID]
    wrapper = etree.SubElement(root.find(f"{{{SOAP}}}Header"), "Wrapper")
    root.replace(original, forged)
    wrapper.append(original)
    return serialize(root)


def test_wrapping_attack_body_moved_to_header_is_refused(peer):
    """The signed Body moved into a wrapper, a forged unsigned Body in its place: refused."""
    attack = _wrapping_attack(signer_for(peer).sign(REPLY), keep_id=False)
    assert refused(verifier_for(peer), attack) == "body not signed"


def test_wrapping_attack_with_duplicated_id_is_refused(peer):
    """The forged Body carrying the signed Body's Id (a duplicated Id) is refused."""
    attack = _wrapping_attack(signer_for(peer).sign(REPLY), keep_id=True)
    assert "matches 2 elements" in refused(verifier_for(peer), attack)


def test_duplicated_id_under_another_attribute_name_is_refused(peer):
    """An element reusing the Body's Id under a plain ``Id`` attribute is refused too."""
    root = parse(signer_for(peer).sign(REPLY))
    body_id = root.find(f"{{{SOAP}}}Body").get(WSU_ID)
    etree.SubElement(root.find(f"{{{SOAP}}}Header"), "Decoy", Id=body_id)
    assert "matches 2 elements" in refused(verifier_for(peer), serialize(root))


def test_expired_timestamp_is_refused(peer):
    """Verified after Expires + skew, the message is refused as a possible replay."""
    signed = signer_for(peer, ttl=300).sign(REPLY)
    late = verifier_for(peer, at=NOW + timedelta(minutes=7))
    assert refused(late, signed, ReplayDetected) == "timestamp expired"
    # within the skew it still passes
    assert verifier_for(peer, at=NOW + timedelta(seconds=330)).verify(signed).verified


def test_future_timestamp_is_refused(peer):
    """A Timestamp created beyond the allowed skew in the future is refused."""
    signed = signer_for(peer, at=NOW + timedelta(minutes=5)).sign(REPLY)
    assert refused(verifier_for(peer), signed) == "timestamp created in the future"


def test_unsigned_timestamp_is_refused(peer):
    """A signature that covers the Body but not the Timestamp is refused."""
    signed = signer_for(peer).sign(REPLY)
    root = parse(signed)
    timestamp = root.find(f".//{{{WSU}}}Timestamp")
    refs = root.findall(f".//{{{DS}}}Reference")
    ts_ref = next(r for r in refs if r.get("URI") == "#" + timestamp.get(WSU_ID))
    ts_ref.getparent().remove(ts_ref)
    assert refused(verifier_for(peer), serialize(root)) == "timestamp not signed"


def test_unsigned_message_refused_when_required(peer):
    """No wsse:Security header at all is refused when a signature is required."""
    assert refused(verifier_for(peer), REPLY).startswith("message not signed")


def test_unsigned_message_accepted_when_not_required(peer):
    """Without the requirement an unsigned message passes, marked as not verified."""
    result = verifier_for(peer, require=False).verify(REPLY)
    assert result.verified is False
    assert result.body.tag == f"{{{SOAP}}}Body"


def test_signed_message_still_checked_when_not_required(peer, stranger):
    """A signature that is present is checked even when signatures are optional."""
    signed = signer_for(stranger).sign(REPLY)
    with pytest.raises(SignatureInvalid):
        verifier_for(peer, require=False).verify(signed)


def test_security_header_without_signature_is_refused(peer):
    """A Security header holding only a Timestamp is not a signature."""
    root = parse(signer_for(peer).sign(REPLY))
    signature = root.find(f".//{{{DS}}}Signature")
    signature.getparent().remove(signature)
    assert refused(verifier_for(peer), serialize(root)).startswith("message not signed")


@pytest.mark.parametrize("name", ["reply.xml-bomb.xml", "reply.external-entity.xml"])
def test_xml_bomb_and_external_entity_refused_without_expansion(peer, name):
    """Hostile replies are refused for their DOCTYPE, quickly, with nothing expanded."""
    started = time.perf_counter()
    detail = refused(verifier_for(peer, require=False), population.golden(name), SecurityError)
    assert detail == "DOCTYPE not allowed in a SOAP message (entities refused)"
    assert time.perf_counter() - started < 1.0
    assert "root:" not in detail


def test_doctype_refused_even_in_an_already_parsed_tree(peer):
    """verify_tree (the zeep path) refuses a DOCTYPE in a tree parsed by someone else."""
    parser = etree.XMLParser(resolve_entities=False)
    tree = etree.fromstring(population.golden("reply.external-entity.xml"), parser)
    with pytest.raises(SecurityError, match="DOCTYPE"):
        verifier_for(peer).verify_tree(tree)


def test_utf16_doctype_is_refused_after_parsing(peer):
    """A DOCTYPE the byte scan cannot see (UTF-16) is still refused, unexpanded."""
    hostile = population.golden("reply.external-entity.xml").decode("utf-8")
    hostile = hostile.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    detail = refused(verifier_for(peer, require=False), hostile, SecurityError)
    assert "DOCTYPE" in detail


def test_not_xml_is_a_contract_violation(peer):
    """Garbage instead of XML is an upstream contract violation, not a crash."""
    with pytest.raises(ContractViolation):
        verifier_for(peer).verify(b"<html>502 Bad Gateway")


def test_fault_is_surfaced_before_verification(peer):
    """An unsigned SOAP Fault raises UpstreamFault with its code and text, not 'not signed'."""
    with pytest.raises(UpstreamFault) as caught:
        verifier_for(peer).verify(population.golden("fault.xml"))
    assert caught.value.extra["faultcode"] == "soapenv:Server"
    assert "bảo trì" in caught.value.extra["faultstring"]


def test_signed_fault_is_surfaced_too(peer):
    """A signed Fault is surfaced as UpstreamFault as well."""
    signed = Signer(SigningIdentity.load(peer.key, peer.cert), clock=clock_at()).sign(
        population.golden("fault.xml"))
    with pytest.raises(UpstreamFault):
        verifier_for(peer).verify(signed)


def test_two_security_headers_are_refused(peer):
    """A second wsse:Security header is refused."""
    root = parse(signer_for(peer).sign(REPLY))
    header = root.find(f"{{{SOAP}}}Header")
    header.append(etree.Element(f"{{{WSSE}}}Security"))
    assert "2 wsse:Security headers" in refused(verifier_for(peer), serialize(root))
