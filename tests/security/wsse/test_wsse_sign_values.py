"""Our signer computes digests and signature values itself (lxml exclusive C14N, cryptography);
they must be exactly what xmlsec computes for the same template."""

from __future__ import annotations

import itertools
from datetime import timedelta

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import contracts.population as population
from security.wsse import ECDSA_SHA256, Signer, SigningIdentity, verify_envelope
from security.wsse.constants import WSU, WSU_ID
from tests.security.wsse.helpers import DS, NOW, clock_at, parse, serialize

REQUEST = population.golden("TraCuuThongTinCongDan.request.xml")


def _counting_ids():
    counter = itertools.count()
    return lambda prefix: f"{prefix}-{next(counter)}"


def _xmlsec_resigned(signed: bytes, identity: SigningIdentity) -> bytes:
    """The same message with its digests and signature value recomputed by xmlsec."""
    root = parse(signed)
    signature = root.find(f".//{{{DS}}}Signature")
    for value in signature.iter(f"{{{DS}}}DigestValue", f"{{{DS}}}SignatureValue"):
        value.text = None
    ctx = xmlsec.SignatureContext()
    for element in root.iter():
        if element.get(WSU_ID) and not element.tag.endswith("BinarySecurityToken"):
            ctx.register_id(element, "Id", WSU)
    ctx.key = identity.key
    ctx.sign(signature)
    return serialize(root)


def test_rsa_signature_is_byte_for_byte_what_xmlsec_computes(gateway):
    """RSA PKCS#1 v1.5 is deterministic: xmlsec signing our template gives our exact bytes."""
    identity = SigningIdentity.load(gateway.key, gateway.cert)
    signed = Signer(identity, clock=clock_at(), id_factory=_counting_ids()).sign(REQUEST)
    assert _xmlsec_resigned(signed, identity) == signed


def test_ecdsa_signature_verifies():
    """An ECDSA P-256 identity signs with r || s values that xmlsec (our verifier) accepts."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec gateway")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    signed = Signer(SigningIdentity.load(key, cert), clock=clock_at()).sign(REQUEST)
    result = verify_envelope(signed, trusted_certs=[cert], clock=clock_at())
    assert result.verified and result.signature_method == ECDSA_SHA256
