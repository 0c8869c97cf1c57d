"""Hashing of client secrets with scrypt (RFC 7914), as stored in the clients file.

A hash is one string ``scrypt$<n>$<r>$<p>$<salt b64url>$<hash b64url>`` so its cost parameters
travel with it and can be raised later without invalidating existing hashes. Verification
recomputes the hash with the stored parameters and compares in constant time.

``lienthong clients hash-secret`` prints :func:`hash_secret` of a secret read from the prompt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from contracts.errors import ConfigurationError

SCHEME = "scrypt"
# n=2**14, r=8: ~16 MiB and ~70 ms per hash on the reference machine. Paid once per
# /oauth/token call, never per API request (tokens are verified, not secrets).
DEFAULT_N, DEFAULT_R, DEFAULT_P = 2**14, 8, 1
_SALT_BYTES, _HASH_BYTES = 16, 32
_MAX_N = 2**20  # refuse absurd parameters from a tampered file rather than exhaust memory


class SecretHashInvalid(ConfigurationError):
    """A stored secret hash is not of the form ``scrypt$n$r$p$salt$hash``."""

    code, title = "configuration_error", "Malformed secret hash"


def hash_secret(secret: str, *, n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P) -> str:
    """Hash ``secret`` with a fresh random salt; the result is safe to store in the clients file."""
    if not secret:
        raise ValueError("refusing to hash an empty secret")
    salt = os.urandom(_SALT_BYTES)
    digest = _scrypt(secret, salt, n, r, p, _HASH_BYTES)
    return "$".join((SCHEME, str(n), str(r), str(p), _b64(salt), _b64(digest)))


def verify_secret(secret: str, encoded: str) -> bool:
    """True when ``secret`` matches ``encoded`` (constant-time comparison of the hashes)."""
    n, r, p, salt, expected = parse_secret_hash(encoded)
    actual = _scrypt(secret, salt, n, r, p, len(expected))
    return hmac.compare_digest(actual, expected)


def parse_secret_hash(encoded: str) -> tuple[int, int, int, bytes, bytes]:
    """Split a stored hash into ``(n, r, p, salt, hash)``; raise :class:`SecretHashInvalid`."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise SecretHashInvalid("secret hash must look like scrypt$n$r$p$salt$hash")
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, digest = _unb64(parts[4]), _unb64(parts[5])
    except ValueError as exc:
        raise SecretHashInvalid(f"secret hash has a malformed field: {exc}") from exc
    if n < 2 or n > _MAX_N or n & (n - 1) or not 1 <= r <= 32 or not 1 <= p <= 16:
        raise SecretHashInvalid(f"secret hash has unsupported scrypt parameters n={n} r={r} p={p}")
    if len(salt) < 8 or not 16 <= len(digest) <= 64:
        raise SecretHashInvalid("secret hash has a too short salt or hash")
    return n, r, p, salt, digest


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    maxmem = 128 * r * (n + p + 2) + 1024 * 1024  # what OpenSSL needs, plus headroom
    return hashlib.scrypt(
        secret.encode(), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=dklen
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
