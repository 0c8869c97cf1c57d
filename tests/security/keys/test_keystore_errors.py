"""Every way a key directory can be wrong gives a specific KeyStoreError naming the fault."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from contracts.errors import ConfigurationError
from security.keys import (
    AUDIT,
    CALLER_JWT,
    WSSE,
    CertificateKeyMismatch,
    CertificateNotValid,
    KeyFileMissing,
    KeyFileUnreadable,
    KeyNotFound,
    KeyStore,
    KeyStoreError,
)

NOW = datetime(2026, 11, 22, 2, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("template")
    KeyStore.ensure_dev_keys(directory, clock=lambda: NOW)
    return directory


@pytest.fixture
def keys_dir(template: Path, tmp_path: Path) -> Path:
    directory = tmp_path / "keys"
    shutil.copytree(template, directory)
    return directory


def _record(directory: Path, purpose: str) -> dict:
    keyring = json.loads((directory / "keyring.json").read_text())
    return next(r for r in keyring["keys"] if r["purpose"] == purpose)


def _edit_record(directory: Path, which: str, **changes: object) -> None:
    keyring = json.loads((directory / "keyring.json").read_text())
    for record in keyring["keys"]:
        if record["purpose"] == which:
            record.update(changes)
    (directory / "keyring.json").write_text(json.dumps(keyring))


def test_key_store_errors_are_configuration_errors() -> None:
    """KeyStoreError belongs to the ConfigurationError branch of the error tree (500)."""
    assert issubclass(KeyStoreError, ConfigurationError)
    assert KeyStoreError.http_status == 500


def test_missing_keyring(tmp_path: Path) -> None:
    """A directory without keyring.json is KeyFileMissing naming the file."""
    with pytest.raises(KeyFileMissing, match="keyring.json"):
        KeyStore.load(tmp_path)


def test_missing_key_file(keys_dir: Path) -> None:
    """A key file listed in keyring.json but absent is KeyFileMissing naming the file."""
    key_file = _record(keys_dir, WSSE)["key_file"]
    (keys_dir / key_file).unlink()
    with pytest.raises(KeyFileMissing, match=key_file.replace(".", r"\.")):
        KeyStore.load(keys_dir, clock=lambda: NOW)


def test_garbled_pem_key(keys_dir: Path) -> None:
    """A damaged PEM private key is KeyFileUnreadable."""
    key_file = keys_dir / _record(keys_dir, CALLER_JWT)["key_file"]
    key_file.write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    with pytest.raises(KeyFileUnreadable, match="not a readable PEM private key"):
        KeyStore.load(keys_dir, clock=lambda: NOW)


def test_garbled_certificate(keys_dir: Path) -> None:
    """A damaged PEM certificate is KeyFileUnreadable."""
    (keys_dir / _record(keys_dir, AUDIT)["cert_file"]).write_text("garbage")
    with pytest.raises(KeyFileUnreadable, match="not a readable PEM certificate"):
        KeyStore.load(keys_dir, clock=lambda: NOW)


def test_garbled_keyring(keys_dir: Path) -> None:
    """A keyring.json that is not JSON is KeyFileUnreadable."""
    (keys_dir / "keyring.json").write_text("{not json")
    with pytest.raises(KeyFileUnreadable, match="keyring file .* is malformed"):
        KeyStore.load(keys_dir)


def test_expired_certificate(keys_dir: Path) -> None:
    """Loading with a clock past the active certificate's end is CertificateNotValid (expired)."""
    later = NOW + timedelta(days=3650)
    with pytest.raises(CertificateNotValid, match="expired on"):
        KeyStore.load(keys_dir, clock=lambda: later)


def test_certificate_not_yet_valid(keys_dir: Path) -> None:
    """Loading with a clock before the certificate's start is CertificateNotValid (not yet)."""
    earlier = NOW - timedelta(days=1)
    with pytest.raises(CertificateNotValid, match="not valid before"):
        KeyStore.load(keys_dir, clock=lambda: earlier)


def test_certificate_of_another_key(keys_dir: Path) -> None:
    """A certificate paired with a private key it does not belong to is CertificateKeyMismatch."""
    other_cert = _record(keys_dir, "mock-population")["cert_file"]
    _edit_record(keys_dir, WSSE, cert_file=other_cert)
    with pytest.raises(CertificateKeyMismatch, match="does not belong"):
        KeyStore.load(keys_dir, clock=lambda: NOW)


def test_key_of_the_wrong_kind(keys_dir: Path) -> None:
    """An RSA key where caller-jwt needs ECDSA P-256 is refused, naming both kinds."""
    rsa_key = _record(keys_dir, "mock-population")["key_file"]
    _edit_record(keys_dir, CALLER_JWT, key_file=rsa_key)
    with pytest.raises(KeyStoreError, match="needs a ec-p256 key, not rsa"):
        KeyStore.load(keys_dir, clock=lambda: NOW)


def test_encrypted_pem_needs_its_password(keys_dir: Path) -> None:
    """An encrypted PEM loads with its password (by kid) and is refused with a wrong one."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    record = _record(keys_dir, "mock-population")
    (keys_dir / record["key_file"]).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"right"),
        )
    )
    with pytest.raises(KeyFileUnreadable, match="wrong password"):
        KeyStore.load(keys_dir, passwords={record["kid"]: "wrong"}, clock=lambda: NOW)
    with pytest.raises(KeyFileUnreadable, match="encrypted"):
        KeyStore.load(keys_dir, clock=lambda: NOW)
    # With the right password it opens, and then the (old) certificate no longer matches.
    with pytest.raises(CertificateKeyMismatch):
        KeyStore.load(keys_dir, passwords={record["kid"]: "right"}, clock=lambda: NOW)


def test_no_active_key_for_a_purpose(keys_dir: Path) -> None:
    """Asking for a purpose without an active key is KeyNotFound naming the purpose."""
    store = KeyStore.ephemeral([CALLER_JWT])
    with pytest.raises(KeyNotFound, match="wsse: no active key"):
        store.active(WSSE)
    with pytest.raises(KeyNotFound):
        store.get("no-such-kid")


def test_unknown_purpose_in_the_keyring(keys_dir: Path) -> None:
    """A keyring naming a purpose the gateway does not know is a KeyStoreError naming it."""
    _edit_record(keys_dir, CALLER_JWT, purpose="caller-jwe")
    with pytest.raises(KeyStoreError, match="unknown key purpose 'caller-jwe'"):
        KeyStore.load(keys_dir, clock=lambda: NOW)
