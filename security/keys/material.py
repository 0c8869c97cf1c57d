"""One key of the store: its private half (or secret), certificate, id and life cycle."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, Union

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey]
PublicKey = Union[rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey]
Status = Literal["active", "retired"]


def kid_for_public_key(public_key: PublicKey) -> str:
    """Key id: base64url of the SHA-256 of the SubjectPublicKeyInfo DER, first 16 characters
    (96 bits). Anyone holding the certificate can recompute it."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode("ascii")[:16]


@dataclass(frozen=True, eq=False)
class KeyEntry:
    """A loaded key. Asymmetric purposes have ``private_key`` (and maybe ``certificate``);
    ``at-rest`` has ``secret`` (32 bytes for AES-256-GCM) instead."""

    purpose: str
    kid: str
    algorithm: str
    status: Status
    created_at: datetime
    retired_at: datetime | None = None
    dev: bool = False
    private_key: PrivateKey | None = None
    certificate: x509.Certificate | None = None
    secret: bytes | None = None

    def __repr__(self) -> str:  # never print key material
        return f"KeyEntry(purpose={self.purpose!r}, kid={self.kid!r}, status={self.status!r})"

    @property
    def public_key(self) -> PublicKey:
        if self.private_key is None:
            raise TypeError(f"{self.purpose} key {self.kid} is symmetric: it has no public key")
        return self.private_key.public_key()

    @property
    def not_before(self) -> datetime | None:
        return self.certificate.not_valid_before_utc if self.certificate else None

    @property
    def not_after(self) -> datetime | None:
        return self.certificate.not_valid_after_utc if self.certificate else None

    @property
    def public_key_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    @property
    def certificate_pem(self) -> str | None:
        if self.certificate is None:
            return None
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def retire(self, at: datetime) -> KeyEntry:
        return replace(self, status="retired", retired_at=at)

    def public_record(self) -> dict[str, Any]:
        """What may be published: for ``GET /v1/audit/certificates`` and offline verifiers."""
        return {
            "purpose": self.purpose,
            "kid": self.kid,
            "algorithm": self.algorithm,
            "status": self.status,
            "development": self.dev,
            "created_at": self.created_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "not_after": self.not_after.isoformat() if self.not_after else None,
            "public_key_pem": self.public_key_pem,
            "certificate_pem": self.certificate_pem,
        }
