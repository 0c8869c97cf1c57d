"""Authentication of provincial callers: the client registry (client credentials, RFC 6749
§4.4) and the ES256 access tokens the gateway issues and verifies."""

from security.caller_auth.clients import (
    DEV_CLIENT_ID,
    DEV_CLIENT_SECRET,
    Client,
    ClientRegistry,
    load_clients_file,
)
from security.caller_auth.scopes import ALL_SCOPES, SCOPE_DESCRIPTIONS, format_scope, parse_scope
from security.caller_auth.tokens import Caller, IssuedToken, TokenService
from security.passwords import hash_secret, verify_secret

__all__ = [
    "ALL_SCOPES",
    "DEV_CLIENT_ID",
    "DEV_CLIENT_SECRET",
    "SCOPE_DESCRIPTIONS",
    "Caller",
    "Client",
    "ClientRegistry",
    "IssuedToken",
    "TokenService",
    "format_scope",
    "hash_secret",
    "load_clients_file",
    "parse_scope",
    "verify_secret",
]
