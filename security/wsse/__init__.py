"""WS-Security 1.0 X.509 signatures for SOAP 1.1 (OASIS 2004 SOAP Message Security and X.509
Token Profile), with lxml + xmlsec: signing (:class:`Signer`, :func:`sign_envelope`), strict
verification (:class:`Verifier`, :func:`verify_envelope`) and a zeep plugin (:class:`WsseX509`).
"""

from security.wsse.constants import (
    ALLOWED_DIGEST_METHODS,
    ALLOWED_SIGNATURE_METHODS,
    ECDSA_SHA256,
    RSA_SHA256,
    SHA256,
    WSSE,
    WSU,
)
from security.wsse.envelope import SoapFault, find_fault, parse_envelope, safe_parser
from security.wsse.keys import SigningIdentity, TrustedCertificate, TrustedCertificates, fingerprint
from security.wsse.sign import DEFAULT_TTL, Signer, sign_envelope
from security.wsse.verify import VerificationResult, Verifier, verify_envelope
from security.wsse.zeep_plugin import WsseX509

__all__ = [
    "ALLOWED_DIGEST_METHODS",
    "ALLOWED_SIGNATURE_METHODS",
    "DEFAULT_TTL",
    "ECDSA_SHA256",
    "RSA_SHA256",
    "SHA256",
    "WSSE",
    "WSU",
    "SigningIdentity",
    "Signer",
    "SoapFault",
    "TrustedCertificate",
    "TrustedCertificates",
    "VerificationResult",
    "Verifier",
    "WsseX509",
    "fingerprint",
    "find_fault",
    "parse_envelope",
    "safe_parser",
    "sign_envelope",
    "verify_envelope",
]
