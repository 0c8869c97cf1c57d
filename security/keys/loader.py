"""Turning keyring records and files into checked :class:`KeyEntry` objects, and making new
keys. Every check that can fail names the purpose, the key id and the file."""

from __future__ import annotations

import base64
import secrets
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from security.keys import files
from security.keys.errors import CertificateKeyMismatch, CertificateNotValid, KeyStoreError
from security.keys.keyring import KeyRecord
from security.keys.material import KeyEntry, PrivateKey, kid_for_public_key
from security.keys.purposes import (
    ALGORITHMS,
    PurposeSpec,
    generate_private_key,
    generate_secret,
    key_kind,
    self_signed_certificate,
    spec_for,
)


def entry_from_record(record: KeyRecord, directory: Path, password: bytes | None) -> KeyEntry:
    """Load and check the key a keyring record names (files relative to ``directory``)."""
    try:
        spec = spec_for(record.purpose)
    except ValueError as exc:
        raise KeyStoreError(f"keyring key {record.kid}: {exc}") from exc
    if record.password_file and password is None:
        password = files.read_bytes(directory / record.password_file, "password").strip()
    entry = KeyEntry(
        purpose=record.purpose, kid=record.kid, algorithm="", status=record.status,  # type: ignore[arg-type]
        created_at=record.created_at, retired_at=record.retired_at, dev=record.development,
    )  # fmt: skip
    if spec.kind == "aes-256":
        if not record.secret_file:
            raise KeyStoreError(f"{spec.name} key {record.kid} needs a secret_file")
        secret = files.load_secret(directory / record.secret_file)
        return replace(entry, algorithm=ALGORITHMS["aes-256"], secret=secret)
    if record.pkcs12_file:
        source = directory / record.pkcs12_file
        key, certificate = files.load_pkcs12(source, password)
    elif record.key_file:
        source = directory / record.key_file
        key = files.load_private_key(source, password)
        cert_file = record.cert_file
        certificate = files.load_certificate(directory / cert_file) if cert_file else None
    else:
        raise KeyStoreError(f"{spec.name} key {record.kid} needs a key_file or a pkcs12_file")
    algorithm = check_key(spec, key, certificate, f"{spec.name} key {record.kid} ({source})")
    return replace(entry, algorithm=algorithm, private_key=key, certificate=certificate)


def check_key(
    spec: PurposeSpec, key: PrivateKey, certificate: x509.Certificate | None, where: str
) -> str:
    """Check that ``key`` suits the purpose and matches its certificate; return the algorithm."""
    kind = key_kind(key)
    if kind not in spec.accepts:
        raise KeyStoreError(f"{where}: {spec.name} needs a {' or '.join(spec.accepts)} key, not {kind}")
    if spec.with_certificate and certificate is None:
        raise KeyStoreError(f"{where}: {spec.name} needs a certificate with its key")
    if certificate is not None and not _same_public_key(certificate, key):
        raise CertificateKeyMismatch(
            f"{where}: certificate {certificate.subject.rfc4514_string()} "
            "does not belong to this private key"
        )
    return ALGORITHMS[kind]


def check_validity(entry: KeyEntry, now: datetime) -> None:
    """Raise :class:`CertificateNotValid` when ``entry``'s certificate is not valid at ``now``."""
    if entry.certificate is None or entry.not_before is None or entry.not_after is None:
        return
    where = f"{entry.purpose} key {entry.kid}: certificate {entry.certificate.subject.rfc4514_string()}"
    if now < entry.not_before:
        raise CertificateNotValid(f"{where} is not valid before {entry.not_before.isoformat()}")
    if now >= entry.not_after:
        raise CertificateNotValid(f"{where} expired on {entry.not_after.isoformat()}")


def new_entry(spec: PurposeSpec, *, now: datetime, dev: bool) -> KeyEntry:
    """Generate a fresh active key (with a self-signed certificate where the purpose has one)."""
    if spec.kind == "aes-256":
        # A random id: a symmetric key has no public half to derive one from.
        return KeyEntry(
            purpose=spec.name, kid=secrets.token_urlsafe(12), algorithm=ALGORITHMS["aes-256"],
            status="active", created_at=now, dev=dev, secret=generate_secret(spec),
        )  # fmt: skip
    key = generate_private_key(spec)
    certificate = self_signed_certificate(spec, key, now=now, dev=dev) if spec.with_certificate else None
    return KeyEntry(
        purpose=spec.name, kid=kid_for_public_key(key.public_key()), algorithm=ALGORITHMS[spec.kind],
        status="active", created_at=now, dev=dev, private_key=key, certificate=certificate,
    )  # fmt: skip


def write_entry(directory: Path, entry: KeyEntry) -> KeyRecord:
    """Write a generated entry's files under ``<directory>/<purpose>/`` and return its record."""
    base = f"{entry.purpose}/{entry.kid}"
    record = KeyRecord(
        purpose=entry.purpose, kid=entry.kid, status=entry.status, created_at=entry.created_at,
        retired_at=entry.retired_at, development=entry.dev,
    )  # fmt: skip
    if entry.secret is not None:
        files.write_private(directory / f"{base}.key.b64", base64.b64encode(entry.secret) + b"\n")
        return replace(record, secret_file=f"{base}.key.b64")
    assert entry.private_key is not None
    files.write_private(directory / f"{base}.key.pem", files.private_key_pem(entry.private_key))
    if entry.certificate is None:
        return replace(record, key_file=f"{base}.key.pem")
    files.write_public(directory / f"{base}.cert.pem", files.certificate_pem(entry.certificate))
    return replace(record, key_file=f"{base}.key.pem", cert_file=f"{base}.cert.pem")


def _same_public_key(certificate: x509.Certificate, key: PrivateKey) -> bool:
    def der(public: object) -> bytes:
        return public.public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    return der(certificate.public_key()) == der(key.public_key())
