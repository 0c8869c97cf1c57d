"""The mock's WS-Security material, loaded once and lazily (building the mocks app must not
touch ``var/keys``): the trusted gateway certificates, the mock's own signer, and an
impostor signer for the ``bad_signature`` fault.

Sources, first that applies: ``trusted_certs`` / ``signing_key`` + ``signing_cert`` in the
settings (tests); a ``KeyStore`` object (``key_store``); the key store in ``keys_dir``
(``KeyStore.ensure_dev_keys``: ``wsse`` certificates trusted, ``mock-population`` signs), so
that ``lienthong up`` and ``lienthong mocks`` started from one directory trust each other.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from security import wsse
from security.keys import MOCK_POPULATION, WSSE, KeyStore
from mocks.population.settings import PopulationMockSettings

TRUST_RELOAD_INTERVAL = 5.0  # seconds between re-reads of the key store on an unknown cert


class MockKeys:
    def __init__(self, settings: PopulationMockSettings, now: Callable[[], datetime]) -> None:
        self.settings = settings
        self._now = now
        self._store: KeyStore | None = settings.key_store
        self._signer: wsse.Signer | None = None
        self._verifier: wsse.Verifier | None = None
        self._impostor: wsse.Signer | None = None
        self._reloaded_at = 0.0

    def _key_store(self) -> KeyStore:
        if self._store is None:
            self._store = KeyStore.ensure_dev_keys(self.settings.keys_dir)
        return self._store

    @property
    def signer(self) -> wsse.Signer:
        if self._signer is None:
            s = self.settings
            if s.signing_key is not None:
                identity = wsse.SigningIdentity.load(s.signing_key, s.signing_cert)
            else:
                entry = self._key_store().active(MOCK_POPULATION)
                identity = wsse.SigningIdentity.load(entry.private_key, entry.certificate)  # type: ignore[arg-type]
            self._signer = wsse.Signer(identity, clock=self._now)
        return self._signer

    @property
    def verifier(self) -> wsse.Verifier:
        if self._verifier is None:
            self._verifier = wsse.Verifier(
                trusted_certs=self._trusted(), clock=self._now,
                max_skew=self.settings.max_skew_seconds,
                require_signature=self.settings.require_signature,
            )
        return self._verifier

    def _trusted(self) -> list[Any]:
        if self.settings.trusted_certs is not None:
            return list(self.settings.trusted_certs)
        return [e.certificate for e in self._key_store().entries(WSSE) if e.certificate is not None]

    def reload_trust(self) -> bool:
        """Re-read the key store after an unknown certificate (the gateway may have rotated
        its key); at most every few seconds, and never for explicitly configured certs."""
        if self.settings.trusted_certs is not None or self.settings.key_store is not None:
            return False
        if time.monotonic() - self._reloaded_at < TRUST_RELOAD_INTERVAL:
            return False
        self._reloaded_at = time.monotonic()
        self._store = KeyStore.load(self.settings.keys_dir)
        self._verifier = None
        return True

    @property
    def impostor(self) -> wsse.Signer:
        """Signs with a key nobody trusts (generated once, on the first bad_signature fault)."""
        if self._impostor is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Impostor population database")])
            now = datetime.now(timezone.utc)
            cert = (
                x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=3650)).not_valid_after(now + timedelta(days=3650))
                .sign(key, hashes.SHA256())
            )
            self._impostor = wsse.Signer(wsse.SigningIdentity.load(key, cert), clock=self._now)
        return self._impostor
