"""Keys and certificates of the gateway and of the mock national systems (see ``store.py``
for the directory layout and ``purposes.py`` for what each purpose is)."""

from security.keys.errors import (
    CertificateKeyMismatch,
    CertificateNotValid,
    KeyFileMissing,
    KeyFileUnreadable,
    KeyNotFound,
    KeyStoreError,
    Pkcs12PasswordWrong,
)
from security.keys.material import KeyEntry, PrivateKey, PublicKey, kid_for_public_key
from security.keys.purposes import (
    AT_REST,
    AUDIT,
    CALLER_JWT,
    MOCK_PAYMENT,
    MOCK_POPULATION,
    PURPOSES,
    WSSE,
    PurposeSpec,
)
from security.keys.store import KeyStore

__all__ = [
    "AT_REST",
    "AUDIT",
    "CALLER_JWT",
    "MOCK_PAYMENT",
    "MOCK_POPULATION",
    "PURPOSES",
    "WSSE",
    "CertificateKeyMismatch",
    "CertificateNotValid",
    "KeyEntry",
    "KeyFileMissing",
    "KeyFileUnreadable",
    "KeyNotFound",
    "KeyStore",
    "KeyStoreError",
    "Pkcs12PasswordWrong",
    "PrivateKey",
    "PublicKey",
    "PurposeSpec",
    "kid_for_public_key",
]
