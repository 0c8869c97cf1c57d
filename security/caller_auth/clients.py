"""The registry of provincial callers (OAuth 2.0 clients, RFC 6749 §2) and their scopes.

The clients file is JSON: ``[{"client_id": "...", "secret_hash": "scrypt$...", "scopes": [...]}]``
(hash a secret with ``lienthong clients hash-secret``). In development mode the built-in client
``demo`` / ``demo-secret`` holds every scope.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from contracts.errors import ConfigurationError, Unauthorized
from security.caller_auth.scopes import ALL_SCOPES
from security.passwords import hash_secret, parse_secret_hash, verify_secret

DEV_CLIENT_ID = "demo"
DEV_CLIENT_SECRET = "demo-secret"


class ClientSettings(Protocol):
    """The part of ``gateway.settings.Settings`` the registry reads."""

    @property
    def clients_file(self) -> Path | None: ...

    @property
    def is_dev(self) -> bool: ...


@dataclass(frozen=True)
class Client:
    client_id: str
    secret_hash: str
    scopes: frozenset[str]

    def __repr__(self) -> str:  # the hash stays out of logs
        return f"Client(client_id={self.client_id!r}, scopes={sorted(self.scopes)!r})"


class ClientRegistry:
    def __init__(self, clients: list[Client]) -> None:
        self._clients: dict[str, Client] = {}
        for client in clients:
            if client.client_id in self._clients:
                raise ConfigurationError(f"client {client.client_id!r} is listed twice")
            self._clients[client.client_id] = client
        # Hash compared against when the client id is unknown, so that the answer takes as
        # long as for a known id and does not reveal which client ids exist.
        self._decoy_hash = hash_secret("decoy secret, matches nothing")

    @classmethod
    def from_settings(cls, settings: ClientSettings) -> ClientRegistry:
        """Clients of ``settings.clients_file`` (if set), plus ``demo`` in development mode."""
        clients = load_clients_file(Path(settings.clients_file)) if settings.clients_file else []
        if settings.is_dev and all(client.client_id != DEV_CLIENT_ID for client in clients):
            clients.append(dev_client())
        return cls(clients)

    @classmethod
    def from_file(cls, path: Path | str) -> ClientRegistry:
        return cls(load_clients_file(Path(path)))

    def __contains__(self, client_id: object) -> bool:
        return client_id in self._clients

    def get(self, client_id: str) -> Client | None:
        return self._clients.get(client_id)

    def authenticate(self, client_id: str, secret: str) -> Client:
        """The client whose id and secret these are; :class:`Unauthorized` otherwise.

        Costs one scrypt hash (~70 ms): call it from a worker thread, not the event loop."""
        client = self._clients.get(client_id)
        matches = verify_secret(secret, client.secret_hash if client else self._decoy_hash)
        if client is None or not matches:
            raise Unauthorized("client authentication failed: unknown client or wrong secret")
        return client


def dev_client() -> Client:
    return Client(DEV_CLIENT_ID, hash_secret(DEV_CLIENT_SECRET), frozenset(ALL_SCOPES))


def load_clients_file(path: Path) -> list[Client]:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise ConfigurationError(f"clients file {path} does not exist") from exc
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"clients file {path} is not readable JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ConfigurationError(f"clients file {path} must hold a JSON list of clients")
    return [_client(item, path, index) for index, item in enumerate(data)]


def _client(item: Any, path: Path, index: int) -> Client:
    where = f"clients file {path}, entry {index}"
    if not isinstance(item, dict):
        raise ConfigurationError(f"{where}: not an object")
    client_id, secret_hash, scopes = item.get("client_id"), item.get("secret_hash"), item.get("scopes")
    if not isinstance(client_id, str) or not client_id or ":" in client_id:
        raise ConfigurationError(f"{where}: client_id must be a non-empty string without ':'")
    if not isinstance(secret_hash, str):
        raise ConfigurationError(f"{where} ({client_id}): secret_hash missing")
    try:
        parse_secret_hash(secret_hash)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{where} ({client_id}): {exc.detail}") from exc
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        raise ConfigurationError(f"{where} ({client_id}): scopes must be a list of strings")
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise ConfigurationError(f"{where} ({client_id}): unknown scopes {', '.join(unknown)}")
    return Client(client_id, secret_hash, frozenset(scopes))
