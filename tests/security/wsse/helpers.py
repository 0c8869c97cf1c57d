"""Shared helpers of the WS-Security tests: throw-away RSA-2048 identities (key + self-signed
certificate), fixed clocks, signers and verifiers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from security.wsse import Signer, SigningIdentity, Verifier

NOW = datetime(2025, 6, 1, 8, 30, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Party:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def make_party(name: str) -> Party:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=30))
        # valid at the tests' fixed clock and at the real time (signxml checks the latter)
        .not_valid_after(max(NOW, datetime.now(timezone.utc)) + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return Party(key, cert)


SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
DS = "http://www.w3.org/2000/09/xmldsig#"


def clock_at(moment: datetime = NOW):
    return lambda: moment


def signer_for(party: Party, *, at: datetime = NOW, ttl: float = 300) -> Signer:
    return Signer(SigningIdentity.load(party.key, party.cert), clock=clock_at(at), ttl=ttl)


def verifier_for(*trusted: Party, at: datetime = NOW, require: bool = True) -> Verifier:
    return Verifier(
        trusted_certs=[p.cert for p in trusted], clock=clock_at(at), max_skew=60,
        require_signature=require,
    )


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def resign(signed: bytes, party: Party, *, method, digest) -> bytes:
    """Replace the signature of a signed envelope by one made with other algorithms (to
    build messages our signer would never produce, e.g. RSA-SHA1)."""
    import xmlsec

    from security.wsse.constants import WSU, WSU_ID

    root = parse(signed)
    old = root.find(f".//{{{DS}}}Signature")
    security = old.getparent()
    key_info = old.find(f"{{{DS}}}KeyInfo")
    security.remove(old)
    signature = xmlsec.template.create(root, xmlsec.Transform.EXCL_C14N, method, ns="ds")
    security.append(signature)
    ctx = xmlsec.SignatureContext()
    for element in root.iter():
        if element.get(WSU_ID) and not element.tag.endswith("BinarySecurityToken"):
            ref = xmlsec.template.add_reference(signature, digest, uri="#" + element.get(WSU_ID))
            xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
            ctx.register_id(element, "Id", WSU)
    signature.append(key_info)
    ctx.key = xmlsec.Key.from_memory(party.key_pem, xmlsec.KeyFormat.PEM, None)
    ctx.sign(signature)
    return serialize(root)
