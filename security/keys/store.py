"""The key store: every key of the gateway (and of the mock national systems), loaded once.

Directory layout (``var/keys/`` by default)::

    var/keys/
      keyring.json                     which keys exist, which is active (see keyring.py)
      .lock                            held while development keys are generated
      caller-jwt/<kid>.key.pem         ECDSA P-256, signs caller access tokens (ES256)
      wsse/<kid>.key.pem, .cert.pem    RSA-2048 + X.509, WS-Security signing of SOAP
      audit/<kid>.key.pem, .cert.pem   ECDSA P-256 (or Ed25519) + X.509, audit checkpoints
      at-rest/<kid>.key.b64            AES-256-GCM key, encryption of stored bodies
      mock-population/<kid>.key.pem, .cert.pem   the mock population database's identity
      mock-payment/<kid>.key.pem, .cert.pem      the mock payment platform's identity

``kid`` is the first 16 characters of base64url(SHA-256(SubjectPublicKeyInfo DER)) for
generated asymmetric keys, a random id for AES keys, or whatever id an operator configured.
Each purpose has one *active* key (used to sign / encrypt) and any number of *retired* ones,
kept with their ``retired_at`` so that what they signed can still be verified.

Keys are parsed once, here; callers get key objects, never PEM (parsing costs ~55 ms).
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from jwt.algorithms import ECAlgorithm

from security.keys import files, loader
from security.keys.errors import KeyNotFound, KeyStoreError
from security.keys.keyring import FILENAME, Keyring, KeyRecord, read_keyring, write_keyring
from security.keys.material import KeyEntry, kid_for_public_key
from security.keys.purposes import CALLER_JWT, PURPOSES, spec_for

Clock = Callable[[], datetime]
EXPIRY_WARNING = timedelta(days=30)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class KeyStore:
    def __init__(
        self,
        entries: Iterable[KeyEntry] = (),
        *,
        directory: Path | None = None,
        records: Iterable[KeyRecord] = (),
        clock: Clock = _utcnow,
    ) -> None:
        self.directory = directory
        self._clock = clock
        self._records = {record.kid: record for record in records}
        self._by_kid: dict[str, KeyEntry] = {}
        for entry in entries:
            self._add(entry)

    # ---- construction -------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        directory: Path | str,
        *,
        passwords: Mapping[str, bytes | str] | None = None,
        clock: Clock = _utcnow,
    ) -> KeyStore:
        """Load every key listed in ``<directory>/keyring.json``; ``passwords`` maps a kid to
        the password of its encrypted PEM or PKCS#12 file. Active certificates must be valid."""
        store = cls._read(Path(directory), passwords or {}, clock)
        store._check_active_certificates()
        return store

    @classmethod
    def ensure_dev_keys(cls, directory: Path | str, *, clock: Clock = _utcnow) -> KeyStore:
        """Load the keys in ``directory``, first generating a development key (marked
        ``development`` in keyring.json, "Lien thong DEVELOPMENT" in certificates) for every
        purpose that has no active key. Idempotent; safe when two processes start at once."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(directory / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (directory / FILENAME).exists():
                write_keyring(directory, Keyring(development=True, records=[]))
            store = cls._read(directory, {}, clock)
            for purpose in PURPOSES:
                active = store._active_or_none(purpose)
                if active is None or (active.dev and store._expiring(active)):
                    store._install(loader.new_entry(spec_for(purpose), now=clock(), dev=True))
        store._check_active_certificates()
        return store

    @classmethod
    def ephemeral(cls, purposes: Iterable[str] = PURPOSES, *, clock: Clock = _utcnow) -> KeyStore:
        """Fresh in-memory development keys, nothing on disk: for tests."""
        store = cls(clock=clock)
        for purpose in purposes:
            store._install(loader.new_entry(spec_for(purpose), now=clock(), dev=True))
        return store

    @classmethod
    def _read(cls, directory: Path, passwords: Mapping[str, bytes | str], clock: Clock) -> KeyStore:
        keyring = read_keyring(directory)
        entries = []
        for record in keyring.records:
            password = passwords.get(record.kid)
            if isinstance(password, str):
                password = password.encode()
            entries.append(loader.entry_from_record(record, directory, password))
        return cls(entries, directory=directory, records=keyring.records, clock=clock)

    # ---- reading --------------------------------------------------------------------------

    def active(self, purpose: str) -> KeyEntry:
        """The key to sign (or encrypt) with now, with its certificate and kid."""
        entry = self._active_or_none(purpose)
        if entry is None:
            where = self.directory / FILENAME if self.directory else "the key store"
            raise KeyNotFound(f"{purpose}: no active key in {where}")
        return entry

    def find(self, kid: str, purpose: str | None = None) -> KeyEntry | None:
        """The key with this id (active or retired), if it exists and has this purpose."""
        entry = self._by_kid.get(kid)
        if entry is None or (purpose is not None and entry.purpose != purpose):
            return None
        return entry

    def get(self, kid: str, purpose: str | None = None) -> KeyEntry:
        entry = self.find(kid, purpose)
        if entry is None:
            raise KeyNotFound(f"no {purpose or ''} key with kid {kid!r}".replace("  ", " "))
        return entry

    def entries(self, purpose: str) -> list[KeyEntry]:
        """All keys of a purpose: the active one first, then retired ones, newest first."""
        spec_for(purpose)
        found = [entry for entry in self._by_kid.values() if entry.purpose == purpose]
        return sorted(found, key=lambda e: (e.status != "active", -e.created_at.timestamp()))

    def public_records(self, purpose: str) -> list[dict[str, Any]]:
        """Public keys and certificates (PEM) with kid and validity, current and retired."""
        return [entry.public_record() for entry in self.entries(purpose)]

    def jwks(self, purpose: str = CALLER_JWT) -> dict[str, Any]:
        """A JWK Set (RFC 7517) of the purpose's EC public keys, current and retired."""
        keys = []
        for entry in self.entries(purpose):
            if entry.algorithm != "ES256":
                continue
            jwk = ECAlgorithm.to_jwk(entry.public_key, as_dict=True)
            keys.append({**jwk, "kid": entry.kid, "use": "sig", "alg": entry.algorithm})
        return {"keys": keys}

    @property
    def development(self) -> bool:
        """True when any active key is a development key."""
        return any(entry.dev for entry in self._by_kid.values() if entry.status == "active")

    def problems(self) -> list[str]:
        """What ``/readyz`` should report: missing gateway keys, certificates near expiry."""
        found = []
        now = self._clock()
        for purpose, spec in PURPOSES.items():
            entry = self._active_or_none(purpose)
            if entry is None:
                if spec.required_by_gateway:
                    found.append(f"{purpose}: no active key")
                continue
            if entry.not_after is None:
                continue
            if entry.not_after <= now:
                found.append(f"{purpose}: certificate expired on {entry.not_after.isoformat()}")
            elif entry.not_after - now < EXPIRY_WARNING:
                days = (entry.not_after - now).days
                found.append(
                    f"{purpose}: certificate expires {entry.not_after.isoformat()} (in {days} days)"
                )
        return found

    def production_problems(self) -> list[str]:
        """Why production mode must refuse these keys (development keys in active use)."""
        return [
            f"{entry.purpose}: active key {entry.kid} is a development key"
            for entry in self._by_kid.values()
            if entry.status == "active" and entry.dev and PURPOSES[entry.purpose].required_by_gateway
        ]

    # ---- changing -------------------------------------------------------------------------

    def rotate(self, purpose: str) -> KeyEntry:
        """Make a new active key for ``purpose`` (written to disk when the store has a
        directory) and retire the previous one, which stays available for verification."""
        current = self._active_or_none(purpose)
        dev = current.dev if current is not None else False
        return self._install(loader.new_entry(spec_for(purpose), now=self._clock(), dev=dev))

    def add_pkcs12(
        self, purpose: str, path: Path | str, password: bytes | str | None, *, kid: str | None = None
    ) -> KeyEntry:
        """Make the key and certificate of a PKCS#12 file (e.g. one configured by path and
        password in the settings) the active key of ``purpose``, in memory only."""
        spec = spec_for(purpose)
        path = Path(path)
        if isinstance(password, str):
            password = password.encode()
        key, certificate = files.load_pkcs12(path, password)
        algorithm = loader.check_key(spec, key, certificate, f"{purpose} key ({path})")
        entry = KeyEntry(
            purpose=purpose, kid=kid or kid_for_public_key(key.public_key()), algorithm=algorithm,
            status="active", created_at=self._clock(), private_key=key, certificate=certificate,
        )  # fmt: skip
        loader.check_validity(entry, self._clock())
        existing = self._by_kid.get(entry.kid)
        if existing is not None and existing.status == "active" and existing.purpose == purpose:
            return existing  # already the active key (configured twice)
        self._by_kid.pop(entry.kid, None)
        self._retire_active(purpose, persist=False)
        self._add(entry)
        return entry

    # ---- internals ------------------------------------------------------------------------

    def _add(self, entry: KeyEntry) -> None:
        if entry.kid in self._by_kid:
            raise KeyStoreError(f"two keys share the kid {entry.kid!r}")
        if entry.status == "active" and self._active_or_none(entry.purpose) is not None:
            raise KeyStoreError(f"{entry.purpose}: more than one active key")
        self._by_kid[entry.kid] = entry

    def _install(self, entry: KeyEntry) -> KeyEntry:
        if self.directory is not None:
            self._records[entry.kid] = loader.write_entry(self.directory, entry)
        self._retire_active(entry.purpose, persist=True)
        self._add(entry)
        self._save()
        return entry

    def _retire_active(self, purpose: str, *, persist: bool) -> None:
        old = self._active_or_none(purpose)
        if old is None:
            return
        retired = old.retire(self._clock())
        self._by_kid[old.kid] = retired
        record = self._records.get(old.kid)
        if persist and record is not None:
            self._records[old.kid] = replace(record, status="retired", retired_at=retired.retired_at)

    def _save(self) -> None:
        if self.directory is None:
            return
        development = any(record.development for record in self._records.values())
        write_keyring(self.directory, Keyring(development, list(self._records.values())))

    def _active_or_none(self, purpose: str) -> KeyEntry | None:
        for entry in self._by_kid.values():
            if entry.purpose == purpose and entry.status == "active":
                return entry
        return None

    def _expiring(self, entry: KeyEntry) -> bool:
        return entry.not_after is not None and entry.not_after - self._clock() < EXPIRY_WARNING

    def _check_active_certificates(self) -> None:
        now = self._clock()
        for entry in self._by_kid.values():
            if entry.status == "active":
                loader.check_validity(entry, now)

