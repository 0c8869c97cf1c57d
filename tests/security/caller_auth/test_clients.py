"""The registry of provincial callers: clients file, development client, authentication."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.errors import ConfigurationError, Unauthorized
from gateway.settings import Settings
from security.caller_auth import ALL_SCOPES, ClientRegistry, hash_secret


@pytest.fixture
def clients_file(tmp_path: Path) -> Path:
    path = tmp_path / "clients.json"
    path.write_text(json.dumps([
        {"client_id": "h56-motcua", "secret_hash": hash_secret("h56-secret"),
         "scopes": ["citizens.read", "dossiers.read"]},
    ]))  # fmt: skip
    return path


def test_dev_mode_has_the_demo_client(tmp_path: Path) -> None:
    """In dev mode, demo / demo-secret authenticates and holds every scope."""
    registry = ClientRegistry.from_settings(Settings(var_dir=tmp_path))
    client = registry.authenticate("demo", "demo-secret")
    assert client.scopes == frozenset(ALL_SCOPES)


def test_production_has_only_the_configured_clients(tmp_path: Path, clients_file: Path) -> None:
    """In production mode the demo client does not exist; the file's clients do."""
    settings = Settings(var_dir=tmp_path, mode="production", clients_file=clients_file)
    registry = ClientRegistry.from_settings(settings)
    assert "demo" not in registry
    with pytest.raises(Unauthorized):
        registry.authenticate("demo", "demo-secret")
    client = registry.authenticate("h56-motcua", "h56-secret")
    assert client.scopes == {"citizens.read", "dossiers.read"}


def test_wrong_secret_and_unknown_client_look_the_same(clients_file: Path) -> None:
    """A wrong secret and an unknown client id both give the same Unauthorized detail."""
    registry = ClientRegistry.from_file(clients_file)
    with pytest.raises(Unauthorized) as wrong_secret:
        registry.authenticate("h56-motcua", "guess")
    with pytest.raises(Unauthorized) as unknown:
        registry.authenticate("nobody", "guess")
    assert wrong_secret.value.detail == unknown.value.detail


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"client_id": "a", "secret_hash": "plain", "scopes": []}, "scrypt"),
        ({"client_id": "a", "scopes": []}, "secret_hash missing"),
        ({"client_id": "", "secret_hash": "x", "scopes": []}, "client_id"),
        ({"client_id": "a", "secret_hash": "HASH", "scopes": ["citizens.write"]}, "unknown scopes citizens.write"),
    ],
)
def test_bad_clients_file_entries(tmp_path: Path, entry: dict, message: str) -> None:
    """Each malformed entry of the clients file is a ConfigurationError naming the fault."""
    if entry.get("secret_hash") == "HASH":
        entry["secret_hash"] = hash_secret("x", n=2**10)
    path = tmp_path / "clients.json"
    path.write_text(json.dumps([entry]))
    with pytest.raises(ConfigurationError, match=message):
        ClientRegistry.from_file(path)


def test_missing_clients_file(tmp_path: Path) -> None:
    """A configured clients file that does not exist is a ConfigurationError."""
    with pytest.raises(ConfigurationError, match="does not exist"):
        ClientRegistry.from_file(tmp_path / "nope.json")


def test_client_repr_hides_the_hash(clients_file: Path) -> None:
    """A client printed in a log shows no secret hash."""
    client = ClientRegistry.from_file(clients_file).get("h56-motcua")
    assert "scrypt" not in repr(client)


def test_public_surface() -> None:
    """Everything security.caller_auth re-exports exists, including what app.py calls."""
    import security.caller_auth as package

    assert all(hasattr(package, name) for name in package.__all__)
    assert callable(ClientRegistry.from_settings) and callable(package.TokenService)
