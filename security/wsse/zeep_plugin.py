"""One zeep ``wsse=`` object that signs requests with our key and verifies replies with the
PEER's certificates, faults first (the traps of stack-notes.md: zeep's stock ``Signature``
defaults to SHA-1, verifies replies with our own certificate, chokes on faults and unsigned
replies, and never adds a Timestamp; a list of wsse objects crashes on replies).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from security.wsse.sign import Signer
from security.wsse.verify import VerificationResult, Verifier


class WsseX509:
    """Pass as ``zeep.Client(..., wsse=WsseX509(signer, verifier))``.

    ``apply`` signs the envelope in place (Body + Timestamp, RSA-SHA256). ``verify`` raises
    ``contracts.errors.UpstreamFault`` for a SOAP Fault (before any verification),
    ``SignatureInvalid`` / ``ReplayDetected`` for a bad signature, and accepts an unsigned
    reply only if the verifier does not require signatures. No per-call state is kept on
    the object, so one instance serves concurrent calls.

    zeep parses replies with its own parser before ``verify`` (it resolves no entities, but
    allows a DTD unless ``Settings(forbid_dtd=True)``); ``verify`` refuses any DOCTYPE
    anyway. To check the exact received bytes instead, call ``Verifier.verify(bytes)``
    from the transport.
    """

    def __init__(self, signer: Signer | None, verifier: Verifier | None) -> None:
        self.signer = signer
        self.verifier = verifier

    def apply(self, envelope: etree._Element, headers: dict[str, Any]) -> tuple[etree._Element, dict[str, Any]]:
        if self.signer is not None:
            self.signer.sign_tree(envelope)
        return envelope, headers

    def verify(self, envelope: etree._Element) -> VerificationResult | None:
        if self.verifier is None:
            return None
        return self.verifier.verify_tree(envelope)
