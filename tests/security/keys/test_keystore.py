"""The key store: development keys, layout on disk, reload, rotation, JWKS, readiness."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509.oid import NameOID

from security.keys import (
    AT_REST,
    AUDIT,
    CALLER_JWT,
    MOCK_PAYMENT,
    MOCK_POPULATION,
    PURPOSES,
    WSSE,
    KeyStore,
)

NOW = datetime(2026, 11, 22, 2, 30, tzinfo=timezone.utc)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def dev_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    KeyStore.ensure_dev_keys(directory, clock=Clock())
    return directory


def test_dev_keys_cover_every_purpose_with_the_documented_layout(dev_dir: Path) -> None:
    """ensure_dev_keys writes one active key per purpose under <purpose>/<kid>.key.pem (+ .cert.pem)."""
    keyring = json.loads((dev_dir / "keyring.json").read_text())
    assert keyring["development"] is True
    by_purpose = {record["purpose"]: record for record in keyring["keys"]}
    assert set(by_purpose) == set(PURPOSES)
    for purpose, record in by_purpose.items():
        assert record["status"] == "active" and record["development"] is True
        if purpose == AT_REST:
            assert record["secret_file"] == f"at-rest/{record['kid']}.key.b64"
            continue
        assert record["key_file"] == f"{purpose}/{record['kid']}.key.pem"
        assert (record.get("cert_file") is not None) == PURPOSES[purpose].with_certificate
    assert "cert_file" in by_purpose[WSSE] and "cert_file" not in by_purpose[CALLER_JWT]


def test_private_key_files_are_readable_by_the_owner_only(dev_dir: Path) -> None:
    """Private key files are written with mode 0600."""
    for path in dev_dir.glob("*/*.key.*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_second_start_loads_the_same_keys(dev_dir: Path) -> None:
    """ensure_dev_keys is idempotent: a second call loads the keys the first one made."""
    recorded = {r["purpose"]: r["kid"] for r in json.loads((dev_dir / "keyring.json").read_text())["keys"]}
    store = KeyStore.ensure_dev_keys(dev_dir, clock=Clock())
    assert {purpose: store.active(purpose).kid for purpose in PURPOSES} == recorded
    assert len(json.loads((dev_dir / "keyring.json").read_text())["keys"]) == len(PURPOSES)


def test_loaded_keys_are_the_ones_written(dev_dir: Path) -> None:
    """A signature made with the reloaded wsse key verifies with the certificate on disk."""
    store = KeyStore.load(dev_dir, clock=Clock())
    entry = store.active(WSSE)
    cert_path = dev_dir / f"wsse/{entry.kid}.cert.pem"
    from cryptography import x509

    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    signature = entry.private_key.sign(b"envelope", padding.PKCS1v15(), hashes.SHA256())
    certificate.public_key().verify(signature, b"envelope", padding.PKCS1v15(), hashes.SHA256())
    assert len(store.active(AT_REST).secret) == 32


def test_development_certificates_say_so(dev_dir: Path) -> None:
    """Development certificates carry 'Lien thong DEVELOPMENT' in their subject."""
    store = KeyStore.load(dev_dir, clock=Clock())
    for purpose in (WSSE, AUDIT, MOCK_POPULATION, MOCK_PAYMENT):
        common_name = store.active(purpose).certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        assert common_name[0].value == f"Lien thong DEVELOPMENT {purpose}"


def test_production_refuses_development_keys(dev_dir: Path) -> None:
    """production_problems names each gateway purpose whose active key is a development key."""
    problems = KeyStore.load(dev_dir, clock=Clock()).production_problems()
    assert len(problems) == 4
    assert any(problem.startswith("wsse: active key") for problem in problems)


def test_mocks_sign_with_keys_of_their_own(dev_dir: Path) -> None:
    """The mock national systems' keys differ from every gateway key."""
    store = KeyStore.load(dev_dir, clock=Clock())
    gateway = {store.active(p).public_key_pem for p in (CALLER_JWT, WSSE, AUDIT)}
    assert store.active(MOCK_POPULATION).public_key_pem not in gateway
    assert store.active(MOCK_PAYMENT).public_key_pem not in gateway


def test_kid_is_the_truncated_sha256_of_the_public_key(dev_dir: Path) -> None:
    """kid = base64url(SHA-256(SubjectPublicKeyInfo DER))[:16], recomputable from the certificate."""
    entry = KeyStore.load(dev_dir, clock=Clock()).active(AUDIT)
    der = entry.certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert entry.kid == base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode()[:16]


def test_rotation_retires_the_old_key_and_survives_a_reload(tmp_path: Path) -> None:
    """rotate() makes a new active key, keeps the old one (retired, with retired_at) on disk."""
    clock = Clock()
    store = KeyStore.ensure_dev_keys(tmp_path, clock=clock)
    old = store.active(CALLER_JWT)
    clock.now = NOW + timedelta(hours=1)
    new = store.rotate(CALLER_JWT)
    assert new.kid != old.kid and new.status == "active" and new.dev

    reloaded = KeyStore.load(tmp_path, clock=clock)
    assert reloaded.active(CALLER_JWT).kid == new.kid
    retired = reloaded.get(old.kid, CALLER_JWT)
    assert retired.status == "retired" and retired.retired_at == NOW + timedelta(hours=1)
    assert [e.kid for e in reloaded.entries(CALLER_JWT)] == [new.kid, old.kid]
    assert {key["kid"] for key in reloaded.jwks()["keys"]} == {new.kid, old.kid}
    assert reloaded.public_records(CALLER_JWT)[1]["retired_at"] == (NOW + timedelta(hours=1)).isoformat()


def test_find_respects_the_purpose() -> None:
    """A kid looked up under another purpose is not found (an audit key is no token key)."""
    store = KeyStore.ephemeral([CALLER_JWT, AUDIT], clock=Clock())
    audit_kid = store.active(AUDIT).kid
    assert store.find(audit_kid, CALLER_JWT) is None
    assert store.find(audit_kid, AUDIT) is store.active(AUDIT)


def test_jwks_lists_the_public_caller_key() -> None:
    """The JWKS holds the caller-jwt key as an EC P-256 JWK with kid, and nothing private."""
    store = KeyStore.ephemeral([CALLER_JWT], clock=Clock())
    (jwk,) = store.jwks()["keys"]
    numbers = store.active(CALLER_JWT).public_key.public_numbers()
    assert jwk["kid"] == store.active(CALLER_JWT).kid
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("EC", "P-256", "ES256", "sig")
    x = int.from_bytes(base64.urlsafe_b64decode(jwk["x"] + "=="), "big")
    assert x == numbers.x and "d" not in jwk


def test_public_records_carry_pem_and_validity() -> None:
    """public_records gives PEM certificate and public key with kid and validity, no private key."""
    store = KeyStore.ephemeral([AUDIT], clock=Clock())
    (record,) = store.public_records(AUDIT)
    assert record["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert record["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert record["not_before"] < NOW.isoformat() < record["not_after"]
    assert "PRIVATE" not in json.dumps(record)


def test_problems_warn_before_a_certificate_expires() -> None:
    """problems() names a certificate expiring within 30 days, and a missing gateway key."""
    clock = Clock()
    store = KeyStore.ephemeral([CALLER_JWT, WSSE, AUDIT], clock=clock)
    assert store.problems() == ["at-rest: no active key"]
    clock.now = store.active(WSSE).not_after - timedelta(days=10)
    problems = store.problems()
    assert any(p.startswith("wsse: certificate expires") and "in 10 days" in p for p in problems)


def test_expired_development_certificates_are_renewed_on_start(tmp_path: Path) -> None:
    """ensure_dev_keys replaces an expired development certificate instead of failing."""
    clock = Clock()
    first = KeyStore.ensure_dev_keys(tmp_path, clock=clock)
    clock.now = first.active(WSSE).not_after + timedelta(days=1)
    second = KeyStore.ensure_dev_keys(tmp_path, clock=clock)
    assert second.active(WSSE).kid != first.active(WSSE).kid
    assert second.get(first.active(WSSE).kid).status == "retired"


def test_a_generated_ecdsa_key_signs_for_the_audit_log() -> None:
    """The audit key is an ECDSA P-256 key whose certificate verifies its signatures."""
    entry = KeyStore.ephemeral([AUDIT], clock=Clock()).active(AUDIT)
    signature = entry.private_key.sign(b"checkpoint", ec.ECDSA(hashes.SHA256()))
    entry.certificate.public_key().verify(signature, b"checkpoint", ec.ECDSA(hashes.SHA256()))
    assert entry.algorithm == "ES256"


def test_public_surface() -> None:
    """Everything security.keys re-exports exists, including what app.py and the mocks call."""
    import security.keys as package

    assert all(hasattr(package, name) for name in package.__all__)
    for name in ("load", "ensure_dev_keys", "ephemeral", "active", "find", "get", "entries",
                 "public_records", "jwks", "rotate", "add_pkcs12", "problems", "production_problems"):  # fmt: skip
        assert callable(getattr(KeyStore, name)), name
