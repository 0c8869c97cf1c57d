"""Personal data in stored message bodies: encrypted at rest, redacted, or kept plain.

Configured by ``audit_body_protection``:

- ``encrypt`` (default): AES-256-GCM with the active ``at-rest`` key of the key store, in the
  envelope of ``security.audit.bodies`` (which names the key, so bodies sealed before a key
  rotation still open with the retired key). The body's digest is bound as associated data:
  an envelope moved onto another entry fails to open.
- ``redact``: personal fields replaced by ``[redacted]`` (``security.audit.redaction``); the
  body then no longer matches its digest nor any signature it carried.
- ``none``: the bytes as sent (development only).

Each stored row says which was applied (``audit_entries.body_protection``).
"""

from __future__ import annotations

from typing import Any, Literal

from security.audit import BodyEnvelopeError, open_body, redact_body, seal_body

Mode = Literal["encrypt", "redact", "none"]
LABELS = {"encrypt": "encrypted", "redact": "redacted", "none": "plain"}
AT_REST = "at-rest"


def body_aad(which: str, digest: str | None) -> bytes:
    """What an envelope is bound to: which body of the entry, and the digest of its bytes."""
    return f"lienthong-audit/{which}/{digest or ''}".encode("ascii")


class BodyProtection:
    """Applies the configured protection on insert and reverses it (when it can) for officers."""

    def __init__(self, mode: Mode, keys: Any) -> None:
        if mode not in LABELS:
            raise ValueError(f"unknown body protection {mode!r} (encrypt, redact or none)")
        self.mode = mode
        self.keys = keys  # security.keys.KeyStore
        self.label = LABELS[mode]

    def protect(self, body: bytes | None, which: str, digest: str | None) -> bytes | None:
        if not body:  # nothing to protect (and an empty body stays recognisably empty)
            return body
        if self.mode == "encrypt":
            key = self.keys.active(AT_REST)
            return seal_body(body, key.secret, key.kid, body_aad(which, digest))
        if self.mode == "redact":
            return redact_body(body)
        return body

    def reveal(self, stored: bytes | None, label: str | None, which: str, digest: str | None) -> bytes | None:
        """The body as stored for an officer: decrypted when it was encrypted (any key the
        store still holds, active or retired). ``BodyEnvelopeError`` if it cannot be opened."""
        if not stored or label != "encrypted":
            return stored
        return open_body(stored, self._secret, body_aad(which, digest))

    def _secret(self, kid: str) -> bytes | None:
        entry = self.keys.find(kid, AT_REST)
        return None if entry is None else entry.secret


__all__ = ["BodyEnvelopeError", "BodyProtection", "LABELS", "Mode", "body_aad"]
