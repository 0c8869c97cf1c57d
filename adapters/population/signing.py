"""WS-Security for the population database (pipeline steps 3 and 5), on ``security.wsse``.

- ``WsseRequestSigner``: signs the built envelope (Body + ``wsu:Timestamp``, RSA-SHA256,
  certificate as BinarySecurityToken). The pipeline sends and audits exactly the bytes it
  returns, so the stored request re-verifies later with standard tools.
- ``SoapReplyChecker``: reads every reply first with the hardened parser, surfaces a SOAP
  Fault as ``UpstreamFault`` *before* any signature check, then verifies the signature with
  the PEER's certificates (required or optional by configuration). The envelope it checked
  is handed to the reply parser (``checked_envelope``), so the Body processed is the Body
  verified.
- ``raise_soap_fault``: an httpx response hook for faults sent with HTTP 500 (SOAP 1.1),
  which the pipeline would otherwise report as ``upstream_unavailable`` and retry.
"""

from __future__ import annotations

import httpx
from lxml import etree

from adapters._exchange import OutboundRequest, SignatureInfo
from adapters.population.errors import fault_error, map_zeep_error
from adapters.population.wire import find_fault, parse_envelope
from security import wsse

SCHEME = "wsse-rsa-sha256"
_ENVELOPE = "population.envelope"  # key of the checked envelope in ``response.extensions``


class WsseRequestSigner:
    """The exchange ``Signer`` for SOAP: WS-Security X.509 with our ``wsse`` key."""

    scheme = SCHEME

    def __init__(self, signer: wsse.Signer, *, key_id: str) -> None:
        self._signer = signer
        self.key_id = key_id  # the key store's id of the signing key (as in audit/certificates)

    async def sign(self, request: OutboundRequest) -> OutboundRequest:
        return request.with_content(self._signer.sign(request.body_bytes()))


def _parse(content: bytes, operation: str) -> etree._Element:
    try:
        return parse_envelope(content)
    except Exception as exc:
        mapped = map_zeep_error(exc, operation)
        if mapped is None:
            raise
        raise mapped from exc


class SoapReplyChecker:
    """The exchange ``Verifier`` for SOAP replies (see the module docstring)."""

    def __init__(self, verifier: wsse.Verifier | None) -> None:
        self._verifier = verifier

    async def verify(self, request_bytes: bytes, response: httpx.Response) -> SignatureInfo:
        envelope = _parse(response.content, "reply")
        fault = find_fault(envelope)
        if fault is not None:
            raise fault_error(fault, "reply")
        if self._verifier is None:
            response.extensions[_ENVELOPE] = envelope
            return SignatureInfo()
        result = self._verifier.verify_tree(envelope)  # SignatureInvalid, ReplayDetected
        response.extensions[_ENVELOPE] = result.envelope
        if not result.verified:  # unsigned, and no signature required
            return SignatureInfo()
        return SignatureInfo(scheme=SCHEME, key_id=result.key_id, verified=True)


def checked_envelope(response: httpx.Response, operation: str) -> etree._Element:
    """The envelope ``SoapReplyChecker`` checked, or (no checker installed) a hardened parse."""
    envelope = response.extensions.get(_ENVELOPE)
    if envelope is not None:
        return envelope  # type: ignore[no-any-return]
    return _parse(response.content, operation)


async def raise_soap_fault(response: httpx.Response) -> None:
    """httpx ``response`` hook: an HTTP error status carrying a SOAP Fault is the upstream's
    own error (``UpstreamFault``), not an outage. Anything else is left to the pipeline."""
    if response.status_code < 400 or "xml" not in response.headers.get("content-type", ""):
        return
    await response.aread()
    try:
        fault = find_fault(parse_envelope(response.content))
    except Exception:  # not a readable envelope: the HTTP status decides
        return
    if fault is not None:
        raise fault_error(fault, "reply")
