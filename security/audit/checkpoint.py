"""Signed checkpoints of the audit log: tree size, root, time and key id.

The signed bytes are the RFC 8785 canonical JSON of ``{"at", "key_id", "root", "size"}``
(``root`` in lower-case hex, ``at`` as in entries), so anyone can rebuild them and check the
signature with standard tools (see docs/audit.md for the ``openssl`` commands):

- ECDSA P-256: ECDSA with SHA-256 over those bytes, DER-encoded (``openssl dgst -sha256``);
- Ed25519: PureEdDSA over those bytes (``openssl pkeyutl -verify -rawin``).

The published form adds ``"signature"`` (standard base64) to the four fields.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts.errors import SignatureInvalid
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from security.audit.entry import canonical_json, format_time, parse_time
from security.audit.keys import AuditKeyring, AuditPrivateKey, AuditPublicKey


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log had ``size`` entries with Merkle root ``root`` at ``at``."""

    size: int
    root: bytes
    at: datetime
    key_id: str
    signature: bytes = b""

    def signed_bytes(self) -> bytes:
        """Exactly the bytes the signature covers."""
        return canonical_json(
            {"size": self.size, "root": self.root.hex(), "at": format_time(self.at), "key_id": self.key_id}
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "root": self.root.hex(),
            "at": format_time(self.at),
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        """Parse the published form (``ValueError`` saying which field is wrong)."""
        if not isinstance(data, dict):
            raise ValueError("checkpoint is not a JSON object")
        try:
            size, root, at = data["size"], bytes.fromhex(data["root"]), parse_time(data["at"])
            key_id, signature = data["key_id"], base64.b64decode(data["signature"], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise ValueError(f"checkpoint malformed: {exc!r}") from exc
        if type(size) is not int or size < 0 or len(root) != 32 or not isinstance(key_id, str):
            raise ValueError("checkpoint malformed: size, root or key_id")
        if data["root"] != root.hex() or data["at"] != format_time(at):
            raise ValueError("checkpoint malformed: root or at not in canonical spelling")
        return cls(size=size, root=root, at=at, key_id=key_id, signature=signature)


def sign_checkpoint(
    size: int, root: bytes, at: datetime, private_key: AuditPrivateKey, key_id: str
) -> Checkpoint:
    """Sign a tree head with the audit key (``security.keys`` purpose ``audit``)."""
    unsigned = Checkpoint(size=size, root=root, at=at, key_id=key_id)
    data = unsigned.signed_bytes()
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        signature = private_key.sign(data)
    elif isinstance(private_key, ec.EllipticCurvePrivateKey):
        signature = private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    else:
        raise TypeError("audit checkpoints are signed with ECDSA P-256 or Ed25519 keys")
    return Checkpoint(size=size, root=root, at=at, key_id=key_id, signature=signature)


def _signature_valid(public_key: AuditPublicKey, signature: bytes, data: bytes) -> bool:
    try:
        if isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, data)
        else:
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def checkpoint_problem(checkpoint: Checkpoint, keys: AuditKeyring) -> str | None:
    """Why ``checkpoint`` must not be trusted, or None: unknown key, bad signature, or a key
    that was not valid (retired, expired, not yet valid) at the checkpoint's time."""
    key = keys.get(checkpoint.key_id)
    if key is None:
        return f"signed by unknown key {checkpoint.key_id}"
    if not _signature_valid(key.public_key, checkpoint.signature, checkpoint.signed_bytes()):
        return "signature invalid"
    return key.problem_at(checkpoint.at)


def verify_checkpoint(checkpoint: Checkpoint, keys: AuditKeyring) -> None:
    """Raise ``SignatureInvalid`` (with the reason) unless the checkpoint is trustworthy."""
    problem = checkpoint_problem(checkpoint, keys)
    if problem is not None:
        raise SignatureInvalid(f"checkpoint size {checkpoint.size}: {problem}")
