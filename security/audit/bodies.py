"""Stored message bodies encrypted at rest: AES-256-GCM in a small versioned envelope.

Envelope (version 1)::

    b"LTB" | 0x01 | len(kid) (1 byte) | kid (ASCII) | nonce (12 bytes) | ciphertext + tag (16)

The header (magic, version, kid) is authenticated along with the caller's ``aad`` (for
example the entry's ``seq`` and digest, so a body cannot be swapped onto another entry).
The kid names the ``at-rest`` key of ``security.keys``; after a rotation the old key still
opens what it sealed, because the envelope says which key that was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"LTB"
VERSION = 1
NONCE_SIZE = 12
KeyLookup = Mapping[str, bytes] | Callable[[str], bytes | None]


class BodyEnvelopeError(ValueError):
    """A sealed body cannot be opened: malformed, unknown key, or altered."""


def _header(key_id: str) -> bytes:
    kid = key_id.encode("ascii")
    if not 0 < len(kid) < 256:
        raise ValueError("key id must be 1..255 ASCII characters")
    return MAGIC + bytes([VERSION, len(kid)]) + kid


def seal_body(
    plaintext: bytes, key: bytes, key_id: str, aad: bytes = b"", *, nonce: bytes | None = None
) -> bytes:
    """Encrypt a body with the ``at-rest`` key ``key`` (32 bytes) named ``key_id``."""
    header = _header(key_id)
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    if len(nonce) != NONCE_SIZE:
        raise ValueError("AES-GCM nonce must be 12 bytes")
    return header + nonce + AESGCM(key).encrypt(nonce, plaintext, header + aad)


def envelope_key_id(envelope: bytes) -> str:
    """Which key sealed this envelope."""
    if len(envelope) < 5 or envelope[:3] != MAGIC:
        raise BodyEnvelopeError("not a sealed body (magic bytes missing)")
    if envelope[3] != VERSION:
        raise BodyEnvelopeError(f"sealed body version {envelope[3]} is not supported")
    end = 5 + envelope[4]
    if len(envelope) < end + NONCE_SIZE + 16:
        raise BodyEnvelopeError("sealed body truncated")
    return envelope[5:end].decode("ascii")


def open_body(envelope: bytes, keys: KeyLookup, aad: bytes = b"") -> bytes:
    """Decrypt a sealed body; ``keys`` maps kids to ``at-rest`` keys (current and retired)."""
    key_id = envelope_key_id(envelope)
    key = keys.get(key_id) if isinstance(keys, Mapping) else keys(key_id)
    if key is None:
        raise BodyEnvelopeError(f"sealed with key {key_id}, which is not available")
    header_end = 5 + envelope[4]
    nonce = envelope[header_end : header_end + NONCE_SIZE]
    try:
        return AESGCM(key).decrypt(nonce, envelope[header_end + NONCE_SIZE :], envelope[:header_end] + aad)
    except InvalidTag as exc:
        raise BodyEnvelopeError(f"sealed body (key {key_id}) altered or bound to other data") from exc
