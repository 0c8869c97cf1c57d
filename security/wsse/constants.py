"""Namespaces and algorithm identifiers of WS-Security 1.0 (OASIS 2004) and XML-DSig, and the
allow-lists every verification enforces (xmlsec alone would accept SHA-1)."""

from __future__ import annotations

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N_NS = "http://www.w3.org/2001/10/xml-exc-c14n#"

X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64_BINARY = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0"
    "#Base64Binary"
)

WSU_ID = f"{{{WSU}}}Id"

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

ALLOWED_SIGNATURE_METHODS = frozenset({RSA_SHA256, RSA_SHA384, RSA_SHA512, ECDSA_SHA256})
ALLOWED_DIGEST_METHODS = frozenset({SHA256, SHA384, SHA512})
ALLOWED_C14N_METHODS = frozenset({EXC_C14N})  # without comments only
ALLOWED_TRANSFORMS = frozenset({EXC_C14N})

# hashlib names of the allowed digests, for diagnosing which reference failed
DIGEST_HASHLIB = {SHA256: "sha256", SHA384: "sha384", SHA512: "sha512"}


def short_name(uri: str | None) -> str:
    """``…#rsa-sha1`` → ``rsa-sha1``: how algorithms are named in error details."""
    if not uri:
        return "(none)"
    return uri.rsplit("#", 1)[-1] if "#" in uri else uri
