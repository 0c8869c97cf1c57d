"""ES256 access tokens: what is issued, and every token the verifier must refuse."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from contracts.errors import Unauthorized
from security.caller_auth import TokenService
from security.keys import AUDIT, CALLER_JWT, KeyStore

NOW = datetime(2026, 11, 22, 2, 30, tzinfo=timezone.utc)
ISSUER, AUDIENCE = "https://lienthong.h56.gov.vn", "lienthong"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def keys() -> KeyStore:
    return KeyStore.ephemeral([CALLER_JWT, AUDIT], clock=lambda: NOW)


@pytest.fixture
def tokens(keys: KeyStore, clock: Clock) -> TokenService:
    return TokenService(keys, issuer=ISSUER, audience=AUDIENCE, ttl=900, clock=clock)


def _claims(**changes: object) -> dict:
    now = int(NOW.timestamp())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "demo", "scope": "admin",
              "iat": now, "exp": now + 900, "jti": "j1"}  # fmt: skip
    claims.update(changes)
    return claims


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_issued_token_carries_the_documented_claims(tokens: TokenService, keys: KeyStore) -> None:
    """The token is ES256 with kid and typ at+jwt, and iss/aud/sub/scope/iat/exp/jti as documented."""
    issued = tokens.issue("h56-motcua", {"dossiers.read", "citizens.read"})
    header = jwt.get_unverified_header(issued.access_token)
    assert header == {"alg": "ES256", "kid": keys.active(CALLER_JWT).kid, "typ": "at+jwt"}
    claims = jwt.decode(issued.access_token, keys.active(CALLER_JWT).public_key,
                        algorithms=["ES256"], audience=AUDIENCE, options={"verify_exp": False})  # fmt: skip
    now = int(NOW.timestamp())
    assert claims["iss"] == ISSUER and claims["sub"] == "h56-motcua"
    assert claims["scope"] == "citizens.read dossiers.read" == issued.scope
    assert (claims["iat"], claims["exp"]) == (now, now + 900) and issued.expires_in == 900
    assert claims["jti"] == issued.token_id


def test_verify_returns_the_caller(tokens: TokenService) -> None:
    """A token the service issued verifies to the caller with its scopes and token id."""
    issued = tokens.issue("h56-motcua", {"payments.read"})
    caller = tokens.verify(issued.access_token)
    assert caller.client_id == "h56-motcua"
    assert caller.scopes == {"payments.read"} and caller.token_id == issued.token_id


def test_alg_none_is_refused(tokens: TokenService, keys: KeyStore) -> None:
    """An unsigned token (alg none) naming a real kid is refused."""
    header = {"alg": "none", "typ": "at+jwt", "kid": keys.active(CALLER_JWT).kid}
    unsigned = f"{_b64(header)}.{_b64(_claims())}."
    with pytest.raises(Unauthorized, match="algorithm 'none'"):
        tokens.verify(unsigned)


def test_hmac_with_the_public_key_is_refused(tokens: TokenService, keys: KeyStore) -> None:
    """HS256 keyed with the public key PEM (algorithm confusion) is refused."""
    header = {"alg": "HS256", "typ": "at+jwt", "kid": keys.active(CALLER_JWT).kid}
    signing_input = f"{_b64(header)}.{_b64(_claims())}"
    mac = hmac.new(keys.active(CALLER_JWT).public_key_pem.encode(), signing_input.encode(), hashlib.sha256)
    forged = signing_input + "." + base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()
    with pytest.raises(Unauthorized, match="algorithm 'HS256'"):
        tokens.verify(forged)


def test_foreign_key_is_refused(tokens: TokenService, keys: KeyStore) -> None:
    """A token signed by a key not in the store is refused, even when it names our kid."""
    foreign = ec.generate_private_key(ec.SECP256R1())
    headers = {"kid": keys.active(CALLER_JWT).kid, "typ": "at+jwt"}
    forged = jwt.encode(_claims(), foreign, algorithm="ES256", headers=headers)
    with pytest.raises(Unauthorized, match="signature is invalid"):
        tokens.verify(forged)
    unknown_kid = jwt.encode(_claims(), foreign, algorithm="ES256", headers={"kid": "x", "typ": "at+jwt"})
    with pytest.raises(Unauthorized, match="unknown key"):
        tokens.verify(unknown_kid)


def test_a_key_of_another_purpose_is_refused(tokens: TokenService, keys: KeyStore) -> None:
    """A token signed with the gateway's audit key (also ES256) is not an access token."""
    audit = keys.active(AUDIT)
    token = jwt.encode(_claims(), audit.private_key, algorithm="ES256", headers={"kid": audit.kid, "typ": "at+jwt"})
    with pytest.raises(Unauthorized, match="unknown key"):
        tokens.verify(token)


def test_expired_token_is_refused_even_after_caching(tokens: TokenService, clock: Clock) -> None:
    """A token verified (and cached) while valid is refused once the clock passes exp."""
    token = tokens.issue("demo", {"admin"}).access_token
    tokens.verify(token)
    clock.now = NOW + timedelta(seconds=899)
    tokens.verify(token)
    clock.now = NOW + timedelta(seconds=900)
    with pytest.raises(Unauthorized, match="expired"):
        tokens.verify(token)


def test_expired_token_is_refused_on_first_sight(keys: KeyStore, tokens: TokenService, clock: Clock) -> None:
    """A token never seen before and already expired is refused."""
    token = tokens.issue("demo", {"admin"}).access_token
    fresh = TokenService(keys, issuer=ISSUER, audience=AUDIENCE, clock=lambda: NOW + timedelta(hours=1))
    with pytest.raises(Unauthorized, match="expired"):
        fresh.verify(token)


def test_wrong_audience_is_refused(keys: KeyStore, tokens: TokenService) -> None:
    """A token issued for another audience is refused."""
    other = TokenService(keys, issuer=ISSUER, audience="another-gateway", clock=lambda: NOW)
    with pytest.raises(Unauthorized, match="another audience"):
        tokens.verify(other.issue("demo", {"admin"}).access_token)


def test_wrong_issuer_is_refused(keys: KeyStore, tokens: TokenService) -> None:
    """A token from another issuer is refused."""
    other = TokenService(keys, issuer="https://elsewhere", audience=AUDIENCE, clock=lambda: NOW)
    with pytest.raises(Unauthorized, match="another issuer"):
        tokens.verify(other.issue("demo", {"admin"}).access_token)


def test_tampered_claims_are_refused(tokens: TokenService) -> None:
    """Changing the scope of a signed token breaks its signature."""
    header, _payload, signature = tokens.issue("demo", {"citizens.read"}).access_token.split(".")
    tampered = f"{header}.{_b64(_claims(scope='admin'))}.{signature}"
    with pytest.raises(Unauthorized, match="signature is invalid"):
        tokens.verify(tampered)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x.y.z"])
def test_garbage_is_refused(tokens: TokenService, garbage: str) -> None:
    """A string that is not a JWT is Unauthorized, never a crash."""
    with pytest.raises(Unauthorized):
        tokens.verify(garbage)


def test_retired_key_still_verifies_its_tokens(clock: Clock) -> None:
    """After rotation, new tokens use the new kid and tokens of the retired key stay valid."""
    keys = KeyStore.ephemeral([CALLER_JWT], clock=clock)
    service = TokenService(keys, issuer=ISSUER, audience=AUDIENCE, clock=clock, cache_size=0)
    old_token = service.issue("demo", {"admin"}).access_token
    old_kid = keys.active(CALLER_JWT).kid
    keys.rotate(CALLER_JWT)
    new_token = service.issue("demo", {"admin"}).access_token
    assert jwt.get_unverified_header(new_token)["kid"] != old_kid
    assert service.verify(old_token).client_id == "demo"
    assert service.verify(new_token).client_id == "demo"


def test_verification_cache_is_bounded(keys: KeyStore, clock: Clock) -> None:
    """The cache of verified tokens never holds more than its size."""
    service = TokenService(keys, issuer=ISSUER, audience=AUDIENCE, clock=clock, cache_size=2)
    for _ in range(5):
        service.verify(service.issue("demo", {"admin"}).access_token)
    assert len(service._cache._items) == 2
