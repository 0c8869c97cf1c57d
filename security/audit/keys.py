"""Public audit keys with their validity, as an offline verifier knows them.

A checkpoint is trusted only if the key that signed it was valid at the checkpoint's time:
inside its certificate's validity, and not after the key's retirement. Old checkpoints signed
before a rotation stay valid; a retired key (perhaps leaked since) cannot sign new ones.

Keys come from the key store's public records (``KeyEntry.public_record()``, also published
at ``GET /v1/audit/certificates`` and carried in bundles), never from private key material.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Union

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from security.audit.entry import parse_time

AuditPublicKey = Union[ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey]
AuditPrivateKey = Union[ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey]


@dataclass(frozen=True)
class AuditKey:
    """A public audit key and when it may sign."""

    kid: str
    public_key: AuditPublicKey
    not_before: datetime | None = None
    not_after: datetime | None = None
    retired_at: datetime | None = None

    def problem_at(self, at: datetime) -> str | None:
        """Why this key cannot have signed something at ``at`` (None when it could)."""
        if self.retired_at is not None and at > self.retired_at:
            return (
                f"signed by retired key {self.kid} after its retirement at "
                f"{self.retired_at.isoformat()}"
            )
        if self.not_before is not None and at < self.not_before:
            return f"signed by key {self.kid} before its certificate is valid ({self.not_before.isoformat()})"
        if self.not_after is not None and at > self.not_after:
            return f"signed by key {self.kid} after its certificate expired ({self.not_after.isoformat()})"
        return None

    @classmethod
    def from_public_record(cls, record: Mapping[str, Any]) -> AuditKey:
        """From ``KeyEntry.public_record()``'s shape: kid, public_key_pem (or certificate_pem)
        and not_before, not_after, retired_at (ISO 8601 or null, all three present).
        ``ValueError`` saying what is wrong otherwise."""
        missing = {"kid", "not_before", "not_after", "retired_at"} - record.keys()
        if missing:
            raise ValueError(f"audit key record lacks {sorted(missing)}")
        try:
            if record.get("certificate_pem"):
                cert = x509.load_pem_x509_certificate(record["certificate_pem"].encode())
                public_key: Any = cert.public_key()
            else:
                public_key = serialization.load_pem_public_key(record["public_key_pem"].encode())
        except (KeyError, AttributeError, UnsupportedAlgorithm) as exc:
            raise ValueError(f"audit key {record.get('kid')}: no usable public key ({exc})") from exc
        if not isinstance(public_key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)):
            raise ValueError(f"audit key {record['kid']}: not an ECDSA or Ed25519 key")

        def when(name: str) -> datetime | None:
            value = record[name]
            return None if value is None else parse_time(value)

        return cls(
            kid=record["kid"], public_key=public_key, not_before=when("not_before"),
            not_after=when("not_after"), retired_at=when("retired_at"),
        )  # fmt: skip

    @property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of the public key's SubjectPublicKeyInfo: compare it out of band."""
        der = self.public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha256(der).hexdigest()

    def same_as(self, other: AuditKey) -> bool:
        """Same public key and same validity (what a bundled copy must agree on)."""
        return (self.fingerprint, self.not_before, self.not_after, self.retired_at) == (
            other.fingerprint, other.not_before, other.not_after, other.retired_at
        )  # fmt: skip

    def public_record(self) -> dict[str, Any]:
        """The JSON a bundle carries for this key (same names as the key store's)."""
        pem = self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {
            "kid": self.kid,
            "public_key_pem": pem.decode("ascii"),
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "not_after": self.not_after.isoformat() if self.not_after else None,
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }


class AuditKeyring:
    """Audit public keys by kid: the resolver checkpoint verification uses."""

    def __init__(self, keys: Iterable[AuditKey]) -> None:
        self._keys = {key.kid: key for key in keys}

    @classmethod
    def from_public_records(cls, records: Iterable[Mapping[str, Any]]) -> AuditKeyring:
        return cls(AuditKey.from_public_record(record) for record in records)

    def get(self, kid: str) -> AuditKey | None:
        return self._keys.get(kid)

    def __iter__(self) -> Any:
        return iter(self._keys.values())
