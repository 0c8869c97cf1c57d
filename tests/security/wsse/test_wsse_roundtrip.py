"""Signing and verifying WS-Security X.509 messages, checked by us and by two independent
implementations (the xmlsec1 command-line tool and signxml)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from signxml import XMLVerifier
from signxml.verifier import SignatureConfiguration

import contracts.population as population
from security.wsse import (
    RSA_SHA256,
    SHA256,
    Signer,
    SigningIdentity,
    TrustedCertificates,
    fingerprint,
    sign_envelope,
    verify_envelope,
)
from security.wsse.constants import WSSE, WSU, WSU_ID
from tests.security.wsse.helpers import DS, NOW, SOAP, clock_at, parse, signer_for, verifier_for

REQUEST = population.golden("TraCuuThongTinCongDan.request.xml")


def test_sign_then_verify_round_trip(gateway):
    """A signed request verifies with the signer's certificate and reports what was signed."""
    signed = signer_for(gateway).sign(REQUEST)
    result = verifier_for(gateway).verify(signed)
    assert result.verified
    assert result.key_id == fingerprint(gateway.cert)
    assert result.signature_method == RSA_SHA256
    assert result.body.get(WSU_ID) in result.signed_ids
    assert len(result.signed_ids) == 2  # Body and Timestamp
    assert result.created == NOW
    assert (result.expires - result.created).total_seconds() == 300
    # the Body handed back is the Envelope's one Body, holding the request
    assert result.body is result.envelope.find(f"{{{SOAP}}}Body")
    assert result.body[0].tag == f"{{{population.NS_REQUEST}}}TraCuuThongTinCongDan"


def test_signed_message_has_the_ws_security_shape(gateway):
    """Timestamp, BinarySecurityToken, RSA-SHA256 / SHA-256 / exc-c14n, STR to the token."""
    root = parse(signer_for(gateway).sign(REQUEST))
    security = root.find(f"{{{SOAP}}}Header/{{{WSSE}}}Security")
    assert [el.tag.split("}")[1] for el in security] == [
        "Timestamp", "BinarySecurityToken", "Signature"]
    assert security.get(f"{{{SOAP}}}mustUnderstand") == "1"
    timestamp = security.find(f"{{{WSU}}}Timestamp")
    assert timestamp.findtext(f"{{{WSU}}}Created") == "2025-06-01T08:30:00.000Z"
    assert timestamp.findtext(f"{{{WSU}}}Expires") == "2025-06-01T08:35:00.000Z"
    signed_info = security.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
    assert signed_info.find(f"{{{DS}}}SignatureMethod").get("Algorithm") == RSA_SHA256
    assert {d.get("Algorithm") for d in signed_info.iter(f"{{{DS}}}DigestMethod")} == {SHA256}
    uris = [r.get("URI") for r in signed_info.iter(f"{{{DS}}}Reference")]
    assert uris == ["#" + root.find(f"{{{SOAP}}}Body").get(WSU_ID), "#" + timestamp.get(WSU_ID)]
    token = security.find(f"{{{WSSE}}}BinarySecurityToken")
    reference = security.find(f".//{{{WSSE}}}SecurityTokenReference/{{{WSSE}}}Reference")
    assert reference.get("URI") == "#" + token.get(WSU_ID)


def test_one_shot_functions_and_pem_inputs(gateway):
    """sign_envelope/verify_envelope accept PEM bytes and identities alike."""
    signed = sign_envelope(REQUEST, gateway.key_pem, gateway.cert_pem, clock=clock_at(), ttl=60)
    result = verify_envelope(
        signed, trusted_certs=TrustedCertificates([gateway.cert_pem]), clock=clock_at()
    )
    assert result.verified
    identity = SigningIdentity.load(gateway.key, gateway.cert)
    assert verify_envelope(
        sign_envelope(REQUEST, identity, clock=clock_at()), trusted_certs=[gateway.cert],
        clock=clock_at(),
    ).verified


def test_mismatched_key_and_certificate_refused_at_load(gateway, peer):
    """An identity whose key does not match its certificate is refused when loaded."""
    with pytest.raises(ValueError, match="does not match"):
        SigningIdentity.load(gateway.key, peer.cert)


def test_signer_is_reusable_and_ids_are_fresh(gateway):
    """Two signatures by one Signer use different ids and both verify."""
    signer = signer_for(gateway)
    first, second = signer.sign(REQUEST), signer.sign(REQUEST)
    verifier = verifier_for(gateway)
    assert verifier.verify(first).signed_ids != verifier.verify(second).signed_ids


def _xmlsec1() -> str:
    found = shutil.which("xmlsec1")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("xmlsec1 is missing in CI (make system-deps installs it)")
        pytest.skip("the xmlsec1 command-line tool is not installed (apt-get install xmlsec1)")
    return found


def test_xmlsec1_command_line_verifies_our_signature(gateway, tmp_path):
    """The independent xmlsec1 tool verifies our signed request with our certificate."""
    tool = _xmlsec1()
    message = tmp_path / "signed.xml"
    message.write_bytes(Signer(SigningIdentity.load(gateway.key, gateway.cert)).sign(REQUEST))
    cert = tmp_path / "cert.pem"
    cert.write_bytes(gateway.cert_pem)
    command = [tool, "--verify", "--id-attr:Id", "Body", "--id-attr:Id", "Timestamp",
               "--pubkey-cert-pem", str(cert), str(message)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert run.returncode == 0, run.stderr
    assert "OK" in run.stdout + run.stderr
    assert "SignedInfo References (ok/all): 2/2" in run.stdout + run.stderr


def test_xmlsec1_command_line_refuses_a_tampered_copy(gateway, tmp_path):
    """The same tool fails on our signed request once the body is changed (the check bites)."""
    tool = _xmlsec1()
    signed = Signer(SigningIdentity.load(gateway.key, gateway.cert)).sign(REQUEST)
    message = tmp_path / "tampered.xml"
    message.write_bytes(signed.replace(b"001203012345", b"079203099999"))
    cert = tmp_path / "cert.pem"
    cert.write_bytes(gateway.cert_pem)
    command = [tool, "--verify", "--id-attr:Id", "Body", "--id-attr:Id", "Timestamp",
               "--pubkey-cert-pem", str(cert), str(message)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert run.returncode != 0


def test_signxml_verifies_our_signature(gateway):
    """signxml verifies both references of our signed request with our certificate."""
    signed = signer_for(gateway).sign(REQUEST)
    results = XMLVerifier().verify(
        signed,
        x509_cert=gateway.cert_pem.decode(),
        expect_config=SignatureConfiguration(expect_references=2),
    )
    tags = {result.signed_xml.tag for result in results}
    assert tags == {f"{{{SOAP}}}Body", f"{{{WSU}}}Timestamp"}
