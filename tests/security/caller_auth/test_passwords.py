"""scrypt hashing of client secrets."""

from __future__ import annotations

import pytest

from contracts.errors import ConfigurationError
from security.passwords import SecretHashInvalid, hash_secret, parse_secret_hash, verify_secret


def test_hash_verifies_its_secret_only() -> None:
    """A hash verifies the secret it was made from and no other."""
    encoded = hash_secret("s3cret-of-H56")
    assert verify_secret("s3cret-of-H56", encoded)
    assert not verify_secret("s3cret-of-H57", encoded)
    assert not verify_secret("", encoded)


def test_hash_format_and_fresh_salt() -> None:
    """The hash reads scrypt$n$r$p$salt$hash, and two hashes of one secret differ (random salt)."""
    first, second = hash_secret("x-secret"), hash_secret("x-secret")
    assert first != second
    scheme, n, r, p, salt, digest = first.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert parse_secret_hash(first)[3] != parse_secret_hash(second)[3]


def test_parameters_travel_with_the_hash() -> None:
    """A hash made with other cost parameters still verifies (they are read from the hash)."""
    encoded = hash_secret("cheap", n=2**10, r=4, p=1)
    assert encoded.startswith("scrypt$1024$4$1$")
    assert verify_secret("cheap", encoded)


@pytest.mark.parametrize(
    "bad",
    ["", "plain-text-secret", "bcrypt$1$2$3$4$5", "scrypt$16384$8$1$!!$??",
     "scrypt$3$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "scrypt$4194304$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"],
)  # fmt: skip
def test_malformed_hashes_are_configuration_errors(bad: str) -> None:
    """A malformed or absurd stored hash is a configuration error, never a crash or a match."""
    with pytest.raises(SecretHashInvalid):
        verify_secret("anything", bad)
    assert issubclass(SecretHashInvalid, ConfigurationError)


def test_empty_secret_is_refused() -> None:
    """An empty secret cannot be hashed (it would make a client without a secret)."""
    with pytest.raises(ValueError):
        hash_secret("")
