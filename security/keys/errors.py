"""Errors of the key store. All are configuration errors: the gateway cannot run with them.

    ConfigurationError (contracts.errors)
    └── KeyStoreError
        ├── KeyFileMissing           a configured key, certificate or keyring file does not exist
        ├── KeyFileUnreadable        garbled PEM / PKCS#12 / keyring.json, or wrong PEM password
        ├── Pkcs12PasswordWrong      the PKCS#12 file cannot be opened with the given password
        ├── CertificateNotValid      certificate expired or not yet valid
        ├── CertificateKeyMismatch   the certificate does not belong to its private key
        └── KeyNotFound              no active key for a purpose, or no key with that kid
"""

from __future__ import annotations

from contracts.errors import ConfigurationError


class KeyStoreError(ConfigurationError):
    title = "Key store error"


class KeyFileMissing(KeyStoreError):
    title = "Key file missing"


class KeyFileUnreadable(KeyStoreError):
    title = "Key file unreadable"


class Pkcs12PasswordWrong(KeyFileUnreadable):
    title = "Wrong PKCS#12 password"


class CertificateNotValid(KeyStoreError):
    title = "Certificate not valid now"


class CertificateKeyMismatch(KeyStoreError):
    title = "Certificate does not match its private key"


class KeyNotFound(KeyStoreError):
    title = "Key not found"
