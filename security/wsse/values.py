"""Checking the digest and signature values of a WS-Security signature in the one layout our
signer, WSS4J and .NET produce, with libxml2's exclusive C14N (through lxml) and
``cryptography``: xmlsec took ~0.3 ms more for a 6 KB reply, most of it canonicalizing the
Body through its node-set machinery.

The layout: ``SignedInfo`` = CanonicalizationMethod, SignatureMethod, Reference+; each
``Reference`` = Transforms (one exclusive C14N transform), DigestMethod, DigestValue; each
optionally with an ``InclusiveNamespaces`` PrefixList. ``Verifier`` has already checked the
algorithms against the allow-lists, the references (``#id``, each naming exactly one element)
and the certificate; anything else in the layout returns ``False``, and xmlsec checks that
signature instead. A test compares the verdicts with xmlsec's on valid and altered messages.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from contracts.errors import SignatureInvalid
from security.wsse.constants import (
    DIGEST_HASHLIB,
    DS,
    ECDSA_SHA256,
    EXC_C14N,
    EXC_C14N_NS,
    RSA_SHA256,
    RSA_SHA384,
    RSA_SHA512,
)

_SIGNED_INFO, _SIGNATURE_VALUE, _KEY_INFO = (f"{{{DS}}}{n}" for n in ("SignedInfo", "SignatureValue", "KeyInfo"))
_C14N_METHOD, _SIGNATURE_METHOD, _REFERENCE = (
    f"{{{DS}}}{n}" for n in ("CanonicalizationMethod", "SignatureMethod", "Reference"))
_TRANSFORMS, _TRANSFORM, _DIGEST_METHOD, _DIGEST_VALUE = (
    f"{{{DS}}}{n}" for n in ("Transforms", "Transform", "DigestMethod", "DigestValue"))
_INCLUSIVE = f"{{{EXC_C14N_NS}}}InclusiveNamespaces"
_RSA_HASHES = {RSA_SHA256: hashes.SHA256, RSA_SHA384: hashes.SHA384, RSA_SHA512: hashes.SHA512}

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


def check_values(
    signature: etree._Element, signed: dict[str, etree._Element], key: PublicKey, method: str
) -> bool:
    """``True``: every digest and the signature value verified; ``SignatureInvalid`` when one
    does not; ``False``: not the plain layout (let xmlsec check it)."""
    plan = _plain_layout(signature)
    if plan is None or not _key_fits(key, method):
        return False
    signed_info, references, c14n_prefixes = plan
    for ref_id, digest_uri, prefixes, expected in references:
        element = signed[ref_id]
        digest = hashlib.new(DIGEST_HASHLIB[digest_uri], _exc_c14n(element, prefixes)).digest()
        if not hmac.compare_digest(digest, _base64(expected)):
            raise SignatureInvalid(f"digest mismatch (#{ref_id}, {etree.QName(element).localname})")
    value = _base64(signature.findtext(_SIGNATURE_VALUE))
    data = _exc_c14n(signed_info, c14n_prefixes)
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):  # XML-DSig carries r || s, not DER
            size = (key.curve.key_size + 7) // 8
            if len(value) != 2 * size:
                raise InvalidSignature
            r, s = int.from_bytes(value[:size], "big"), int.from_bytes(value[size:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        else:
            key.verify(value, data, padding.PKCS1v15(), _RSA_HASHES[method]())
    except InvalidSignature as exc:
        raise SignatureInvalid("signature value mismatch") from exc
    return True


Reference = tuple[str, str, list[str] | None, str | None]


def _plain_layout(signature: etree._Element) -> tuple[etree._Element, list[Reference], list[str] | None] | None:
    parts = _children(signature)
    if [p.tag for p in parts[:2]] != [_SIGNED_INFO, _SIGNATURE_VALUE] or len(parts) > 3 or (
        len(parts) == 3 and parts[2].tag != _KEY_INFO
    ):
        return None
    signed_info = parts[0]
    items = _children(signed_info)
    if len(items) < 3 or [i.tag for i in items[:2]] != [_C14N_METHOD, _SIGNATURE_METHOD]:
        return None
    c14n_prefixes = _prefix_list(items[0])
    if c14n_prefixes is False or _children(items[1]):
        return None
    references: list[Reference] = []
    for ref in items[2:]:
        layout = [c.tag for c in _children(ref)]
        if ref.tag != _REFERENCE or layout != [_TRANSFORMS, _DIGEST_METHOD, _DIGEST_VALUE]:
            return None
        transforms, digest_method, digest_value = _children(ref)
        chain = _children(transforms)
        if len(chain) != 1 or chain[0].tag != _TRANSFORM or chain[0].get("Algorithm") != EXC_C14N:
            return None
        prefixes = _prefix_list(chain[0])
        if prefixes is False or _children(digest_method) or _children(digest_value):
            return None
        uri = ref.get("URI") or ""
        references.append((uri[1:], digest_method.get("Algorithm") or "", prefixes, digest_value.text))
    return signed_info, references, c14n_prefixes  # type: ignore[return-value]  # False excluded above


def _children(element: etree._Element) -> list[etree._Element]:
    return list(element.iterchildren(etree.Element))


def _prefix_list(holder: etree._Element) -> list[str] | None | bool:
    """The InclusiveNamespaces PrefixList of a C14N method or transform; ``None`` without one;
    ``False`` for anything else inside it."""
    inner = _children(holder)
    if not inner:
        return None
    if len(inner) != 1 or inner[0].tag != _INCLUSIVE or _children(inner[0]):
        return False
    return (inner[0].get("PrefixList") or "").split()


def _key_fits(key: PublicKey, method: str) -> bool:
    if method == ECDSA_SHA256:
        return isinstance(key, ec.EllipticCurvePublicKey)
    return method in _RSA_HASHES and isinstance(key, rsa.RSAPublicKey)


def _exc_c14n(element: etree._Element, prefixes: list[str] | None) -> bytes:
    return etree.tostring(
        element, method="c14n", exclusive=True, with_comments=False, inclusive_ns_prefixes=prefixes
    )


def _base64(text: str | None) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid("a digest or signature value is not base64") from exc
