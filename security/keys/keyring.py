"""``keyring.json``: which key files exist for which purpose, and which one is active.

::

    {
      "format": 1,
      "development": true,
      "keys": [
        {"purpose": "wsse", "kid": "Xq3...", "status": "active",
         "created_at": "2026-11-22T02:30:00+00:00", "retired_at": null, "development": true,
         "key_file": "wsse/Xq3....key.pem", "cert_file": "wsse/Xq3....cert.pem"},
        {"purpose": "wsse", "kid": "prod-2025", "status": "retired", ...,
         "pkcs12_file": "/etc/lienthong/wsse-2025.p12", "password_file": "/run/secrets/p12"},
        {"purpose": "at-rest", "kid": "k9...", "status": "active", ...,
         "secret_file": "at-rest/k9....key.b64"}
      ]
    }

Relative paths are relative to the key directory. A key comes from ``key_file`` (PEM, with
optional ``cert_file``), from ``pkcs12_file``, or, for ``at-rest``, from ``secret_file``.
Passwords of encrypted PEM or PKCS#12 files come from ``password_file`` or are passed to
``KeyStore.load(passwords={kid: ...})``; they are never written here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from security.keys.errors import KeyFileUnreadable
from security.keys.files import read_bytes, write_private

FORMAT = 1
FILENAME = "keyring.json"
_FILE_FIELDS = ("key_file", "cert_file", "pkcs12_file", "secret_file", "password_file")


@dataclass(frozen=True)
class KeyRecord:
    purpose: str
    kid: str
    status: str
    created_at: datetime
    retired_at: datetime | None = None
    development: bool = False
    key_file: str | None = None
    cert_file: str | None = None
    pkcs12_file: str | None = None
    secret_file: str | None = None
    password_file: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["retired_at"] = self.retired_at.isoformat() if self.retired_at else None
        return {name: value for name, value in data.items() if value is not None or name == "retired_at"}


@dataclass
class Keyring:
    development: bool
    records: list[KeyRecord]


def read_keyring(directory: Path) -> Keyring:
    path = directory / FILENAME
    raw = read_bytes(path, "keyring")
    try:
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise ValueError(f"unsupported format {data.get('format')!r}, expected {FORMAT}")
        records = [_record(item) for item in data["keys"]]
        return Keyring(development=bool(data.get("development", False)), records=records)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyFileUnreadable(f"keyring file {path} is malformed: {exc}") from exc


def write_keyring(directory: Path, keyring: Keyring) -> None:
    body = {
        "format": FORMAT,
        "development": keyring.development,
        "keys": [record.to_json() for record in keyring.records],
    }
    write_private(directory / FILENAME, json.dumps(body, indent=2).encode() + b"\n")


def _record(item: dict[str, Any]) -> KeyRecord:
    for name in ("purpose", "kid", "status", "created_at"):
        if not isinstance(item.get(name), str) or not item[name]:
            raise ValueError(f"a key lacks the field {name!r}")
    if item["status"] not in ("active", "retired"):
        raise ValueError(f"key {item['kid']} has status {item['status']!r}")
    files = {name: item.get(name) for name in _FILE_FIELDS}
    if not (files["key_file"] or files["pkcs12_file"] or files["secret_file"]):
        raise ValueError(f"key {item['kid']} names no key_file, pkcs12_file or secret_file")
    retired_at = item.get("retired_at")
    return KeyRecord(
        purpose=item["purpose"],
        kid=item["kid"],
        status=item["status"],
        created_at=_aware(datetime.fromisoformat(item["created_at"])),
        retired_at=_aware(datetime.fromisoformat(retired_at)) if retired_at else None,
        development=bool(item.get("development", False)),
        **files,
    )


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"time {moment.isoformat()} has no UTC offset")
    return moment
