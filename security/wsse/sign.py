"""Signing SOAP 1.1 envelopes with WS-Security 1.0 X.509 (OASIS 2004): a ``wsu:Timestamp``, the
certificate as a ``BinarySecurityToken`` and one ``ds:Signature`` over the Body and the
Timestamp (RSA-SHA256, SHA-256 digests, exclusive C14N), each referenced by ``wsu:Id``.

xmlsec lays out the ``ds:Signature`` template; the digests (libxml2's exclusive C14N through
lxml, SHA-256) and the signature value (``cryptography``) are computed here. xmlsec's own
``sign`` gives the same bytes (a test compares them) but cost ~0.2 ms more per message
(measured: bench/population.py, docs/performance.md), most of it not the RSA operation.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import xmlsec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree

from security.wsse.constants import (
    BASE64_BINARY,
    ECDSA_SHA256,
    RSA_SHA256,
    SOAP11,
    WSSE,
    WSU,
    DS,
    WSU_ID,
    X509V3,
)
from security.wsse.envelope import BODY, HEADER, body_of, header_of, parse_envelope
from security.wsse.keys import CertInput, KeyInput, SigningIdentity

Clock = Callable[[], datetime]

_TRANSFORMS = {RSA_SHA256: xmlsec.Transform.RSA_SHA256, ECDSA_SHA256: xmlsec.Transform.ECDSA_SHA256}
DEFAULT_TTL = timedelta(minutes=5)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


def format_instant(moment: datetime) -> str:
    """xs:dateTime in UTC with milliseconds, as WS-Security timestamps are usually written."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Signer:
    """Signs envelopes with one identity (key parsed once at construction).

    ``clock`` returns an aware datetime; ``ttl`` is how long the Timestamp is valid.
    Safe to share between tasks: each call builds its own xmlsec context.
    """

    def __init__(
        self,
        identity: SigningIdentity,
        *,
        clock: Clock = _utcnow,
        ttl: timedelta | float = DEFAULT_TTL,
        id_factory: Callable[[str], str] = _new_id,
    ) -> None:
        self.identity = identity
        self._clock = clock
        self._ttl = ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl)
        self._new_id = id_factory

    @classmethod
    def from_pem(cls, key: KeyInput, cert: CertInput, **options) -> Signer:  # noqa: ANN003
        return cls(SigningIdentity.load(key, cert), **options)

    def sign(self, envelope_bytes: bytes) -> bytes:
        """Sign a serialized envelope; returns the exact bytes to send (UTF-8, with an XML
        declaration)."""
        envelope = parse_envelope(envelope_bytes)
        self.sign_tree(envelope)
        return etree.tostring(envelope, encoding="utf-8", xml_declaration=True)

    def sign_tree(self, envelope: etree._Element) -> etree._Element:
        """Sign an Envelope element in place (what the zeep plugin uses) and return it."""
        body = body_of(envelope)
        header = header_of(envelope)
        if header is None:
            header = etree.Element(HEADER)
            body.addprevious(header)
        security = header.find(f"{{{WSSE}}}Security")
        if security is None:
            security = etree.SubElement(header, f"{{{WSSE}}}Security", nsmap={"wsse": WSSE, "wsu": WSU})
            security.set(f"{{{SOAP11}}}mustUnderstand", "1")

        now = self._clock()
        timestamp = etree.SubElement(security, f"{{{WSU}}}Timestamp")
        timestamp.set(WSU_ID, self._new_id("TS"))
        etree.SubElement(timestamp, f"{{{WSU}}}Created").text = format_instant(now)
        etree.SubElement(timestamp, f"{{{WSU}}}Expires").text = format_instant(now + self._ttl)

        token_id = self._new_id("X509")
        token = etree.SubElement(security, f"{{{WSSE}}}BinarySecurityToken")
        token.set("EncodingType", BASE64_BINARY)
        token.set("ValueType", X509V3)
        token.set(WSU_ID, token_id)
        token.text = base64.b64encode(self.identity.certificate_der).decode("ascii")

        if body.get(WSU_ID) is None:
            body.set(WSU_ID, self._new_id("Body"))

        signature = xmlsec.template.create(
            envelope,
            xmlsec.Transform.EXCL_C14N,
            _TRANSFORMS[self.identity.signature_method],
            ns="ds",
        )
        security.append(signature)
        for element in (body, timestamp):
            ref = xmlsec.template.add_reference(
                signature, xmlsec.Transform.SHA256, uri="#" + element.get(WSU_ID)
            )
            xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
            ref.find(_DIGEST_VALUE).text = _b64(hashlib.sha256(_exc_c14n(element)).digest())
        key_info = xmlsec.template.ensure_key_info(signature)
        reference_holder = etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference")
        reference = etree.SubElement(reference_holder, f"{{{WSSE}}}Reference")
        reference.set("URI", "#" + token_id)
        reference.set("ValueType", X509V3)

        signed_info = _exc_c14n(signature.find(f"{{{DS}}}SignedInfo"))
        signature.find(f"{{{DS}}}SignatureValue").text = _b64(self._signature_value(signed_info))
        return envelope

    def _signature_value(self, data: bytes) -> bytes:
        key = self.identity.private_key
        if isinstance(key, ec.EllipticCurvePrivateKey):  # XML-DSig wants r || s, not DER
            r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
            size = (key.curve.key_size + 7) // 8
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


_DIGEST_VALUE = f"{{{DS}}}DigestValue"


def _exc_c14n(element: etree._Element) -> bytes:
    """The exclusive C14N (no comments) of an element as a same-document reference sees it."""
    return etree.tostring(element, method="c14n", exclusive=True, with_comments=False)


def _b64(value: bytes) -> str:
    """Base64 in lines of 64 characters, as xmlsec writes it."""
    text = base64.b64encode(value).decode("ascii")
    return "\n".join(text[i : i + 64] for i in range(0, len(text), 64))


def sign_envelope(
    envelope_bytes: bytes,
    key: SigningIdentity | KeyInput,
    cert: CertInput | None = None,
    *,
    clock: Clock = _utcnow,
    ttl: timedelta | float = DEFAULT_TTL,
) -> bytes:
    """One-shot signing. Pass a :class:`SigningIdentity` (loaded once) as ``key``; giving PEM
    bytes here parses the key on every call (~55 ms for RSA-2048) — use :class:`Signer`."""
    identity = key if isinstance(key, SigningIdentity) else SigningIdentity.load(key, cert)  # type: ignore[arg-type]
    return Signer(identity, clock=clock, ttl=ttl).sign(envelope_bytes)


__all__ = ["BODY", "DEFAULT_TTL", "Signer", "format_instant", "sign_envelope"]
