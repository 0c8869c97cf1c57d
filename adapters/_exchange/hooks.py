"""Signing, classification and verification hooks of the pipeline (steps 3 and 5).

Per upstream: WS-Security X.509 for SOAP, detached JWS for REST, or the upstream's own
checksum (the payment platform's ``MaXacThuc``). The pipeline only knows these protocols.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from typing import Protocol

import httpx

from adapters._exchange.request import OutboundRequest
from contracts.errors import GatewayError

Classify = Callable[[httpx.Response, str], GatewayError | None]
"""Reads a reply before the HTTP status is judged: ``classify(response, operation)`` returns
the upstream's own error when the reply carries one whatever its status (a SOAP 1.1 Fault
comes with HTTP 500), ``None`` to let the status, then the verifier and ``parse``, decide."""


@dataclass(frozen=True)
class SignatureInfo:
    """What the audit record says about signatures: the scheme and key id we signed with or
    checked against, and whether the reply's signature verified (``None``: nothing to check)."""

    scheme: str | None = None
    key_id: str | None = None
    verified: bool | None = None


class Signer(Protocol):
    """Signs an authenticated request (may rewrite its body or add headers)."""

    scheme: str
    key_id: str | None

    async def sign(self, request: OutboundRequest) -> OutboundRequest: ...


class Verifier(Protocol):
    """Checks a reply against the request bytes it answers.

    Returns what it checked; raises a ``SecurityError`` subclass (``SignatureInvalid``,
    ``ChecksumInvalid``, ``ReplayDetected``) when the reply must not be trusted.
    """

    async def verify(self, request_bytes: bytes, response: httpx.Response) -> SignatureInfo: ...
