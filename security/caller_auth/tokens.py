"""Access tokens of provincial callers: short-lived ES256 JWTs (RFC 7519, RFC 9068 profile).

Claims: ``iss`` (the gateway's URL), ``aud`` (``settings.token_audience``), ``sub`` (client
id), ``scope`` (space-separated), ``iat``, ``exp``, ``jti``; header ``kid`` (a ``caller-jwt``
key of the key store) and ``typ: at+jwt``. Verification accepts ES256 only, and only keys of
the ``caller-jwt`` purpose, so a token signed by any other key of the gateway is refused.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import jwt

from contracts.errors import Unauthorized
from security.caller_auth.scopes import format_scope, parse_scope
from security.keys import CALLER_JWT, KeyStore

ALGORITHM = "ES256"
TOKEN_TYPE = "at+jwt"
_REQUIRED_CLAIMS = ("iss", "aud", "sub", "scope", "iat", "exp", "jti")
_IAT_SKEW_SECONDS = 60  # accept tokens minted by a peer gateway process whose clock runs ahead


@dataclass(frozen=True)
class Caller:
    """Who is calling, as proven by a verified access token."""

    client_id: str
    scopes: frozenset[str]
    token_id: str
    expires_at: int  # unix seconds

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str
    token_id: str


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class TokenService:
    def __init__(
        self,
        keys: KeyStore,
        *,
        issuer: str,
        audience: str,
        ttl: int = 900,
        clock: Callable[[], datetime] = _utcnow,
        cache_size: int = 4096,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl
        self._clock = clock
        self._cache = _VerifiedTokens(cache_size)

    def issue(self, client_id: str, scopes: frozenset[str] | set[str]) -> IssuedToken:
        """Sign a new access token for ``client_id`` with the active ``caller-jwt`` key."""
        key = self._keys.active(CALLER_JWT)
        now = int(self._clock().timestamp())
        token_id = secrets.token_urlsafe(16)
        scope = format_scope(frozenset(scopes))
        claims = {
            "iss": self._issuer, "aud": self._audience, "sub": client_id, "scope": scope,
            "iat": now, "exp": now + self._ttl, "jti": token_id,
        }  # fmt: skip
        token = jwt.encode(
            claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": TOKEN_TYPE}
        )
        return IssuedToken(access_token=token, expires_in=self._ttl, scope=scope, token_id=token_id)

    def verify(self, token: str) -> Caller:
        """The caller this token proves; :class:`Unauthorized` naming the fault otherwise."""
        now = int(self._clock().timestamp())
        cached = self._cache.get(token)
        if cached is not None:
            if cached.expires_at > now:
                return cached
            self._cache.discard(token)
        caller = self._verify_signature_and_claims(token, now)
        self._cache.put(token, caller)
        return caller

    def _verify_signature_and_claims(self, token: str, now: int) -> Caller:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("access token is not a well-formed JWT") from exc
        if header.get("alg") != ALGORITHM:
            raise Unauthorized(f"access token algorithm {header.get('alg')!r} is not accepted")
        if header.get("typ") != TOKEN_TYPE:
            raise Unauthorized("access token is not of type at+jwt")
        kid = header.get("kid")
        entry = self._keys.find(kid, CALLER_JWT) if isinstance(kid, str) else None
        if entry is None:
            raise Unauthorized("access token is signed by an unknown key")
        try:
            claims = jwt.decode(
                token,
                entry.public_key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                # Times are checked below against the injected clock, not PyJWT's own.
                options={"require": list(_REQUIRED_CLAIMS), "verify_exp": False,
                         "verify_iat": False, "verify_nbf": False},
            )  # fmt: skip
        except jwt.InvalidAudienceError as exc:
            raise Unauthorized("access token is for another audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthorized("access token is from another issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise Unauthorized("access token signature is invalid") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"access token is invalid: {exc}") from exc
        return self._caller(claims, now)

    def _caller(self, claims: dict[str, object], now: int) -> Caller:
        exp, iat = claims["exp"], claims["iat"]
        if not isinstance(exp, int) or not isinstance(iat, int):
            raise Unauthorized("access token times are not integers")
        if exp <= now:
            raise Unauthorized("access token has expired")
        if iat > now + _IAT_SKEW_SECONDS:
            raise Unauthorized("access token is issued in the future")
        sub, jti, scope = claims["sub"], claims["jti"], claims["scope"]
        if not isinstance(sub, str) or not isinstance(jti, str) or not isinstance(scope, str):
            raise Unauthorized("access token claims sub, jti and scope must be strings")
        return Caller(client_id=sub, scopes=parse_scope(scope), token_id=jti, expires_at=exp)


class _VerifiedTokens:
    """A bounded LRU of tokens already verified (ES256 verification costs ~220 µs; a caller
    sends the same token for minutes). Entries are checked against ``exp`` on every hit."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, Caller] = OrderedDict()
        self._lock = threading.Lock()  # routes may run in worker threads

    def get(self, token: str) -> Caller | None:
        with self._lock:
            caller = self._items.get(token)
            if caller is not None:
                self._items.move_to_end(token)
            return caller

    def put(self, token: str, caller: Caller) -> None:
        if self._size <= 0:
            return
        with self._lock:
            self._items[token] = caller
            self._items.move_to_end(token)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def discard(self, token: str) -> None:
        with self._lock:
            self._items.pop(token, None)
