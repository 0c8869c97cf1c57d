"""The digest and signature values of the usual layout are checked by lxml + cryptography
(``security.wsse.values``); every verdict must be xmlsec's, on valid and altered messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree

import contracts.population as population
from contracts.errors import SignatureInvalid
from security.wsse import Signer, SigningIdentity, TrustedCertificates
from security.wsse.constants import WSU, WSU_ID
from security.wsse.values import check_values
from tests.security.wsse.helpers import DS, NOW, SOAP, clock_at, parse, resign, serialize, signer_for

REPLY = population.golden("TraCuuThongTinCongDan.reply.xml")


def _signed_parts(root: etree._Element) -> tuple[etree._Element, dict[str, etree._Element]]:
    signature = root.find(f".//{{{DS}}}Signature")
    signed = {el.get(WSU_ID): el for el in root.iter() if el.get(WSU_ID) and not el.tag.endswith("Token")}
    return signature, signed


def xmlsec_accepts(message: bytes, cert: x509.Certificate) -> bool:
    root = parse(message)
    signature, signed = _signed_parts(root)
    ctx = xmlsec.SignatureContext()
    for element in signed.values():
        ctx.register_id(element, "Id", WSU)
    ctx.key = TrustedCertificates([cert]).find(cert).key  # type: ignore[union-attr]
    try:
        ctx.verify(signature)
    except xmlsec.Error:
        return False
    return True


def ours_accepts(message: bytes, cert: x509.Certificate, method: str) -> bool:
    signature, signed = _signed_parts(parse(message))
    try:
        checked = check_values(signature, signed, cert.public_key(), method)  # type: ignore[arg-type]
    except SignatureInvalid:
        return False
    assert checked, "the usual layout must be checked here, not left to xmlsec"
    return True


def _alter(message: bytes, change) -> bytes:
    root = parse(message)
    change(root)
    return serialize(root)


def _body(root):
    return root.find(f"{{{SOAP}}}Body")


def _comment_in_body(root):
    _body(root)[0].insert(0, etree.Comment(" added after signing "))


def _attribute_on_body(root):
    _body(root).set("extra", "1")


def _reindented(root):
    etree.indent(_body(root))


def _renamed_prefix(root):
    payload = _body(root)[0]
    copy = etree.SubElement(_body(root), payload.tag, nsmap={"x": etree.QName(payload).namespace})
    copy[:] = list(payload)
    _body(root).remove(payload)


def _digest_changed(root):
    value = root.find(f".//{{{DS}}}DigestValue")
    value.text = ("A" if value.text[0] != "A" else "B") + value.text[1:]


def _signature_changed(root):
    value = root.find(f".//{{{DS}}}SignatureValue")
    value.text = ("A" if value.text[0] != "A" else "B") + value.text[1:]


def _expiry_extended(root):
    root.find(f".//{{{WSU}}}Expires").text = "2025-06-01T09:35:00.000Z"


ALTERATIONS = [None, _comment_in_body, _attribute_on_body, _reindented, _renamed_prefix,
               _digest_changed, _signature_changed, _expiry_extended]


@pytest.mark.parametrize("alteration", ALTERATIONS, ids=lambda a: a.__name__ if a else "as_signed")
def test_verdicts_are_xmlsecs_for_our_signatures(peer, alteration):
    """RSA-SHA256 as our signer writes it: same verdict as xmlsec, as signed and altered."""
    message = signer_for(peer).sign(REPLY)
    if alteration is not None:
        message = _alter(message, alteration)
    expected = xmlsec_accepts(message, peer.cert)
    assert expected == (alteration in (None, _comment_in_body))  # the test means what it says
    assert ours_accepts(message, peer.cert, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256") == expected


@pytest.mark.parametrize("alteration", [None, _attribute_on_body, _signature_changed])
@pytest.mark.parametrize(("method", "digest"), [
    (xmlsec.Transform.RSA_SHA512, xmlsec.Transform.SHA384),
    (xmlsec.Transform.RSA_SHA384, xmlsec.Transform.SHA512),
])
def test_verdicts_are_xmlsecs_for_other_allowed_algorithms(peer, method, digest, alteration):
    """Other allowed RSA methods and digests, signed by xmlsec itself: same verdicts."""
    message = resign(signer_for(peer).sign(REPLY), peer, method=method, digest=digest)
    if alteration is not None:
        message = _alter(message, alteration)
    uri = parse(message).find(f".//{{{DS}}}SignatureMethod").get("Algorithm")
    assert ours_accepts(message, peer.cert, uri) == xmlsec_accepts(message, peer.cert) == (alteration is None)


def test_inclusive_namespace_prefix_lists_are_honoured(peer):
    """A transform naming prefixes to keep (InclusiveNamespaces) is canonicalized as xmlsec does."""
    root = parse(signer_for(peer).sign(REPLY))
    signature, signed = _signed_parts(root)
    signature.getparent().remove(signature)
    fresh = xmlsec.template.create(root, xmlsec.Transform.EXCL_C14N, xmlsec.Transform.RSA_SHA256, ns="ds")
    root.find(f"{{{SOAP}}}Header")[0].append(fresh)
    xmlsec.template.transform_add_c14n_inclusive_namespaces(fresh[0][0], ["soap-env"])
    ctx = xmlsec.SignatureContext()
    for element in signed.values():
        ref = xmlsec.template.add_reference(fresh, xmlsec.Transform.SHA256, uri="#" + element.get(WSU_ID))
        transform = xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
        xmlsec.template.transform_add_c14n_inclusive_namespaces(transform, ["soap-env", "ns0"])
        ctx.register_id(element, "Id", WSU)
    ctx.key = xmlsec.Key.from_memory(peer.key_pem, xmlsec.KeyFormat.PEM, None)
    ctx.sign(fresh)
    message = serialize(root)
    assert b"PrefixList" in message
    uri = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    assert ours_accepts(message, peer.cert, uri) and xmlsec_accepts(message, peer.cert)
    tampered = _alter(message, _attribute_on_body)
    assert not ours_accepts(tampered, peer.cert, uri) and not xmlsec_accepts(tampered, peer.cert)


def test_ecdsa_signatures_are_checked():
    """ECDSA P-256 (r || s): accepted as signed, refused once altered, as by xmlsec."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec peer")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    message = Signer(SigningIdentity.load(key, cert), clock=clock_at()).sign(REPLY)
    uri = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    assert ours_accepts(message, cert, uri) and xmlsec_accepts(message, cert)
    tampered = _alter(message, _attribute_on_body)
    assert not ours_accepts(tampered, cert, uri) and not xmlsec_accepts(tampered, cert)


def test_another_layout_is_left_to_xmlsec(peer):
    """A reference without its exclusive C14N transform (or with more) is not checked here."""
    root = parse(signer_for(peer).sign(REPLY))
    signature, signed = _signed_parts(root)
    transforms = signature.find(f".//{{{DS}}}Transforms")
    transforms.getparent().remove(transforms)
    method = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    assert check_values(signature, signed, peer.cert.public_key(), method) is False
