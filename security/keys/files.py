"""Reading key material from PEM and PKCS#12 files, with errors that name the file and the
fault, and writing it back (private files readable by the owner only)."""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from security.keys.errors import (
    KeyFileMissing,
    KeyFileUnreadable,
    Pkcs12PasswordWrong,
)
from security.keys.material import PrivateKey

# DER of the OID 1.2.840.113549.1.7.1 (PKCS#7 data), which every PKCS#12 file contains near
# its start. Used only to tell "wrong password" from "not a PKCS#12 file at all".
_PKCS7_DATA_OID = bytes.fromhex("06092a864886f70d010701")


def read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise KeyFileMissing(f"{what} file {path} does not exist") from exc
    except OSError as exc:
        raise KeyFileUnreadable(f"{what} file {path} cannot be read: {exc.strerror}") from exc


def load_private_key(path: Path, password: bytes | None = None) -> PrivateKey:
    """Load a PEM private key (PKCS#8 or traditional; encrypted if ``password`` is given)."""
    data = read_bytes(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except TypeError as exc:  # encrypted without a password, or a password for a plain key
        raise KeyFileUnreadable(f"private key file {path}: {exc}") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        hint = " (wrong password?)" if password is not None else ""
        raise KeyFileUnreadable(
            f"private key file {path} is not a readable PEM private key{hint}"
        ) from exc
    return key  # type: ignore[return-value]  # kind is checked against the purpose later


def load_certificate(path: Path) -> x509.Certificate:
    data = read_bytes(path, "certificate")
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise KeyFileUnreadable(f"certificate file {path} is not a readable PEM certificate") from exc


def load_pkcs12(path: Path, password: bytes | None) -> tuple[PrivateKey, x509.Certificate | None]:
    """Load the private key and its certificate from a PKCS#12 (.p12/.pfx) file."""
    data = read_bytes(path, "PKCS#12")
    try:
        key, certificate, _chain = pkcs12.load_key_and_certificates(data, password)
    except ValueError as exc:
        if data[:1] == b"\x30" and _PKCS7_DATA_OID in data[:64]:
            raise Pkcs12PasswordWrong(
                f"PKCS#12 file {path} cannot be opened: wrong password"
            ) from exc
        raise KeyFileUnreadable(f"file {path} is not a readable PKCS#12 file") from exc
    except (TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFileUnreadable(f"PKCS#12 file {path} cannot be read: {exc}") from exc
    if key is None:
        raise KeyFileUnreadable(f"PKCS#12 file {path} holds no private key")
    return key, certificate  # type: ignore[return-value]


def load_secret(path: Path) -> bytes:
    """Load a symmetric key: one line of base64 of exactly 32 bytes (AES-256)."""
    data = read_bytes(path, "secret key")
    try:
        secret = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyFileUnreadable(f"secret key file {path} is not base64") from exc
    if len(secret) != 32:
        raise KeyFileUnreadable(
            f"secret key file {path} holds {len(secret)} bytes, an AES-256 key has 32"
        )
    return secret


def private_key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read, atomically (a reader never sees half a key)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_public(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
