"""WS-Security for the population database (pipeline steps 3 and 5), on ``security.wsse``.

- ``WsseRequestSigner``: signs the built envelope (Body + ``wsu:Timestamp``, RSA-SHA256,
  certificate as BinarySecurityToken). The pipeline sends and audits exactly the bytes it
  returns, so the stored request re-verifies later with standard tools.
- ``classify_soap_reply``: the exchange's ``Classify`` hook, run on every reply before its
  HTTP status is judged: it parses the reply with the hardened parser and surfaces a SOAP
  Fault as ``UpstreamFault`` (SOAP 1.1 sends Faults with HTTP 500, which would otherwise be
  a retried ``upstream_unavailable``) *before* any signature check; an XML bomb or external
  entity is a ``SecurityError`` whatever the status. The reply is recorded either way.
- ``SoapReplyChecker``: verifies the signature of the envelope ``classify_soap_reply``
  parsed, with the PEER's certificates (required or optional by configuration). The envelope
  it checked is handed to the reply parser (``checked_envelope``), so the Body processed is
  the Body verified.
"""

from __future__ import annotations

import httpx
from lxml import etree

from adapters._exchange import OutboundRequest, SignatureInfo
from adapters.population.errors import fault_error, map_zeep_error
from adapters.population.wire import find_fault, parse_envelope
from contracts.errors import GatewayError, SecurityError
from security import wsse

SCHEME = "wsse-rsa-sha256"
_ENVELOPE = "population.envelope"  # key of the checked envelope in ``response.extensions``
_PARSED = "population.parsed"  # key of the envelope ``classify_soap_reply`` parsed


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
        envelope = response.extensions.pop(_PARSED, None)
        if envelope is None:  # not classified (or unreadable): parse, and say why it failed
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


def classify_soap_reply(response: httpx.Response, operation: str) -> GatewayError | None:
    """The exchange's ``Classify`` hook: the SOAP Fault a reply carries (``UpstreamFault``,
    whatever the HTTP status), a ``SecurityError`` for a hostile reply (DOCTYPE, entities),
    else ``None``. A reply that is not a SOAP envelope is left to the HTTP status and then to
    ``SoapReplyChecker``, which names the problem; so are 401/403 (stale credentials: the
    auth profile refreshes them, whatever the body says)."""
    if response.status_code in (401, 403):
        return None
    try:
        envelope = _parse(response.content, operation)
    except SecurityError as exc:
        return exc
    except GatewayError:
        return None
    fault = find_fault(envelope)
    if fault is not None:
        return fault_error(fault, operation)
    response.extensions[_PARSED] = envelope  # parsed once: the checker reads this tree
    return None
