"""PKCS#12 files configured by path and password (as operators receive certificates)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from security.keys import (
    WSSE,
    CertificateNotValid,
    KeyFileUnreadable,
    KeyStore,
    Pkcs12PasswordWrong,
    kid_for_public_key,
)

NOW = datetime(2026, 11, 22, 2, 30, tzinfo=timezone.utc)
PASSWORD = b"p12-password"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_p12(path: Path, key: rsa.RSAPrivateKey, *, not_before: datetime, days: int) -> Path:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "So TT&TT Tinh H56 - lien thong")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"wsse", key, certificate, None, serialization.BestAvailableEncryption(PASSWORD)
        )
    )
    return path


def test_pkcs12_becomes_the_active_key(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    """add_pkcs12 loads key and certificate and makes them active; the previous key is retired."""
    p12 = make_p12(tmp_path / "wsse.p12", rsa_key, not_before=NOW - timedelta(days=1), days=365)
    store = KeyStore.ephemeral([WSSE], clock=lambda: NOW)
    previous = store.active(WSSE)
    entry = store.add_pkcs12(WSSE, p12, PASSWORD.decode())
    assert store.active(WSSE) is entry
    assert entry.kid == kid_for_public_key(rsa_key.public_key())
    assert entry.certificate.subject.rfc4514_string().startswith("CN=So TT&TT")
    assert store.get(previous.kid).status == "retired"
    assert entry.algorithm == "RS256" and not entry.dev


def test_pkcs12_with_a_configured_kid(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    """A configured kid replaces the computed one."""
    p12 = make_p12(tmp_path / "wsse.p12", rsa_key, not_before=NOW - timedelta(days=1), days=365)
    store = KeyStore(clock=lambda: NOW)
    assert store.add_pkcs12(WSSE, p12, PASSWORD, kid="h56-2026").kid == "h56-2026"


def test_pkcs12_wrong_password(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    """A wrong PKCS#12 password is Pkcs12PasswordWrong, saying so."""
    p12 = make_p12(tmp_path / "wsse.p12", rsa_key, not_before=NOW - timedelta(days=1), days=365)
    with pytest.raises(Pkcs12PasswordWrong, match="wrong password"):
        KeyStore(clock=lambda: NOW).add_pkcs12(WSSE, p12, b"not-it")


def test_a_file_that_is_no_pkcs12(tmp_path: Path) -> None:
    """A file that is not PKCS#12 at all is KeyFileUnreadable, not a password error."""
    junk = tmp_path / "junk.p12"
    junk.write_bytes(b"this is not DER")
    with pytest.raises(KeyFileUnreadable) as raised:
        KeyStore().add_pkcs12(WSSE, junk, PASSWORD)
    assert not isinstance(raised.value, Pkcs12PasswordWrong)


def test_pkcs12_with_an_expired_certificate(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    """A PKCS#12 whose certificate has expired is refused as CertificateNotValid."""
    p12 = make_p12(tmp_path / "old.p12", rsa_key, not_before=NOW - timedelta(days=400), days=365)
    with pytest.raises(CertificateNotValid, match="expired"):
        KeyStore(clock=lambda: NOW).add_pkcs12(WSSE, p12, PASSWORD)


def test_pkcs12_listed_in_the_keyring(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> None:
    """keyring.json may name a PKCS#12 file; its password comes from load() or a password_file."""
    make_p12(tmp_path / "wsse.p12", rsa_key, not_before=NOW - timedelta(days=1), days=365)
    record = {"purpose": "wsse", "kid": "prod", "status": "active",
              "created_at": NOW.isoformat(), "pkcs12_file": "wsse.p12"}  # fmt: skip
    (tmp_path / "keyring.json").write_text(json.dumps({"format": 1, "keys": [record]}))
    store = KeyStore.load(tmp_path, passwords={"prod": PASSWORD}, clock=lambda: NOW)
    assert store.active(WSSE).kid == "prod"
    assert store.production_problems() == []

    (tmp_path / "p12.pass").write_bytes(PASSWORD + b"\n")
    record["password_file"] = "p12.pass"
    (tmp_path / "keyring.json").write_text(json.dumps({"format": 1, "keys": [record]}))
    assert KeyStore.load(tmp_path, clock=lambda: NOW).active(WSSE).kid == "prod"
