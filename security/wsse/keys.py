"""Key material for WS-Security, parsed ONCE: the signing identity (private key + X.509
certificate) and the set of peer certificates trusted for verification.

Give PEM bytes or ``cryptography`` objects (e.g. a ``security.keys.KeyEntry``'s
``private_key`` and ``certificate``); never file paths, so nothing is re-read per call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from security.wsse.constants import ECDSA_SHA256, RSA_SHA256

KeyInput = bytes | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
CertInput = bytes | x509.Certificate


def load_certificate(cert: CertInput) -> x509.Certificate:
    if isinstance(cert, x509.Certificate):
        return cert
    if cert.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(cert)
    return x509.load_der_x509_certificate(cert)


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, lower-case hex: the key id we report."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _key_pem(key: KeyInput) -> bytes:
    if isinstance(key, bytes):
        return key
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _private_key(key: KeyInput) -> PrivateKeyTypes:
    if isinstance(key, bytes):
        return serialization.load_pem_private_key(key, password=None)
    return key


@dataclass(frozen=True, eq=False)
class SigningIdentity:
    """Our private key (as an ``xmlsec.Key`` and as a ``cryptography`` key, which signs) and
    certificate, loaded once."""

    key: xmlsec.Key = field(repr=False)
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = field(repr=False)
    certificate: x509.Certificate = field(repr=False)
    certificate_der: bytes = field(repr=False)
    signature_method: str  # the XML-DSig URI used when signing
    key_id: str  # fingerprint of the certificate

    @classmethod
    def load(cls, key: KeyInput, cert: CertInput) -> SigningIdentity:
        certificate = load_certificate(cert)
        pem = _key_pem(key)
        xkey = xmlsec.Key.from_memory(pem, xmlsec.KeyFormat.PEM, None)
        public = certificate.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            method = RSA_SHA256
        elif isinstance(public, ec.EllipticCurvePublicKey):
            method = ECDSA_SHA256
        else:
            raise ValueError(f"unsupported key type for WS-Security: {type(public).__name__}")
        private_key = _private_key(key)
        if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError(f"unsupported key type for WS-Security: {type(private_key).__name__}")
        if private_key.public_key().public_numbers() != public.public_numbers():
            raise ValueError("the private key does not match the certificate")
        return cls(
            key=xkey,
            private_key=private_key,
            certificate=certificate,
            certificate_der=certificate.public_bytes(serialization.Encoding.DER),
            signature_method=method,
            key_id=fingerprint(certificate),
        )


@dataclass(frozen=True, eq=False)
class TrustedCertificate:
    certificate: x509.Certificate = field(repr=False)
    key: xmlsec.Key = field(repr=False)
    key_id: str


class TrustedCertificates:
    """The peer certificates whose signatures we accept, by SHA-256 fingerprint.

    Pinning exact certificates (not a CA) is what a bilateral SOAP link uses; keep retired
    certificates here while messages they signed may still arrive.
    """

    def __init__(self, certificates: Iterable[CertInput]) -> None:
        self._by_fingerprint: dict[str, TrustedCertificate] = {}
        for item in certificates:
            cert = load_certificate(item)
            # The bare public key: trust is decided by the fingerprint, and xmlsec copies a
            # key for each verification (a certificate-backed one cost ~70 us more to copy).
            pem = cert.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            key = xmlsec.Key.from_memory(pem, xmlsec.KeyFormat.PEM, None)
            fp = fingerprint(cert)
            self._by_fingerprint[fp] = TrustedCertificate(cert, key, fp)

    def __len__(self) -> int:
        return len(self._by_fingerprint)

    def find(self, cert: x509.Certificate) -> TrustedCertificate | None:
        return self._by_fingerprint.get(fingerprint(cert))
