"""What each key purpose is for, which algorithm it uses, and how a new key is made.

| purpose           | key                 | certificate | used for                                     |
|-------------------|---------------------|-------------|----------------------------------------------|
| ``caller-jwt``    | ECDSA P-256         | no          | ES256 access tokens of provincial callers    |
| ``wsse``          | RSA-2048            | yes         | WS-Security X.509 signatures of SOAP calls   |
| ``audit``         | ECDSA P-256         | yes         | signed checkpoints of the audit Merkle tree  |
| ``at-rest``       | 256-bit AES-GCM key | no          | encryption of stored message bodies          |
| ``mock-population`` | RSA-2048          | yes         | the mock population database's WS-Security   |
| ``mock-payment``  | ECDSA P-256         | yes         | the mock payment platform's signatures       |

The mocks have identities of their own so that a gateway trusting its own key by mistake
cannot pass the tests.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from security.keys.material import PrivateKey

CALLER_JWT, WSSE, AUDIT, AT_REST = "caller-jwt", "wsse", "audit", "at-rest"
MOCK_POPULATION, MOCK_PAYMENT = "mock-population", "mock-payment"


@dataclass(frozen=True)
class PurposeSpec:
    name: str
    kind: str  # what a new key is: "ec-p256" | "rsa" (2048 bits) | "aes-256"
    accepts: tuple[str, ...]  # kinds of key that may be loaded for this purpose
    with_certificate: bool
    required_by_gateway: bool
    description: str


PURPOSES: dict[str, PurposeSpec] = {
    spec.name: spec
    for spec in (
        PurposeSpec(CALLER_JWT, "ec-p256", ("ec-p256",), False, True, "caller access tokens"),
        PurposeSpec(WSSE, "rsa", ("rsa",), True, True, "WS-Security signing of SOAP"),
        PurposeSpec(AUDIT, "ec-p256", ("ec-p256", "ed25519"), True, True, "audit checkpoints"),
        PurposeSpec(AT_REST, "aes-256", ("aes-256",), False, True, "encryption of stored bodies"),
        PurposeSpec(MOCK_POPULATION, "rsa", ("rsa",), True, False, "mock population database"),
        PurposeSpec(MOCK_PAYMENT, "ec-p256", ("ec-p256",), True, False, "mock payment platform"),
    )
}

# JOSE names of the algorithm each kind of key is used with.
ALGORITHMS = {"ec-p256": "ES256", "rsa": "RS256", "ed25519": "EdDSA", "aes-256": "A256GCM"}
MIN_RSA_BITS = 2048


def key_kind(key: PrivateKey) -> str:
    """The kind of an asymmetric key ("ec-p256", "rsa", "ed25519"), or a description of
    what it is when it is none of them."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "ec-p256" if isinstance(key.curve, ec.SECP256R1) else f"ec-{key.curve.name}"
    if isinstance(key, rsa.RSAPrivateKey):
        return "rsa" if key.key_size >= MIN_RSA_BITS else f"rsa-{key.key_size} (too short)"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    return type(key).__name__


CERTIFICATE_LIFETIME = timedelta(days=825)


def spec_for(purpose: str) -> PurposeSpec:
    try:
        return PURPOSES[purpose]
    except KeyError:
        known = ", ".join(PURPOSES)
        raise ValueError(f"unknown key purpose {purpose!r} (known: {known})") from None


def generate_private_key(spec: PurposeSpec) -> PrivateKey:
    if spec.kind == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if spec.kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=MIN_RSA_BITS)
    raise ValueError(f"{spec.name} has no asymmetric key")


def generate_secret(spec: PurposeSpec) -> bytes:
    if spec.kind != "aes-256":
        raise ValueError(f"{spec.name} has no symmetric key")
    return os.urandom(32)


def self_signed_certificate(
    spec: PurposeSpec, key: PrivateKey, *, now: datetime, dev: bool
) -> x509.Certificate:
    """A self-signed certificate for ``key``; development ones say so in their subject."""
    label = "Lien thong DEVELOPMENT" if dev else "Lien thong"
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{label} {spec.name}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lien thong gateway"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))  # tolerate small clock skew of peers
        .not_valid_after(now + CERTIFICATE_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    # Ed25519 signs without a separate hash algorithm.
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm)
